"""A technician's day: the groups, done today, the next order, at the edges of midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain import Priority, Status
from app.domain.my_day import Group, group_of, next_order, plan_day

# A zone with an offset, so "today" is not the UTC date.
LOCAL = timezone(timedelta(hours=-5))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL)
H = timedelta(hours=1)
MIDNIGHT = datetime(2026, 11, 26, 0, 0, tzinfo=LOCAL)  # the end of NOW's day


@dataclass(frozen=True)
class Item:
    name: str
    due_at: datetime | None
    status: Status = Status.ASSIGNED
    priority: Priority = Priority.NORMAL
    completed_at: datetime | None = None


def names(items: list[Item]) -> list[str]:
    return [i.name for i in items]


def test_each_open_order_lands_in_its_group_sorted_by_due_then_priority() -> None:
    day = plan_day(
        [
            Item("tomorrow", NOW + timedelta(days=1)),
            Item("no due", None),
            Item("tonight low", NOW + 3 * H, priority=Priority.LOW),
            Item("tonight urgent", NOW + 3 * H, priority=Priority.URGENT),
            Item("yesterday", NOW - timedelta(days=1)),
            Item("this morning", NOW - 2 * H),
        ],
        now=NOW,
    )
    assert names(day.overdue) == ["yesterday", "this morning"]
    assert names(day.today) == ["tonight urgent", "tonight low"]
    assert names(day.upcoming) == ["tomorrow", "no due"]
    assert day.done_today == []


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CLOSED, Status.CANCELLED])
def test_a_finished_order_due_today_is_never_under_today(status: Status) -> None:
    day = plan_day([Item("finished", NOW + 2 * H, status=status, completed_at=NOW - H)], now=NOW)
    assert day.overdue == day.today == day.upcoming == []
    assert names(day.done_today) == ([] if status is Status.CANCELLED else ["finished"])


def test_done_today_is_by_the_completed_time_most_recent_first_and_older_work_is_not_listed() -> None:
    day = plan_day(
        [
            Item("early", NOW - timedelta(days=3), status=Status.COMPLETED, completed_at=NOW - 3 * H),
            Item("late", NOW + timedelta(days=3), status=Status.COMPLETED, completed_at=NOW - H),
            Item("yesterday", NOW, status=Status.COMPLETED, completed_at=NOW - timedelta(days=1)),
            Item("no time", NOW, status=Status.COMPLETED, completed_at=None),
        ],
        now=NOW,
    )
    assert names(day.done_today) == ["late", "early"]
    assert day.overdue == day.today == day.upcoming == []


def test_done_today_is_the_local_day_not_the_utc_day() -> None:
    just_after = datetime(2026, 11, 25, 0, 0, tzinfo=LOCAL)  # 05:00 UTC today
    just_before = just_after - timedelta(seconds=1)  # 23:59:59 yesterday, local
    late_tonight_utc = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # 23:30 today, local
    assert (
        group_of(status=Status.COMPLETED, due_at=None, completed_at=just_after, now=NOW) is Group.DONE_TODAY
    )
    assert (
        group_of(status=Status.COMPLETED, due_at=None, completed_at=just_before, now=NOW) is Group.NOT_LISTED
    )
    at_night = NOW.replace(hour=23, minute=45)
    assert (
        group_of(status=Status.COMPLETED, due_at=None, completed_at=late_tonight_utc, now=at_night)
        is Group.DONE_TODAY
    )


def test_at_midnight_today_becomes_tomorrow() -> None:
    # Due at the stroke of midnight belongs to tomorrow; a second before it, to today.
    assert group_of(status=Status.ASSIGNED, due_at=MIDNIGHT, completed_at=None, now=NOW) is Group.UPCOMING
    before = MIDNIGHT - timedelta(seconds=1)
    assert group_of(status=Status.ASSIGNED, due_at=before, completed_at=None, now=NOW) is Group.TODAY
    # Just after midnight, yesterday's late order is overdue and the done work of
    # yesterday is no longer listed.
    after = MIDNIGHT + timedelta(minutes=1)
    assert group_of(status=Status.ASSIGNED, due_at=before, completed_at=None, now=after) is Group.OVERDUE
    assert (
        group_of(status=Status.COMPLETED, due_at=before, completed_at=before, now=after) is Group.NOT_LISTED
    )


def test_work_under_way_is_today_whatever_its_due_time() -> None:
    day = plan_day([Item("on it", NOW + timedelta(days=4), status=Status.IN_PROGRESS)], now=NOW)
    assert names(day.today) == ["on it"]


def test_cannot_complete_stays_in_its_group_but_is_never_next() -> None:
    stuck = Item("stuck", NOW - H, status=Status.CANNOT_COMPLETE)
    day = plan_day([stuck, Item("later", NOW + 5 * H)], now=NOW)
    assert names(day.overdue) == ["stuck"]
    assert day.next is not None and day.next.name == "later"


def test_next_is_the_earliest_due_of_today_and_overdue_higher_priority_first_on_ties() -> None:
    at = NOW + 2 * H
    items = [
        Item("tomorrow", NOW + timedelta(days=1), priority=Priority.URGENT),
        Item("normal", at),
        Item("high", at, priority=Priority.HIGH),
        Item("later today", NOW + 5 * H, priority=Priority.URGENT),
    ]
    chosen = next_order(items, now=NOW)
    assert chosen is not None and chosen.name == "high"
    overdue = Item("overdue", NOW - timedelta(days=1), priority=Priority.LOW)
    chosen = next_order([*items, overdue], now=NOW)
    assert chosen is not None and chosen.name == "overdue"


def test_the_order_under_way_comes_next_before_an_earlier_one() -> None:
    items = [
        Item("waiting", NOW - 3 * H, priority=Priority.URGENT),
        Item("driving there", NOW + 4 * H, status=Status.EN_ROUTE),
    ]
    chosen = next_order(items, now=NOW)
    assert chosen is not None and chosen.name == "driving there"


@pytest.mark.parametrize("status", [Status.NEW, Status.ON_HOLD, Status.CANNOT_COMPLETE, Status.COMPLETED])
def test_orders_waiting_on_someone_else_or_finished_are_not_next(status: Status) -> None:
    assert next_order([Item("x", NOW - H, status=status, completed_at=NOW)], now=NOW) is None


def test_nothing_today_means_no_next_even_with_upcoming_work() -> None:
    day = plan_day([Item("next week", NOW + timedelta(days=7))], now=NOW)
    assert day.next is None and names(day.upcoming) == ["next week"]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_day([], now=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        group_of(status=Status.ASSIGNED, due_at=None, completed_at=None, now=datetime(2026, 1, 1))
