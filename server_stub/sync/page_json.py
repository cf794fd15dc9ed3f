"""Pulled rows as JSON made by the database itself (SQLite's json_object, PostgreSQL's
json_build_object), for pull pages.

Reading a row's columns into Python, converting its times and encoding it again was
most of a page's cost (issue 11: about 20 us a change on SQLite; here some 6). Each
entity's statement is built once per database from its serialize.PULLED description, the
same keys in the same order; what that description's `finish` does in Python is written
here in SQL (`_OVERRIDES`), and tests/server/test_pull_pages.py holds the two to the same
answer for every entity. A page the database cannot make this way (a JSON column holding
text only Python reads, say) is made in Python from serialize.PULLED (sync.pull).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)

from app.domain.protocol import Entity
from server_stub import serialize

# The largest finite double: SQLite prints an infinity as "Inf" and PostgreSQL's JSON
# as the string "Infinity", where the Python path sends null (as pydantic does).
_FINITE = "1.7976931348623157e308"


def _finite(c: str) -> str:
    return f"{c} BETWEEN -{_FINITE} AND {_FINITE}"


@dataclass(frozen=True, slots=True)
class _Sql:
    """How one database writes each kind of value as JSON, given the column's SQL text."""

    real: Callable[[str], str]  # a double
    json: Callable[[str], str]  # a JSON column
    list: Callable[[str], str]  # a JSON list column that may hold null (older rows)
    boolean: Callable[[str], str]
    time: Callable[[str], str]  # naive UTC, as serialize's to_wire writes it
    true_unless_set: Callable[[str], str]  # user.active: true while disabled_at is null
    make: Callable[..., Any]  # the object of the pairs, as text
    ids: Callable[[], Any]  # the `ids` parameter (a JSON array) as rows of one text column


def _sqlite_time(c: str) -> str:
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" (or without the fraction): a T, the
    # microseconds only when there are some, and a Z.
    return (
        f"CASE WHEN {c} IS NULL THEN NULL"
        f" WHEN length({c}) = 19 OR substr({c}, 20) = '.000000'"
        f" THEN replace(substr({c}, 1, 19), ' ', 'T') || 'Z'"
        f" ELSE replace({c}, ' ', 'T') || 'Z' END"
    )


# 17 significant digits, so a double reads back as itself (SQLite's own JSON keeps 15:
# 0.30000000000000004 came back as 0.3); '!' keeps a decimal point (2.0, not 2).
_SQLITE = _Sql(
    real=lambda c: f"CASE WHEN {_finite(c)} THEN json(printf('%!.17g', {c})) END",
    # A JSON number: SQLite's NUMERIC affinity keeps it as a number, not its text.
    json=lambda c: f"CASE typeof({c}) WHEN 'real' THEN ({_SQLITE.real(c)}) ELSE json({c}) END",
    list=lambda c: f"CASE WHEN {c} IS NULL OR {c} = 'null' THEN json('[]') ELSE json({c}) END",
    boolean=lambda c: f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END",
    time=_sqlite_time,
    true_unless_set=lambda c: f"CASE WHEN {c} IS NULL THEN json('true') ELSE json('false') END",
    make=func.json_object,
    ids=lambda: select(literal_column("value")).select_from(func.json_each(bindparam("ids"))),
)

_POSTGRES = _Sql(
    real=lambda c: f"CASE WHEN {_finite(c)} THEN {c} END",  # PostgreSQL prints the shortest exact
    json=lambda c: c,
    list=lambda c: f"CASE WHEN {c} IS NULL OR {c}::text = 'null' THEN '[]'::json ELSE {c} END",
    boolean=lambda c: c,
    time=lambda c: (
        f"to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {c})::bigint % 1000000 = 0 THEN ''"
        f" ELSE to_char({c}, '.US') END"
        f" || 'Z'"
    ),
    true_unless_set=lambda c: f"{c} IS NULL",
    make=lambda *pairs: cast(func.json_build_object(*pairs), Text),
    ids=lambda: select(func.json_array_elements_text(cast(bindparam("ids"), JSON))),
)


# What a description's `finish` does, as SQL: (entity, key) -> (kind of value, its column).
_OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    (Entity.WORK_ORDER.value, "required_skills"): ("list", "required_skills"),
    (Entity.USER.value, "skills"): ("list", "skills"),
    (Entity.USER.value, "active"): ("true_unless_set", "disabled_at"),
    (Entity.CHECKLIST_TEMPLATE.value, "items"): ("list", "items"),
}
# Keys that `finish` adds (not columns of their own).
_ADDED = {Entity.USER.value: ("active",)}


def _value(sql: _Sql, table: Any, entity: str, name: str) -> Any:
    override = _OVERRIDES.get((entity, name))
    if override is not None:
        kind, column_name = override
        return literal_column(getattr(sql, kind)(str(table.c[column_name])))
    column = table.c[name]
    for types, kind in ((JSON, "json"), (Boolean, "boolean"), (DateTime, "time"), (Float, "real")):
        if isinstance(column.type, types):
            return literal_column(getattr(sql, kind)(str(column)))
    return column


@cache
def data_json(entity: str, *, dialect: str) -> Select[Any]:
    """(id, the row's data as JSON text) of `entity`'s rows with the given ids (`ids`: a
    JSON array, one bound parameter whatever its length, so the statement is compiled once)."""
    sql = _SQLITE if dialect == "sqlite" else _POSTGRES
    pulled = serialize.PULLED[entity]
    table = pulled.model.__table__
    pairs: list[Any] = []
    for key in (*pulled.fields, *_ADDED.get(entity, ())):
        pairs += [literal_column(f"'{key}'"), _value(sql, table, entity, key)]
    return select(table.c.id, sql.make(*pairs)).where(table.c.id.in_(sql.ids().scalar_subquery()))
