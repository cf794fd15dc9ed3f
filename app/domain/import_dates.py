"""Times in an imported file: what is taken, and the zone rule.

Taken:
- ISO 8601 with an offset or Z: `2026-12-07T14:30:00+01:00`, `2026-12-07T13:30Z` (what
  the export writes): that instant.
- ISO 8601 without one, with `T` or a space: `2026-12-07 14:30`, `2026-12-07T14:30:00`.
- A date alone: `2026-12-07`, `2026/12/07`, or day first with dots `07.12.2026`
  (optionally with `14:30`). A date alone means the end of that working day, 17:00.

The zone rule: a time without an offset is read in the import's zone (the desk sends
its own; the CLI takes `--tz`; UTC when none is given). In a DST gap or overlap the
earlier reading (fold 0) is taken, as Python's zoneinfo does.

Refused, with the reason: day and month with slashes (`07/12/2026` is 7 December in
Paris and 12 July in Boston: write `2026-12-07`), anything else, and years outside
2000..2100 (a typo, not a plan).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

DATE_ALONE_AT = time(17, 0)  # a due date without a time: by the end of the working day
YEARS = range(2000, 2101)

_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SLASHED = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}")


class BadTime(ValueError):
    """Not a time this import takes; the message says what to write instead."""


def parse_when(text: str, *, zone: tzinfo) -> datetime:
    """`text` as an aware time (see the module's note for what is taken)."""
    value = text.strip()
    if _SLASHED.match(value):
        raise BadTime(f"{value!r} is ambiguous (day/month or month/day?): write it as 2026-12-07 14:30")
    found = _ISO_DATE.match(value)
    if found:
        return _at(_date(*map(int, found.groups()), text=value), DATE_ALONE_AT, zone)
    found = _DOTTED.match(value)
    if found:
        day, month, year, hour, minute, second = found.groups()
        on = _date(int(year), int(month), int(day), text=value)
        if hour is None:
            return _at(on, DATE_ALONE_AT, zone)
        return _at(on, _time(int(hour), int(minute), int(second or 0), text=value), zone)
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise BadTime(
            f"{value!r} is not a date or time this import reads: write it as 2026-12-07 14:30"
        ) from None
    if parsed.year not in YEARS:
        raise BadTime(f"{value!r}: the year {parsed.year} is out of range ({YEARS.start}-{YEARS.stop - 1})")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed


def _date(year: int, month: int, day: int, *, text: str) -> date:
    if year not in YEARS:
        raise BadTime(f"{text!r}: the year {year} is out of range ({YEARS.start}-{YEARS.stop - 1})")
    try:
        return date(year, month, day)
    except ValueError as err:
        raise BadTime(f"{text!r} is not a real date ({err})") from None


def _time(hour: int, minute: int, second: int, *, text: str) -> time:
    try:
        return time(hour, minute, second)
    except ValueError as err:
        raise BadTime(f"{text!r} is not a real time of day ({err})") from None


def _at(on: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(on, at, tzinfo=zone)
