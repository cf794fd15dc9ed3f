"""Overload: requests in flight are bounded and the rest are shed with 503 +
Retry-After; SQLite writers queue in the process, and a wait that runs out is
503 `busy`, never a 500 "database is locked"; many devices pushing at once on a
real server process all succeed with their ledger complete."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio import to_thread
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from app.domain import ChecklistKind, Role, Status
from server_stub.api.overload import InFlightLimit, Slots
from server_stub.db import WriteGate, open_database
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, LedgerEntry, Note
from server_stub.seeding.records import ItemSpec, OrderSpec, create_order, create_organisation, create_user
from server_stub.settings import Settings
from server_stub.testing import database_url_for, running_server

from .conftest import PASSWORD, World

WAIT = 10.0  # the longest any event in these tests may take to happen


# --- the in-flight limiter, on a small ASGI app ------------------------------


class Gated:
    """An ASGI app whose requests stay in flight until the test opens the gate;
    /api/v1/health answers at once."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.entered: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != "/api/v1/health":
            self.entered.append(scope["path"])
            await self.open.wait()
        await PlainTextResponse("ok")(scope, receive, send)


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop until `condition` holds (no clock involved)."""
    for _ in range(100_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never came true")


def limited(inner: Gated, *, limit: int, queue: int, wait: float = WAIT) -> InFlightLimit:
    return InFlightLimit(
        inner,
        limit=limit,
        queue=queue,
        wait_seconds=wait,
        retry_after_seconds=3,
        exempt=("/api/v1/health",),
    )


def _client(app: InFlightLimit) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ordo.test")


def _assert_overloaded(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "overloaded"
    assert "try again in 3 s" in response.json()["error"]["message"]


def test_full_limiter_sheds_with_503_and_retry_after_and_health_still_answers() -> None:
    async def scenario() -> None:
        inner = Gated()
        app = limited(inner, limit=2, queue=0)
        async with _client(app) as client:
            held = [asyncio.create_task(client.get(f"/api/v1/sync/pull?n={n}")) for n in range(2)]
            await until(lambda: len(inner.entered) == 2)
            _assert_overloaded(await client.post("/api/v1/sync/push"))
            assert (await client.get("/api/v1/health")).status_code == 200
            assert app.slots.in_flight == 2
            inner.open.set()
            assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
            assert (await client.get("/api/v1/sync/pull")).status_code == 200
            assert app.slots.in_flight == 0

    asyncio.run(scenario())


def test_queued_requests_wait_their_turn_and_beyond_the_queue_are_shed() -> None:
    async def scenario() -> None:
        inner = Gated()
        app = limited(inner, limit=1, queue=2)
        async with _client(app) as client:
            first = asyncio.create_task(client.get("/first"))
            await until(lambda: inner.entered == ["/first"])
            queued = [asyncio.create_task(client.get(p)) for p in ("/second", "/third")]
            await until(lambda: app.slots.queued == 2)
            _assert_overloaded(await client.get("/fourth"))  # the queue is full
            assert inner.entered == ["/first"]  # the queued ones have not started
            inner.open.set()
            answers = await asyncio.gather(first, *queued)
            assert [r.status_code for r in answers] == [200, 200, 200]
            assert inner.entered == ["/first", "/second", "/third"]  # first come, first served
            assert (app.slots.in_flight, app.slots.queued) == (0, 0)

    asyncio.run(scenario())


def test_a_request_queued_past_the_wait_is_shed() -> None:
    async def scenario() -> None:
        inner = Gated()
        app = limited(inner, limit=1, queue=5, wait=0.05)
        async with _client(app) as client:
            first = asyncio.create_task(client.get("/first"))
            await until(lambda: inner.entered == ["/first"])
            _assert_overloaded(await client.get("/second"))  # waited 0.05 s, no slot came free
            assert app.slots.queued == 0
            inner.open.set()
            assert (await first).status_code == 200
            assert app.slots.in_flight == 0

    asyncio.run(scenario())


def test_a_client_gone_while_queued_leaks_no_slot() -> None:
    async def scenario() -> None:
        inner = Gated()
        app = limited(inner, limit=1, queue=1)
        async with _client(app) as client:
            first = asyncio.create_task(client.get("/first"))
            await until(lambda: inner.entered == ["/first"])
            gone = asyncio.create_task(client.get("/gone"))
            await until(lambda: app.slots.queued == 1)
            gone.cancel()
            await asyncio.gather(gone, return_exceptions=True)
            assert app.slots.queued == 0
            inner.open.set()
            assert (await first).status_code == 200
            assert (await client.get("/after")).status_code == 200
            assert inner.entered == ["/first", "/after"]
            assert app.slots.in_flight == 0

    asyncio.run(scenario())


def test_slots_refuse_nonsense_limits() -> None:
    for kwargs in ({"limit": 0, "queue": 1, "wait": 1.0}, {"limit": 1, "queue": -1, "wait": 1.0}):
        with pytest.raises(ValueError):
            Slots(**kwargs)


# --- the SQLite write gate ---------------------------------------------------


def test_write_gate_hands_over_in_arrival_order_and_times_out() -> None:
    gate = WriteGate(wait=WAIT)
    assert gate.acquire()
    assert not gate.acquire(timeout=0.01)  # held: the wait runs out
    assert gate.waiting == 0  # and the timed-out caller left the line
    order: list[str] = []

    def take(name: str) -> None:
        assert gate.acquire()
        order.append(name)
        gate.release()

    threads = []
    for name in ("a", "b", "c"):
        thread = threading.Thread(target=take, args=(name,))
        thread.start()
        threads.append(thread)
        _wait_for(_in_line(gate, len(threads)))  # in line before the next one comes
    gate.release()
    for thread in threads:
        thread.join(WAIT)
    assert order == ["a", "b", "c"]
    assert gate.acquire(timeout=0)  # free again
    gate.release()


def _in_line(gate: WriteGate, count: int) -> Callable[[], bool]:
    return lambda: gate.waiting == count


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll a condition another thread makes true, with a deadline."""
    done = threading.Event()
    for _ in range(10_000):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("the condition never came true")


@pytest.fixture
def sqlite_settings(tmp_path: Path, database_url: str) -> Settings:
    # Tests using this fixture are about SQLite's write lock: conftest deselects their
    # PostgreSQL runs (SQLITE_ONLY_FIXTURES), so a skip never hides in CI's count.
    assert database_url.startswith("sqlite")
    return Settings(data_dir=tmp_path, database_url=database_url)


@contextmanager
def _app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _sign_in_body(username: str = "tech1") -> dict[str, Any]:
    return {"username": username, "password": PASSWORD, "device_id": str(uuid.uuid4())}


def _assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"


def test_a_write_that_cannot_get_the_lock_in_time_is_503_busy(
    sqlite_settings: Settings, world: World
) -> None:
    settings = sqlite_settings.model_copy(update={"sqlite_write_wait_seconds": 0.1})
    with _app_client(settings) as client:
        gate = client.app.state.db.gate
        assert gate.acquire()  # another writer holds the lock
        try:
            _assert_busy(client.post("/api/v1/auth/token", json=_sign_in_body()))
        finally:
            gate.release()
        assert client.post("/api/v1/auth/token", json=_sign_in_body()).status_code == 200


def test_a_lock_held_by_another_process_is_503_busy_not_500(sqlite_settings: Settings, world: World) -> None:
    settings = sqlite_settings.model_copy(update={"sqlite_write_wait_seconds": 0.1})
    path = settings.database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)  # e.g. `ordo-server prune` beside the server
    try:
        with _app_client(settings) as client:
            sign_in = _sign_in_body()
            token = client.post("/api/v1/auth/token", json=sign_in).json()["access_token"]
            push = {
                "protocol": 1,
                "device_id": sign_in["device_id"],
                "mutations": [_note(mid=1, order_id=world.orders["a"])],
            }
            headers = {"Authorization": f"Bearer {token}"}
            other.execute("BEGIN IMMEDIATE")
            response = client.post("/api/v1/sync/push", json=push, headers=headers)
            _assert_busy(response)
            assert "locked" not in response.text
            other.execute("ROLLBACK")
            # Sent again, the same batch applies, once.
            response = client.post("/api/v1/sync/push", json=push, headers=headers)
            assert response.status_code == 200
            assert response.json()["last_mid"] == 1
            assert [r["status"] for r in response.json()["results"]] == ["applied"]
    finally:
        other.close()


def test_a_request_waiting_for_the_lock_holds_its_slot(sqlite_settings: Settings, world: World) -> None:
    """On the real app: with one slot, a sign-in queued at the write gate keeps it,
    the next request is shed with 503 `overloaded`, and health still answers."""
    settings = sqlite_settings.model_copy(update={"max_in_flight": 1, "max_queued": 0})
    with _app_client(settings) as client:
        gate = client.app.state.db.gate
        assert gate.acquire()
        answers: list[httpx.Response] = []
        signing_in = threading.Thread(
            target=lambda: answers.append(client.post("/api/v1/auth/token", json=_sign_in_body()))
        )
        signing_in.start()
        try:
            _wait_for(lambda: gate.waiting == 1)  # the sign-in is in line for the write lock
            response = client.get("/api/v1/sync/pull")
            assert response.status_code == 503 and response.headers["Retry-After"] == "2"
            assert response.json()["error"]["code"] == "overloaded"
            assert client.get("/api/v1/health").status_code == 200
        finally:
            gate.release()
            signing_in.join(WAIT)
        assert [r.status_code for r in answers] == [200]


# --- many devices at once, on a real server process --------------------------


def _note(*, mid: int, order_id: str) -> dict[str, Any]:
    args = {"id": str(uuid.uuid4()), "text": f"note {mid}", "at": "2026-11-25T09:00:00Z"}
    return {"mid": mid, "type": "note.add", "entity_id": order_id, "args": args}


def _seed_technicians(database_url: str, *, count: int) -> list[tuple[str, str, list[str]]]:
    """`count` technicians, each with one assigned order of two items: (username, order, items)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    now = datetime.now(UTC)
    db = open_database(database_url)
    techs = []
    try:
        with db.write() as session, session.begin():
            org = create_organisation(session, name="Busy Org", now=now)
            for n in range(count):
                user = create_user(
                    session, org_id=org.id, username=f"busy{n}", password_hash=cheap,
                    role=Role.TECHNICIAN, display_name=f"Busy {n}",
                )  # fmt: skip
                spec = OrderSpec(
                    title=f"Order {n}", status=Status.ASSIGNED, assignee_id=user.id,
                    lifecycle={"assigned_at": now},
                    checklist=[ItemSpec(label=f"Step {i}", kind=ChecklistKind.CHECK) for i in (1, 2)],
                )  # fmt: skip
                order = create_order(session, org_id=org.id, spec=spec, now=now)
                session.flush()
                items = session.execute(
                    select(ChecklistItem.id).where(ChecklistItem.order_id == order.id)
                ).scalars()
                techs.append((user.username, order.id, list(items)))
    finally:
        db.dispose()
    return techs


@pytest.mark.slow
def test_fifty_devices_pushing_at_once_on_sqlite_all_succeed(tmp_path: Path) -> None:
    devices = 50
    data_dir = tmp_path / "server"
    url = database_url_for(data_dir)
    data_dir.mkdir()
    migrate(url)
    techs = _seed_technicians(url, count=devices)
    start = threading.Barrier(devices)
    answers: dict[str, list[int]] = {}
    pushed: dict[str, dict[str, Any]] = {}

    def device(username: str, order_id: str, items: list[str]) -> None:
        device_id = str(uuid.uuid4())
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=60.0) as api:
            body = {"username": username, "password": PASSWORD, "device_id": device_id}
            signed_in = api.post("/auth/token", json=body)
            statuses = answers.setdefault(device_id, [signed_in.status_code])
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            mutations = [_note(mid=1, order_id=order_id), _note(mid=2, order_id=order_id)]
            for mid, item in enumerate(items, start=3):
                args = {"item_id": item, "value": True, "done": True}
                mutations.append({"mid": mid, "type": "checklist.set", "entity_id": order_id, "args": args})
            mutations.append(_note(mid=5, order_id=order_id))
            start.wait(WAIT)  # every device pushes at the same moment
            response = api.post(
                "/sync/push",
                json={"protocol": 1, "device_id": device_id, "mutations": mutations},
                headers=headers,
            )
            statuses.append(response.status_code)
            pushed[device_id] = response.json()

    with running_server(data_dir=data_dir, seed_demo=False) as server:
        threads = [threading.Thread(target=device, args=tech) for tech in techs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        log = server.log_path.read_text(errors="replace")
    assert len(answers) == devices
    assert all(statuses == [200, 200] for statuses in answers.values()), answers
    for body in pushed.values():
        assert body["last_mid"] == 5
        assert [r["status"] for r in body["results"]] == ["applied"] * 5
    db = open_database(url)
    try:
        with db.read() as session:
            ledger = session.execute(select(LedgerEntry.device_id, LedgerEntry.mid)).all()
            notes = session.execute(select(func.count()).select_from(Note)).scalar_one()
            done = session.execute(
                select(func.count()).select_from(ChecklistItem).where(ChecklistItem.done.is_(True))
            ).scalar_one()
    finally:
        db.dispose()
    assert sorted(ledger) == sorted((d, mid) for d in pushed for mid in range(1, 6))
    assert (notes, done) == (3 * devices, 2 * devices)
    assert "Traceback" not in log and "database is locked" not in log


def test_requests_run_on_as_many_threads_as_the_setting_says(settings: Settings) -> None:
    """anyio's pool would run 40 at once; the server's own size stands (issue 11)."""
    app = create_app(settings.model_copy(update={"worker_threads": 3}))
    with TestClient(app) as client:
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
