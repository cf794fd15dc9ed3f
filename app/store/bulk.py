"""A pull page's changes written in a few statements: the same rows as `apply_change` one
by one (orders before children), without an ORM load, object and flush per change.

Per entity, every upsert of the page is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE
seq <= excluded.seq` run with executemany (an older version never replaces a newer one:
the row is left as it is), and every delete one `DELETE ... WHERE id = ? AND seq <= ?`.
Values go through the same conversion (`rows.KINDS`) and the same column types (the
models' bind processors) as the ORM path, so the stored text is the same.

What bulk cannot do as the ORM path does goes through `apply_change`:
- an order's delete: `leave_order` keeps an order with queued work (and removes an
  order's children with it);
- a row named twice in one page (the protocol sends a row at most once a page; a server
  that does not is read exactly as before, change by change).

Order of writes: the orders' deletes first (they remove children, and a child written by
the page after its order's delete stays, as before), then the children, then the orders'
upserts. Children have no foreign key to their order.

The search index: its triggers stay quiet while the page is written, and each order the
page touched (its orders, the old and new orders of its notes) is re-indexed once at the
end (`search.index_quiet`), to the entry the triggers would have left: a trigger per note
re-indexed its order for every note, a first sync's main cost in the index.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes

from app.domain.protocol import Change, Entity
from app.domain.protocol.jsontext import json_text
from app.store.rows import KINDS, apply_change
from app.store.search import index_quiet


@dataclass(frozen=True, slots=True)
class _Statements:
    """One model's upsert and how a row of values becomes its parameters."""

    columns: Callable[[dict[str, Any]], tuple[Any, ...]]  # the values in the statement's order
    # (place, conversion) of the columns whose type converts the value (times, JSON, 0/1)
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]
    upsert: str


def _conversion(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's own conversion (UTC text for times, JSON text, 0/1): the ORM path
    binds through the same ones, so the stored text is the same. A JSON column's is the
    engine's serializer itself, without SQLAlchemy's wrapper, when that is the store's."""
    impl = column_type.dialect_impl(dialect)
    if (
        isinstance(impl, sqltypes.JSON)
        and getattr(dialect, "_json_serializer", None) is json_text
        and not impl.none_as_null
    ):
        return json_text
    return impl.bind_processor(dialect)


def _statements(model: Any, columns: tuple[str, ...], dialect: Dialect) -> _Statements | None:
    """None when the values leave a column out: a new row would take the model's default
    there through the ORM, and NULL here (the ORM path writes those rows)."""
    table = model.__table__
    if set(table.c.keys()) - set(columns):
        return None
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    conversions = [_conversion(table.c[c].type, dialect) for c in columns]
    return _Statements(
        columns=itemgetter(*columns),
        conversions=tuple((i, f) for i, f in enumerate(conversions) if f is not None),
        upsert=(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE {table.name}.seq <= excluded.seq"
        ),
    )


# Statements by model, column names (from the kind's value function, the same for every
# change of a kind) and dialect.
_CACHE: dict[tuple[Any, tuple[str, ...], str, Any], _Statements | None] = {}


def _statements_for(model: Any, columns: tuple[str, ...], dialect: Dialect) -> _Statements | None:
    key = (model, columns, dialect.name, getattr(dialect, "_json_serializer", None))
    if key not in _CACHE:
        _CACHE[key] = _statements(model, columns, dialect)
    return _CACHE[key]


def _values(change: Change, *, values_of: Any, keeps_server_data: bool) -> dict[str, Any]:
    if change.data is None:
        raise ValueError(f"{change.entity} {change.id}: a change that is not a delete needs data")
    values: dict[str, Any] = values_of(change.data)
    values["id"] = change.id
    values["seq"] = change.seq
    if keeps_server_data:
        values["server_data"] = change.data
    if change.entity == Entity.WORK_ORDER:
        values["out_of_scope"] = False  # (re-)sent by the server: in scope again
    return values


def _upsert(session: Session, model: Any, changes: list[Change], *, values_of: Any, keeps: bool) -> None:
    rows = [_values(c, values_of=values_of, keeps_server_data=keeps) for c in changes]
    if not rows:
        return
    connection = session.connection()
    sql = _statements_for(model, tuple(rows[0]), connection.dialect)
    if sql is None:
        for change in changes:
            apply_change(session, change)
        return
    params = []
    for row in rows:
        values = list(sql.columns(row))
        for place, convert in sql.conversions:
            values[place] = convert(values[place])
        params.append(tuple(values))
    connection.exec_driver_sql(sql.upsert, params)


def _delete(session: Session, model: Any, changes: list[Change]) -> None:
    if not changes:
        return
    connection = session.connection()
    table = model.__table__.name
    connection.exec_driver_sql(
        f"DELETE FROM {table} WHERE id = ? AND seq <= ?", [(c.id, c.seq) for c in changes]
    )


def apply_changes(session: Session, changes: Sequence[Change]) -> None:
    """Write a page's changes over the local rows: what `apply_change` does for each of them
    in the page's order, orders first (see the module's docstring)."""
    with index_quiet(session, order_ids=_indexed_orders(session, changes)):
        _apply_changes(session, changes)


def _indexed_orders(session: Session, changes: Sequence[Change]) -> set[str]:
    """The orders whose index entry the page may change: its orders, and the orders its
    notes belong to, before (read here, ahead of the writes) and after."""
    found = {c.id for c in changes if c.entity == Entity.WORK_ORDER}
    notes = [c for c in changes if c.entity == Entity.NOTE]
    if notes:
        found.update(
            str(c.data["order_id"])
            for c in notes
            if c.data is not None and c.data.get("order_id") is not None
        )
        found.update(
            session.connection()
            .exec_driver_sql(
                "SELECT order_id FROM notes WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([c.id for c in notes]),),
            )
            .scalars()
        )
    return found


def _apply_changes(session: Session, changes: Sequence[Change]) -> None:
    named = [(c.entity, c.id) for c in changes]
    twice = set() if len(set(named)) == len(named) else {k for k, n in Counter(named).items() if n > 1}
    one_by_one = [c for c in changes if c.entity in KINDS and (c.entity, c.id) in twice]
    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        if change.entity in KINDS and (change.entity, change.id) not in twice:
            by_kind.setdefault(change.entity, []).append(change)
    orders = by_kind.pop(Entity.WORK_ORDER, [])

    for change in orders:
        if change.deleted:
            apply_change(session, change)
    for change in one_by_one:
        if change.entity == Entity.WORK_ORDER:
            apply_change(session, change)
    # What the ORM holds goes to the database before statements it does not see.
    session.flush()
    for entity, batch in by_kind.items():
        model, values_of, keeps = KINDS[entity]
        _delete(session, model, [c for c in batch if c.deleted])
        _upsert(session, model, [c for c in batch if not c.deleted], values_of=values_of, keeps=keeps)
    for change in one_by_one:
        if change.entity != Entity.WORK_ORDER:
            apply_change(session, change)
    model, values_of, keeps = KINDS[Entity.WORK_ORDER]
    _upsert(session, model, [c for c in orders if not c.deleted], values_of=values_of, keeps=keeps)
    deleted = {(KINDS[c.entity][0], c.id) for batch in by_kind.values() for c in batch if c.deleted}
    _forget_written(session, {KINDS[e][0] for e in (*by_kind, Entity.WORK_ORDER)}, deleted=deleted)


def _forget_written(session: Session, models: set[Any], *, deleted: set[tuple[Any, str]]) -> None:
    """Rows of these models the session holds may be older than what was just written
    beside it: they are read again when next used (a deleted one is let go of)."""
    for obj in list(session.identity_map.values()):
        if type(obj) in models:
            if (type(obj), obj.id) in deleted:
                session.expunge(obj)
            else:
                session.expire(obj)
