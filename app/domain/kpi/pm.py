"""PM compliance: scheduled orders done within ±10% of their schedule's interval around
their due date.

A schedule's order has `source: "schedule"` and `external_id: "<schedule id>/<YYYY-MM-DD>"`
(sync-protocol.md, "Schedules"): the due date is a local day in the period's zone. Its
window is that whole day widened by 10% of the interval on each side (a weekly job: 16.8 h
either side; monthly: 3.044 days). The orders counted are those whose due date lies in the
period: done in the window is compliant; done outside it, or not done when the window has
closed, is missed; not done while the window is still open is pending (not counted);
cancelled ones are not counted (a cancelled order is never late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from app.domain.kpi.types import (
    DAYS_PER_UNIT,
    EveryUnit,
    Interval,
    OrderFacts,
    Period,
    PmCompliance,
    Rate,
    completion,
)
from app.domain.orders import Source
from app.domain.states import Status

TOLERANCE = 0.10  # of the interval, each side of the due date


def parse_unit(text: str) -> EveryUnit | None:
    """ "day"/"days", "week"/"weeks", "month"/"months" (any case); None for anything else."""
    word = (text or "").strip().lower().removesuffix("s")
    try:
        return EveryUnit(word)
    except ValueError:
        return None


def interval_of(n: object, unit: object) -> Interval | None:
    """A schedule's interval from its stored values, or None when they make no sense."""
    parsed = parse_unit(str(unit or ""))
    if parsed is None or not isinstance(n, int) or isinstance(n, bool) or n < 1:
        return None
    return Interval(n=n, unit=parsed)


def occurrence(external_id: str | None) -> tuple[str, date] | None:
    """(schedule id, due date) of a scheduled order's external id, or None."""
    if not external_id or "/" not in external_id:
        return None
    schedule_id, _, day = external_id.rpartition("/")
    try:
        return schedule_id, date.fromisoformat(day)
    except ValueError:
        return None


def window(*, due: date, interval: Interval, period: Period) -> tuple[datetime, datetime]:
    """[opens, closes) of an occurrence due on local day `due`."""
    slack = timedelta(days=interval.n * DAYS_PER_UNIT[interval.unit] * TOLERANCE)
    return period.at(due) - slack, period.at(due + timedelta(days=1)) + slack


def pm_compliance(
    orders: Iterable[OrderFacts], *, period: Period, now: datetime, schedules: Mapping[str, Interval]
) -> PmCompliance:

    done = missed = pending = cancelled = unknown = 0
    for order in orders:
        if order.source != Source.SCHEDULE.value:
            continue
        found = occurrence(order.external_id)
        if found is None or found[0] not in schedules:
            unknown += 1
            continue
        schedule_id, due = found
        if not period.start <= due < period.end:
            continue
        if order.status is Status.CANCELLED:
            cancelled += 1
            continue
        opens, closes = window(due=due, interval=schedules[schedule_id], period=period)
        at = completion(order)
        if at is not None and opens <= at < closes:
            done += 1
        elif at is not None or now >= closes:
            missed += 1
        else:
            pending += 1
    return PmCompliance(
        rate=Rate(hits=done, total=done + missed),
        missed=missed,
        pending=pending,
        cancelled=cancelled,
        unknown=unknown,
    )
