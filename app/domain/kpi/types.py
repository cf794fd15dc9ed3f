"""The dashboard's inputs and answers: plain frozen dataclasses, no I/O.

Times are aware datetimes (UTC or any zone: only instants are compared); days are
local dates in the period's zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from app.domain.states import Status

# Published best-in-class values (field service benchmarks), drawn as reference lines.
BEST_FIRST_TIME_FIX = 0.88
BEST_ON_TIME = 0.92
BEST_UTILISATION = 0.83

# Time a technician is available when the caller says nothing else: 8 h on each
# weekday, Monday to Friday, in the period's zone.
DEFAULT_HOURS_PER_DAY = 8.0
DEFAULT_WEEKDAYS: frozenset[int] = frozenset(range(5))  # date.weekday(): Monday 0


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the measures read of one order (its current row)."""

    id: str
    status: Status
    created_at: datetime
    priority: str = "normal"
    assignee_id: str | None = None
    due_at: datetime | None = None
    assigned_at: datetime | None = None
    first_assigned_at: datetime | None = None
    en_route_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cannot_complete_at: datetime | None = None
    reopen_count: int = 0
    follow_up_of: str | None = None
    source: str = "manual"
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class TimeLogFacts:
    order_id: str
    user_id: str | None
    started_at: datetime
    ended_at: datetime | None  # None: still running (counted up to `now`)
    kind: str = "work"
    voided: bool = False


@dataclass(frozen=True, slots=True)
class Technician:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Availability:
    """Working time per day: `hours` on each of `weekdays` (Monday 0) in the zone."""

    hours: float = DEFAULT_HOURS_PER_DAY
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS


class EveryUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# A month as a length of time, for the PM window only (the mean Gregorian month).
DAYS_PER_UNIT: Mapping[EveryUnit, float] = {EveryUnit.DAY: 1.0, EveryUnit.WEEK: 7.0, EveryUnit.MONTH: 30.44}


@dataclass(frozen=True, slots=True)
class Interval:
    """A schedule's recurrence: every `n` `unit`s."""

    n: int
    unit: EveryUnit

    @property
    def length(self) -> timedelta:
        return timedelta(days=self.n * DAYS_PER_UNIT[self.unit])


@dataclass(frozen=True, slots=True)
class Period:
    """Local days [start, end) in `zone`."""

    start: date
    end: date
    zone: tzinfo = UTC
    # The period's first and end instants, made once: `holds` runs for every order.
    start_at: datetime = field(init=False, repr=False, compare=False)
    end_at: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_at", self.at(self.start))
        object.__setattr__(self, "end_at", self.at(self.end))

    def at(self, day: date) -> datetime:
        """The instant `day` begins in the zone, in UTC: arithmetic between two times of one
        zone object is wall-clock arithmetic in Python (a DST day would be 24 h long)."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start_at <= at < self.end_at

    def day_of(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]


@dataclass(frozen=True, slots=True)
class Rate:
    """`hits` of `total`; `value` is None when there is nothing to measure."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return None if self.total == 0 else self.hits / self.total


@dataclass(frozen=True, slots=True)
class Durations:
    """Mean and 90th percentile (nearest rank) of `count` durations."""

    count: int
    mean: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True, slots=True)
class Backlog:
    total: int
    by_status: Mapping[str, int]
    by_priority: Mapping[str, int]
    by_age: Mapping[str, int]  # AGE_BUCKETS' labels, in their order


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    created: int
    completed: int


@dataclass(frozen=True, slots=True)
class OnTime:
    """Completions in the period with a due time: on time (completed by it) or late.
    Those without a due time are left out of the rate and counted in `no_due`."""

    rate: Rate
    no_due: int

    @property
    def late(self) -> int:
        return self.rate.total - self.rate.hits

    @property
    def broken_promise(self) -> float | None:
        value = self.rate.value
        return None if value is None else 1.0 - value


@dataclass(frozen=True, slots=True)
class PmCompliance:
    """Scheduled orders due in the period: done within the window (`rate.hits`) of all
    those whose window has closed or that are done (`rate.total`)."""

    rate: Rate
    missed: int  # window closed, not done within it
    pending: int  # window still open, not done yet: not counted
    cancelled: int  # not counted
    unknown: int  # their schedule is not known here (or the external id is not one)


@dataclass(frozen=True, slots=True)
class TechnicianFigures:
    id: str
    name: str
    open_load: int
    completions: int
    on_time: Rate
    logged: timedelta
    available: timedelta

    @property
    def utilisation(self) -> float | None:
        if self.available <= timedelta(0):
            return None
        return self.logged / self.available


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: Period
    backlog: Backlog
    per_day: tuple[DayCount, ...]
    created: int
    completed: int
    on_time: OnTime
    to_assign: Durations
    to_arrive: Durations
    to_complete: Durations
    first_time_fix: Rate
    pm: PmCompliance | None  # None: no schedules known
    technicians: tuple[TechnicianFigures, ...] = field(default=())


def completion(order: OrderFacts) -> datetime | None:
    """When the order was (last) completed, if it stands completed now."""
    if order.status not in (Status.COMPLETED, Status.CLOSED) or order.completed_at is None:
        return None
    if order.cannot_complete_at is not None and order.cannot_complete_at > order.completed_at:
        return None  # closed after a later cannot_complete
    return order.completed_at
