"""A technician's "My day": which group each order of theirs belongs to (overdue, today,
upcoming, done today, or not listed) and which order to go to next. Pure: no I/O; `now`
is injected, aware, and its zone is the technician's ("today" is its date there).

- Finished orders (completed, closed, cancelled: `SETTLED`) never sit under Today. One
  completed today (its `completed_at` on `now`'s local date; a closed one that was
  completed today too) is "done today"; any other finished order is not listed.
- `cannot_complete` is NOT finished here: the order is still open (`OPEN`, and overdue when
  late, as the board counts it) until a dispatcher reassigns, closes or cancels it, so it
  stays in its group where the technician can see it waiting. It is never "next": the
  next move is the dispatcher's, not theirs (the same holds for `on_hold`, which waits
  on a part or the customer, and `new`, which nobody has been given yet).
- Open orders: overdue (`is_overdue`), today (`todays_work`: due before local midnight,
  or under way whatever the due time), upcoming (the rest, orders without a due time too).
- Next: among today's and overdue orders whose next step is the technician's, the one
  already under way first (they are on it or travelling there), then the earliest due,
  then the higher priority.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from app.domain.orders import PRIORITY_RANK, SETTLED, Priority, is_overdue
from app.domain.sla import UNDER_WAY, todays_work
from app.domain.states import Status

# Finished orders that count as work done: completed, or completed and closed since.
DONE: frozenset[Status] = frozenset({Status.COMPLETED, Status.CLOSED})
# Where the next step is the technician's: set off, start, or carry on.
GOES_NEXT: frozenset[Status] = frozenset({Status.ASSIGNED, Status.EN_ROUTE, Status.IN_PROGRESS})


class Group(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    UPCOMING = "upcoming"
    DONE_TODAY = "done_today"
    NOT_LISTED = "not_listed"  # finished before today, or cancelled


class Plannable(Protocol):
    """What the day needs of an order (the services' OrderSummary has it)."""

    @property
    def status(self) -> Status: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def completed_at(self) -> datetime | None: ...


T = TypeVar("T", bound=Plannable)


@dataclass(frozen=True, slots=True)
class MyDay(Generic[T]):
    overdue: list[T] = field(default_factory=list)
    today: list[T] = field(default_factory=list)
    upcoming: list[T] = field(default_factory=list)
    done_today: list[T] = field(default_factory=list)  # most recently completed first
    next: T | None = None


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")


def group_of(
    *, status: Status, due_at: datetime | None, completed_at: datetime | None, now: datetime
) -> Group:
    """The group one order belongs to at `now`."""
    _require_aware(now)
    if status in SETTLED:
        done_today = (
            status in DONE
            and completed_at is not None
            and completed_at.astimezone(now.tzinfo).date() == now.date()
        )
        return Group.DONE_TODAY if done_today else Group.NOT_LISTED
    if is_overdue(status=status, due_at=due_at, now=now):
        return Group.OVERDUE
    if todays_work(status=status, due_at=due_at, now=now):
        return Group.TODAY
    return Group.UPCOMING


def by_due(item: Plannable) -> tuple[bool, float, int]:
    """Earliest due first (none last), then the higher priority."""
    due = item.due_at
    return (due is None, due.timestamp() if due is not None else 0.0, PRIORITY_RANK[item.priority])


def next_key(item: Plannable) -> tuple[bool, bool, float, int]:
    """Under way first, then `by_due`."""
    return (item.status not in UNDER_WAY, *by_due(item))


def next_order(items: Iterable[T], *, now: datetime) -> T | None:
    """The order to go to first: today's or overdue, the technician's move, by `next_key`."""
    candidates = [
        i
        for i in items
        if i.status in GOES_NEXT
        and group_of(status=i.status, due_at=i.due_at, completed_at=i.completed_at, now=now)
        in (Group.OVERDUE, Group.TODAY)
    ]
    return min(candidates, key=next_key, default=None)


def plan_day(items: Iterable[T], *, now: datetime) -> MyDay[T]:
    """Every order in its group, each group in its order, and the next order."""
    _require_aware(now)
    day: MyDay[T] = MyDay()
    buckets = {
        Group.OVERDUE: day.overdue,
        Group.TODAY: day.today,
        Group.UPCOMING: day.upcoming,
        Group.DONE_TODAY: day.done_today,
    }
    for item in items:
        group = group_of(status=item.status, due_at=item.due_at, completed_at=item.completed_at, now=now)
        if group in buckets:
            buckets[group].append(item)
    for bucket in (day.overdue, day.today, day.upcoming):
        bucket.sort(key=by_due)
    day.done_today.sort(key=lambda i: i.completed_at.timestamp() if i.completed_at else 0.0, reverse=True)
    return MyDay(
        overdue=day.overdue,
        today=day.today,
        upcoming=day.upcoming,
        done_today=day.done_today,
        next=next_order([*day.overdue, *day.today], now=now),
    )
