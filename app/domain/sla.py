"""How an open order stands against its due time, and how loaded a technician's day is,
in words for the desk. Pure: no I/O, imports nothing of ours but app.domain."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum

from app.domain.orders import is_overdue
from app.domain.states import OPEN, Status

# An order due this soon that nobody has started yet is at risk (the "within 2 h").
AT_RISK_WINDOW = timedelta(hours=2)
# Work has not begun in these states: the technician has not arrived or not even set off.
NOT_STARTED: frozenset[Status] = frozenset({Status.NEW, Status.ASSIGNED, Status.EN_ROUTE})

# Work under way belongs to today whenever it is due: someone is on it now.
UNDER_WAY: frozenset[Status] = frozenset({Status.EN_ROUTE, Status.IN_PROGRESS})

# Open orders that fill one technician's day: about an hour on site plus travel each,
# in an eight-hour day. The load words and the suggestion's workload score measure against it.
FULL_DAY = 6


class Lateness(StrEnum):
    """How an open order stands against its due time."""

    ON_TIME = "on_time"
    AT_RISK = "at_risk"  # due within AT_RISK_WINDOW and not started
    OVERDUE = "overdue"  # due passed, not settled


def lateness(*, status: Status | str, due_at: datetime | None, now: datetime) -> Lateness:
    current = Status(status)
    if is_overdue(status=current, due_at=due_at, now=now):
        return Lateness.OVERDUE
    if due_at is not None and current in NOT_STARTED and due_at - now <= AT_RISK_WINDOW:
        return Lateness.AT_RISK
    return Lateness.ON_TIME


def todays_work(*, status: Status | str, due_at: datetime | None, now: datetime) -> bool:
    """Open and due today (on `now`'s local date, in its zone) or before, or under way: a
    technician's day on the board, and the load the picker and the suggestion count."""
    current = Status(status)
    if current not in OPEN:
        return False
    if current in UNDER_WAY:
        return True
    return due_at is not None and due_at.astimezone(now.tzinfo) < day_ends(now)


def day_ends(now: datetime) -> datetime:
    """The next midnight in `now`'s zone: work due before it is today's (or earlier)."""
    return datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)


def duration_words(span: timedelta) -> str:
    """A span for people, to the minute below a day: "3 h", "1 h 20 min", "2 d 4 h", "1 min".
    Anything under a minute reads as one minute (it is not nothing)."""
    minutes = max(1, int(abs(span).total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def lateness_words(*, status: Status | str, due_at: datetime | None, now: datetime) -> str:
    """ "Overdue by 3 h", "Due in 1 h 20 min, not started"; "" when on time."""
    match lateness(status=status, due_at=due_at, now=now):
        case Lateness.OVERDUE:
            assert due_at is not None
            return f"Overdue by {duration_words(now - due_at)}"
        case Lateness.AT_RISK:
            assert due_at is not None
            return f"Due in {duration_words(due_at - now)}, not started"
    return ""


def load_ratio(open_today: int) -> float:
    """Open orders today against a full day: 0.0 is free, 1.0 full, above it overloaded."""
    return max(0, open_today) / FULL_DAY


def load_words(open_today: int) -> str:
    """free (nothing open), light (under half a day), busy, full (a day's worth), overloaded."""
    if open_today <= 0:
        return "free"
    if open_today > FULL_DAY:
        return "overloaded"
    if open_today == FULL_DAY:
        return "full"
    return "light" if load_ratio(open_today) < 0.5 else "busy"
