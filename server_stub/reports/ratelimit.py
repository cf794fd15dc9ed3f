"""A sliding-window rate limit per client address, in memory, on the server's clock.

The status page needs no sign-in, so it is the one door anyone can knock on without an
account: a limit per address keeps token guessing (128 bits: hopeless anyway) and scraping
slow. The window is a log of the last `limit` request times per address; the clock is
injected, so tests move time instead of sleeping. Each server process keeps its own log:
with N processes an address gets at most N times the limit, which still bounds it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

# Addresses remembered at most; past this, the ones whose window has passed are dropped
# (and if all are recent, the oldest), so a flood of addresses cannot grow memory without end.
MAX_ADDRESSES = 10_000


class RateLimit:
    def __init__(
        self,
        *,
        limit: int,
        window: timedelta,
        now: Callable[[], datetime],
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        if limit < 1 or window <= timedelta(0):
            raise ValueError("limit >= 1 and a positive window are required")
        self.limit = limit
        self.window = window
        self._now = now
        self._max = max_addresses
        self._seen: dict[str, deque[datetime]] = {}

    def retry_after(self, address: str) -> int | None:
        """Count one request from `address`: None when it may go on, else the whole seconds
        until it may (a refused request is not counted, so waiting that long is enough)."""
        now = self._now()
        times = self._seen.get(address)
        if times is None:
            self._make_room(now)
            times = self._seen[address] = deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            wait = (times[0] + self.window - now).total_seconds()
            return max(1, math.ceil(wait))
        times.append(now)
        return None

    def _make_room(self, now: datetime) -> None:
        if len(self._seen) < self._max:
            return
        for address in [a for a, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[address]
        while len(self._seen) >= self._max:
            del self._seen[next(iter(self._seen))]  # the address seen first (dicts keep order)
