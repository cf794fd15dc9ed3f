"""New rows an applier only inserts (checklist items, notes, photos, ...), written in bulk.

A push batch creates thousands of such rows. As ORM objects each cost more than the
database takes to store it (construction, attribute events, the unit of work sorting
them: half of a push's time, issue 11). Here a row is a dict, kept on the session by
table and written by one executemany per table:
- before any statement the session runs (`hook`): a read in the same transaction, an
  applier's look for an existing row say, sees every row added before it;
- when the batch or its savepoint ends (`write`), and at the latest before commit.

The ORM's pending objects are flushed first, so an order created in the batch is in
before its children. Whose pull scope a row is in is told to server_stub.announce
here, as a flush would have told it.

A row the batch goes on to change (a new order, which later mutations of the batch
load, move and stamp) is `add_held`: inserted from its dict like the others, and held in
the session as a persistent ORM object, as if read back, so its later changes are
UPDATEs the flush makes. Such rows are written before any flush, so an UPDATE never
comes before its row's INSERT. (Inserting a new order through the ORM instead cost a
third of a push batch's time, issue 11.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached, sessionmaker

from server_stub.announce import concerns
from server_stub.bulk import insert_rows
from server_stub.models import Base

# session.info key: table -> rows waiting to be inserted, in the order they were added.
_PENDING = "ordo_new_rows"
# session.info key: the same, for rows whose ORM object the session holds (add_held).
_HELD = "ordo_new_held_rows"

B = TypeVar("B", bound=Base)


def add(session: Session, model: type[Base], row: dict[str, Any], *, people: Iterable[str | None]) -> None:
    """Insert `row` (every column given, `seq` among them) into `model`'s table before the
    session's next statement; `people` are whose technician scope it is in (its order's)."""
    table: Table = model.__table__  # type: ignore[assignment]
    session.info.setdefault(_PENDING, {}).setdefault(table, []).append(row)
    concerns(session, [row["seq"]], people=people)


def add_held(session: Session, model: type[B], row: dict[str, Any], *, people: Iterable[str | None]) -> B:
    """As `add`, and the row's ORM object, persistent in `session` as if read back from
    the database; its later changes are flushed as UPDATEs. Every column must be given
    (one missing would be read back, before the row is in)."""
    table: Table = model.__table__  # type: ignore[assignment]
    missing = set(table.c.keys()) - row.keys()
    if missing:
        raise ValueError(f"{table.name}: no value for {sorted(missing)}")
    # Built as a loaded row is (its dict filled, no attribute events: a third of the cost
    # of model(**row)), then marked as that row, read back.
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(row)
    make_transient_to_detached(obj)
    session.info.setdefault(_HELD, {}).setdefault(table, []).append(row)
    session.add(obj)
    concerns(session, [row["seq"]], people=people)
    return obj


def _write_held(session: Session) -> None:
    _insert(session, session.info.pop(_HELD, None))


def write(session: Session) -> None:
    """Insert what is waiting: the held rows, then the ORM's own pending rows, then the
    rest (a new order before its items). What fails to insert is gone from the wait
    either way: the caller rolls back."""
    _write_held(session)
    pending: dict[Table, list[dict[str, Any]]] | None = session.info.pop(_PENDING, None)
    session.flush()
    _insert(session, pending)


def _insert(session: Session, waiting: dict[Table, list[dict[str, Any]]] | None) -> None:
    if waiting:
        connection = session.connection()
        for table in _PARENTS_FIRST:
            if rows := waiting.get(table):
                insert_rows(connection, table, rows)


_PARENTS_FIRST = tuple(Base.metadata.sorted_tables)  # worked out on each read, otherwise


def drop(session: Session) -> None:
    """Forget what is waiting (its savepoint rolled back)."""
    session.info.pop(_PENDING, None)
    session.info.pop(_HELD, None)


def hook(maker: sessionmaker[Session]) -> None:
    """Write waiting rows before each statement a session of `maker` runs, and before commit."""

    @event.listens_for(maker, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        if state.session.info.get(_PENDING) or state.session.info.get(_HELD):
            write(state.session)

    @event.listens_for(maker, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        _write_held(session)  # an autoflush's UPDATE of a held row must find it in

    @event.listens_for(maker, "before_commit")
    def _before_commit(session: Session) -> None:
        if session.info.get(_PENDING) or session.info.get(_HELD):
            write(session)
