"""The managers' measures (issue 13), pure: facts in, figures out. See `compute` for the
definitions, `pm` for PM compliance, `types` for the inputs, answers and reference values."""

from app.domain.kpi.compute import AGE_BUCKETS, LOGGED_KINDS, completion, compute, durations
from app.domain.kpi.pm import interval_of, occurrence, parse_unit
from app.domain.kpi.ranges import RANGE_WORDS, RangeChoice, period_of, period_words
from app.domain.kpi.types import (
    BEST_FIRST_TIME_FIX,
    BEST_ON_TIME,
    BEST_UTILISATION,
    Availability,
    Backlog,
    Dashboard,
    DayCount,
    Durations,
    EveryUnit,
    Interval,
    OnTime,
    OrderFacts,
    Period,
    PmCompliance,
    Rate,
    Technician,
    TechnicianFigures,
    TimeLogFacts,
)

__all__ = [
    "AGE_BUCKETS",
    "BEST_FIRST_TIME_FIX",
    "BEST_ON_TIME",
    "BEST_UTILISATION",
    "LOGGED_KINDS",
    "RANGE_WORDS",
    "Availability",
    "Backlog",
    "Dashboard",
    "DayCount",
    "Durations",
    "EveryUnit",
    "Interval",
    "OnTime",
    "OrderFacts",
    "Period",
    "PmCompliance",
    "RangeChoice",
    "Rate",
    "Technician",
    "TechnicianFigures",
    "TimeLogFacts",
    "completion",
    "compute",
    "durations",
    "interval_of",
    "occurrence",
    "parse_unit",
    "period_of",
    "period_words",
]
