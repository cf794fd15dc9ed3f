"""The dashboard's date ranges, as periods of local days ending with today."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from app.domain.kpi.types import Period


class RangeChoice(StrEnum):
    LAST_7 = "7d"
    LAST_30 = "30d"
    LAST_90 = "90d"
    THIS_MONTH = "month"


RANGE_WORDS: dict[RangeChoice, str] = {
    RangeChoice.LAST_7: "Last 7 days",
    RangeChoice.LAST_30: "Last 30 days",
    RangeChoice.LAST_90: "Last 90 days",
    RangeChoice.THIS_MONTH: "This month",
}
_DAYS = {RangeChoice.LAST_7: 7, RangeChoice.LAST_30: 30, RangeChoice.LAST_90: 90}


def period_of(choice: RangeChoice, *, now: datetime, zone: tzinfo) -> Period:
    """ "Last n days": today and the n-1 days before it; "this month": the whole calendar
    month holding today (days still to come have nothing in them yet)."""
    today = now.astimezone(zone).date()
    if choice is RangeChoice.THIS_MONTH:
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(start=first, end=following, zone=zone)
    return Period(start=today - timedelta(days=_DAYS[choice] - 1), end=today + timedelta(days=1), zone=zone)


def period_words(period: Period) -> str:
    """ "2 Nov – 8 Nov 2026": the period's first and last local days."""
    last: date = period.end - timedelta(days=1)
    if last < period.start:
        return "no days"
    year = "" if period.start.year == last.year else f" {period.start.year}"
    first = f"{period.start.day} {period.start:%b}{year}"
    return f"{first} – {last.day} {last:%b} {last.year}"
