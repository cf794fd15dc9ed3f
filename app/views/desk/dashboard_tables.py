"""The dashboard's figures as tables: what each chart shows, readable without the chart
(and by screen readers), and exported as CSV. Pure: tests/views/test_dashboard_tables.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.domain import Status
from app.domain.csv_cells import csv_bytes
from app.domain.kpi import (
    BEST_FIRST_TIME_FIX,
    BEST_ON_TIME,
    BEST_UTILISATION,
    Dashboard,
    Durations,
    Rate,
    TechnicianFigures,
)
from app.domain.sla import duration_words
from app.services.words import STATUS_WORD

NONE = "—"  # a measure with nothing to measure in the range


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # for ids and file names: dashboard-table-<key>, dashboard-<key>-<dates>.csv
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def csv(self) -> bytes:
        """The table as CSV, every cell through app.domain.csv_cells (no formula injection)."""
        return csv_bytes(header=self.header, rows=self.rows)


def percent(value: float | None) -> str:
    return NONE if value is None else f"{round(value * 100)}%"


def rate_words(rate: Rate) -> str:
    """ "92% (23 of 25)" or "—" when there was nothing to measure."""
    return NONE if rate.value is None else f"{percent(rate.value)} ({rate.hits} of {rate.total})"


def span(value: timedelta | None) -> str:
    return NONE if value is None else duration_words(value)


def hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:.1f}"


def utilisation_of(people: tuple[TechnicianFigures, ...]) -> float | None:
    """The team's utilisation: all time logged over all time available (not a mean of ratios)."""
    available = sum((t.available for t in people), timedelta(0))
    if available <= timedelta(0):
        return None
    return sum((t.logged for t in people), timedelta(0)) / available


def backlog_table(figures: Dashboard) -> Table:
    b = figures.backlog
    rows = [("Status", STATUS_WORD[Status(s)], str(n)) for s, n in b.by_status.items()]
    rows += [("Priority", p.capitalize(), str(n)) for p, n in b.by_priority.items()]
    rows += [("Age", label, str(n)) for label, n in b.by_age.items()]
    return Table("backlog", "Open backlog", ("By", "Group", "Open orders"), tuple(rows))


def per_day_table(figures: Dashboard) -> Table:
    rows = tuple((d.day.isoformat(), str(d.created), str(d.completed)) for d in figures.per_day)
    return Table("per-day", "Created and completed per day", ("Day", "Created", "Completed"), rows)


def technicians_table(figures: Dashboard) -> Table:
    rows = tuple(
        (
            t.name,
            str(t.open_load),
            str(t.completions),
            percent(t.on_time.value),
            hours(t.logged),
            hours(t.available),
            percent(t.utilisation),
        )
        for t in figures.technicians
    )
    header = ("Technician", "Open", "Completed", "On time", "Hours logged", "Hours available", "Utilisation")
    return Table("technicians", "Per technician", header, rows)


def best_table(figures: Dashboard) -> Table:
    """Each rate beside its published best-in-class value."""
    measures = (
        ("On-time rate", figures.on_time.rate.value, BEST_ON_TIME),
        ("First-time fix rate", figures.first_time_fix.value, BEST_FIRST_TIME_FIX),
        ("Utilisation", utilisation_of(figures.technicians), BEST_UTILISATION),
    )
    rows = tuple(
        (
            name,
            percent(value),
            percent(best),
            NONE if value is None else f"{round((value - best) * 100):+d} pts",
        )
        for name, value, best in measures
    )
    return Table("best", "Against best in class", ("Measure", "Here", "Best in class", "Difference"), rows)


def response_table(figures: Dashboard) -> Table:
    def row(name: str, d: Durations) -> tuple[str, ...]:
        return (name, str(d.count), span(d.mean), span(d.p90))

    rows = (
        row("Time to assign", figures.to_assign),
        row("Time to arrive (en route to started)", figures.to_arrive),
        row("Time to complete (MTTR)", figures.to_complete),
    )
    return Table("response", "Response times", ("Measure", "Orders", "Mean", "90th percentile"), rows)


def all_tables(figures: Dashboard) -> tuple[Table, ...]:
    return (
        best_table(figures),
        response_table(figures),
        backlog_table(figures),
        per_day_table(figures),
        technicians_table(figures),
    )


def file_name(table: Table, figures: Dashboard) -> str:
    last = figures.period.end - timedelta(days=1)
    return f"dashboard-{table.key}-{figures.period.start.isoformat()}-to-{last.isoformat()}.csv"
