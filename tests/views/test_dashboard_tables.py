"""The dashboard's tables (what every chart also reads as) and their CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from app.domain.kpi import OrderFacts, Period, Technician, TimeLogFacts, compute
from app.domain.states import Status
from app.views.desk.dashboard_parts import card_width
from app.views.desk.dashboard_tables import (
    NONE,
    all_tables,
    best_table,
    file_name,
    per_day_table,
    percent,
    technicians_table,
    utilisation_of,
)

WEEK = Period(start=date(2026, 11, 2), end=date(2026, 11, 9), zone=UTC)
NOW = datetime(2026, 11, 9, 12, tzinfo=UTC)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def figures(name: str = "Ann"):
    orders = [
        OrderFacts(
            id="a",
            status=Status.COMPLETED,
            created_at=at(2),
            completed_at=at(3),
            due_at=at(4),
            assignee_id="ann",
        ),
        OrderFacts(id="b", status=Status.NEW, created_at=at(4)),
    ]
    logs = [TimeLogFacts(order_id="a", user_id="ann", started_at=at(3, 8), ended_at=at(3, 18))]
    return compute(orders=orders, time_logs=logs, technicians=[Technician("ann", name)], period=WEEK, now=NOW)


def test_every_chart_has_its_table() -> None:
    f = figures()
    assert [t.key for t in all_tables(f)] == ["best", "response", "backlog", "per-day", "technicians"]
    assert per_day_table(f).rows[:3] == (
        ("2026-11-02", "1", "0"),
        ("2026-11-03", "0", "1"),
        ("2026-11-04", "1", "0"),
    )
    assert technicians_table(f).rows == (("Ann", "0", "1", "100%", "10.0", "40.0", "25%"),)
    assert best_table(f).rows == (
        ("On-time rate", "100%", "92%", "+8 pts"),
        ("First-time fix rate", "100%", "88%", "+12 pts"),
        ("Utilisation", "25%", "83%", "-58 pts"),
    )
    assert file_name(per_day_table(f), f) == "dashboard-per-day-2026-11-02-to-2026-11-08.csv"


def test_nothing_to_measure_reads_as_a_dash() -> None:
    empty = compute(orders=[], period=WEEK, now=NOW)
    assert percent(None) == NONE and utilisation_of(()) is None
    assert best_table(empty).rows[0] == ("On-time rate", NONE, "92%", NONE)


def test_the_csv_never_starts_a_cell_with_a_formula() -> None:
    f = figures(name="=cmd|' /C calc'!A0")
    data = technicians_table(f).csv()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Technician"
    assert not rows[1][0].startswith(("=", "+", "-", "@"))
    assert "cmd" in rows[1][0]


def test_cards_fill_the_width_four_a_row_at_most() -> None:
    assert card_width(1159) == ((1159 - 36) / 4, 4)
    assert card_width(358) == ((358 - 12) / 2, 2)
    assert card_width(100)[1] == 1
