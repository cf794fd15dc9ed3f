"""Opaque pull cursors: urlsafe base64 of {"v": 1, "seq": N}."""

from __future__ import annotations

import base64
import binascii
import json


class BadCursor(ValueError):
    pass


def encode(seq: int) -> str:
    raw = json.dumps({"v": 1, "seq": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    """The seq a cursor stands for; no cursor is the beginning (0)."""
    if cursor is None or cursor == "":
        return 0
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        seq = data["seq"]
        if data.get("v") != 1 or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("bad fields")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("the cursor is not one this server gave out") from None
    return seq
