"""A time entry typed by hand: the day and the start and end as the technician types them,
read in the device's zone. Pure, so its words are tested without a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h]\s*(\d{2}))?\s*$")


class EntryProblem(ValueError):
    """What is wrong with a typed entry, in words for the form."""


@dataclass(frozen=True, slots=True)
class TypedEntry:
    started_at: datetime
    ended_at: datetime


def read_time(text: str, *, name: str) -> time:
    """'9', '9:05', '09.05', '14h30' → a time of day."""
    found = _TIME.match(text or "")
    if found is None:
        raise EntryProblem(f"Enter the {name} as hours and minutes, like 09:30.")
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise EntryProblem(f"{text.strip()} is not a time of day: enter the {name} like 09:30.")
    return time(hours, minutes)


def read_day(text: str, *, today: date) -> date:
    """'' or 'today' → today; 'yesterday'; or a date as 2026-11-25."""
    typed = (text or "").strip().casefold()
    if typed in ("", "today"):
        return today
    if typed == "yesterday":
        return date.fromordinal(today.toordinal() - 1)
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise EntryProblem("Enter the day as 2026-11-25 (or leave it empty for today).") from None


def read_entry(*, day: str, start: str, end: str, today: date, zone: tzinfo) -> TypedEntry:
    """The entry typed, as aware datetimes. An end before its start is an entry across
    midnight only when said so by the day: enter it as two entries."""
    on = read_day(day, today=today)
    begins = datetime.combine(on, read_time(start, name="start"), tzinfo=zone)
    ends = datetime.combine(on, read_time(end, name="end"), tzinfo=zone)
    if ends <= begins:
        raise EntryProblem("The end must be after the start (across midnight, enter two entries).")
    return TypedEntry(started_at=begins, ended_at=ends)
