"""Lateness of an open order and the load of a technician's day, in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Status
from app.domain.sla import (
    AT_RISK_WINDOW,
    FULL_DAY,
    Lateness,
    duration_words,
    lateness,
    lateness_words,
    load_ratio,
    load_words,
    todays_work,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "due", "expected", "words"),
    [
        (Status.IN_PROGRESS, NOW - 3 * H, Lateness.OVERDUE, "Overdue by 3 h"),
        (Status.NEW, NOW - timedelta(days=2, hours=4), Lateness.OVERDUE, "Overdue by 2 d 4 h"),
        (Status.ON_HOLD, NOW - timedelta(seconds=20), Lateness.OVERDUE, "Overdue by 1 min"),
        (Status.CANNOT_COMPLETE, NOW - H, Lateness.OVERDUE, "Overdue by 1 h"),
        # Settled orders are nobody's worry, however late they were.
        (Status.COMPLETED, NOW - 3 * H, Lateness.ON_TIME, ""),
        (Status.CLOSED, NOW - 3 * H, Lateness.ON_TIME, ""),
        (Status.CANCELLED, NOW - 3 * H, Lateness.ON_TIME, ""),
        # Due within two hours and not started: at risk.
        (
            Status.ASSIGNED,
            NOW + timedelta(hours=1, minutes=20),
            Lateness.AT_RISK,
            "Due in 1 h 20 min, not started",
        ),
        (Status.NEW, NOW + AT_RISK_WINDOW, Lateness.AT_RISK, "Due in 2 h, not started"),
        (Status.EN_ROUTE, NOW + timedelta(minutes=5), Lateness.AT_RISK, "Due in 5 min, not started"),
        (Status.ASSIGNED, NOW, Lateness.AT_RISK, "Due in 1 min, not started"),  # due this very minute
        (Status.ASSIGNED, NOW + AT_RISK_WINDOW + timedelta(minutes=1), Lateness.ON_TIME, ""),
        # Under way: not at risk however close.
        (Status.IN_PROGRESS, NOW + timedelta(minutes=5), Lateness.ON_TIME, ""),
        (Status.ON_HOLD, NOW + timedelta(minutes=5), Lateness.ON_TIME, ""),
        (Status.NEW, None, Lateness.ON_TIME, ""),
    ],
)
def test_lateness_and_its_words(status, due, expected, words):
    assert lateness(status=status, due_at=due, now=NOW) is expected
    assert lateness_words(status=status, due_at=due, now=NOW) == words
    # Statuses as stored (plain strings) are read the same.
    assert lateness(status=status.value, due_at=due, now=NOW) is expected


def test_other_zones_compare_as_instants():
    due = datetime(2026, 11, 25, 11, 30, tzinfo=UTC).astimezone(tz=None)
    assert lateness_words(status="new", due_at=due, now=NOW) == ""  # 2 h 30 min away
    assert lateness_words(status="new", due_at=due - H, now=NOW) == "Due in 1 h 30 min, not started"


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=1), "1 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=1, minutes=1), "1 h 1 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=1, hours=1, minutes=5), "1 d 1 h"),  # minutes are noise past a day
        (timedelta(days=12), "12 d"),
        (-timedelta(hours=2), "2 h"),
    ],
)
def test_duration_words(span, words):
    assert duration_words(span) == words


@pytest.mark.parametrize(
    ("open_today", "words"),
    [
        (0, "free"),
        (-1, "free"),
        (1, "light"),
        (2, "light"),
        (3, "busy"),
        (5, "busy"),
        (6, "full"),
        (7, "overloaded"),
    ],
)
def test_load_words_against_a_full_day(open_today, words):
    assert FULL_DAY == 6
    assert load_words(open_today) == words


def test_load_ratio():
    assert [load_ratio(n) for n in (0, 3, 6, 9)] == [0.0, 0.5, 1.0, 1.5]
    assert load_ratio(-2) == 0.0


@pytest.mark.parametrize(
    ("status", "due", "today"),
    [
        (Status.ASSIGNED, NOW + 14 * H, True),  # 23:00 UTC: still today
        (Status.ASSIGNED, NOW + 15 * H, False),  # tomorrow
        (Status.NEW, NOW - timedelta(days=3), True),  # overdue
        (Status.ON_HOLD, NOW - H, True),
        (Status.IN_PROGRESS, NOW + timedelta(days=4), True),  # under way: today's, whenever due
        (Status.EN_ROUTE, None, True),
        (Status.ASSIGNED, None, False),
        (Status.COMPLETED, NOW, False),
        (Status.CANCELLED, NOW - H, False),
    ],
)
def test_todays_work(status, due, today):
    assert todays_work(status=status, due_at=due, now=NOW) is today


def test_today_is_the_date_where_the_user_is():
    from zoneinfo import ZoneInfo

    tokyo = NOW.astimezone(ZoneInfo("Asia/Tokyo"))  # 18:00 there
    assert todays_work(status="assigned", due_at=NOW + 5 * H, now=tokyo)  # 23:00 in Tokyo
    assert not todays_work(status="assigned", due_at=NOW + 6 * H, now=tokyo)  # midnight there
