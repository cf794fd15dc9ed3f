"""Full pull pages kept, gzipped, for the next caller with the same scope and cursor.

At 8 a.m. every desk of an organisation walks the same feed from the beginning: the
same pages, each made by the database again (its rows read, their JSON made, the page
gzipped), about 1.5 s of server time for 10,000 orders (issue 11). A full page is a
pure function of the scope, the cursor and the rows as they were when it was read, so
one made for one caller is a right answer for another with the same scope and cursor:

- later changes to its rows have higher seqs than any row it holds, so the pages the
  caller asks for after it (read afresh once the kept ones run out) bring them;
- an order that left a technician's scope since comes as a tombstone in those pages;
- the cursor it carries names the pruning mark of its walk, so a prune since is met
  with `reset` as ever.

Only full pages are kept (`has_more`): the last page of a walk is always read afresh,
so a caller is never told that a walk ends where it ended minutes ago. Pages older
than `max_age` are dropped (a kept page never goes wrong, but the changes since it
was read are pulled again after it), and the oldest go first past `max_bytes`.

A page is kept as its gzip body up to the per-caller fields (`last_mid`, `server_time`,
`reset`): the deflate blocks of the changes and cursor, flushed to a byte boundary, and
their CRC. An answer appends the per-caller fields as a deflate stream of their own
and the gzip trailer for the whole: no byte of the changes is compressed again.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

# A gzip member's header: deflate, no name, no mtime (as gzip.compress(mtime=0)), unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_RAW_DEFLATE = -zlib.MAX_WBITS
# The pages' gzip level (the route's PULL_GZIP_LEVEL made pages with level 5).
GZIP_LEVEL = 5


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A full page's body up to its per-caller fields: `head` is its JSON from `{` through
    the comma after `has_more`, kept only as its deflate blocks `deflated` (head_crc and
    head_size, of the JSON, complete the gzip trailer)."""

    deflated: bytes
    head_crc: int
    head_size: int
    cursor: str
    changes: int
    made_at: datetime

    @classmethod
    def of(cls, head: bytes, *, cursor: str, changes: int, made_at: datetime) -> SharedPage:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _RAW_DEFLATE)
        # A sync flush ends the blocks on a byte boundary and not as the last block, so
        # another deflate stream's blocks may follow them.
        deflated = compressor.compress(head) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return cls(deflated, zlib.crc32(head), len(head), cursor, changes, made_at)

    def gzip(self, tail: bytes) -> bytes:
        """The whole body, head and `tail`, as one gzip member."""
        compressor = zlib.compressobj(1, zlib.DEFLATED, _RAW_DEFLATE)
        end = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
        crc = zlib.crc32(tail, self.head_crc)
        size = (self.head_size + len(tail)) & 0xFFFFFFFF
        return b"".join(
            (_GZIP_HEADER, self.deflated, end, crc.to_bytes(4, "little"), size.to_bytes(4, "little"))
        )

    def json(self, tail: bytes) -> bytes:
        """The whole body as plain JSON (for a caller that does not take gzip)."""
        return zlib.decompressobj(_RAW_DEFLATE).decompress(self.deflated) + tail


class SharedPages:
    """The kept pages of one server process, by key (scope, cursor, limit: sync.pull).
    Thread-safe: requests run on worker threads."""

    def __init__(self, *, max_bytes: int, max_age: timedelta, now: Callable[[], datetime]) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._now = now
        self._pages: OrderedDict[Hashable, SharedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable) -> SharedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None and self._now() - page.made_at > self.max_age:
                self._drop(key)
                page = None
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: SharedPage) -> None:
        if len(page.deflated) > self.max_bytes:
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = page
            self._bytes += len(page.deflated)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: Hashable) -> None:
        self._bytes -= len(self._pages.pop(key).deflated)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)
