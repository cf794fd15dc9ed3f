"""Clients honour Retry-After (429/503): the worker waits at least that long and
never longer than its backoff cap, and a poke inside that window does not sync
early. Driven by a waiter the test steps and a clock it moves: no sleeping."""

import random
import sqlite3
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from store.kit import (
    T0,
    URL,
    StepWaiter,
    synced_with_one_order,
)

from app.services import writes
from app.services.facade import Ordo
from app.services.types import SyncState
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.outbox import queued
from app.sync import Backoff, ServerUnavailable
from app.sync.http import request
from app.sync.worker import SyncWorker
from server_stub.testing import running_server

CAP = 30.0
INTERVAL = 60.0


class Monotonic:
    """The worker's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def busy(status: int, retry_after: str | None):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = {"error": {"code": "overloaded", "message": "try again later"}}
    return lambda _request: httpx.Response(status, headers=headers, json=body)


@pytest.fixture
def rig(tmp_path):
    """A signed-in device with one note waiting, its worker on a stepped waiter and a moved clock."""
    store, server, engine, order = synced_with_one_order(tmp_path, seq=1, cursor="1")
    with store.transaction() as s:
        writes.add_note(s, order_id=uuid.UUID(order), text="written while the server is busy", now=T0)
    waiter = StepWaiter()
    clock = Monotonic()
    worker = SyncWorker(
        store=store,
        sync=engine.sync_once,
        backoff=Backoff(base=2.0, cap=CAP, rng=random.Random(5)),
        interval=INTERVAL,
        waiter=waiter,
        clock=clock,
    )
    yield store, server, waiter, clock, worker
    worker.stop()


@pytest.mark.parametrize("status", [429, 503])
def test_the_worker_waits_at_least_retry_after(rig, status):
    _, server, waiter, _, worker = rig
    server.fault = busy(status, "20")
    worker.start()
    assert 20.0 <= waiter.next_timeout() <= CAP
    assert worker.status.state is SyncState.OFFLINE
    assert f"HTTP {status}" in worker.status.message


def test_a_retry_after_past_the_cap_waits_the_cap(rig):
    _, server, waiter, _, worker = rig
    server.fault = busy(503, "86400")
    worker.start()
    assert waiter.next_timeout() == CAP


def test_a_poke_inside_the_window_waits_out_the_rest_then_syncs(rig):
    store, server, waiter, clock, worker = rig
    server.fault = busy(503, "20")
    worker.start()
    assert waiter.next_timeout() >= 20.0
    asked = len(server.requests)
    clock.advance(5)
    worker.poke()  # the user writes something, or taps "Sync now"
    assert waiter.next_timeout() == pytest.approx(15.0)  # the rest of the server's window
    assert len(server.requests) == asked  # nothing was sent meanwhile
    server.fault = None
    clock.advance(15)
    waiter.expire()
    assert waiter.next_timeout() == INTERVAL  # synced, back on the regular interval
    assert len(server.requests) > asked
    assert worker.status.state is SyncState.SYNCED
    with store.read() as s:
        assert queued(s) == []


def test_after_the_window_a_poke_syncs_at_once(rig):
    store, server, waiter, clock, worker = rig
    server.fault = busy(429, "10")
    worker.start()
    waiter.next_timeout()
    clock.advance(10)
    server.fault = None
    worker.poke()  # the window has passed: no holding off
    assert waiter.next_timeout() == INTERVAL
    with store.read() as s:
        assert queued(s) == []


def test_without_retry_after_a_poke_syncs_at_once(rig):
    store, server, waiter, _, worker = rig
    server.fault = busy(503, None)
    worker.start()
    assert 0 <= waiter.next_timeout() <= 2.0  # the plain backoff
    server.fault = None
    worker.poke()
    assert waiter.next_timeout() == INTERVAL
    with store.read() as s:
        assert queued(s) == []


def test_a_garbled_retry_after_falls_back_to_the_backoff(rig):
    _, server, waiter, _, worker = rig
    server.fault = busy(503, "soon")
    worker.start()
    assert 0 <= waiter.next_timeout() <= 2.0


def test_stopping_inside_the_window_stops_at_once(rig):
    _, server, waiter, clock, worker = rig
    server.fault = busy(503, "20")
    worker.start()
    waiter.next_timeout()
    clock.advance(1)
    worker.poke()
    assert waiter.next_timeout() == pytest.approx(19.0)
    worker.stop()
    assert not worker.running


def test_backoff_honours_a_floor_up_to_its_cap():
    backoff = Backoff(base=1.0, cap=10.0, rng=random.Random(3))
    assert backoff.delay(0, at_least=5.0) == 5.0  # the jitter (at most 1 s) is below the floor
    assert backoff.delay(0, at_least=500.0) == 10.0  # never past the cap
    assert 0.0 <= backoff.delay(0, at_least=-3.0) <= 1.0  # nonsense is ignored
    for attempt in range(10):
        assert 2.0 <= backoff.delay(attempt, at_least=2.0) <= 10.0


@pytest.mark.parametrize("status", [429, 503])
def test_the_header_reaches_the_error(status):
    client = httpx.Client(base_url=URL, transport=httpx.MockTransport(busy(status, "7")))
    with pytest.raises(ServerUnavailable) as caught:
        request(client, "POST", "/api/v1/sync/push", token="t")
    assert caught.value.retry_after == 7.0


@pytest.mark.slow
def test_a_real_server_whose_database_is_locked_says_when_to_come_back(tmp_path, monkeypatch):
    """End to end: the server's write wait runs out (another process holds SQLite's
    lock), it answers 503 + Retry-After, the device keeps its note and learns when to
    retry; once the lock is gone the same note goes through."""
    monkeypatch.setenv("ORDO_SERVER_SQLITE_WRITE_WAIT_SECONDS", "0.2")
    monkeypatch.setenv("ORDO_SERVER_OVERLOAD_RETRY_AFTER_SECONDS", "3")
    with running_server(data_dir=tmp_path / "server") as server:
        settings = ClientSettings(data_dir=tmp_path / "device", server_url=server.url)
        ordo = Ordo(
            store=LocalStore.open(settings.db_path),
            client_factory=lambda url: httpx.Client(base_url=url, timeout=30.0),
            clock=lambda: datetime.now(UTC),
            settings=settings,
            start_worker=False,
        )
        try:
            ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            ordo.sync_blocking()
            groups = ordo.list_orders()
            order = [*groups.overdue, *groups.today, *groups.upcoming][0]
            ordo.add_note(order.id, "written while the server is busy")
            lock = sqlite3.connect(server.database_url.removeprefix("sqlite:///"), isolation_level=None)
            try:
                lock.execute("BEGIN IMMEDIATE")
                with pytest.raises(ServerUnavailable) as caught:
                    ordo.sync_blocking()
                assert caught.value.retry_after == 3.0
                assert "HTTP 503" in str(caught.value)
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            assert ordo.sync_status().waiting == 1  # kept for the next try
            ordo.sync_blocking()
            assert ordo.sync_status().waiting == 0
            assert "Traceback" not in server.log_path.read_text(errors="replace")
        finally:
            ordo.close()
