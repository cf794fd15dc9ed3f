"""The device's live listener against a scripted server (httpx.MockTransport with streamed
bodies the test feeds): it pokes the worker only for a seq past what the device holds,
reconnects with Last-Event-ID on the backoff schedule, follows a renewed token, leaves a
server without live pokes alone for a while, and stops at once. The waiter is the
test's: no sleeping."""

from __future__ import annotations

import json
import queue
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from store.kit import DEADLINE, TECH, URL, Clock, ScriptedServer, StepWaiter, open_store, sign_in_locally

from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.outbox import sync_state
from app.sync import Backoff
from app.sync.live import EVENTS_PATH, UNSUPPORTED_RETRY, Event, LiveListener, changed_seq, parse_events


class Feed(httpx.SyncByteStream):
    """A response body the test writes to while the listener reads it."""

    def __init__(self) -> None:
        self._chunks: queue.Queue[bytes | None] = queue.Queue()
        self.closed = threading.Event()

    def changed(self, seq: int) -> None:
        self._chunks.put(f"event: changed\nid: {seq}\ndata: {json.dumps({'seq': seq})}\n\n".encode())

    def ping(self) -> None:
        self._chunks.put(b": ping\n\n")

    def end(self) -> None:
        self._chunks.put(None)

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self._chunks.get(timeout=DEADLINE)) is not None:
            yield chunk

    def close(self) -> None:
        self.closed.set()
        self._chunks.put(None)


class EventServer:
    """Answers /sync/events with the next scripted answer: a Feed (200), a status, or a fault."""

    def __init__(self) -> None:
        self.answers: queue.Queue[Feed | httpx.Response | Exception] = queue.Queue()
        self.requests: queue.Queue[httpx.Request] = queue.Queue()

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == EVENTS_PATH
        self.requests.put(request)
        answer = self.answers.get(timeout=DEADLINE)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, Feed):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=answer)
        return answer

    def feed(self) -> Feed:
        feed = Feed()
        self.answers.put(feed)
        return feed

    def request(self) -> httpx.Request:
        return self.requests.get(timeout=DEADLINE)


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.store: LocalStore = open_store(tmp_path)
        self.server = EventServer()
        self.client = httpx.Client(base_url=URL, transport=httpx.MockTransport(self.server.handle))
        self.waiter = StepWaiter()
        self.pokes: queue.Queue[bool] = queue.Queue()
        self.listener = LiveListener(
            store=self.store,
            client=lambda url: self.client,
            poke=lambda: self.pokes.put(True),
            backoff=Backoff(base=1.0, cap=60.0, rng=random.Random(3)),
            offline_cap=10.0,
            waiter=self.waiter,
        )

    def hold(self, seq: int) -> None:
        with self.store.transaction() as s:
            sync_state(s).high_seq = seq

    def poked(self) -> bool:
        return self.pokes.get(timeout=DEADLINE)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path)
    sign_in_locally(made.store)
    yield made
    made.listener.stop()
    made.store.close()


class PokeWaiter:
    """The worker's waiter in the facade test: remembers a poke; the worker never runs."""

    def __init__(self) -> None:
        self.poked = threading.Event()

    def wait(self, timeout: float | None) -> bool:
        return False

    def poke(self) -> None:
        self.poked.set()


def test_a_changed_past_what_the_device_holds_pokes_the_worker_and_no_other_does(rig: Rig) -> None:
    rig.hold(5)
    feed = rig.server.feed()
    rig.listener.start()
    request = rig.server.request()
    assert request.headers["authorization"] == "Bearer token-tech1"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["last-event-id"] == "5"  # what the device holds
    feed.changed(5)  # already pulled
    feed.ping()
    feed.changed(7)
    assert rig.poked()
    assert rig.listener.pokes == 1 and rig.listener.seen == 7
    rig.hold(7)  # the worker pulled it
    feed.changed(7)  # a repeat
    feed.changed(8)
    assert rig.poked() and rig.listener.pokes == 2


def test_it_reconnects_with_last_event_id_after_the_stream_ends(rig: Rig) -> None:
    first = rig.server.feed()
    rig.listener.start()
    assert "last-event-id" not in rig.server.request().headers  # nothing held, nothing heard
    first.changed(9)
    assert rig.poked()
    second = rig.server.feed()
    first.end()  # the server ended it (its token expired, a restart)
    assert 0 <= rig.waiter.next_timeout() <= 1.0  # back soon: the backoff's first step
    rig.waiter.poke()
    assert rig.server.request().headers["last-event-id"] == "9"
    second.changed(10)
    assert rig.poked()


def test_no_connection_backs_off_on_the_short_schedule_then_holds_the_stream(rig: Rig) -> None:
    for _ in range(6):
        rig.server.answers.put(httpx.ConnectError("connection refused"))
    rig.listener.start()
    delays = []
    for _ in range(6):
        rig.server.request()
        delays.append(rig.waiter.next_timeout())
        rig.waiter.poke()
    assert all(0 <= d <= 10.0 for d in delays)  # the offline cap, not the long one
    feed = rig.server.feed()
    rig.server.request()
    assert rig.listener.connected.wait(DEADLINE)
    feed.changed(3)
    assert rig.poked()


def test_an_expired_token_pokes_the_worker_to_renew_it_and_the_stream_follows(rig: Rig) -> None:
    expired = {"error": {"code": "token_expired", "message": "the access token has expired"}}
    rig.server.answers.put(httpx.Response(401, json=expired))
    rig.listener.start()
    assert rig.server.request().headers["authorization"] == "Bearer token-tech1"
    assert rig.poked()  # the worker's sync renews the token
    with rig.store.transaction() as s:
        sync_state(s).access_token = "renewed"
    assert rig.waiter.next_timeout() <= 10.0
    feed = rig.server.feed()
    rig.waiter.poke()
    assert rig.server.request().headers["authorization"] == "Bearer renewed"
    feed.changed(1)
    assert rig.poked()


def test_a_server_without_live_pokes_is_asked_again_only_much_later(rig: Rig) -> None:
    rig.server.answers.put(httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}}))
    rig.listener.start()
    rig.server.request()
    assert rig.waiter.next_timeout() == UNSUPPORTED_RETRY
    assert rig.pokes.empty()


def test_nobody_signed_in_waits_for_a_restart(tmp_path: Path) -> None:
    made = Rig(tmp_path)
    try:
        made.listener.start()
        assert made.waiter.next_timeout() is None  # no token: nothing to ask with
        sign_in_locally(made.store)
        feed = made.server.feed()
        made.listener.restart()
        assert made.server.request().headers["authorization"] == "Bearer token-tech1"
        feed.changed(1)
        assert made.poked()
    finally:
        made.listener.stop()
        made.store.close()


def test_stop_ends_the_stream_at_once_and_the_thread_with_it(rig: Rig) -> None:
    feed = rig.server.feed()
    rig.listener.start()
    rig.server.request()
    assert rig.listener.connected.wait(DEADLINE)
    rig.listener.stop()
    assert feed.closed.is_set() and not rig.listener.running


def test_events_are_read_as_the_protocol_writes_them() -> None:
    lines = [": ping", "", "event: changed", "id: 12", 'data: {"seq": 12}', "", "data: a", "data: b", ""]
    events = list(parse_events(lines))
    assert events == [
        None,
        Event(name="changed", data='{"seq": 12}', id="12"),
        Event(name="message", data="a\nb"),
    ]
    assert [changed_seq(e) for e in events[1:]] == [12, None]
    for garbled in ("{}", "[1]", '{"seq": "12"}', '{"seq": -1}', '{"seq": true}', "not json"):
        assert changed_seq(Event(name="changed", data=garbled)) is None


# --- in the facade ------------------------------------------------------------------


def test_the_app_listens_while_signed_in_and_stops_when_signed_out(tmp_path: Path) -> None:
    scripted = ScriptedServer()
    events = EventServer()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == EVENTS_PATH:
            return events.handle(request)
        if request.url.path == "/api/v1/auth/token":
            body = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "user": TECH}
            return httpx.Response(200, json=body)
        return scripted.handle(request)

    waiter = PokeWaiter()
    ordo = Ordo(
        store=open_store(tmp_path),
        client_factory=lambda url: httpx.Client(base_url=url, transport=httpx.MockTransport(handle)),
        clock=Clock(),
        settings=ClientSettings(data_dir=tmp_path, server_url=URL),
        start_worker=False,
        waiter=waiter,
        live=True,
    )
    try:
        assert not ordo.live.running  # nobody signed in yet
        feed = events.feed()
        ordo.sign_in(server_url=URL, username="tech1", password="pw")
        assert events.request().headers["authorization"] == "Bearer a"
        waiter.poked.clear()  # the sign-in's own poke
        feed.changed(4)
        assert waiter.poked.wait(DEADLINE)  # the worker was asked to sync
        ordo.sign_out()
        assert feed.closed.is_set() and not ordo.live.running
    finally:
        ordo.close()
