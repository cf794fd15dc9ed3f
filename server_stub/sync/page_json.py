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
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
)

from app.domain.protocol import Entity
from server_stub import serialize

# The largest finite double: SQLite prints an infinity as "Inf" and PostgreSQL's JSON
# as the string "Infinity", where the Python path sends null (as pydantic does).
_FINITE = 1.7976931348623157e308

Value = ColumnElement[Any]


def _finite(c: Value) -> Value:
    return c.between(-_FINITE, _FINITE)


@dataclass(frozen=True, slots=True)
class _Sql:
    """How one database writes each kind of value as JSON, given its column."""

    real: Callable[[Value], Value]  # a double
    json: Callable[[Value], Value]  # a JSON column
    list: Callable[[Value], Value]  # a JSON list column that may hold null (older rows)
    boolean: Callable[[Value], Value]
    time: Callable[[Value], Value]  # naive UTC, as serialize's to_wire writes it
    true_unless_set: Callable[[Value], Value]  # user.active: true while disabled_at is null
    make: Callable[..., Value]  # the object of the pairs, as text
    ids: Callable[[], Any]  # the `ids` parameter (a JSON array) as rows of one text column


def _sqlite_real(c: Value) -> Value:
    # 17 significant digits, so a double reads back as itself (SQLite's own JSON keeps 15:
    # 0.30000000000000004 came back as 0.3); '!' keeps a decimal point (2.0, not 2).
    return case((_finite(c), func.json(func.printf("%!.17g", c))), else_=null())


def _sqlite_time(c: Value) -> Value:
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" (or without the fraction): a T, the
    # microseconds only when there are some, and a Z.
    text = type_coerce(c, Text)
    whole = func.substr(text, 1, 19, type_=Text)
    on_the_second = or_(func.length(text) == 19, func.substr(text, 20, type_=Text) == ".000000")
    return case(
        (c.is_(None), null()),
        (on_the_second, func.replace(whole, " ", "T", type_=Text) + "Z"),
        else_=func.replace(text, " ", "T", type_=Text) + "Z",
    )


def _sqlite_ids() -> Any:
    each = func.json_each(bindparam("ids", type_=Text)).table_valued("value")
    return select(each.c.value)


_SQLITE = _Sql(
    real=_sqlite_real,
    # A JSON number: SQLite's NUMERIC affinity keeps it as a number, not its text.
    json=lambda c: case((func.typeof(c) == "real", _sqlite_real(c)), else_=func.json(c)),
    list=lambda c: case(
        (or_(c.is_(None), type_coerce(c, Text) == "null"), func.json_array()), else_=func.json(c)
    ),
    boolean=lambda c: case((c.is_(None), null()), (c, func.json("true")), else_=func.json("false")),
    time=_sqlite_time,
    true_unless_set=lambda c: case((c.is_(None), func.json("true")), else_=func.json("false")),
    make=func.json_object,
    ids=_sqlite_ids,
)


def _postgres_time(c: Value) -> Value:
    on_the_second = func.mod(cast(func.date_part("microseconds", c), BigInteger), 1_000_000) == 0
    fraction = case((on_the_second, ""), else_=func.to_char(c, ".US", type_=Text))
    return func.to_char(c, 'YYYY-MM-DD"T"HH24:MI:SS', type_=Text) + fraction + "Z"


_POSTGRES = _Sql(
    real=lambda c: case((_finite(c), c), else_=null()),  # printed as the shortest exact digits
    json=lambda c: c,
    list=lambda c: case((or_(c.is_(None), cast(c, Text) == "null"), func.json_build_array()), else_=c),
    boolean=lambda c: c,
    time=_postgres_time,
    true_unless_set=lambda c: c.is_(None),
    make=lambda *pairs: cast(func.json_build_object(*pairs), Text),
    ids=lambda: select(func.json_array_elements_text(cast(bindparam("ids", type_=Text), JSON))),
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


def _value(sql: _Sql, table: Any, entity: str, name: str) -> Value:
    override = _OVERRIDES.get((entity, name))
    if override is not None:
        kind, column_name = override
        return getattr(sql, kind)(table.c[column_name])
    column = table.c[name]
    for types, kind in ((JSON, "json"), (Boolean, "boolean"), (DateTime, "time"), (Float, "real")):
        if isinstance(column.type, types):
            return getattr(sql, kind)(column)
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
        pairs += [cast(literal(key), Text), _value(sql, table, entity, key)]
    return select(table.c.id, sql.make(*pairs)).where(table.c.id.in_(sql.ids().scalar_subquery()))
