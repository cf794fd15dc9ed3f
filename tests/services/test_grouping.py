"""Grouping of the order list by the injected clock."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain import Priority, Status
from app.services.queries import group_orders
from app.services.types import OrderId, OrderSummary

# A zone with an offset, so "today" is not the UTC date.
LOCAL = timezone(timedelta(hours=-5))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL)


def _s(title, due, *, priority=Priority.NORMAL, status=Status.ASSIGNED):
    return OrderSummary(
        id=OrderId(uuid.uuid4()),
        number=title,
        title=title,
        priority=priority,
        status=status,
        due_at=due,
        site_name="",
        pending=False,
    )


def test_yesterday_is_overdue_and_23h_today_is_today():
    groups = group_orders(
        [
            _s("yesterday", NOW - timedelta(days=1)),
            _s("late tonight", NOW.replace(hour=23)),
            _s("tomorrow", NOW + timedelta(days=1)),
            _s("no due", None),
        ],
        now=NOW,
    )
    assert [s.title for s in groups.overdue] == ["yesterday"]
    assert [s.title for s in groups.today] == ["late tonight"]
    assert [s.title for s in groups.upcoming] == ["tomorrow", "no due"]


def test_today_is_the_local_date_not_the_utc_date():
    # 23:30 local is already tomorrow in UTC: still today for the user.
    groups = group_orders([_s("late", NOW.replace(hour=23, minute=30).astimezone(UTC))], now=NOW)
    assert [s.title for s in groups.today] == ["late"]


def test_settled_orders_are_never_overdue():
    groups = group_orders(
        [
            _s("done", NOW - timedelta(days=2), status=Status.COMPLETED),
            _s("gone", NOW - timedelta(days=2), status=Status.CANCELLED),
        ],
        now=NOW,
    )
    assert groups.overdue == [] and len(groups.upcoming) == 2


def test_earlier_today_but_past_is_overdue():
    groups = group_orders([_s("this morning", NOW - timedelta(hours=2))], now=NOW)
    assert [s.title for s in groups.overdue] == ["this morning"]


def test_sorted_by_due_time_then_priority():
    at = NOW + timedelta(hours=3)
    groups = group_orders(
        [
            _s("low", at, priority=Priority.LOW),
            _s("later urgent", at + timedelta(minutes=1), priority=Priority.URGENT),
            _s("urgent", at, priority=Priority.URGENT),
        ],
        now=NOW,
    )
    assert [s.title for s in groups.today] == ["urgent", "low", "later urgent"]


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError):
        group_orders([], now=datetime(2026, 1, 1))
