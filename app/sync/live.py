"""Live pokes, the device's half (sync-protocol.md, "Live pokes"): a thread holds the
server's event stream open and pokes the sync worker when a `changed` names a seq past
what this device holds, so a change made elsewhere is pulled within moments.

Nothing depends on it: a poke only starts a pull, and a device that misses pokes or
cannot hold the stream gets everything from its timed pull all the same. The stream
goes through the injected httpx.Client the sync engine uses (never one of its own), with
the bearer token from the store; it reconnects with growing pauses and `Last-Event-ID`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import httpx

from app.domain.protocol import AuthErrorBody
from app.store import LocalStore
from app.store.outbox import sync_state
from app.sync.backoff import Backoff
from app.sync.worker import OFFLINE_CAP, EventWaiter, Waiter

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/sync/events"
# The server pings every 15 s: this long without a byte means the link is dead.
READ_TIMEOUT = 45.0
CONNECT_TIMEOUT = 10.0
# A server without live pokes (404/405), or one refusing this account them (403), is
# asked again this much later; the timed pull carries on meanwhile.
UNSUPPORTED_RETRY = 300.0


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    data: str
    id: str | None = None


def parse_events(lines: Iterable[str]) -> Iterator[Event | None]:
    """Server-Sent Events from the stream's lines; None for a comment (a ping)."""
    name, data, event_id, comment = "message", [], None, False
    for line in lines:
        if not line:
            if data:
                yield Event(name=name, data="\n".join(data), id=event_id)
            elif comment:
                yield None
            name, data, event_id, comment = "message", [], None, False
            continue
        if line.startswith(":"):
            comment = True
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value


def changed_seq(event: Event) -> int | None:
    """The seq of a `changed` event; None for anything else or a garbled one."""
    if event.name != "changed":
        return None
    try:
        seq = json.loads(event.data)["seq"]
    except (ValueError, KeyError, TypeError):
        return None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0 else None


class LiveListener:
    """Started while someone is signed in; `restart()` after a new sign-in, `stop()` on
    sign-out. Never blocks its caller: the stream lives on its own daemon thread."""

    def __init__(
        self,
        *,
        store: LocalStore,
        client: Callable[[str], httpx.Client],
        poke: Callable[[], None],
        backoff: Backoff,
        offline_cap: float = OFFLINE_CAP,
        waiter: Waiter | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._store = store
        self._client = client
        self._poke = poke
        self._backoff = backoff
        self._offline = Backoff(base=backoff.base, cap=min(offline_cap, backoff.cap), rng=backoff.rng)
        self._waiter: Waiter = waiter or EventWaiter()
        self._timeout = httpx.Timeout(CONNECT_TIMEOUT, read=read_timeout)
        self._failures = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._response: httpx.Response | None = None
        self.seen = 0  # the newest seq heard of: Last-Event-ID when reconnecting
        # What happened, for tests, benchmarks and logs.
        self.connects = 0
        self.pokes = 0
        self.connected = threading.Event()

    # --- control ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stopping = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stopping,), name="ordo-live", daemon=True
            )
            self._thread.start()

    def restart(self) -> None:
        """After a new sign-in: reconnect at once with the new token (start if stopped)."""
        if not self.running:
            self.seen = 0
            self.start()
            return
        self.seen = 0  # another account's stream: what the last one heard says nothing
        self._failures = 0
        self._abort()
        self._waiter.poke()

    def stop(self, *, timeout: float = 2.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
        self._waiter.poke()
        self._abort()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _abort(self) -> None:
        """Cut the stream being read (from another thread): its read returns at once."""
        response = self._response
        if response is None:
            return
        network = response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):  # whatever the reading thread is doing with it
            response.close()

    # --- the loop -----------------------------------------------------------

    def _run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                delay = self._listen(stopping)
            except Exception:  # a bug must not end live pokes for good; the timed pull goes on
                if stopping.is_set():
                    break
                log.exception("live pokes failed")
                delay = self._retry(self._backoff)
            if stopping.is_set():
                break
            self._waiter.wait(delay)

    def _retry(self, schedule: Backoff, *, at_least: float = 0.0) -> float:
        delay = schedule.delay(self._failures, at_least=at_least)
        self._failures += 1
        return delay

    def _listen(self, stopping: threading.Event) -> float | None:
        """One stream, until it ends; returns how long to wait before the next (None: until
        restarted, as nobody is signed in)."""
        with self._store.read() as s:
            state = sync_state(s)
            token, url, high = state.access_token, state.server_url, state.high_seq
        if not token or not url:
            return None
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
        }
        seen = max(self.seen, high)
        if seen > 0:
            headers["Last-Event-ID"] = str(seen)
        try:
            with self._client(url).stream(
                "GET", EVENTS_PATH, headers=headers, timeout=self._timeout
            ) as response:
                if response.status_code != 200:
                    response.read()
                    return self._refused(response)
                self._response = response
                self._failures = 0
                self.connects += 1
                self.connected.set()
                for event in parse_events(response.iter_lines()):
                    if stopping.is_set():
                        return None
                    if event is not None:
                        self._heard(event)
        except httpx.TransportError as exc:  # no connection, a cut, a silent link (timeouts)
            if stopping.is_set():
                return None
            log.debug("live pokes: %s", exc)
            return self._retry(self._offline)
        except (httpx.StreamError, RuntimeError) as exc:  # the client closed under us (new sign-in)
            if stopping.is_set():
                return None
            log.debug("live pokes: %s", exc)
            return self._retry(self._offline)
        finally:
            self._response = None
            self.connected.clear()
        # The server ended it (its token expired, a fourth stream, a restart): come back soon.
        return self._backoff.delay(0)

    def _heard(self, event: Event) -> None:
        seq = changed_seq(event)
        if seq is None:
            return
        self.seen = max(self.seen, seq)
        with self._store.read() as s:
            held = sync_state(s).high_seq
        if seq > held:
            self.pokes += 1
            self._poke()

    def _refused(self, response: httpx.Response) -> float:
        code = response.status_code
        if code == 401:
            # The worker's next sync renews the token (or learns of a revocation or wipe,
            # and acts on it); the stream follows with whatever token the store then holds.
            self._poke()
            try:
                expired = AuthErrorBody.model_validate(response.json()).error.code == "token_expired"
            except ValueError:
                expired = False
            return self._retry(self._offline if expired else self._backoff)
        if code in (403, 404, 405, 501):
            return UNSUPPORTED_RETRY
        try:
            retry_after = max(0.0, float(response.headers.get("Retry-After", "")))
        except ValueError:
            retry_after = 0.0
        return self._retry(self._backoff, at_least=retry_after)
