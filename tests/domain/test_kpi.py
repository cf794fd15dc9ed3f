"""The dashboard's measures on hand-made orders: every figure exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.kpi import (
    BEST_FIRST_TIME_FIX,
    BEST_ON_TIME,
    BEST_UTILISATION,
    Availability,
    Durations,
    EveryUnit,
    Interval,
    OrderFacts,
    Period,
    RangeChoice,
    Rate,
    Technician,
    TimeLogFacts,
    compute,
    durations,
    interval_of,
    occurrence,
    parse_unit,
    period_of,
    period_words,
)
from app.domain.states import Status

BERLIN = ZoneInfo("Europe/Berlin")
# A week of local days, Monday 2026-11-02 to Sunday 2026-11-08, in UTC.
WEEK = Period(start=date(2026, 11, 2), end=date(2026, 11, 9), zone=UTC)
NOW = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
ANN, BOB = Technician("ann", "Ann"), Technician("bob", "Bob")


def at(day: int, hour: float = 0.0, *, month: int = 11) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def done(
    oid: str, *, created: datetime, completed: datetime, due: datetime | None = None, **more
) -> OrderFacts:
    return OrderFacts(
        id=oid, status=Status.COMPLETED, created_at=created, completed_at=completed, due_at=due, **more
    )


def test_empty_orders_and_empty_range_give_zeros_and_no_rates() -> None:
    empty = compute(orders=[], period=WEEK, now=NOW, technicians=[ANN])
    assert empty.backlog.total == 0 and set(empty.backlog.by_age.values()) == {0}
    assert [d.created for d in empty.per_day] == [0] * 7
    assert empty.on_time.rate == Rate(0, 0) and empty.on_time.rate.value is None
    assert empty.on_time.broken_promise is None
    assert empty.to_assign == Durations(count=0, mean=None, p90=None)
    assert empty.first_time_fix.value is None
    assert empty.pm is None  # no schedules
    no_days = Period(start=date(2026, 11, 5), end=date(2026, 11, 5), zone=UTC)
    order = done("a", created=at(5, 1), completed=at(5, 2), due=at(6))
    nothing = compute(orders=[order], period=no_days, now=NOW, technicians=[ANN])
    assert nothing.per_day == () and nothing.completed == 0 and nothing.on_time.rate == Rate(0, 0)
    assert nothing.technicians[0].available == timedelta(0) and nothing.technicians[0].utilisation is None


def test_backlog_by_status_priority_and_age_at_now() -> None:
    orders = [
        OrderFacts(id="n", status=Status.NEW, created_at=NOW - timedelta(hours=5), priority="urgent"),
        OrderFacts(id="a", status=Status.ASSIGNED, created_at=NOW - timedelta(days=1), priority="high"),
        OrderFacts(id="h", status=Status.ON_HOLD, created_at=NOW - timedelta(days=5)),
        OrderFacts(
            id="c", status=Status.CANNOT_COMPLETE, created_at=NOW - timedelta(days=40), priority="low"
        ),
        OrderFacts(id="d", status=Status.COMPLETED, created_at=NOW - timedelta(days=2)),
        OrderFacts(id="x", status=Status.CANCELLED, created_at=NOW - timedelta(days=2)),
        OrderFacts(id="z", status=Status.CLOSED, created_at=NOW - timedelta(days=2)),
    ]
    backlog = compute(orders=orders, period=WEEK, now=NOW).backlog
    assert backlog.total == 4
    assert backlog.by_status == {
        "new": 1,
        "assigned": 1,
        "en_route": 0,
        "in_progress": 0,
        "on_hold": 1,
        "cannot_complete": 1,
    }
    assert backlog.by_priority == {"urgent": 1, "high": 1, "normal": 1, "low": 1}
    # Exactly one day old is in "1–3 days" (buckets hold their lower bound).
    assert backlog.by_age == {"< 1 day": 1, "1–3 days": 1, "3–7 days": 1, "7–30 days": 0, "> 30 days": 1}


def test_created_and_completed_per_day_with_orders_spanning_the_edges() -> None:
    orders = [
        done("before", created=at(1, 10), completed=at(2, 9)),  # created before, done inside
        done("inside", created=at(3, 8), completed=at(3, 9)),
        done("after", created=at(8, 23), completed=at(9, 1)),  # created inside, done after
        OrderFacts(id="open", status=Status.NEW, created_at=at(2, 0)),  # the first instant
        OrderFacts(id="end", status=Status.NEW, created_at=at(9, 0)),  # the end is excluded
    ]
    dash = compute(orders=orders, period=WEEK, now=NOW)
    assert [(d.day.day, d.created, d.completed) for d in dash.per_day] == [
        (2, 1, 1),
        (3, 1, 1),
        (4, 0, 0),
        (5, 0, 0),
        (6, 0, 0),
        (7, 0, 0),
        (8, 1, 0),
    ]
    assert (dash.created, dash.completed) == (3, 2)
    assert dash.to_complete == Durations(count=2, mean=timedelta(hours=12), p90=timedelta(hours=23))


def test_a_completion_at_2330_utc_falls_on_the_next_local_day_in_berlin() -> None:
    order = done("late-night", created=at(3, 20), completed=at(3, 23.5))
    utc = compute(orders=[order], period=WEEK, now=NOW)
    berlin = compute(orders=[order], period=Period(start=WEEK.start, end=WEEK.end, zone=BERLIN), now=NOW)
    assert [d.day for d in utc.per_day if d.completed] == [date(2026, 11, 3)]
    assert [d.day for d in berlin.per_day if d.completed] == [date(2026, 11, 4)]
    assert [d.day for d in berlin.per_day if d.created] == [date(2026, 11, 3)]  # 21:00 local
    # Berlin's period ends at 23:00 UTC on the 8th: a completion at 23:30 UTC is outside.
    edge = done("edge", created=at(8, 10), completed=at(8, 23.5))
    assert (
        compute(orders=[edge], period=Period(start=WEEK.start, end=WEEK.end, zone=BERLIN), now=NOW).completed
        == 0
    )
    assert compute(orders=[edge], period=WEEK, now=NOW).completed == 1


def test_on_time_rate_broken_promise_and_orders_without_a_due_time() -> None:
    orders = [
        done("early", created=at(2), completed=at(3), due=at(4)),
        done("exact", created=at(2), completed=at(4), due=at(4)),  # by the due time: on time
        done("late", created=at(2), completed=at(5), due=at(4)),
        done("no-due", created=at(2), completed=at(5)),
        OrderFacts(id="cancelled", status=Status.CANCELLED, created_at=at(2), due_at=at(3)),
        OrderFacts(id="open-late", status=Status.IN_PROGRESS, created_at=at(2), due_at=at(3)),
    ]
    punctual = compute(orders=orders, period=WEEK, now=NOW).on_time
    assert punctual.rate == Rate(hits=2, total=3) and punctual.late == 1 and punctual.no_due == 1
    assert punctual.rate.value == pytest.approx(2 / 3)
    assert punctual.broken_promise == pytest.approx(1 / 3)


def test_a_reopened_order_counts_once_and_is_not_a_first_time_fix() -> None:
    reopened = done("r", created=at(2), completed=at(6), due=at(5), reopen_count=1)
    still_open = OrderFacts(
        id="o", status=Status.IN_PROGRESS, created_at=at(2), completed_at=at(3), reopen_count=1
    )
    fixed = done("f", created=at(2), completed=at(3), due=at(5))
    dash = compute(orders=[reopened, still_open, fixed], period=WEEK, now=NOW)
    assert dash.completed == 2  # "o" was completed on the 3rd, then reopened: open now
    assert dash.on_time.rate == Rate(hits=1, total=2)  # "r" counts once, by its last completion
    assert dash.first_time_fix == Rate(hits=1, total=2)
    assert dash.backlog.by_status["in_progress"] == 1


def test_first_time_fix_excludes_cannot_complete_reopened_and_followed_up() -> None:
    orders = [
        done("clean", created=at(2), completed=at(3)),
        done("tried-twice", created=at(2), completed=at(4), cannot_complete_at=at(3)),
        done("reopened", created=at(2), completed=at(4), reopen_count=2),
        done("followed", created=at(2), completed=at(4)),
        # The follow-up itself: made by anyone, open, outside any filter.
        OrderFacts(id="follow-up", status=Status.NEW, created_at=at(4, 1), follow_up_of="followed"),
        # Closed after cannot_complete (never completed): not a completion at all.
        OrderFacts(
            id="gave-up", status=Status.CLOSED, created_at=at(2), cannot_complete_at=at(3), completed_at=None
        ),
    ]
    dash = compute(orders=orders, period=WEEK, now=NOW)
    assert dash.first_time_fix == Rate(hits=1, total=4)
    assert dash.first_time_fix.value == 0.25


def test_a_cancelled_order_is_never_completed_nor_late() -> None:
    # Completed at some point, later reopened, given up and cancelled.
    cancelled = OrderFacts(
        id="c",
        status=Status.CANCELLED,
        created_at=at(2),
        completed_at=at(3),
        due_at=at(2, 1),
        cannot_complete_at=at(4),
    )
    dash = compute(orders=[cancelled], period=WEEK, now=NOW)
    assert dash.completed == 0 and dash.on_time.rate == Rate(0, 0) and dash.to_complete.count == 0
    assert dash.backlog.total == 0


def test_times_to_assign_arrive_and_complete_mean_and_p90() -> None:
    orders = [
        OrderFacts(
            id=str(i),
            status=Status.COMPLETED,
            created_at=at(2),
            first_assigned_at=at(2, i),
            assigned_at=at(2, 50),  # reassigned later: not what "time to assign" reads
            en_route_at=at(3),
            started_at=at(3) + timedelta(minutes=10 * i),
            completed_at=at(4),
        )
        for i in range(1, 11)
    ]
    # Before first_assigned_at existed: assigned_at stands in for it.
    legacy = OrderFacts(id="legacy", status=Status.ASSIGNED, created_at=at(2), assigned_at=at(2, 11))
    dash = compute(orders=[*orders, legacy], period=WEEK, now=NOW)
    # 1..11 hours: mean 6 h; p90 by nearest rank: ceil(0.9*11) = 10th smallest = 10 h.
    assert dash.to_assign == Durations(count=11, mean=timedelta(hours=6), p90=timedelta(hours=10))
    assert dash.to_arrive == Durations(count=10, mean=timedelta(minutes=55), p90=timedelta(minutes=90))
    assert dash.to_complete == Durations(count=10, mean=timedelta(days=2), p90=timedelta(days=2))


def test_p90_by_nearest_rank_on_small_samples() -> None:
    h = [timedelta(hours=n) for n in (5, 1, 3)]
    assert durations([]) == Durations(0, None, None)
    assert durations(h[:1]) == Durations(1, timedelta(hours=5), timedelta(hours=5))
    # n=2: ceil(1.8) = 2nd; n=3: ceil(2.7) = 3rd: the largest until n reaches 11.
    assert durations(h[:2]).p90 == timedelta(hours=5)
    assert durations(h) == Durations(3, timedelta(hours=3), timedelta(hours=5))
    ten = [timedelta(minutes=m) for m in range(10, 110, 10)]
    assert durations(ten).p90 == timedelta(minutes=90)  # ceil(9.0) = 9th of 10


def test_an_assignment_outside_the_range_is_not_measured() -> None:
    before = OrderFacts(id="b", status=Status.ASSIGNED, created_at=at(1), first_assigned_at=at(1, 2))
    travel = OrderFacts(
        id="t", status=Status.IN_PROGRESS, created_at=at(1), en_route_at=at(1, 23), started_at=at(2, 1)
    )
    dash = compute(orders=[before, travel], period=WEEK, now=NOW)
    assert dash.to_assign.count == 0
    assert dash.to_arrive == Durations(1, timedelta(hours=2), timedelta(hours=2))


def test_per_technician_load_completions_on_time_and_utilisation() -> None:
    orders = [
        done("a1", created=at(2), completed=at(3), due=at(4), assignee_id="ann"),
        done("a2", created=at(2), completed=at(5), due=at(4), assignee_id="ann"),
        OrderFacts(id="a3", status=Status.EN_ROUTE, created_at=at(2), assignee_id="ann"),
        OrderFacts(id="b1", status=Status.ASSIGNED, created_at=at(2), assignee_id="bob"),
    ]
    logs = [
        TimeLogFacts(order_id="a1", user_id="ann", started_at=at(3, 8), ended_at=at(3, 12)),  # 4 h
        TimeLogFacts(order_id="a1", user_id="ann", started_at=at(3, 12), ended_at=at(3, 13), kind="travel"),
        TimeLogFacts(order_id="a1", user_id="ann", started_at=at(3, 13), ended_at=at(3, 14), kind="break"),
        TimeLogFacts(order_id="a2", user_id="ann", started_at=at(5, 8), ended_at=at(5, 20), voided=True),
        # Spans the range's start: 2 h of it inside.
        TimeLogFacts(order_id="a2", user_id="ann", started_at=at(1, 22), ended_at=at(2, 2)),
        # Spans the range's end: 1 h inside.
        TimeLogFacts(order_id="a2", user_id="ann", started_at=at(8, 23), ended_at=at(9, 3)),
        TimeLogFacts(order_id="b1", user_id="bob", started_at=at(4, 9), ended_at=None),  # running
    ]
    soon = at(4, 13)  # Wednesday 13:00: Mon, Tue, Wed are available so far
    dash = compute(orders=orders, time_logs=logs, technicians=[ANN, BOB], period=WEEK, now=soon)
    ann, bob = dash.technicians
    assert (ann.open_load, ann.completions, ann.on_time) == (1, 2, Rate(1, 2))
    assert ann.logged == timedelta(hours=8) and ann.available == timedelta(hours=24)
    assert ann.utilisation == pytest.approx(1 / 3)
    assert (bob.open_load, bob.completions, bob.logged) == (1, 0, timedelta(hours=4))
    later = compute(orders=orders, time_logs=logs, technicians=[ANN], period=WEEK, now=NOW)
    assert later.technicians[0].available == timedelta(hours=40)  # five weekdays, the weekend not
    part_time = compute(
        orders=orders,
        time_logs=logs,
        technicians=[ANN, BOB],
        period=WEEK,
        now=NOW,
        availability={"ann": Availability(hours=4, weekdays=frozenset({0, 2}))},
    )
    assert part_time.technicians[0].available == timedelta(hours=8)
    assert part_time.technicians[0].utilisation == 1.0
    assert part_time.technicians[1].available == timedelta(hours=40)


def test_the_technician_filter_keeps_their_orders_and_row() -> None:
    orders = [
        done("a1", created=at(2), completed=at(3), assignee_id="ann"),
        done("b1", created=at(2), completed=at(3), assignee_id="bob"),
        OrderFacts(id="fu", status=Status.NEW, created_at=at(3), follow_up_of="a1"),
    ]
    dash = compute(orders=orders, technicians=[ANN, BOB], period=WEEK, now=NOW, technician_id="ann")
    assert dash.completed == 1 and [t.id for t in dash.technicians] == ["ann"]
    assert dash.first_time_fix == Rate(0, 1)  # the follow-up is no one's yet, and still counts
    assert dash.backlog.total == 0


SCHEDULE = "6f1c5a8e-0000-4000-8000-000000000001"


def pm(
    day: date, *, completed: datetime | None, status: Status = Status.COMPLETED, sid: str = SCHEDULE
) -> OrderFacts:
    return OrderFacts(
        id=f"pm-{day}-{completed}",
        status=status if completed or status is not Status.COMPLETED else Status.ASSIGNED,
        created_at=at(1, month=10),
        completed_at=completed,
        source="schedule",
        external_id=f"{sid}/{day.isoformat()}",
    )


def test_pm_compliance_within_ten_percent_of_the_interval() -> None:
    weekly = {SCHEDULE: Interval(n=1, unit=EveryUnit.WEEK)}  # 16.8 h either side of the day
    orders = [
        pm(date(2026, 11, 3), completed=at(3, 15)),  # on the day
        pm(date(2026, 11, 4), completed=at(3, 8)),  # 16 h before the day: inside
        pm(date(2026, 11, 5), completed=at(6, 17)),  # 17 h after the day: outside
        pm(date(2026, 11, 6), completed=None),  # window closed at 16:48 on the 7th: missed
        pm(date(2026, 11, 8), completed=None),  # window still open at NOW? closes 9th 16:48: pending
        pm(date(2026, 11, 7), completed=None, status=Status.CANCELLED),
        pm(date(2026, 11, 20), completed=None),  # due after the period: not counted
        pm(date(2026, 11, 4), completed=at(4), sid="other"),  # schedule unknown here
        OrderFacts(id="manual", status=Status.COMPLETED, created_at=at(2), completed_at=at(3)),
    ]
    result = compute(orders=orders, period=WEEK, now=NOW, schedules=weekly).pm
    assert result is not None
    assert result.rate == Rate(hits=2, total=4)
    assert (result.missed, result.pending, result.cancelled, result.unknown) == (2, 1, 1, 1)
    monthly = {SCHEDULE: Interval(n=1, unit=EveryUnit.MONTH)}  # 3.044 days either side
    late = [pm(date(2026, 11, 3), completed=at(6, 23))]  # 3 days after the day's end
    assert compute(orders=late, period=WEEK, now=NOW, schedules=monthly).pm.rate == Rate(1, 1)
    daily = {SCHEDULE: Interval(n=2, unit=EveryUnit.DAY)}  # 4.8 h either side
    assert compute(orders=late, period=WEEK, now=NOW, schedules=daily).pm.rate == Rate(0, 1)


def test_schedule_values_are_read_defensively() -> None:
    assert parse_unit("Weeks") is EveryUnit.WEEK and parse_unit("month") is EveryUnit.MONTH
    assert parse_unit("fortnight") is None
    assert interval_of(3, "days") == Interval(3, EveryUnit.DAY)
    assert (
        interval_of(0, "day") is None and interval_of("2", "day") is None and interval_of(True, "day") is None
    )
    assert Interval(2, EveryUnit.MONTH).length == timedelta(days=60.88)
    assert occurrence(f"{SCHEDULE}/2026-02-28") == (SCHEDULE, date(2026, 2, 28))
    assert (
        occurrence("REQ-1") is None
        and occurrence(f"{SCHEDULE}/2026-02-30") is None
        and occurrence(None) is None
    )


def test_reference_values() -> None:
    assert (BEST_FIRST_TIME_FIX, BEST_ON_TIME, BEST_UTILISATION) == (0.88, 0.92, 0.83)


def test_ranges_are_local_days_ending_today() -> None:
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Berlin
    week = period_of(RangeChoice.LAST_7, now=late_evening, zone=BERLIN)
    assert (week.start, week.end) == (date(2026, 11, 25), date(2026, 12, 2))
    assert week.start_at == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert week.start_at.tzinfo is UTC
    month = period_of(RangeChoice.THIS_MONTH, now=late_evening, zone=BERLIN)
    assert (month.start, month.end) == (date(2026, 12, 1), date(2027, 1, 1))
    utc_month = period_of(RangeChoice.THIS_MONTH, now=late_evening, zone=UTC)
    assert (utc_month.start, utc_month.end) == (date(2026, 11, 1), date(2026, 12, 1))
    assert len(period_of(RangeChoice.LAST_90, now=late_evening, zone=UTC).days()) == 90
    assert period_words(week) == "25 Nov – 1 Dec 2026"
    across = Period(start=date(2026, 12, 30), end=date(2027, 1, 2), zone=UTC)
    assert period_words(across) == "30 Dec 2026 – 1 Jan 2027"


def test_a_dst_change_gives_a_25_hour_day() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026: that day is 25 hours long.
    autumn = Period(start=date(2026, 10, 25), end=date(2026, 10, 26), zone=BERLIN)
    assert autumn.end_at - autumn.start_at == timedelta(hours=25)
    late = done(
        "late",
        created=datetime(2026, 10, 25, 22, 30, tzinfo=UTC),
        completed=datetime(2026, 10, 25, 22, 45, tzinfo=UTC),
    )
    assert compute(orders=[late], period=autumn, now=NOW).completed == 1  # 23:45 local, same day
    # A time log across the whole day counts its 25 hours.
    log = TimeLogFacts(order_id="late", user_id="ann", started_at=at(24, month=10), ended_at=at(27, month=10))
    dash = compute(orders=[], time_logs=[log], technicians=[ANN], period=autumn, now=NOW)
    assert dash.technicians[0].logged == timedelta(hours=25)
