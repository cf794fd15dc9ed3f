"""A real ordo-server process on loopback, a real client store: offline work reaches the server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from app.domain import Status
from app.services.facade import Ordo
from app.services.types import OrderDetail, SyncState
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.outbox import queued
from app.sync import Offline, SyncError
from server_stub.testing import read_order, running_server

from .devices import device

pytestmark = pytest.mark.slow


class FaultTransport(httpx.BaseTransport):
    """A real HTTP transport the test can cut or make answer badly, and that records every request."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.cut = False
        self.answer: Callable[[httpx.Request], httpx.Response] | None = None
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.cut:
            raise httpx.ConnectError("network cut by the test", request=request)
        if self.answer is not None and request.url.path.startswith("/api/v1/sync/"):
            return self.answer(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _client(server_url: str, tmp_path, transport: FaultTransport, **kw) -> Ordo:
    return device(server_url, tmp_path / "client", transport, **kw)


def _pick(ordo: Ordo) -> OrderDetail:
    groups = ordo.list_orders()
    for summary in groups.overdue + groups.today + groups.upcoming:
        detail = ordo.get_order(summary.id)
        if detail and detail.summary.status is Status.ASSIGNED and not detail.requires_signature:
            return detail
    raise AssertionError("the demo seed has no assigned order without a signature for tech1")


_VALUES = {"check": None, "number": 1.0, "text": "ok", "pass_fail": "pass"}


def _do_the_job(ordo: Ordo, detail: OrderDetail) -> OrderDetail:
    oid = detail.summary.id
    after = ordo.transition(oid, Status.IN_PROGRESS)
    assert after.summary.status is Status.IN_PROGRESS and after.summary.pending
    for item in detail.checklist:
        if item.required:
            value = _VALUES.get(item.kind)
            if item.kind == "number" and item.value is not None:
                value = item.value
            after = ordo.set_checklist(oid, item.id, value=value, done=True)
    assert after.blockers == []
    after = ordo.add_note(oid, "Replaced the seal, tested at pressure.")
    assert after.notes[-1].pending and after.notes[-1].text == "Replaced the seal, tested at pressure."
    after = ordo.transition(oid, Status.COMPLETED)
    assert after.summary.status is Status.COMPLETED and after.summary.pending
    return after


def _outbox(ordo: Ordo) -> int:
    with ordo._store.read() as s:
        return len(queued(s))


def test_offline_work_reaches_the_server_when_it_comes_back(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = FaultTransport()
        ordo = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            detail = _pick(ordo)
            required = [i for i in detail.checklist if i.required]

            server.stop()  # really offline: nothing listens on the port
            done = _do_the_job(ordo, detail)
            with pytest.raises(Offline, match="Cannot reach"):
                ordo.sync_blocking()
            assert ordo.get_order(detail.summary.id) == done  # nothing lost, nothing reverted
            assert _outbox(ordo) == 3 + len(required)  # two moves, a note, the ticks

            server.start()
            ordo.sync_blocking()
            held = read_order(database_url=server.database_url, order_id=str(detail.summary.id))
            assert held is not None and held["status"] == "completed"
            assert all(i["done"] for i in held["checklist"] if i["required"])
            assert [n["text"] for n in held["notes"]][-1] == "Replaced the seal, tested at pressure."
            assert _outbox(ordo) == 0
            local = ordo.get_order(detail.summary.id)
            assert local.summary.status is Status.COMPLETED and not local.summary.pending
            assert not local.notes[-1].pending

            transport.paths.clear()
            ordo.sync_blocking()
            assert "/api/v1/sync/push" not in transport.paths  # nothing new to send
            assert transport.paths == ["/api/v1/sync/pull"]
        finally:
            ordo.close()


@pytest.mark.parametrize(
    "bad",
    [
        lambda r: httpx.Response(500, text="Internal Server Error"),
        lambda r: httpx.Response(200, text="<html>captive portal</html>"),
        lambda r: httpx.Response(200, json={"results": [], "not": "a pull"}),
    ],
    ids=["500", "html", "wrong-shape"],
)
def test_nothing_local_is_lost_when_the_server_misbehaves(tmp_path, bad, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = FaultTransport()
        ordo = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            detail = _pick(ordo)
            transport.cut = True
            done = _do_the_job(ordo, detail)
            transport.cut = False
            transport.answer = bad
            for _ in range(2):
                with pytest.raises(SyncError):
                    ordo.sync_blocking()
                assert ordo.get_order(detail.summary.id) == done
            assert _outbox(ordo) >= 3
            transport.answer = None
            ordo.sync_blocking()
            held = read_order(database_url=server.database_url, order_id=str(detail.summary.id))
            assert held["status"] == "completed"
            assert _outbox(ordo) == 0
        finally:
            ordo.close()


def test_the_worker_resumes_by_itself_when_the_network_returns(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = FaultTransport()
        settings = ClientSettings(
            data_dir=tmp_path / "client",
            server_url=server.url,
            backoff_base=0.05,
            backoff_cap=0.2,
            sync_interval=300,
        )
        synced = threading.Event()
        ordo = Ordo(
            store=LocalStore.open(settings.db_path),
            client_factory=lambda url: httpx.Client(base_url=url, transport=transport, timeout=10),
            clock=_now,
            settings=settings,
            start_worker=True,
        )
        try:
            ordo.add_listener(lambda: synced.set() if _synced_and_empty(ordo) else None)
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")  # pokes the worker
            assert synced.wait(20), f"the first sync did not finish: {ordo.sync_status()}"
            detail = _pick(ordo)
            transport.cut = True
            ordo.add_note(detail.summary.id, "written in a basement")
            synced.clear()
            offline = threading.Event()
            ordo.add_listener(
                lambda: offline.set() if ordo.sync_status().state is SyncState.OFFLINE else None
            )
            assert offline.wait(20), "the worker never noticed it was offline"
            transport.cut = False  # the network returns; the user does nothing
            assert synced.wait(20), f"the worker did not resume: {ordo.sync_status()}"
            held = read_order(database_url=server.database_url, order_id=str(detail.summary.id))
            assert "written in a basement" in [n["text"] for n in held["notes"]]
        finally:
            ordo.close()


def _synced_and_empty(ordo: Ordo) -> bool:
    status = ordo.sync_status()
    return status.state is SyncState.SYNCED and status.waiting == 0


def test_a_lost_push_answer_is_sent_again_and_applied_once(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = FaultTransport()
        ordo = _client(server.url, tmp_path, transport)
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            detail = _pick(ordo)
            ordo.add_note(detail.summary.id, "exactly once")

            def lose_answer(request: httpx.Request) -> httpx.Response:
                transport.inner.handle_request(request).read()  # the server applies it...
                raise httpx.ReadError("connection reset", request=request)  # ...the answer is lost

            transport.answer = lose_answer
            with pytest.raises(Offline):
                ordo.sync_blocking()
            assert _outbox(ordo) == 1
            transport.answer = None
            ordo.sync_blocking()
            held = read_order(database_url=server.database_url, order_id=str(detail.summary.id))
            assert [n["text"] for n in held["notes"]].count("exactly once") == 1
            assert _outbox(ordo) == 0
            assert [n.text for n in ordo.get_order(detail.summary.id).notes].count("exactly once") == 1
        finally:
            ordo.close()
