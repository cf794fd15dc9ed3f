"""Full-text search over the local orders: the FTS5 index `order_search` (made by migration
0006, kept in step by its triggers on orders and notes; a pull page written in bulk makes
them quiet and re-indexes the orders it touched once, migration 0008) and the query built
from what a person typed, with the list's filters, sort orders and paging.

A note's write only names its order as behind (migration 0009); `catch_up` re-indexes the
orders named, and must run before the index is read (the services' search does, and the
sync worker does after each write has poked it).

What a person types never reaches FTS5 as syntax: every word is quoted (FTS5 doubles a
quote inside a string) and matched as a prefix, so `OR`, `-`, `*`, `"` or an emoji are
plain text. Words are ANDed: "boil gas" is `"boil"* "gas"*`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import True_

from app.domain import PRIORITY_RANK, Status
from app.store.models import Order

SEARCH_TABLE = "order_search"
# One row while the index's triggers are quiet (migration 0008), never committed.
QUIET_TABLE = "order_search_quiet"
# Orders whose notes changed since their entry was written (migration 0009).
BEHIND_TABLE = "order_search_behind"
# The index's columns, in the order migration 0006 made them.
COLUMNS = ("number", "title", "site", "customer", "description", "notes")
# bm25 weights per column: a word in the number or title says more than one in the notes.
WEIGHTS = {"number": 10.0, "title": 8.0, "site": 3.0, "customer": 3.0, "description": 1.0, "notes": 1.0}
# Where a match is shown from: the number and title are on the row already.
SNIPPET_FROM = {"notes": "Notes", "description": "Description", "site": "Site", "customer": "Customer"}
SNIPPET_TOKENS = 10
MAX_WORDS = 16  # more words than anyone types: the rest are ignored
_MARK_ON, _MARK_OFF = "\x02", "\x03"

_INDEX = table(SEARCH_TABLE, column("rowid"))
_MATCHES = literal_column(SEARCH_TABLE)  # FTS5's hidden column named after its table
_ORDER_ROWID = literal_column("orders.rowid")
_JOIN_ON = _INDEX.c.rowid == _ORDER_ROWID


def is_search_table(name: str | None) -> bool:
    """The index and the shadow tables FTS5 keeps for it: not in the models, never compared."""
    return bool(name) and (name == SEARCH_TABLE or str(name).startswith(SEARCH_TABLE + "_"))


def rebuild_index(session: Session) -> None:
    """Refill the index from the orders and their notes (after a migration rebuilt a table).
    Touching an indexed column fires the update trigger, which writes each order's entry."""
    session.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
    session.execute(text("UPDATE orders SET number = number"))
    session.execute(text(f"DELETE FROM {BEHIND_TABLE}"))  # every entry is up to date


def reindex_orders(session: Session, *, order_ids: Collection[str]) -> None:
    """Write these orders' index entries again from their rows and notes (an id without an
    order is nothing). Through the update trigger, as `rebuild_index`: the entry is the
    one the triggers write, by the one definition of it."""
    if order_ids:
        session.connection().exec_driver_sql(
            "UPDATE orders SET number = number WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(order_ids)),),
        )


def is_behind(session: Session) -> bool:
    """Whether some order's entry misses a change to its notes (`catch_up` is due)."""
    found = session.connection().exec_driver_sql(f"SELECT 1 FROM {BEHIND_TABLE} LIMIT 1").first()
    return found is not None


def catch_up(session: Session) -> int:
    """Re-index the orders whose notes changed since their entry was written; how many."""
    connection = session.connection()
    behind = connection.exec_driver_sql(f"SELECT order_id FROM {BEHIND_TABLE}").scalars().all()
    if behind:
        reindex_orders(session, order_ids=behind)
        connection.exec_driver_sql(f"DELETE FROM {BEHIND_TABLE}")
    return len(behind)


@contextmanager
def index_quiet(session: Session, *, order_ids: Collection[str]) -> Iterator[None]:
    """Within the block the index's triggers on orders and notes stay quiet (but an order's
    delete, which still removes its entry); after it `order_ids` are re-indexed once. They
    must name every order whose entry the block's writes change: its orders, and the old
    and new orders of its notes. Within the transaction only: other connections never see
    the triggers quiet (the flag's row is gone before the commit, or rolled back with it).
    The session's pending writes go out first, while the triggers still index them."""
    session.flush()
    connection = session.connection()
    connection.exec_driver_sql(f"INSERT INTO {QUIET_TABLE} (id) VALUES (1)")
    try:
        yield
    except BaseException:
        # The caller rolls back; should it not, the index is still left in step.
        with suppress(Exception):
            connection.exec_driver_sql(f"DELETE FROM {QUIET_TABLE}")
            reindex_orders(session, order_ids=order_ids)
        raise
    session.flush()  # what the ORM still holds, written while quiet (re-indexed below)
    connection.exec_driver_sql(f"DELETE FROM {QUIET_TABLE}")
    reindex_orders(session, order_ids=order_ids)


def match_expression(typed: str) -> str | None:
    """The FTS5 query for what a person typed: each word quoted and prefix-matched, all of
    them required; None when nothing searchable was typed (only punctuation, say)."""
    words = []
    # FTS5 reads its query as a C string: a NUL would end it inside a quoted word.
    for word in typed.replace("\x00", " ").split():
        # unicode61 splits on everything but letters and digits: a word without any is nothing.
        if any(ch.isalnum() for ch in word):
            words.append('"' + word.replace('"', '""') + '"*')
        if len(words) == MAX_WORDS:
            break
    return " ".join(words) or None


@dataclass(frozen=True, slots=True)
class Filters:
    """What the list is narrowed to; empty means any. `None` among assignees: unassigned."""

    statuses: Sequence[str] = ()
    priorities: Sequence[str] = ()
    assignee_ids: Sequence[str | None] = ()
    due_from: datetime | None = None  # due_from <= due_at
    due_to: datetime | None = None  # due_at < due_to
    sources: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    order: Order
    snippet: str  # "Notes: …the gas valve…"; "" when the words matched only number or title


@dataclass(frozen=True, slots=True)
class Found:
    hits: list[Hit]
    total: int  # matches in all, beyond this page


def _conditions(filters: Filters, visible: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    # A dispatcher sees everything (`true()`): no condition, so a count can skip the orders.
    found: list[ColumnElement[bool]] = [] if visible is None or isinstance(visible, True_) else [visible]
    if filters.statuses:
        found.append(Order.status.in_(list(filters.statuses)))
    if filters.priorities:
        found.append(Order.priority.in_(list(filters.priorities)))
    if filters.assignee_ids:
        ids = [a for a in filters.assignee_ids if a is not None]
        either = [Order.assignee_id.in_(ids)] if ids else []
        if len(ids) < len(filters.assignee_ids):
            either.append(Order.assignee_id.is_(None))
        found.append(or_(*either))
    if filters.due_from is not None:
        found.append(Order.due_at >= filters.due_from)
    if filters.due_to is not None:
        found.append(Order.due_at < filters.due_to)
    if filters.sources:
        found.append(Order.source.in_(list(filters.sources)))
    return found


def _rank_of(values: Iterable[Any], column: Any) -> Any:
    """A column's values by their place in `values` (unknown ones last)."""
    ranked = list(values)
    return case({value: place for place, value in enumerate(ranked)}, value=column, else_=len(ranked))


def _order_by(sort: str, *, descending: bool, relevance: Any | None) -> list[Any]:
    """The sort's columns, then the number and id so pages never overlap. Rows without a
    due (or changed) time sort last either way; the best match comes first either way."""
    if sort == "relevance" and relevance is not None:
        return [relevance, Order.number, Order.id]
    missing_last: Any | None = None
    key: Any
    match sort:
        case "priority":
            key = _rank_of(sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__), Order.priority)
        case "number":
            key = Order.number
        case "status":
            key = _rank_of(list(Status), Order.status)
        case "updated":
            key, missing_last = Order.updated_at, Order.updated_at.is_(None)
        case _:
            key, missing_last = Order.due_at, Order.due_at.is_(None)
    columns = [] if missing_last is None else [missing_last]
    columns.append(key.desc() if descending else key)
    if sort != "number":
        columns.append(Order.number)
    return [*columns, Order.id]


def find_orders(
    session: Session,
    *,
    typed: str = "",
    filters: Filters = Filters(),
    visible: ColumnElement[bool] | None = None,
    sort: str = "due",
    descending: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Found:
    """One page of the orders matching the typed words (over number, title, site, customer,
    description and notes; prefixes match; accents and case do not matter) and the filters,
    within `visible` (the signed-in user's orders), and how many match in all."""
    match = match_expression(typed)
    conditions = _conditions(filters, visible)
    # The page's ids first, from narrow rows (the desk index, the search index), then only
    # its own wide rows: an order row carries its server copy.
    stmt: Select[Any] = select(Order.id, _ORDER_ROWID)
    relevance = None
    if match is not None and sort == "relevance":
        # The score is taken in a subquery of the index alone: FTS5's functions work only
        # while the index is the table being read.
        scored = (
            select(
                _INDEX.c.rowid.label("rowid"),
                func.bm25(_MATCHES, *(WEIGHTS[c] for c in COLUMNS)).label("score"),
            )
            .where(_MATCHES.op("MATCH")(match))
            .subquery("scored")
        )
        relevance = scored.c.score
        stmt = stmt.join_from(Order, scored, scored.c.rowid == _ORDER_ROWID)
    elif match is not None:
        stmt = stmt.join_from(Order, _INDEX, _JOIN_ON).where(_MATCHES.op("MATCH")(match))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    stmt = stmt.order_by(*_order_by(sort, descending=descending, relevance=relevance))
    page = session.execute(stmt.limit(max(0, limit)).offset(max(0, offset))).all()
    count = len(page) if offset <= 0 and len(page) < limit else _count(session, match, conditions)
    ids = [row[0] for row in page]
    # The server copy is for the re-base, never shown: not read here.
    rows = select(Order).options(defer(Order.server_data)).where(Order.id.in_(ids))
    loaded = {o.id: o for o in session.scalars(rows)} if ids else {}
    snippets = {} if match is None else _snippets(session, match, {row[1]: row[0] for row in page})
    return Found(hits=[Hit(order=loaded[i], snippet=snippets.get(i, "")) for i in ids], total=count)


def _count(session: Session, match: str | None, conditions: list[ColumnElement[bool]]) -> int:
    """How many orders match in all: apart from the page, which a bounded sort finds faster
    than any count over the window; from the index alone when nothing else narrows it."""
    if match is None:
        stmt = select(func.count()).select_from(Order)
    elif not conditions:
        stmt = select(func.count()).select_from(_INDEX).where(_MATCHES.op("MATCH")(match))
    else:
        stmt = (
            select(func.count()).select_from(Order).join(_INDEX, _JOIN_ON).where(_MATCHES.op("MATCH")(match))
        )
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return session.scalar(stmt) or 0


def _snippets(session: Session, match: str, order_ids: dict[int, str]) -> dict[str, str]:
    """Where the words matched, for this page's orders only (a snippet costs a re-read).
    `order_ids`: the orders' ids by their rowid (the index's rowid)."""
    if not order_ids:
        return {}
    shown = list(SNIPPET_FROM)
    columns = [
        func.snippet(_MATCHES, COLUMNS.index(name), _MARK_ON, _MARK_OFF, "…", SNIPPET_TOKENS)
        for name in shown
    ]
    # "+rowid": a filter on the matches, not a lookup handed to FTS5 (which would run the
    # whole query again for each rowid listed).
    stmt = (
        select(_INDEX.c.rowid, *columns)
        .where(_MATCHES.op("MATCH")(match))
        .where(literal_column(f"+{SEARCH_TABLE}.rowid").in_(list(order_ids)))
    )
    found: dict[str, str] = {}
    for rowid, *texts in session.execute(stmt):
        order_id = order_ids[rowid]
        for name, fragment in zip(shown, texts, strict=True):
            if fragment and _MARK_ON in fragment:
                plain = fragment.replace(_MARK_ON, "").replace(_MARK_OFF, "")
                found[order_id] = f"{SNIPPET_FROM[name]}: {' '.join(plain.split())}"
                break
    return found
