"""Timestamps: naive UTC in the database (portable across SQLite and
PostgreSQL), ISO-8601 with a trailing `Z` on the wire."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(dt: datetime) -> datetime:
    """Naive UTC; an aware time is converted, a naive one is taken as UTC."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def to_wire(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = to_db(dt)
    return dt.isoformat(timespec="microseconds" if dt.microsecond else "seconds") + "Z"


def parse_wire(text: str) -> datetime:
    """Parse an ISO-8601 time sent by a device; raises ValueError when it is not one.

    A time without an offset is taken as UTC.
    """
    if not isinstance(text, str) or len(text) > 64:
        raise ValueError("not an ISO-8601 time")
    try:
        return to_db(datetime.fromisoformat(text))
    except OverflowError:
        # "0001-01-01T00:00:00+14:00" is a valid time whose UTC is before year 1.
        raise ValueError("outside the years 1 to 9999 in UTC") from None
