"""The desk's export (app.services.export): the table's filter and sort honoured, every
matching order (not the page), every cell safe, and the file read back by the import."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from store.kit import DISPATCHER, T0, TECH, change, dispatcher_store, order_data, wire

from app.domain import Priority, Status
from app.domain.csv_cells import FORMULA_STARTS
from app.domain.import_report import ImportMode
from app.domain.order_columns import EXPORT_COLUMNS
from app.domain.order_import import Person, check_file
from app.domain.protocol import Change
from app.services.desk_types import OrderQuery, SortKey
from app.services.export import export_orders
from app.store.rows import apply_change

HOSTILE = ("=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tTab", "Plain")
PARIS = ZoneInfo("Europe/Paris")


def order_id(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    """130 orders: every 3rd high priority; hostile titles and customers among them."""
    store = dispatcher_store(tmp_path)
    with store.transaction() as s:
        changes = [change("user", {**TECH, "skills": []}, 1)]
        for n in range(130):
            data = order_data(
                order_id(n + 1),
                number=f"WO-{n + 1:06d}",
                title=f"{HOSTILE[n % len(HOSTILE)]} {n}" if n % 5 else HOSTILE[n % len(HOSTILE)],
                priority="high" if n % 3 == 0 else "normal",
                status="assigned" if n % 2 else "new",
                assignee_id=TECH["id"] if n % 2 else None,
                customer={"name": "-Minus Ltd" if n == 3 else "Acme", "contact": "+44 20 7946 0000"},
                due_at=wire(T0 + timedelta(hours=n)),
                external_id=f"EXT-{n}" if n % 4 == 0 else None,
            )
            changes.append(change("work_order", data, n + 2))
        for c in changes:
            apply_change(s, Change.model_validate(c))
    return store


def export(store, query: OrderQuery, **kw):  # type: ignore[no-untyped-def]
    with store.read() as s:
        return export_orders(
            s, query, user_id=DISPATCHER["id"], role="dispatcher", now=T0.astimezone(PARIS), **kw
        )


def read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_filter_and_sort_are_honoured_and_every_match_is_in(store) -> None:  # type: ignore[no-untyped-def]
    query = OrderQuery(priorities=(Priority.HIGH,), sort=SortKey.NUMBER, descending=True, limit=10, offset=20)
    seen: list[tuple[int, int]] = []
    got = export(store, query, progress=lambda done, total: seen.append((done, total)), page=7)
    rows = read(got.data)
    assert rows[0] == [c.value for c in EXPORT_COLUMNS]
    numbers = [r[0] for r in rows[1:]]
    expected = [f"WO-{n + 1:06d}" for n in range(130) if n % 3 == 0]
    assert numbers == sorted(expected, reverse=True)  # all 44, not the table's page of 10
    assert got.rows == 44 and got.name == "orders-2026-11-25.csv"
    assert seen[-1] == (44, 44) and len(seen) == 7  # a page of 7 at a time


def test_status_and_technician_filters(store) -> None:  # type: ignore[no-untyped-def]
    got = export(store, OrderQuery(statuses=(Status.NEW,), assignee_ids=(None,)))
    rows = read(got.data)[1:]
    assert len(rows) == 65 and {r[6] for r in rows} == {"new"} and {r[7] for r in rows} == {""}
    mine = read(export(store, OrderQuery(assignee_ids=(uuid.UUID(TECH["id"]),))).data)[1:]
    assert len(mine) == 65 and {r[7] for r in mine} == {"tech1"}  # usernames, as the import reads


def test_words_search_too(store) -> None:  # type: ignore[no-untyped-def]
    rows = read(export(store, OrderQuery(text="plain")).data)[1:]
    assert rows and all(r[2].startswith("Plain") for r in rows)


def test_every_cell_is_safe_and_times_carry_their_offset(store) -> None:  # type: ignore[no-untyped-def]
    rows = read(export(store, OrderQuery()).data)
    assert len(rows) == 131
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), row
    first = rows[1]
    assert first[13] == "2026-11-25T10:00:00+01:00"  # due: 09:00 UTC in Paris
    assert any(r[8] == "'-Minus Ltd" for r in rows) and all(r[9] == "'+44 20 7946 0000" for r in rows[1:])


def test_the_export_reads_back_as_the_same_orders(store) -> None:  # type: ignore[no-untyped-def]
    got = export(store, OrderQuery())
    people = {"tech1": Person(user_id=TECH["id"], role="technician", active=True)}
    checked = check_file(got.data, mode=ImportMode.CHECK, people=people)
    assert checked.report.problems == [] and checked.report.ok == 130
    assert checked.report.columns.not_imported == ["status", "source", "created_at", "completed_at"]
    titles = {o.number: o.title for o in checked.orders.values()}
    assert titles["WO-000002"] == "+1+1 1" and titles["WO-000001"] == HOSTILE[0]
    assert checked.orders[2].due_at == T0  # the same instant
    assert checked.orders[2].external_id == "EXT-0"


def test_an_empty_table_is_a_header(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = dispatcher_store(tmp_path)
    got = export(store, OrderQuery())
    assert got.rows == 0 and read(got.data) == [[c.value for c in EXPORT_COLUMNS]]
