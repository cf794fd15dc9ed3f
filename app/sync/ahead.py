"""The next pull page, asked for while this one is being written (issue 11).

A page carries the cursor of the next, so the request for page n+1 can be on the wire
while page n goes into the store: the server makes one page while the device writes
the other, instead of each waiting for the other. At most one request is in flight, on
a thread of its own; the engine stays one synchronous loop that takes its answers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from types import TracebackType

import httpx


class PageAhead:
    """Asks for one page ahead; `take` hands it over only for the cursor it was asked with."""

    def __init__(self, fetch: Callable[[str], httpx.Response]) -> None:
        self._fetch = fetch
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ordo-pull-ahead")
        self._asked: tuple[str, Future[httpx.Response]] | None = None

    def ask(self, cursor: str) -> None:
        """Start fetching the page after `cursor` (what an earlier ask fetched is dropped)."""
        self._drop()
        self._asked = (cursor, self._pool.submit(self._fetch, cursor))

    def take(self, cursor: str | None) -> httpx.Response | None:
        """The page asked for with `cursor`, once it has come (or what its request raised);
        None when nothing was asked for that cursor (so the caller asks itself)."""
        if self._asked is None or self._asked[0] != cursor:
            self._drop()
            return None
        future, self._asked = self._asked[1], None
        return future.result()

    def _drop(self) -> None:
        if self._asked is not None:
            _settle(self._asked[1])
            self._asked = None

    def __enter__(self) -> PageAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # A page asked for and never taken (the pull stopped, or failed): its answer is not
        # wanted, but the connection it holds must come back to the client's pool first.
        self._drop()
        self._pool.shutdown(wait=True)


def _settle(future: Future[httpx.Response]) -> None:
    """Wait for an unwanted answer and close it; what its request raised does not matter."""
    with suppress(Exception):  # an answer nobody reads cannot fail the sync
        future.result().close()
