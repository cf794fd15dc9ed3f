"""The work clock's pure rules: what a state counts, how a stop becomes logs, overlaps."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Status
from app.domain.timer import MAX_LOG, Span, TimeKind, clock_kind, closed_spans, overlapping

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(Status.EN_ROUTE, TimeKind.TRAVEL), (Status.IN_PROGRESS, TimeKind.WORK)]
    + [(s, None) for s in Status if s not in (Status.EN_ROUTE, Status.IN_PROGRESS)],
)
def test_the_road_counts_travel_the_site_counts_work_nothing_else_runs(status, kind):
    assert clock_kind(status) is kind


def test_a_stop_writes_one_log_of_what_ran():
    assert closed_spans(started_at=T0, ended_at=T0 + timedelta(minutes=42)) == [
        (T0, T0 + timedelta(minutes=42))
    ]


@pytest.mark.parametrize("ran", [timedelta(0), timedelta(milliseconds=999), timedelta(minutes=-5)])
def test_a_tap_or_a_clock_gone_back_writes_nothing(ran):
    assert closed_spans(started_at=T0, ended_at=T0 + ran) == []


def test_a_clock_left_running_overnight_is_written_in_days_never_dropped():
    spans = closed_spans(started_at=T0, ended_at=T0 + timedelta(hours=50))
    assert spans == [
        (T0, T0 + MAX_LOG),
        (T0 + MAX_LOG, T0 + 2 * MAX_LOG),
        (T0 + 2 * MAX_LOG, T0 + timedelta(hours=50)),
    ]
    assert all(end - start <= MAX_LOG for start, end in spans)
    # Exactly a day is one log.
    assert closed_spans(started_at=T0, ended_at=T0 + MAX_LOG) == [(T0, T0 + MAX_LOG)]


def _span(name: str, start_h: float, end_h: float, user: str = "u1") -> Span:
    return Span(
        id=name,
        user_id=user,
        started_at=T0 + timedelta(hours=start_h),
        ended_at=T0 + timedelta(hours=end_h),
    )


def test_overlaps_of_one_person_are_flagged_touching_ends_are_not():
    spans = [_span("a", 0, 1), _span("b", 1, 2), _span("c", 1.5, 3), _span("d", 4, 5)]
    assert overlapping(spans) == {"b", "c"}


def test_a_long_log_overlaps_every_log_inside_it():
    spans = [_span("long", 0, 8), _span("x", 1, 2), _span("y", 3, 4), _span("after", 8, 9)]
    assert overlapping(spans) == {"long", "x", "y"}


def test_two_people_at_the_same_time_is_no_overlap():
    assert overlapping([_span("a", 0, 2, user="u1"), _span("b", 1, 3, user="u2")]) == set()
