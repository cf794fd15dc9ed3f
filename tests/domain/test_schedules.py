"""Occurrence maths of preventive maintenance schedules (app.domain.schedules), exact."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.schedules import (
    MAX_CATCH_UP,
    Anchor,
    EveryUnit,
    LastOccurrence,
    Rule,
    add_months,
    dates_to_make,
    due_at,
    external_id,
    fixed_dates,
    local_date,
    next_due_on,
    occurrence,
    rule_of,
    schedule_problems,
)


def monthly(starts_on: date, n: int = 1, **more: object) -> Rule:
    return Rule(every_n=n, every_unit=EveryUnit.MONTH, anchor=Anchor.FIXED, starts_on=starts_on, **more)  # type: ignore[arg-type]


# --- month ends and leap years ---------------------------------------------------------


def test_month_end_anchor_clamps_and_comes_back() -> None:
    rule = monthly(date(2027, 1, 31))
    assert [occurrence(rule, k) for k in range(5)] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_month_end_in_a_leap_year() -> None:
    rule = monthly(date(2028, 1, 31))
    assert occurrence(rule, 1) == date(2028, 2, 29)
    assert occurrence(rule, 2) == date(2028, 3, 31)


def test_feb_29_anchor_yearly_and_quarterly() -> None:
    yearly = monthly(date(2028, 2, 29), 12)
    assert [occurrence(yearly, k) for k in range(5)] == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    quarterly = monthly(date(2028, 2, 29), 3)
    assert [occurrence(quarterly, k) for k in range(4)] == [
        date(2028, 2, 29),
        date(2028, 5, 29),
        date(2028, 8, 29),
        date(2028, 11, 29),
    ]


def test_add_months_across_years_and_backwards() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_every_day_and_every_two_weeks() -> None:
    daily = Rule(every_n=1, every_unit=EveryUnit.DAY, anchor=Anchor.FIXED, starts_on=date(2026, 12, 30))
    assert fixed_dates(daily, after=None, through=date(2027, 1, 2)) == [
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 2),
    ]
    fortnightly = Rule(every_n=2, every_unit=EveryUnit.WEEK, anchor=Anchor.FIXED, starts_on=date(2026, 12, 7))
    assert fixed_dates(fortnightly, after=date(2026, 12, 7), through=date(2027, 1, 31)) == [
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 18),
    ]


def test_fixed_dates_after_a_date_far_from_the_start() -> None:
    rule = monthly(date(2000, 1, 31))
    assert fixed_dates(rule, after=date(2026, 2, 27), through=date(2026, 4, 1)) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    weekly = Rule(every_n=1, every_unit=EveryUnit.WEEK, anchor=Anchor.FIXED, starts_on=date(2000, 1, 3))
    assert fixed_dates(weekly, after=date(2026, 12, 6), through=date(2026, 12, 14)) == [
        date(2026, 12, 7),
        date(2026, 12, 14),
    ]


# --- time zones and DST ---------------------------------------------------------------------


def test_due_at_berlin_winter_and_summer() -> None:
    assert due_at(date(2027, 1, 15), "Europe/Berlin") == datetime(2027, 1, 15, 16, 0, tzinfo=UTC)
    assert due_at(date(2027, 7, 15), "Europe/Berlin") == datetime(2027, 7, 15, 15, 0, tzinfo=UTC)


def test_due_at_on_berlin_dst_days() -> None:
    # Spring forward on Sunday 28 March 2027 (02:00 -> 03:00): 17:00 that day is CEST.
    assert due_at(date(2027, 3, 27), "Europe/Berlin") == datetime(2027, 3, 27, 16, 0, tzinfo=UTC)
    assert due_at(date(2027, 3, 28), "Europe/Berlin") == datetime(2027, 3, 28, 15, 0, tzinfo=UTC)
    # Fall back on Sunday 31 October 2027.
    assert due_at(date(2027, 10, 30), "Europe/Berlin") == datetime(2027, 10, 30, 15, 0, tzinfo=UTC)
    assert due_at(date(2027, 10, 31), "Europe/Berlin") == datetime(2027, 10, 31, 16, 0, tzinfo=UTC)


def test_due_at_new_york_dst() -> None:
    # DST starts Sunday 14 March 2027 and ends Sunday 7 November 2027 in the US.
    assert due_at(date(2027, 3, 13), "America/New_York") == datetime(2027, 3, 13, 22, 0, tzinfo=UTC)
    assert due_at(date(2027, 3, 14), "America/New_York") == datetime(2027, 3, 14, 21, 0, tzinfo=UTC)
    assert due_at(date(2027, 11, 7), "America/New_York") == datetime(2027, 11, 7, 22, 0, tzinfo=UTC)


def test_weekly_schedule_keeps_its_local_hour_across_dst() -> None:
    rule = Rule(every_n=1, every_unit=EveryUnit.WEEK, anchor=Anchor.FIXED, starts_on=date(2027, 3, 21))
    hours = [due_at(occurrence(rule, k), "Europe/Berlin").hour for k in range(2)]
    assert hours == [16, 15]  # the same 17:00 in Berlin, one UTC hour earlier after the change


def test_local_date_of_a_moment() -> None:
    late = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)
    assert local_date(late, "Europe/Berlin") == date(2027, 1, 16)
    assert local_date(late, "America/New_York") == date(2027, 1, 15)
    assert local_date(datetime(2027, 1, 15, 23, 30), "UTC") == date(2027, 1, 15)  # naive is UTC


def test_today_in_the_schedule_zone_decides_what_is_made() -> None:
    rule = Rule(
        every_n=1,
        every_unit=EveryUnit.DAY,
        anchor=Anchor.FIXED,
        starts_on=date(2027, 1, 16),
        timezone="Europe/Berlin",
    )
    now = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)  # already the 16th in Berlin
    today = local_date(now, rule.timezone)
    assert dates_to_make(rule, today=today, last=None) == [date(2027, 1, 16)]


# --- lead time, catching up, paused -----------------------------------------------------------


def test_lead_time() -> None:
    rule = monthly(date(2027, 2, 1), lead_days=7)
    assert dates_to_make(rule, today=date(2027, 1, 24), last=None) == []
    assert dates_to_make(rule, today=date(2027, 1, 25), last=None) == [date(2027, 2, 1)]
    made = LastOccurrence(due_on=date(2027, 2, 1))
    assert dates_to_make(rule, today=date(2027, 1, 26), last=made) == []
    assert dates_to_make(rule, today=date(2027, 2, 22), last=made) == [date(2027, 3, 1)]


def test_catch_up_makes_missed_dates_up_to_the_cap() -> None:
    rule = Rule(every_n=1, every_unit=EveryUnit.DAY, anchor=Anchor.FIXED, starts_on=date(2027, 1, 1))
    last = LastOccurrence(due_on=date(2027, 1, 3))
    assert dates_to_make(rule, today=date(2027, 1, 6), last=last) == [
        date(2027, 1, 4),
        date(2027, 1, 5),
        date(2027, 1, 6),
    ]
    ten_days_down = dates_to_make(rule, today=date(2027, 1, 13), last=last)
    assert len(ten_days_down) == MAX_CATCH_UP
    assert ten_days_down == [date(2027, 1, d) for d in range(9, 14)]  # the latest ones


def test_nothing_before_the_day_the_schedule_was_saved() -> None:
    rule = monthly(date(2026, 1, 15))
    assert dates_to_make(rule, today=date(2026, 6, 20), last=None, saved_on=date(2026, 6, 20)) == []
    assert dates_to_make(rule, today=date(2026, 7, 15), last=None, saved_on=date(2026, 6, 20)) == [
        date(2026, 7, 15)
    ]
    assert next_due_on(rule, today=date(2026, 6, 20), last=None, saved_on=date(2026, 6, 20)) == date(
        2026, 7, 15
    )


def test_paused_makes_nothing_but_still_knows_its_next_date() -> None:
    rule = monthly(date(2027, 2, 1), paused=True)
    assert dates_to_make(rule, today=date(2027, 2, 1), last=None) == []
    assert next_due_on(rule, today=date(2027, 1, 20), last=None) == date(2027, 2, 1)


# --- completion anchor -----------------------------------------------------------------------


def completion_rule(**more: object) -> Rule:
    return Rule(
        every_n=3,
        every_unit=EveryUnit.MONTH,
        anchor=Anchor.COMPLETION,
        starts_on=date(2027, 1, 10),
        **more,  # type: ignore[arg-type]
    )


def test_completion_anchor_first_on_starts_on_then_from_completion() -> None:
    rule = completion_rule(lead_days=5)
    assert dates_to_make(rule, today=date(2027, 1, 5), last=None) == [date(2027, 1, 10)]
    still_open = LastOccurrence(due_on=date(2027, 1, 10))
    assert dates_to_make(rule, today=date(2027, 6, 1), last=still_open) == []
    assert next_due_on(rule, today=date(2027, 6, 1), last=still_open) is None
    done_late = LastOccurrence(due_on=date(2027, 1, 10), completed_at=datetime(2027, 2, 3, 9, 0, tzinfo=UTC))
    assert next_due_on(rule, today=date(2027, 2, 3), last=done_late) == date(2027, 5, 3)
    assert dates_to_make(rule, today=date(2027, 4, 27), last=done_late) == []
    assert dates_to_make(rule, today=date(2027, 4, 28), last=done_late) == [date(2027, 5, 3)]


def test_completion_date_is_counted_in_the_schedule_zone() -> None:
    rule = completion_rule(timezone="America/New_York")
    # 03:00 UTC on 1 March is still 28 February in New York.
    done = LastOccurrence(due_on=date(2027, 1, 10), completed_at=datetime(2027, 3, 1, 3, 0, tzinfo=UTC))
    assert next_due_on(rule, today=date(2027, 3, 1), last=done) == date(2027, 5, 28)


def test_completion_long_before_due_still_moves_on() -> None:
    rule = Rule(
        every_n=1,
        every_unit=EveryUnit.WEEK,
        anchor=Anchor.COMPLETION,
        starts_on=date(2027, 1, 10),
        lead_days=30,
    )
    early = LastOccurrence(due_on=date(2027, 1, 30), completed_at=datetime(2027, 1, 2, 12, tzinfo=UTC))
    assert next_due_on(rule, today=date(2027, 1, 2), last=early) == date(2027, 1, 31)
    cancelled = LastOccurrence(due_on=date(2027, 1, 30), cancelled=True)
    assert next_due_on(rule, today=date(2027, 1, 2), last=cancelled) == date(2027, 2, 6)


# --- fields -------------------------------------------------------------------------------------


def good_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "Boiler service",
        "site": {"name": "Hall 2", "address": None, "lat": None, "lon": None},
        "asset": "BOILER-7",
        "every": {"n": 3, "unit": "month"},
        "anchor": "fixed",
        "starts_on": "2027-01-31",
        "lead_days": 7,
        "template": {"title": "Quarterly boiler service", "kind": "maintenance", "priority": "normal"},
        "timezone": "Europe/Berlin",
        "paused": False,
    }
    fields.update(changes)
    return fields


def test_good_fields_have_no_problems_and_make_a_rule() -> None:
    assert schedule_problems(good_fields()) == {}
    rule = rule_of(good_fields())
    assert rule == Rule(
        every_n=3,
        every_unit=EveryUnit.MONTH,
        anchor=Anchor.FIXED,
        starts_on=date(2027, 1, 31),
        lead_days=7,
        timezone="Europe/Berlin",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"every": {"n": 0, "unit": "month"}}, "every_n"),
        ({"every": {"n": 2, "unit": "year"}}, "every_unit"),
        ({"every": {"n": True, "unit": "day"}}, "every_n"),
        ({"anchor": "whenever"}, "anchor"),
        ({"starts_on": "2027-02-30"}, "starts_on"),
        ({"lead_days": -1}, "lead_days"),
        ({"lead_days": 366}, "lead_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"site": {"name": ""}, "asset": ""}, "site"),
        ({"template": {"title": ""}}, "title"),
    ],
)
def test_problems_name_the_field(changes: dict[str, object], field: str) -> None:
    assert field in schedule_problems(good_fields(**changes))


def test_external_id() -> None:
    assert external_id("abc", date(2027, 3, 1)) == "abc/2027-03-01"
