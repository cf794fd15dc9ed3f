"""Load shedding: a bounded number of requests in flight, a bounded queue before
them, and a quick 503 `overloaded` with Retry-After for anything beyond.

A server that accepts every request piles them up in memory and threads until
all of them are slow and some time out half-done; refusing early with a time to
come back keeps the admitted ones fast, and clients retry (sync-protocol.md:
pushes are idempotent).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from server_stub.api.errors import unavailable


class Slots:
    """`limit` slots handed out first come first served; at most `queue` callers
    wait for one, each at most `wait` seconds.

    Futures are made on the running loop at each wait, so one Slots serves any
    event loop (test clients start their own).
    """

    def __init__(self, *, limit: int, queue: int, wait: float) -> None:
        if limit < 1 or queue < 0 or wait <= 0:
            raise ValueError("limit >= 1, queue >= 0 and wait > 0 are required")
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self._active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def in_flight(self) -> int:
        return self._active

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> bool:
        """True with a slot held (give it back with release()); False when full."""
        if self._active < self.limit and not self._waiters:
            self._active += 1
            return True
        if len(self._waiters) >= self.queue:
            return False
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            # wait() leaves the future alone on timeout, unlike wait_for().
            await asyncio.wait((turn,), timeout=self.wait)
        except asyncio.CancelledError:
            # The client went away while queued; a slot handed over meanwhile goes on.
            if turn.done():
                self.release()
            else:
                self._waiters.remove(turn)
            raise
        if turn.done():
            return True  # release() handed its slot to us
        self._waiters.remove(turn)
        return False

    def release(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes on; _active stays
                return
        self._active -= 1


class InFlightLimit:
    """ASGI middleware: HTTP requests take a slot for their whole life (until the
    last byte of the answer); `exempt` paths (health checks) never wait."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        queue: int,
        wait_seconds: float,
        retry_after_seconds: int,
        exempt: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.slots = Slots(limit=limit, queue=queue, wait=wait_seconds)
        self.retry_after = retry_after_seconds
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if not await self.slots.acquire():
            message = f"the server is overloaded; try again in {self.retry_after} s"
            await unavailable("overloaded", message, retry_after=self.retry_after)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()
