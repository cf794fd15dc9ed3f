"""Many new rows into one table by the driver's own executemany.

SQLAlchemy's `connection.execute(insert(table), rows)` builds a parameter dict for every
row and runs each value through its type's bind processor in general-purpose code: for a
push batch's rows that cost as much as SQLite took to store them (issue 11). Here the
statement is made once per (dialect, table) and each row becomes a tuple in one tight
pass, with the same bind processors SQLAlchemy would apply (SQLite: datetimes as text,
JSON through the engine's serializer, booleans as integers; psycopg takes most values
as they are), so what is stored is the same either way (tests/server/test_bulk.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    keys: tuple[str, ...]
    take: Callable[[dict[str, Any]], tuple[Any, ...]]  # the row's values, in column order
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)
    fill: dict[str, Callable[[], Any]]  # key -> the value of a column left out


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` in one executemany; a column a row leaves out takes its Python-side
    default, as with SQLAlchemy's insert (NULL when it has none)."""
    if not rows:
        return
    plan = _plan(connection.dialect, table)
    params: list[Sequence[Any]] = []
    for row in rows:
        if len(row) != len(plan.keys):  # a column left out (or a key no column has: KeyError)
            row = {key: row[key] if key in row else plan.fill[key]() for key in plan.keys}
        values = plan.take(row)
        if plan.convert:
            converted = list(values)
            for at, convert in plan.convert:
                converted[at] = convert(converted[at])
            params.append(tuple(converted))
        else:
            params.append(values)
    connection.exec_driver_sql(plan.sql, params)


@cache  # dialects and tables live as long as the process: a handful of entries
def _plan(dialect: Dialect, table: Table) -> _Plan:
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_column(c) for c in table.c)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    keys = tuple(c.key for c in table.c)
    processors = (c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.c)
    return _Plan(
        sql=f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({', '.join([mark] * len(keys))})",
        keys=keys,
        take=itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],),
        convert=tuple((at, p) for at, p in enumerate(processors) if p is not None),
        fill={c.key: _default(c) for c in table.c},
    )


def _default(column: Column[Any]) -> Callable[[], Any]:
    default = column.default
    if default is None:
        return lambda: None
    if isinstance(default, ScalarElementColumnDefault):
        value = default.arg
        return lambda: value
    if isinstance(default, CallableColumnDefault):
        make = default.arg  # SQLAlchemy's wrapper, taking an execution context none of ours reads
        return lambda: make(None)
    raise TypeError(f"{column.table}.{column.key}: a {type(default).__name__} default is not supported here")
