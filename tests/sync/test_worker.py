"""The background worker, with a waiter the test drives: no sleeping, no wall clock."""

import random
import uuid

import httpx
import pytest
from store.kit import (
    T0,
    StepWaiter,
    synced_with_one_order,
)

from app.services import writes
from app.services.types import SyncState
from app.store.models import Rejection
from app.store.outbox import queued
from app.sync import Backoff
from app.sync.worker import EventWaiter, SyncWorker


def _cut(request):
    raise httpx.ConnectError("network is unreachable", request=request)


@pytest.fixture
def rig(tmp_path):
    store, server, engine, order = synced_with_one_order(tmp_path, seq=1, cursor="1")
    with store.transaction() as s:
        writes.add_note(s, order_id=uuid.UUID(order), text="written offline", now=T0)
    waiter = StepWaiter()
    worker = SyncWorker(
        store=store,
        sync=engine.sync_once,
        backoff=Backoff(base=2.0, cap=30.0, rng=random.Random(5)),
        interval=30.0,
        waiter=waiter,
    )
    seen = []
    worker.add_listener(seen.append)
    yield store, server, waiter, worker, seen
    worker.stop()


def test_resumes_by_itself_when_the_network_returns(rig):
    store, server, waiter, worker, seen = rig
    server.fault = _cut
    worker.start()
    first = waiter.next_timeout()
    assert 0 <= first <= 2.0
    assert worker.status.state is SyncState.OFFLINE and worker.status.waiting == 1
    assert "Cannot reach" in worker.status.message
    waiter.expire()  # the backoff delay passed; still no network
    assert 0 <= waiter.next_timeout() <= 4.0
    server.fault = None  # the network is back; nobody writes anything
    waiter.expire()
    assert waiter.next_timeout() == 30.0  # back on the regular interval
    status = worker.status
    assert status.state is SyncState.SYNCED and status.waiting == 0 and status.last_synced_at == T0
    with store.read() as s:
        assert queued(s) == []
    assert [st.state for st in seen].count(SyncState.OFFLINE) == 2
    assert seen[-1].state is SyncState.SYNCED


def test_server_errors_back_off_up_to_the_long_cap(rig):
    _, server, waiter, worker, _ = rig
    server.fault = lambda _r: httpx.Response(500, text="boom")
    worker.start()
    seen = []
    for attempt in range(8):
        seen.append(waiter.next_timeout())
        assert 0 <= seen[-1] <= min(30.0, 2.0 * 2**attempt)
        waiter.expire()
    waiter.next_timeout()
    assert max(seen) > 10.0  # a struggling server is given room (seeded jitter)


def test_an_unreachable_server_is_retried_on_the_short_cap(tmp_path):
    """Offline (connection refused, no network): never more than 10 s between attempts, so
    an open app notices within seconds that the server is back."""
    store, server, engine, _order = synced_with_one_order(tmp_path, seq=1, cursor="1")
    waiter = StepWaiter()
    worker = SyncWorker(
        store=store,
        sync=engine.sync_once,
        backoff=Backoff(base=1.0, cap=300.0, rng=random.Random(11)),
        interval=30.0,
        waiter=waiter,
    )
    server.fault = _cut
    worker.start()
    try:
        delays = []
        for _ in range(20):
            delays.append(waiter.next_timeout())
            waiter.expire()
        assert all(0 <= d <= 10.0 for d in delays) and max(delays) > 5.0
        assert worker.status.state is SyncState.OFFLINE
        server.fault = None  # the server is back
        waiter.next_timeout()
        waiter.expire()
        assert waiter.next_timeout() == 30.0
        assert worker.status.state is SyncState.SYNCED
    finally:
        worker.stop()


def test_retry_after_still_wins_over_the_short_cap_for_a_busy_server(tmp_path):
    store, server, engine, _order = synced_with_one_order(tmp_path, seq=1, cursor="1")
    waiter = StepWaiter()
    worker = SyncWorker(
        store=store,
        sync=engine.sync_once,
        backoff=Backoff(base=1.0, cap=300.0, rng=random.Random(11)),
        interval=30.0,
        waiter=waiter,
    )
    server.fault = lambda _r: httpx.Response(503, headers={"Retry-After": "120"})
    worker.start()
    try:
        assert waiter.next_timeout() >= 120.0
    finally:
        worker.stop()


def test_retry_after_is_respected(rig):
    _, server, waiter, worker, _ = rig
    server.fault = lambda _r: httpx.Response(503, headers={"Retry-After": "20"})
    worker.start()
    assert waiter.next_timeout() >= 20.0
    assert worker.status.state is SyncState.OFFLINE


def test_a_poke_syncs_at_once(rig):
    store, server, waiter, worker, _ = rig
    server.fault = _cut
    worker.start()
    waiter.next_timeout()
    server.fault = None
    worker.poke()  # "Sync now"
    assert waiter.next_timeout() == 30.0
    with store.read() as s:
        assert queued(s) == []


def test_auth_expired_waits_for_the_user_not_the_clock(rig):
    store, server, waiter, worker, _ = rig
    server.fault = lambda _r: httpx.Response(401, json={"error": {"code": "unauthorized", "message": "x"}})
    worker.start()
    assert waiter.next_timeout() is None
    assert worker.status.state is SyncState.ERROR and "sign in again" in worker.status.message
    with store.read() as s:
        assert len(queued(s)) == 1


def test_garbage_is_an_error_state_and_retried(rig):
    _, server, waiter, worker, _ = rig
    server.fault = lambda _r: httpx.Response(200, text="<html>captive portal</html>")
    worker.start()
    assert waiter.next_timeout() is not None
    assert worker.status.state is SyncState.ERROR
    assert "did not answer like an Ordo server" in worker.status.message


def test_a_failing_listener_does_not_stop_the_worker(rig):
    _, _, waiter, worker, seen = rig
    worker.add_listener(lambda _s: 1 / 0)
    worker.start()
    assert waiter.next_timeout() == 30.0
    assert seen[-1].state is SyncState.SYNCED


def test_unsubscribed_listeners_hear_nothing(rig):
    _, _, waiter, worker, _ = rig
    heard = []
    unsubscribe = worker.add_listener(heard.append)
    unsubscribe()
    worker.start()
    waiter.next_timeout()
    assert heard == []


def test_refused_changes_are_counted_and_a_refresh_tells_the_listeners(rig):
    store, server, waiter, worker, seen = rig
    server.verdicts = {1: {"status": "rejected", "error": {"code": "forbidden", "message": "x"}}}
    worker.start()
    assert waiter.next_timeout() == 30.0
    status = worker.status
    assert (status.state, status.refused, status.label()) == (SyncState.SYNCED, 1, "1 change refused")
    with store.transaction() as s:
        s.get(Rejection, 1).dismissed = True
    heard = len(seen)
    worker.refresh()
    assert len(seen) == heard + 1 and seen[-1].refused == 0 and seen[-1].state is SyncState.SYNCED


def test_event_waiter_reports_pokes():
    w = EventWaiter()
    assert w.wait(0) is False
    w.poke()
    assert w.wait(None) is True
    assert w.wait(0) is False  # a poke is used up by one wait
