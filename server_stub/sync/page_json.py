"""Pulled rows as JSON made by SQLite itself (json_object), for pull pages.

Reading a row's columns into Python, converting its times and encoding it again was
most of a page's cost (issue 11: about 20 us a change; here some 6). Each entity's
statement is built once from its serialize.PULLED description, the same keys in the
same order; what that description's `finish` does in Python is written here in SQL
(`_OVERRIDES`), and tests/server/test_pull_pages.py holds the two to the same answer
for every entity. PostgreSQL pages, and any page SQLite cannot make this way (a JSON
column holding text only Python reads, say), go through serialize.PULLED in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, DateTime, Float, Select, bindparam, func, select, text
from sqlalchemy.sql.elements import literal_column

from app.domain.protocol import Entity
from server_stub import serialize

# The largest finite double: SQLite prints an infinity as "Inf", which is not JSON
# (the Python path sends null for it, as pydantic does).
_FINITE = "1.7976931348623157e308"


def _real(c: Any) -> ColumnElement[Any]:
    """A double as JSON: 17 significant digits, so it reads back as the same double
    (SQLite's own JSON output keeps 15, and 0.30000000000000004 came back as 0.3)."""
    finite = f"{c} BETWEEN -{_FINITE} AND {_FINITE}"
    return literal_column(f"CASE WHEN {finite} THEN json(printf('%!.17g', {c})) END")


def _json(c: Any) -> ColumnElement[Any]:
    """A JSON column: its text as it is, or a number SQLite's NUMERIC affinity stored as one."""
    finite = f"{c} BETWEEN -{_FINITE} AND {_FINITE}"
    return literal_column(
        f"CASE typeof({c}) WHEN 'real' THEN (CASE WHEN {finite} THEN json(printf('%!.17g', {c})) END)"
        f" ELSE json({c}) END"
    )


def _list(c: Any) -> ColumnElement[Any]:
    """A JSON list column read as a list even where it holds null (older rows)."""
    return literal_column(f"CASE WHEN {c} IS NULL OR {c} = 'null' THEN json('[]') ELSE json({c}) END")


def _boolean(c: Any) -> ColumnElement[Any]:
    return literal_column(
        f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END"
    )


def _time(c: Any) -> ColumnElement[Any]:
    """A stored time ("YYYY-MM-DD HH:MM:SS[.ffffff]", naive UTC) as serialize's to_wire
    writes it: a T, the microseconds only when there are some, and a Z."""
    return literal_column(
        f"CASE WHEN {c} IS NULL THEN NULL"
        f" WHEN length({c}) = 19 OR substr({c}, 20) = '.000000'"
        f" THEN replace(substr({c}, 1, 19), ' ', 'T') || 'Z'"
        f" ELSE replace({c}, ' ', 'T') || 'Z' END"
    )


# What a description's `finish` does, as SQL: (entity, key) -> its value from the table's
# columns (named by their SQL text).
_OVERRIDES: dict[tuple[str, str], Callable[[Any], ColumnElement[Any]]] = {
    (Entity.WORK_ORDER.value, "required_skills"): lambda t: _list(t.c["required_skills"]),
    (Entity.USER.value, "skills"): lambda t: _list(t.c["skills"]),
    (Entity.USER.value, "active"): lambda t: literal_column(
        f"CASE WHEN {t.c['disabled_at']} IS NULL THEN json('true') ELSE json('false') END"
    ),
    (Entity.CHECKLIST_TEMPLATE.value, "items"): lambda t: _list(t.c["items"]),
}
# Keys that `finish` adds (not columns of their own).
_ADDED = {Entity.USER.value: ("active",)}


def _value(table: Any, entity: str, name: str) -> ColumnElement[Any]:
    override = _OVERRIDES.get((entity, name))
    if override is not None:
        return override(table)
    column = table.c[name]
    kind = column.type
    if isinstance(kind, JSON):
        return _json(column)
    if isinstance(kind, Boolean):
        return _boolean(column)
    if isinstance(kind, DateTime):
        return _time(column)
    if isinstance(kind, Float):
        return _real(column)
    return column


@cache
def data_json(entity: str) -> Select[Any]:
    """(id, the row's data as JSON text) of `entity`'s rows with the given ids (`ids`: a
    JSON array, one bound parameter whatever its length, so the statement is compiled once)."""
    pulled = serialize.PULLED[entity]
    table = pulled.model.__table__
    keys = [*pulled.fields, *_ADDED.get(entity, ())]
    pairs: list[Any] = []
    for key in keys:
        pairs += [text(f"'{key}'"), _value(table, entity, key)]
    wanted = select(literal_column("value")).select_from(func.json_each(bindparam("ids")))
    return select(table.c.id, func.json_object(*pairs)).where(table.c.id.in_(wanted.scalar_subquery()))
