"""server_stub.bulk.insert_rows stores what SQLAlchemy's insert() stores, on SQLite and
PostgreSQL: the same row given both ways reads back the same, column for column, in the
database's own text (so a datetime kept in another format, a JSON value serialised
another way or a boolean stored as text would show), defaults filled alike."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, func, insert, text

from server_stub.bulk import insert_rows
from server_stub.db import Database
from server_stub.models import ChecklistItem, Device, LedgerEntry, Note, WorkOrder

from .conftest import World

AT = datetime(2026, 12, 6, 9, 30, 15, 123456)


def _as_text(db: Database, table: Table, key: str, row_id: object, *, unique: str | None) -> tuple[Any, ...]:
    """The row as the database renders each column in text, its key (and `unique`) left out."""
    names = [c.name for c in table.c if c.name not in (key, unique)]
    casts = ", ".join(f"CAST({n} AS TEXT)" for n in names)
    with db.read() as session:
        found = session.execute(
            text(f"SELECT {casts} FROM {table.name} WHERE {key} = :id"), {"id": row_id}
        ).one()
    return tuple(found)


def _twice(
    db: Database,
    table: Table,
    *,
    key: str,
    row: dict[str, Any],
    ids: tuple[object, object] | None = None,
    unique: str | None = None,
) -> None:
    """`row` inserted both ways under two keys (and two values of a `unique` column)."""
    core_id, bulk_id = ids or (str(uuid.uuid4()), str(uuid.uuid4()))
    by_core, by_bulk = dict(row, **{key: core_id}), dict(row, **{key: bulk_id})
    if unique is not None:
        by_core[unique], by_bulk[unique] = f"{row[unique]}-core", f"{row[unique]}-bulk"
    with db.write() as session, session.begin():
        session.connection().execute(insert(table), [by_core])
        insert_rows(session.connection(), table, [by_bulk])
    stored = [_as_text(db, table, key, copy[key], unique=unique) for copy in (by_core, by_bulk)]
    assert stored[1] == stored[0]


def _order(world: World) -> dict[str, Any]:
    return {
        "org_id": world.org_id, "number": "WO-9", "title": "Pump ünïcode", "description": "",
        "kind": "repair", "priority": "high", "status": "assigned", "status_reason": None,
        "assignee_id": world.users["tech1"], "customer": {"name": "Ann", "phone": None},
        "site": {"address": "1 Way", "lat": 51.5, "lon": -0.1}, "asset": None, "due_at": AT,
        "requires_signature": True, "required_skills": ["hvac"], "source": "dispatcher",
        "external_id": None, "created_at": AT, "updated_at": AT, "assigned_at": AT,
        "en_route_at": None, "started_at": None, "on_hold_at": None, "completed_at": None,
        "cannot_complete_at": None, "closed_at": None, "cancelled_at": None, "seq": 900,
        "field_seqs": {"title": 3}, "past_assignees": [world.users["tech1"]],
        "created_by": world.users["disp"], "create_digest": "ab" * 32,
    }  # fmt: skip


def test_an_order_is_stored_alike(db: Database, world: World) -> None:
    _twice(db, WorkOrder.__table__, key="id", row=_order(world), unique="number")


def test_checklist_items_are_stored_alike(db: Database, world: World) -> None:
    for value, done in ((None, False), (12.5, True), ("ok", True), ({"a": [1, None]}, False)):
        row = {
            "order_id": world.orders["a"], "position": 9, "label": "Valve", "kind": "number",
            "required": True, "value": value, "done": done, "unit": "bar", "min": 0.0, "max": 99.5,
            "seq": 901, "value_seq": 0, "value_device_id": None,
        }  # fmt: skip
        _twice(db, ChecklistItem.__table__, key="id", row=row)


def test_a_note_leaving_out_columns_takes_their_defaults_alike(db: Database, world: World) -> None:
    row = {
        "order_id": world.orders["a"], "text": "Line 1\nline 2 \u2603", "at": AT,
        "author_id": world.users["tech1"], "seq": 902,
    }  # fmt: skip
    left_out = {c.key for c in Note.__table__.c} - row.keys() - {"id"}
    assert left_out, "the note's row should leave some column to its default"
    _twice(db, Note.__table__, key="id", row=row)


def test_a_ledger_row_is_stored_alike(db: Database, world: World) -> None:
    device_id = str(uuid.uuid4())
    with db.write() as session, session.begin():
        session.add(Device(device_id=device_id, user_id=world.users["tech1"], last_mid=0, created_at=AT))
    row = {
        "device_id": device_id, "type": "note.add", "entity_id": world.orders["a"],
        "user_id": world.users["tech1"], "status": "applied",
        "result": {"mid": 7, "status": "applied", "seq": 903}, "created_at": AT, "seq": 903,
        "detail": {"fields": {}, "brief": {"text": "x\u00e9"}},
    }  # fmt: skip
    _twice(db, LedgerEntry.__table__, key="mid", row=row, ids=(7, 8))


def test_nothing_to_insert_runs_no_statement(db: Database) -> None:
    statements: list[str] = []
    with db.write() as session, session.begin():
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", lambda *args: statements.append(args[2]))
        insert_rows(connection, Note.__table__, [])
    assert statements == []


def test_a_default_it_cannot_fill_is_refused_loudly() -> None:
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer, default=func.now())
    )
    engine = create_engine("sqlite://")
    with engine.begin() as connection, pytest.raises(TypeError, match=r"t\.n"):
        insert_rows(connection, table, [{"id": 1}])
