"""Live pokes end to end, on SQLite and PostgreSQL: real server process, real client
facades with their workers and listeners running, nobody pressing "Sync now".

- a desk shows a technician's note, and a phone its new assignment, within 2 s (the timed
  pull is five minutes away, so only a poke can have done it);
- a poke lost on purpose (the stream is held, its `changed` events are swallowed) still
  converges, through the timed pull."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.domain import Status
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import Note, Order
from app.sync.live import EVENTS_PATH
from server_stub.testing import running_server

pytestmark = pytest.mark.slow

LIVE = 2.0  # issue 10: within 2 s of the push
WAIT = 20.0  # for what a timed pull brings


class SwallowedPokes(httpx.BaseTransport):
    """A real transport whose event stream stays open but never passes a `changed` on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != EVENTS_PATH:
            return response
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Pings(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class _Pings(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        pending = b""
        for chunk in self._response.stream:
            pending += chunk
            *frames, pending = pending.split(b"\n\n")
            for frame in frames:
                if not frame.startswith(b"event: changed"):
                    yield frame + b"\n\n"

    def close(self) -> None:
        self._response.close()


def _device(folder: Path, server_url: str, user: str, password: str, **kw: object) -> Ordo:
    transport = kw.pop("transport", None)
    settings = ClientSettings(data_dir=folder, server_url=server_url, **kw)  # type: ignore[arg-type]
    ordo = Ordo(
        store=LocalStore.open(settings.db_path),
        client_factory=lambda url: httpx.Client(base_url=url, timeout=30, transport=transport),  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
        settings=settings,
    )
    synced = threading.Event()
    unsubscribe = ordo.add_listener(lambda: synced.set() if ordo.sync_status().last_synced_at else None)
    ordo.sign_in(server_url=server_url, username=user, password=password)
    assert synced.wait(WAIT), f"{user}'s first sync did not finish: {ordo.sync_status()}"
    unsubscribe()
    assert ordo.live.connected.wait(WAIT), f"{user}'s live stream did not open"
    return ordo


def _arrives(ordo: Ordo, check: object, *, within: float) -> float:
    """Seconds until `check(ordo)` holds in the device's local database, at most `within`."""
    seen = threading.Event()

    def look() -> None:
        if check(ordo):  # type: ignore[operator]
            seen.set()

    start = time.perf_counter()
    unsubscribe = ordo.add_listener(look)
    try:
        look()
        assert seen.wait(within), f"not there within {within} s"
        return time.perf_counter() - start
    finally:
        unsubscribe()


def _has_note(text: str) -> object:
    def check(ordo: Ordo) -> bool:
        with ordo._store.read() as s:
            return s.query(Note).filter(Note.text == text).first() is not None

    return check


def _assigned_to_me(order_id: str) -> object:
    def check(ordo: Ordo) -> bool:
        with ordo._store.read() as s:
            order = s.get(Order, order_id)
            return order is not None and order.status == Status.ASSIGNED.value

    return check


def test_a_desk_and_a_phone_see_each_others_changes_within_2_s(
    tmp_path: Path, server_database: str | None
) -> None:
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        desk = _device(tmp_path / "desk", server.url, "dispatcher", "demo-dispatcher", sync_interval=300)
        phone = _device(tmp_path / "phone", server.url, "tech1", "demo-tech", sync_interval=300)
        try:
            mine = [*phone.list_orders().today, *phone.list_orders().upcoming, *phone.list_orders().overdue]
            phone.add_note(mine[0].id, "seen at the desk")  # pushed at once, then poked to the desk
            assert _arrives(desk, _has_note("seen at the desk"), within=LIVE) < LIVE
            board = desk.list_orders()
            new = next(o for o in [*board.today, *board.upcoming, *board.overdue] if o.status is Status.NEW)
            tech1 = phone.current_user()
            assert tech1 is not None
            desk.assign(new.id, tech1.id)
            assert _arrives(phone, _assigned_to_me(str(new.id)), within=LIVE) < LIVE
            assert desk.live.pokes >= 1 and phone.live.pokes >= 1
        finally:
            desk.close()
            phone.close()


def test_a_lost_poke_still_converges_through_the_timed_pull(
    tmp_path: Path, server_database: str | None
) -> None:
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        desk = _device(
            tmp_path / "desk", server.url, "dispatcher", "demo-dispatcher", sync_interval=1.0,
            transport=SwallowedPokes(),
        )  # fmt: skip
        phone = _device(tmp_path / "phone", server.url, "tech2", "demo-tech", sync_interval=300)
        try:
            mine = [*phone.list_orders().today, *phone.list_orders().upcoming, *phone.list_orders().overdue]
            phone.add_note(mine[0].id, "no poke for this one")
            _arrives(desk, _has_note("no poke for this one"), within=WAIT)
            assert desk.live.pokes == 0 and desk.live.connected.is_set()  # held, but told nothing
        finally:
            desk.close()
            phone.close()
