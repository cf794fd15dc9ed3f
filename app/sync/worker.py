"""The background sync worker: syncs when poked, every interval, and after failures on
the backoff schedule, so it resumes by itself when the network returns.

Two schedules: "cannot reach the server" (Offline) is retried on a short cap, so an open app
notices within seconds that the server is back; repeated server errors (5xx, 429, answers
that are not the protocol) back off up to the long cap, honouring Retry-After, so a struggling
server is not hammered by every device at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from app.services.types import SyncState, SyncStatus
from app.store import LocalStore
from app.store.outbox import count, refused_count, sync_state, uploads_waiting
from app.sync.backoff import Backoff
from app.sync.errors import AuthExpired, NotSignedIn, Offline, ServerUnavailable, SyncError

log = logging.getLogger(__name__)

# Longest wait between attempts while the server cannot be reached: the app notices it is
# back within this (plus one connection attempt) without anyone pressing "Sync now".
OFFLINE_CAP = 10.0


class Waiter(Protocol):
    """How the worker waits: tests inject one that never sleeps."""

    def wait(self, timeout: float | None) -> bool:
        """Block until poked (True) or `timeout` seconds passed (False); None waits for a poke."""
        ...

    def poke(self) -> None: ...


class EventWaiter:
    """The real waiter: a threading.Event."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wait(self, timeout: float | None) -> bool:
        poked = self._event.wait(timeout)
        self._event.clear()
        return poked

    def poke(self) -> None:
        self._event.set()


class SyncWorker:
    def __init__(
        self,
        *,
        store: LocalStore,
        sync: Callable[[], object],
        backoff: Backoff,
        interval: float,
        waiter: Waiter | None = None,
        clock: Callable[[], float] = time.monotonic,
        offline_cap: float = OFFLINE_CAP,
    ) -> None:
        self._store = store
        self._sync = sync
        self._backoff = backoff
        # Unreachable: each retry is a connection attempt, cheap for the server (it gets none).
        self._offline = Backoff(base=backoff.base, cap=min(offline_cap, backoff.cap), rng=backoff.rng)
        self._offline_failures = 0
        self._interval = interval
        self._waiter: Waiter = waiter or EventWaiter()
        self._clock = clock
        self._failures = 0
        # When the server said "Retry-After", no sync starts before this moment (clock()).
        self._not_before: float | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._status = self._make(SyncState.NEVER, "")

    # --- control ------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="ordo-sync", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Ask for a sync soon (after a local write, or "Sync now"); returns at once."""
        self._waiter.poke()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._waiter.poke()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- status -------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            current = self._status
        # The waiting count changes with every local write: read it fresh.
        return self._make(current.state, current.message)

    def add_listener(self, callback: Callable[[SyncStatus], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def refresh(self) -> None:
        """Tell the listeners the status again, with fresh counts (a refusal was dismissed)."""
        with self._lock:
            current = self._status
        self._publish(current.state, current.message)

    def _make(self, state: SyncState, message: str) -> SyncStatus:
        with self._store.read() as s:
            waiting = count(s)
            uploads = uploads_waiting(s)
            refused = refused_count(s)
            last = sync_state(s).last_synced_at
        if state is SyncState.NEVER and last is not None:
            state = SyncState.SYNCED
        return SyncStatus(
            state=state,
            waiting=waiting,
            uploads=uploads,
            last_synced_at=last,
            message=message,
            refused=refused,
        )

    def _publish(self, state: SyncState, message: str = "", *, fresh: bool = True) -> None:
        """Tell the listeners; `fresh=False` keeps the last counts rather than reading them
        (a sync starting: it is on the way of every poke, and `status` reads them anyway)."""
        with self._lock:
            previous = self._status
        status = self._make(state, message) if fresh else replace(previous, state=state, message=message)
        with self._lock:
            self._status = status
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(status)
            except Exception:  # a broken listener must not stop syncing
                log.exception("sync status listener failed")

    # --- the loop -----------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            timeout = self.run_once()
            if self._stopping.is_set():
                break
            self._waiter.wait(timeout)
            self._hold_off()

    def _hold_off(self) -> None:
        """A poke (a local write, "Sync now") inside the server's Retry-After window
        waits out the rest of it: hundreds of busy devices must not all come back early."""
        while self._not_before is not None and not self._stopping.is_set():
            remaining = self._not_before - self._clock()
            if remaining <= 0:
                return
            self._waiter.wait(remaining)

    def run_once(self) -> float | None:
        """One sync attempt; returns how long to wait before the next (None: until poked)."""
        self._not_before = None  # only a failure that says Retry-After sets it again
        self._publish(SyncState.SYNCING, "", fresh=False)
        try:
            self._sync()
        except NotSignedIn as exc:
            self._failures = self._offline_failures = 0
            self._publish(SyncState.NEVER, str(exc))
            return None
        except AuthExpired as exc:
            # Retrying cannot help; the user signs in again (which pokes us).
            self._failures = self._offline_failures = 0
            self._publish(SyncState.ERROR, str(exc))
            return None
        except SyncError as exc:
            state = SyncState.OFFLINE if isinstance(exc, Offline | ServerUnavailable) else SyncState.ERROR
            self._publish(state, str(exc))
            return self._retry_delay(exc)
        except Exception as exc:  # a bug must not kill the worker; it is logged and retried
            log.exception("sync failed")
            self._publish(SyncState.ERROR, f"Sync failed: {exc}")
            return self._retry_delay(None)
        self._failures = self._offline_failures = 0
        self._publish(SyncState.SYNCED, "")
        return self._interval

    def _retry_delay(self, exc: SyncError | None) -> float:
        """Unreachable: the short schedule. Otherwise the backoff's jittered delay, but at least
        the server's Retry-After (429/503), and never over the backoff's cap whatever it says."""
        if isinstance(exc, Offline):
            delay = self._offline.delay(self._offline_failures)
            self._offline_failures += 1
            return delay
        retry_after = exc.retry_after if isinstance(exc, ServerUnavailable) else None
        delay = self._backoff.delay(self._failures, at_least=retry_after or 0.0)
        self._failures += 1
        if retry_after is not None:
            self._not_before = self._clock() + min(retry_after, self._backoff.cap)
        return delay
