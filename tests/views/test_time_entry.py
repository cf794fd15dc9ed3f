"""Time typed by hand and time in words: pure, without a browser."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.views.field.time_entry import EntryProblem, read_day, read_entry, read_time
from app.views.shared.time_words import clock_text, clock_words, duration_text

TODAY = date(2026, 11, 25)
ZONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("typed", "hour", "minute"),
    [("9", 9, 0), ("9:05", 9, 5), ("09.05", 9, 5), ("14h30", 14, 30), (" 7:00 ", 7, 0), ("0:00", 0, 0)],
)
def test_times_read_as_people_type_them(typed, hour, minute):
    found = read_time(typed, name="start")
    assert (found.hour, found.minute) == (hour, minute)


@pytest.mark.parametrize("typed", ["", "noon", "25:00", "9:60", "9:5", "-1"])
def test_what_is_not_a_time_of_day_says_how_to_type_it(typed):
    with pytest.raises(EntryProblem, match="like 09:30"):
        read_time(typed, name="start")


def test_days_today_yesterday_or_a_date():
    assert read_day("", today=TODAY) == TODAY
    assert read_day("Today", today=TODAY) == TODAY
    assert read_day("yesterday", today=TODAY) == date(2026, 11, 24)
    assert read_day("2026-11-20", today=TODAY) == date(2026, 11, 20)
    with pytest.raises(EntryProblem, match="2026-11-25"):
        read_day("last tuesday", today=TODAY)


def test_an_entry_is_read_in_the_device_zone():
    entry = read_entry(day="", start="8:00", end="9:30", today=TODAY, zone=ZONE)
    assert entry.started_at == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert entry.ended_at - entry.started_at == timedelta(minutes=90)


@pytest.mark.parametrize(("start", "end"), [("9:00", "9:00"), ("22:00", "01:00")])
def test_an_end_not_after_its_start_is_refused_in_words(start, end):
    with pytest.raises(EntryProblem, match="end must be after the start"):
        read_entry(day="", start=start, end=end, today=TODAY, zone=ZONE)


def test_the_running_clock_in_figures_and_words():
    assert clock_text(timedelta(seconds=425)) == "0:07:05"
    assert clock_text(timedelta(hours=12, minutes=30)) == "12:30:00"
    assert clock_text(timedelta(seconds=-3)) == "0:00:00"
    assert clock_words(kind="travel", elapsed=timedelta(minutes=61, seconds=9)) == (
        "Travel clock running, 1:01:09"
    )


def test_a_short_stretch_is_under_a_minute_not_nothing():
    assert duration_text(timedelta(seconds=20)) == "under 1 min"
    assert duration_text(timedelta(0)) == "0 min"
    assert duration_text(timedelta(minutes=90)) == "1 h 30 min"
