"""Opaque pull cursors: urlsafe base64 of {"v": 1, "seq": N} and, once tombstones
have been pruned, "p": the pruning mark the walk started under (see `Position`)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from app.domain.limits import MAX_CURSOR


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Position:
    """Where a device stands in the feed.

    `seq`: it has every change up to here. `floor`: the pruning mark when its walk
    began from the beginning of its scope. Tombstones at or below the floor were gone
    before that walk started, so they can be of no order the device ever received:
    a walk restarted by a `reset` must not be reset again by its own cursor.
    """

    seq: int
    floor: int = 0

    @property
    def covered(self) -> int:
        """Tombstones at or below this seq cannot be missing for this device."""
        return max(self.seq, self.floor)


def encode(seq: int, *, floor: int = 0) -> str:
    fields = {"v": 1, "seq": seq} | ({"p": floor} if floor else {})
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def decode_position(cursor: str | None) -> Position:
    """The position a cursor stands for; no cursor is the beginning."""
    if cursor is None or cursor == "":
        return Position(seq=0)
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        seq, floor = data["seq"], data.get("p", 0)
        if data.get("v") != 1 or not _count(seq) or not _count(floor):
            raise ValueError("bad fields")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("the cursor is not one this server gave out") from None
    return Position(seq=seq, floor=floor)


def decode(cursor: str | None) -> int:
    """The seq a cursor stands for; no cursor is the beginning (0)."""
    return decode_position(cursor).seq
