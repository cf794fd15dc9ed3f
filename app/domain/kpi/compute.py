"""The dashboard's measures over one period (issue 13's definitions).

- A *completion* is an order whose status is completed or closed with a `completed_at`
  (and no `cannot_complete_at` after it). Its time is its last `completed_at`, so a
  reopened order counts once, when it was last completed; one reopened and not yet
  completed again is open. Cancelled orders never count as completed, late or on time.
- Each measure reads the orders whose event lies in the period [start, end) in its
  zone: created, completed, first assigned (time to assign), started (time to arrive).
  An order created before the period and completed in it counts as completed, not
  as created.
- Durations: mean and p90 by nearest rank (the smallest value with at least 90% of
  the sample at or below it: ceil(0.9 n)-th smallest), never interpolated.
- With a technician filter, only orders assigned to that technician count (and only
  that technician's row); a follow-up made by anyone still marks its source.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from app.domain.kpi.pm import pm_compliance
from app.domain.kpi.types import (
    Availability,
    Backlog,
    Dashboard,
    DayCount,
    Durations,
    Interval,
    OnTime,
    OrderFacts,
    Period,
    Rate,
    Technician,
    TechnicianFigures,
    TimeLogFacts,
    completion,
)
from app.domain.orders import Priority
from app.domain.states import OPEN, Status

# Backlog age buckets: (label, upper bound of the age; None: no bound).
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 day", timedelta(days=1)),
    ("1–3 days", timedelta(days=3)),
    ("3–7 days", timedelta(days=7)),
    ("7–30 days", timedelta(days=30)),
    ("> 30 days", None),
)
# Time logged on orders for utilisation: work and travel to it, not breaks.
LOGGED_KINDS: frozenset[str] = frozenset({"work", "travel"})
DEFAULT_AVAILABILITY = Availability()


def durations(values: Iterable[timedelta]) -> Durations:
    ordered = sorted(values)
    if not ordered:
        return Durations(count=0, mean=None, p90=None)
    mean = sum(ordered, timedelta(0)) / len(ordered)
    rank = math.ceil(0.9 * len(ordered))  # nearest rank, 1-based
    return Durations(count=len(ordered), mean=mean, p90=ordered[rank - 1])


def backlog(orders: Iterable[OrderFacts], *, now: datetime) -> Backlog:
    """Open orders (not completed, closed or cancelled) as they stand at `now`."""
    open_orders = [o for o in orders if o.status in OPEN]
    by_status = Counter(o.status.value for o in open_orders)
    by_priority = Counter(o.priority for o in open_orders)
    by_age: Counter[str] = Counter()
    for order in open_orders:
        by_age[_age_bucket(now - order.created_at)] += 1
    return Backlog(
        total=len(open_orders),
        by_status={s.value: by_status[s.value] for s in Status if s in OPEN},
        by_priority={p.value: by_priority[p.value] for p in reversed(Priority)},
        by_age={label: by_age[label] for label, _ in AGE_BUCKETS},
    )


def _age_bucket(age: timedelta) -> str:
    for label, bound in AGE_BUCKETS:
        if bound is None or age < bound:
            return label
    raise AssertionError("the last bucket has no bound")


def per_day(orders: Sequence[OrderFacts], *, period: Period) -> tuple[DayCount, ...]:
    created = Counter(period.day_of(o.created_at) for o in orders if period.holds(o.created_at))
    done = [completion(o) for o in orders]
    completed = Counter(period.day_of(at) for at in done if at is not None and period.holds(at))
    return tuple(DayCount(day=d, created=created[d], completed=completed[d]) for d in period.days())


def on_time(orders: Iterable[OrderFacts], *, period: Period) -> OnTime:
    hits = total = no_due = 0
    for order in orders:
        at = completion(order)
        if at is None or not period.holds(at):
            continue
        if order.due_at is None:
            no_due += 1
            continue
        total += 1
        hits += at <= order.due_at
    return OnTime(rate=Rate(hits=hits, total=total), no_due=no_due)


def first_assigned(order: OrderFacts) -> datetime | None:
    """The first assignment; `assigned_at` for rows from before first_assigned_at existed."""
    return order.first_assigned_at or order.assigned_at


def time_to_assign(orders: Iterable[OrderFacts], *, period: Period) -> Durations:
    spans = []
    for order in orders:
        at = first_assigned(order)
        if period.holds(at) and at is not None and at >= order.created_at:
            spans.append(at - order.created_at)
    return durations(spans)


def time_to_arrive(orders: Iterable[OrderFacts], *, period: Period) -> Durations:
    """En route -> in progress, for orders started in the period after travelling."""
    return durations(
        o.started_at - o.en_route_at
        for o in orders
        if o.started_at is not None
        and o.en_route_at is not None
        and period.holds(o.started_at)
        and o.started_at >= o.en_route_at
    )


def time_to_complete(orders: Iterable[OrderFacts], *, period: Period) -> Durations:
    """MTTR: creation -> (last) completion, for completions in the period."""
    spans = []
    for order in orders:
        at = completion(order)
        if at is not None and period.holds(at):
            spans.append(at - order.created_at)
    return durations(spans)


def first_time_fix(orders: Iterable[OrderFacts], *, period: Period, followed: frozenset[str]) -> Rate:
    """Completions in the period done on the first visit: never cannot_complete, never
    reopened, no follow-up order made from them (`followed`: ids that have one)."""
    hits = total = 0
    for order in orders:
        at = completion(order)
        if at is None or not period.holds(at):
            continue
        total += 1
        hits += order.cannot_complete_at is None and order.reopen_count == 0 and order.id not in followed
    return Rate(hits=hits, total=total)


def logged_time(
    logs: Iterable[TimeLogFacts], *, user_id: str, start: datetime, end: datetime, now: datetime
) -> timedelta:
    """Time `user_id` logged on orders (work and travel, not voided), clipped to [start, end)."""
    total = timedelta(0)
    for log in logs:
        if log.voided or log.user_id != user_id or log.kind not in LOGGED_KINDS:
            continue
        begin = max(log.started_at, start)
        finish = min(log.ended_at or now, end)
        if finish > begin:
            total += finish - begin
    return total


def available_time(*, period: Period, availability: Availability, now: datetime) -> timedelta:
    """Working time in the period's days up to and including today (local): days still
    to come have nothing logged yet, so counting them would understate utilisation."""
    today = period.day_of(now)
    days = [d for d in period.days() if d <= today and d.weekday() in availability.weekdays]
    return timedelta(hours=availability.hours) * len(days)


def technician_figures(
    orders: Sequence[OrderFacts],  # assigned to `technician`
    logs: Sequence[TimeLogFacts],
    *,
    technician: Technician,
    period: Period,
    now: datetime,
    availability: Availability,
) -> TechnicianFigures:
    punctual = on_time(orders, period=period)
    return TechnicianFigures(
        id=technician.id,
        name=technician.name,
        open_load=sum(o.status in OPEN for o in orders),
        completions=sum(period.holds(completion(o)) for o in orders),
        on_time=punctual.rate,
        logged=logged_time(logs, user_id=technician.id, start=period.start_at, end=period.end_at, now=now),
        available=available_time(period=period, availability=availability, now=now),
    )


def compute(
    *,
    orders: Sequence[OrderFacts],
    time_logs: Sequence[TimeLogFacts] = (),
    technicians: Sequence[Technician] = (),
    period: Period,
    now: datetime,
    technician_id: str | None = None,
    schedules: Mapping[str, Interval] | None = None,
    availability: Availability | Mapping[str, Availability] = DEFAULT_AVAILABILITY,
) -> Dashboard:
    """Every measure of the dashboard. `schedules`: schedule id -> its interval (None or
    empty: no schedules, `pm` is None). `availability`: one for all, or per technician
    id (the default for those not named)."""
    followed = frozenset(o.follow_up_of for o in orders if o.follow_up_of)
    shown = orders if technician_id is None else [o for o in orders if o.assignee_id == technician_id]
    people = [t for t in technicians if technician_id is None or t.id == technician_id]
    days = per_day(shown, period=period)
    by_assignee: dict[str | None, list[OrderFacts]] = {}
    for order in shown:
        by_assignee.setdefault(order.assignee_id, []).append(order)
    figures = tuple(
        technician_figures(
            by_assignee.get(t.id, []),
            time_logs,
            technician=t,
            period=period,
            now=now,
            availability=availability.get(t.id, DEFAULT_AVAILABILITY)
            if isinstance(availability, Mapping)
            else availability,
        )
        for t in people
    )
    return Dashboard(
        period=period,
        backlog=backlog(shown, now=now),
        per_day=days,
        created=sum(d.created for d in days),
        completed=sum(d.completed for d in days),
        on_time=on_time(shown, period=period),
        to_assign=time_to_assign(shown, period=period),
        to_arrive=time_to_arrive(shown, period=period),
        to_complete=time_to_complete(shown, period=period),
        first_time_fix=first_time_fix(shown, period=period, followed=followed),
        pm=pm_compliance(shown, period=period, now=now, schedules=schedules) if schedules else None,
        technicians=figures,
    )
