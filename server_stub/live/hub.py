"""The streams this process holds, and what each has been told (sync-protocol.md, "Live pokes").

Everything here runs on the server's event loop; other threads hand messages in with
`post`. A message is one of
    {"seq": N, "orgs": [...]}           a commit took seqs up to N (db.py's hook; "orgs"
                                        when it knows whose rows those were)
    {"open": device_id, "stream": id,   a stream was opened, on any process, at
     "at": t}                           wall-clock time t
    {"close": device_id, "stream": id}  ... and closed.
On PostgreSQL they come from every process through LISTEN. Each process sends its own
when its listener next wakes, so they can arrive out of the order the streams opened in:
a device's streams are ranked by `at`, and every process, once it has heard them all,
agrees which are the newest three (it only ever drops the oldest of more than three).

A commit names the organisations it touched: their dispatchers' and admins' streams are
poked at once (their scope is the organisation). For everyone else of theirs (or of
every organisation, when a commit names none), a checking round asks the database, once
per user, for the newest seq in that user's pull scope above what the stream was told
(the pull's own queries): a technician is poked for their orders only. A poke carries
nothing but the seq.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from server_stub.db import Database
from server_stub.live import scope
from server_stub.live.stream import (
    CHANGED_EVERY,
    CHECKS_AT_ONCE,
    PING,
    PING_EVERY,
    RETRY_ROUND,
    STREAMS_PER_DEVICE,
    SWEEP_EVERY,
    USERS_PER_SESSION,
    Message,
    Stream,
    changed_frame,
)
from server_stub.live.stream import wait_for_event as _wait

log = logging.getLogger(__name__)


class Hub:
    def __init__(
        self,
        *,
        db: Database,
        now: Callable[[], datetime],
        ping_every: float = PING_EVERY,
        changed_every: float = CHANGED_EVERY,
        per_device: int = STREAMS_PER_DEVICE,
    ) -> None:
        self._db = db
        self._now = now
        self.ping_every = ping_every
        self.changed_every = changed_every
        self.per_device = per_device
        self.sweep_every = SWEEP_EVERY  # 0: at every round (tests)
        self._swept = -math.inf  # loop time of the last token sweep
        # Where open/close messages go: straight back to us (one process), or to every
        # process by NOTIFY (set by Live on PostgreSQL).
        self.announce: Callable[[Message], None] = self.receive
        self.latest = 0  # the newest seq heard of
        self._streams: dict[str, Stream] = {}
        # device -> (opened at, stream id) of its streams on every process, oldest first
        self._order: dict[str, list[tuple[float, str]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # For tests and benchmarks: rounds done, and the seq every stream was checked through.
        self._settled = threading.Condition()
        self.checked_through = 0

    # --- life -------------------------------------------------------------------

    def start(self, *, latest: int) -> None:
        """On the event loop: begin checking rounds; `latest` is the database's seq now."""
        self._loop = asyncio.get_running_loop()
        # A fresh event for this loop: an app may be started again on another loop (each
        # TestClient lifespan has its own), and an asyncio.Event binds to the first it meets.
        self._dirty = asyncio.Event()
        self._stopping = False
        self.latest = max(self.latest, latest)
        self._task = self._loop.create_task(self._rounds())

    async def stop(self) -> None:
        self._close_all()
        # The flag too, not just the cancel: Python 3.11's wait_for could swallow a cancel
        # that met a set event (a NOTIFY on every commit makes that likely), and the loop
        # then went on, holding up shutdown.
        self._stopping = True
        self._dirty.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._loop = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    def _in_loop(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn` soon on the hub's loop, from any thread (dropped when not started)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        # Always queued, even from the loop's own thread: a signal handler runs there in
        # the middle of whatever the loop was doing.
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(fn, *args)

    def post(self, message: Message) -> None:
        """Hand in a message from any thread."""
        self._in_loop(self.receive, message)

    def close_all(self) -> None:
        """End every stream (shutting down); any thread."""
        self._in_loop(self._close_all)

    def wake_all(self) -> None:
        """Make every stream look at the clock again (tests move a fake one); any thread."""
        self._in_loop(self._wake_all)

    def _close_all(self) -> None:
        for stream in list(self._streams.values()):
            self.close(stream)

    def _wake_all(self) -> None:
        for stream in self._streams.values():
            stream.wake.set()

    # --- streams ----------------------------------------------------------------

    def _clock(self) -> float:
        return self._now().timestamp()

    def open(
        self,
        *,
        user_id: str,
        org_id: str,
        dispatch: bool,
        device_id: str,
        token: str,
        expires_at: datetime,
        latest: int,
        seen: int | None,
    ) -> Stream:
        """A new stream; `latest` is the database's seq as it opens, `seen` its Last-Event-ID."""
        now = self._clock()
        baseline = latest if seen is None else min(seen, latest)
        stream = Stream(
            user_id=user_id,
            org_id=org_id,
            dispatch=dispatch,
            device_id=device_id,
            token=token,
            expires_at=(expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)).timestamp(),
            told=baseline,
            checked=baseline,
            opened_at=now,
            last_write=now,
        )
        self._streams[stream.id] = stream
        # This process never holds more than its share, whatever the others say.
        mine = sorted(
            (s for s in self._streams.values() if s.device_id == device_id), key=lambda s: s.opened_at
        )
        for old in mine[: max(0, len(mine) - self.per_device)]:
            self.close(old)
        self.announce({"open": device_id, "stream": stream.id, "at": now})
        if latest > self.latest:
            self.latest = latest  # a commit not heard of yet (its NOTIFY on its way)
            self._dirty.set()
        if stream.checked < self.latest:
            stream.due = True  # something newer than it has seen: one `changed` at once
            self._dirty.set()
        return stream

    def close(self, stream: Stream) -> None:
        if stream.id not in self._streams:
            return
        del self._streams[stream.id]
        stream.closed = True
        stream.wake.set()
        self.announce({"close": stream.device_id, "stream": stream.id})

    @property
    def streams(self) -> list[Stream]:
        return list(self._streams.values())

    async def frames(self, stream: Stream) -> AsyncIterator[bytes]:
        """What goes down one stream until it is closed (its `finally` forgets it)."""
        try:
            while not stream.closed:
                stream.wake.clear()
                frame = self._due(stream)
                if frame is not None:
                    yield frame
                    continue
                if stream.closed:
                    break
                await _wait(stream.wake, timeout=self._until_due(stream))
        finally:
            self.close(stream)

    def _due(self, stream: Stream) -> bytes | None:
        now = self._clock()
        if now >= stream.expires_at:
            stream.closed = True  # the client comes back with its renewed token
            return None
        # A clock that went back counts as time passed, so nothing waits on it.
        stream.last_sent = min(stream.last_sent, now)
        stream.last_write = min(stream.last_write, now)
        if stream.pending > stream.told and now - stream.last_sent >= self.changed_every:
            stream.told = stream.pending
            stream.last_sent = stream.last_write = now
            return changed_frame(stream.told)
        if now - stream.last_write >= self.ping_every:
            stream.last_write = now
            return PING
        return None

    def _until_due(self, stream: Stream) -> float:
        now = self._clock()
        deadlines = [stream.expires_at, stream.last_write + self.ping_every]
        if stream.pending > stream.told:
            deadlines.append(stream.last_sent + self.changed_every)
        return max(0.0, min(deadlines) - now)

    # --- messages ---------------------------------------------------------------

    def receive(self, message: Message) -> None:
        """On the loop: one message from this or another process."""
        if "seq" in message:
            seq = int(message["seq"])
            orgs, users = message.get("orgs"), message.get("users")
            self._concerned(
                seq,
                orgs={str(o) for o in orgs} if isinstance(orgs, list) else None,
                users={str(u) for u in users} if isinstance(users, list) else None,
            )
            if seq > self.latest:
                self.latest = seq
                self._dirty.set()
        elif "open" in message:
            order = self._order.setdefault(str(message["open"]), [])
            at = message.get("at")
            opened = float(at) if isinstance(at, int | float) else self._clock()  # an older process's
            bisect.insort(order, (opened, str(message["stream"])))
            while len(order) > self.per_device:
                stream = self._streams.get(order.pop(0)[1])
                if stream is not None:
                    self.close(stream)  # the oldest of a fourth: closed wherever it is held
        elif "close" in message:
            device = str(message["close"])
            order = self._order.get(device)
            if order is not None:
                gone = str(message["stream"])
                order[:] = [entry for entry in order if entry[1] != gone]
                if not order:
                    del self._order[device]

    def _concerned(self, seq: int, *, orgs: set[str] | None, users: set[str] | None) -> None:
        """A commit in these organisations (None: not known) may concern their streams.
        It is in their dispatchers' scope whatever it changed: they are poked at once,
        without asking the database. Others of theirs are due a check: everyone, or only
        `users` when the commit could tell whose scope it touched."""
        for stream in self._streams.values():
            if orgs is not None and stream.org_id not in orgs:
                continue
            if orgs is not None and stream.dispatch:
                if seq > max(stream.told, stream.pending):
                    stream.pending = seq
                    stream.wake.set()
                stream.checked = max(stream.checked, seq)
            elif users is None or stream.user_id in users:
                stream.due = True

    # --- checking rounds --------------------------------------------------------

    async def _rounds(self) -> None:
        while not self._stopping:
            # Idle, a round still comes every sweep interval: tokens are checked anyway.
            await _wait(self._dirty, timeout=self.sweep_every or None)
            if self._stopping:
                return
            self._dirty.clear()
            try:
                await self._round()
            except Exception:  # the database away: the next seq, or a retry, tries again
                log.exception("live: a checking round failed")
                asyncio.get_running_loop().call_later(RETRY_ROUND, self._dirty.set)

    async def _round(self) -> None:
        """Every user with a stream due a check has their scope asked: one session for the
        round, or a few at once when many are due (a change to a person or a part); and
        every sweep interval, every stream's token (a revoked device loses its stream)."""
        latest = self.latest
        due: dict[str, list[Stream]] = {}
        for stream in self._streams.values():
            if stream.due:
                stream.due = False  # a commit heard while asking makes it due again
                due.setdefault(stream.user_id, []).append(stream)
        try:
            await self._ask(due, latest=latest)
        except BaseException:
            for streams in due.values():
                for stream in streams:
                    stream.due = True  # asked again by the next round
            raise
        with self._settled:
            self.checked_through = max(self.checked_through, latest)
            self._settled.notify_all()

    async def _ask(self, due: dict[str, list[Stream]], *, latest: int) -> None:
        clock = asyncio.get_running_loop().time
        sweep = clock() - self._swept >= self.sweep_every
        if due or (sweep and self._streams):
            users = list(due)
            parts = max(1, min(CHECKS_AT_ONCE, len(users) // USERS_PER_SESSION))
            tokens = {s.token for s in self._streams.values()} if sweep else set()
            if sweep:
                self._swept = clock()
            answers = await asyncio.gather(
                *(
                    asyncio.to_thread(
                        partial(
                            scope.check,
                            self._db,
                            after={u: min(s.checked for s in due[u]) for u in users[part::parts]},
                            tokens=tokens if part == 0 else (),
                            now=self._now(),
                        )
                    )
                    for part in range(parts)
                )
            )
            dead = answers[0].dead
            for answer in answers:
                for user_id, newest in answer.newest.items():
                    self._deliver(due[user_id], newest=newest, latest=latest, dead=dead)
            for stream in list(self._streams.values()):
                if stream.token in dead:
                    self.close(stream)  # the client reconnects and hears 401 with the reason

    def _deliver(self, streams: list[Stream], *, newest: int | None, latest: int, dead: set[str]) -> None:
        for stream in streams:
            if stream.closed:
                continue
            if newest == scope.GONE or stream.token in dead:
                self.close(stream)  # the client reconnects and hears 401 with the reason
                continue
            if newest is not None and newest > max(stream.told, stream.pending):
                stream.pending = newest
                stream.wake.set()
            stream.checked = max(stream.checked, latest, newest or 0)

    def wait_checked(self, seq: int, *, timeout: float) -> bool:
        """Block (another thread) until a round has checked every stream through `seq`."""
        with self._settled:
            return self._settled.wait_for(lambda: self.checked_through >= seq, timeout)
