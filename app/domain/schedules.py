"""Preventive maintenance schedules: their rule and the dates it gives (pure; both sides).

A schedule repeats every N days, weeks or months. Its occurrences are either
- `fixed`: counted from `starts_on` (starts_on + k x interval; months keep the day of
  `starts_on` and clamp to the month's end: Jan 31 -> Feb 28/29 -> Mar 31, each counted
  from the anchor, never from the clamped date before it), or
- `completion`: the next one counted from the day the last occurrence's order was
  completed, in the schedule's time zone (the first one is due on `starts_on`).
An occurrence's order is made once `today >= due - lead_days` (today in the schedule's
zone). Its `due_at` is the due date at DUE_LOCAL_TIME there, in UTC (so across DST the
UTC hour moves and the local one does not).

Catching up (the server was down, or nothing ran for a while): every fixed date due
within the lead time and not yet made is made, missed ones included, with two limits:
- never a date before the day the schedule was last saved (a new, edited or resumed
  schedule does not fill its past with orders), and
- at most MAX_CATCH_UP dates per schedule per run, the latest ones (a month of missed
  daily checks is a handful of orders, not thirty).
Validation of a schedule's fields (`schedule_problems`) is shared by the desk and the
server (the server answers `invalid_args` with the first problem).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.limits import MAX_ASSET, MAX_DESCRIPTION, MAX_NAME, MAX_TITLE


class EveryUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Anchor(StrEnum):
    FIXED = "fixed"  # from starts_on
    COMPLETION = "completion"  # from the last completion


# The local time of day an occurrence's order is due on its due date.
DUE_LOCAL_TIME = time(17, 0)
DEFAULT_TIMEZONE = "UTC"
MAX_EVERY_N = 999
MAX_LEAD_DAYS = 365
MAX_CATCH_UP = 5  # missed fixed dates made per schedule per run (the latest ones)
MAX_TIMEZONE = 64


@dataclass(frozen=True, slots=True)
class Rule:
    """What the dates of a schedule depend on."""

    every_n: int
    every_unit: EveryUnit
    anchor: Anchor
    starts_on: date
    lead_days: int = 0
    timezone: str = DEFAULT_TIMEZONE
    paused: bool = False


@dataclass(frozen=True, slots=True)
class LastOccurrence:
    """The latest occurrence made: its due date, and the UTC time its order was completed
    (None while it is open). A cancelled order counts as done on its due date."""

    due_on: date
    completed_at: datetime | None = None
    cancelled: bool = False


# --- zones -----------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name` (UTC when empty); ValueError for one that does not exist."""
    text = (name or DEFAULT_TIMEZONE).strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as err:
        raise ValueError(f"unknown time zone {text!r}") from err


def is_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def local_date(at: datetime, timezone: str) -> date:
    """The calendar date of the moment `at` (aware, or naive UTC) in `timezone`."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(zone(timezone)).date()


def due_at(due_on: date, timezone: str, *, at: time = DUE_LOCAL_TIME) -> datetime:
    """The moment (aware UTC) an occurrence due on `due_on` is due: `at` local time there.
    A local time that does not exist that day (inside a spring-forward gap) reads as the
    offset before the change, i.e. an hour later on the wall (zoneinfo's fold=0)."""
    local = datetime.combine(due_on, at, tzinfo=zone(timezone))
    return local.astimezone(UTC)


# --- dates of the interval -----------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """`start` moved by `months`, the day kept or clamped to the month's last day."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def step(start: date, *, n: int, unit: EveryUnit | str, k: int = 1) -> date:
    """`start` + k x (every n units)."""
    match EveryUnit(unit):
        case EveryUnit.DAY:
            return start + timedelta(days=n * k)
        case EveryUnit.WEEK:
            return start + timedelta(weeks=n * k)
        case EveryUnit.MONTH:
            return add_months(start, n * k)


def occurrence(rule: Rule, k: int) -> date:
    """The k-th (from 0) fixed date: always counted from the anchor, so a clamped month end
    never drifts (Jan 31 + 2 months is Mar 31, not Mar 28)."""
    return step(rule.starts_on, n=rule.every_n, unit=rule.every_unit, k=k)


def _first_index_after(rule: Rule, after: date) -> int:
    """The smallest k whose fixed date is after `after` (0 when starts_on is)."""
    if rule.starts_on > after:
        return 0
    if rule.every_unit is EveryUnit.MONTH:
        months = (after.year - rule.starts_on.year) * 12 + after.month - rule.starts_on.month
        k = max(0, months // rule.every_n - 1)
    else:
        days = rule.every_n * (7 if rule.every_unit is EveryUnit.WEEK else 1)
        k = max(0, (after - rule.starts_on).days // days - 1)
    while occurrence(rule, k) <= after:
        k += 1
    return k


def fixed_dates(rule: Rule, *, after: date | None, through: date) -> list[date]:
    """Fixed dates d with after < d <= through, in order."""
    k = 0 if after is None else _first_index_after(rule, after)
    found: list[date] = []
    while (d := occurrence(rule, k)) <= through:
        found.append(d)
        k += 1
    return found


def completion_next(rule: Rule, last: LastOccurrence | None) -> date | None:
    """The next due date of a completion-anchored schedule; None while the last one is open.
    It is never on or before the last one's due date (a job done long before it was due
    still moves the schedule on)."""
    if last is None:
        return rule.starts_on
    if last.cancelled:
        done_on = last.due_on
    elif last.completed_at is None:
        return None
    else:
        done_on = local_date(last.completed_at, rule.timezone)
    return max(step(done_on, n=rule.every_n, unit=rule.every_unit), last.due_on + timedelta(days=1))


# --- what to make --------------------------------------------------------------------


def make_from(due_on: date, lead_days: int) -> date:
    """The first day an occurrence due on `due_on` is made."""
    return due_on - timedelta(days=lead_days)


def dates_to_make(
    rule: Rule,
    *,
    today: date,
    last: LastOccurrence | None,
    saved_on: date | None = None,
    cap: int = MAX_CATCH_UP,
) -> list[date]:
    """The due dates whose orders are to be made now, oldest first (none while paused).

    `today`: in the schedule's zone. `last`: the latest occurrence made (None: none yet).
    `saved_on`: the day (in the schedule's zone) it was last saved; fixed dates before it
    are never made.
    """
    if rule.paused:
        return []
    horizon = today + timedelta(days=rule.lead_days)
    if rule.anchor is Anchor.COMPLETION:
        following = completion_next(rule, last)
        return [following] if following is not None and following <= horizon else []
    after = None if last is None else last.due_on
    if saved_on is not None:
        before_saved = saved_on - timedelta(days=1)
        after = before_saved if after is None else max(after, before_saved)
    due = fixed_dates(rule, after=after, through=horizon)
    return due[-cap:] if cap > 0 else []


def next_due_on(
    rule: Rule, *, today: date, last: LastOccurrence | None, saved_on: date | None = None
) -> date | None:
    """The next due date not made yet (shown on the desk); None for a completion-anchored
    schedule waiting for its open order."""
    if rule.anchor is Anchor.COMPLETION:
        return completion_next(rule, last)
    # The first fixed date after the last one made and not before the saving day (missed
    # dates before that are never made; without a saving day, from today).
    after = (saved_on or today) - timedelta(days=1)
    if last is not None:
        after = max(after, last.due_on)
    k = _first_index_after(rule, after)
    return occurrence(rule, k)


def external_id(schedule_id: str, due_on: date) -> str:
    """An occurrence's order's external id (and its key: one order per schedule and date)."""
    return f"{schedule_id}/{due_on.isoformat()}"


# --- the fields, checked ----------------------------------------------------------------


def _text(fields: Mapping[str, Any], key: str) -> str:
    value = fields.get(key)
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def parse_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def schedule_problems(fields: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a schedule as saved (keys as on the wire; `every`, `template` and
    `site` nested), each in a sentence; empty when it may be saved."""
    problems: dict[str, str] = {}
    name = _text(fields, "name")
    if not name:
        problems["name"] = "Give the schedule a name, e.g. “Boiler service, Hall 2”."
    elif len(name) > MAX_NAME:
        problems["name"] = f"The name may have at most {MAX_NAME} characters."
    every = fields.get("every") if isinstance(fields.get("every"), Mapping) else {}
    n = _int(every.get("n"))
    if n is None or not 1 <= n <= MAX_EVERY_N:
        problems["every_n"] = f"Repeat every 1 to {MAX_EVERY_N} days, weeks or months."
    if every.get("unit") not in set(EveryUnit):
        problems["every_unit"] = "Repeat every day, week or month."
    if fields.get("anchor") not in set(Anchor):
        problems["anchor"] = "Count from the start date (fixed) or from the last completion."
    if parse_date(fields.get("starts_on")) is None:
        problems["starts_on"] = "Give the first due date as YYYY-MM-DD."
    lead = _int(fields.get("lead_days"))
    if lead is None or not 0 <= lead <= MAX_LEAD_DAYS:
        problems["lead_days"] = f"Make orders 0 to {MAX_LEAD_DAYS} days ahead."
    if not is_zone(str(fields.get("timezone") or DEFAULT_TIMEZONE)):
        problems["timezone"] = "Give a time zone such as Europe/Berlin or UTC."
    site = fields.get("site") if isinstance(fields.get("site"), Mapping) else {}
    asset = _text(fields, "asset")
    if not (isinstance(site.get("name"), str) and site["name"].strip()) and not asset:
        problems["site"] = "Give the site or the asset the schedule is for."
    if len(asset) > MAX_ASSET:
        problems["asset"] = f"The asset may have at most {MAX_ASSET} characters."
    template = fields.get("template") if isinstance(fields.get("template"), Mapping) else {}
    title = _text(template, "title")
    if not title:
        problems["title"] = "Give the orders a title, e.g. “Quarterly boiler service”."
    elif len(title) > MAX_TITLE:
        problems["title"] = f"The title may have at most {MAX_TITLE} characters."
    description = template.get("description")
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION:
        problems["description"] = f"The description may have at most {MAX_DESCRIPTION} characters."
    return problems


def rule_of(fields: Mapping[str, Any]) -> Rule:
    """The Rule of a schedule's wire fields (already checked by schedule_problems)."""
    every = fields["every"]
    starts_on = parse_date(fields["starts_on"])
    if starts_on is None:
        raise ValueError("starts_on: not a date")
    return Rule(
        every_n=int(every["n"]),
        every_unit=EveryUnit(every["unit"]),
        anchor=Anchor(fields["anchor"]),
        starts_on=starts_on,
        lead_days=int(fields.get("lead_days") or 0),
        timezone=str(fields.get("timezone") or DEFAULT_TIMEZONE),
        paused=bool(fields.get("paused", False)),
    )


def every_words(n: int, unit: str) -> str:
    """ "Every 3 months", "Every week"."""
    if n == 1:
        return f"Every {unit}"
    return f"Every {n} {unit}s"
