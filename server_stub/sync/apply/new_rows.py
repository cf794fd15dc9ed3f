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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from server_stub.announce import concerns
from server_stub.models import Base

# session.info key: table -> rows waiting to be inserted, in the order they were added.
_PENDING = "ordo_new_rows"


def add(session: Session, model: type[Base], row: dict[str, Any], *, people: Iterable[str | None]) -> None:
    """Insert `row` (every column given, `seq` among them) into `model`'s table before the
    session's next statement; `people` are whose technician scope it is in (its order's)."""
    table: Table = model.__table__  # type: ignore[assignment]
    session.info.setdefault(_PENDING, {}).setdefault(table, []).append(row)
    concerns(session, [row["seq"]], people=people)


def write(session: Session) -> None:
    """Insert what is waiting, after the ORM's own pending rows (a new order before its
    items). What fails to insert is gone from the wait either way: the caller rolls back."""
    pending: dict[Table, list[dict[str, Any]]] | None = session.info.pop(_PENDING, None)
    session.flush()
    if not pending:
        return
    connection = session.connection()
    for table in _PARENTS_FIRST:
        rows = pending.get(table)
        if rows:
            connection.execute(insert(table), rows)


_PARENTS_FIRST = tuple(Base.metadata.sorted_tables)  # worked out on each read, otherwise


def drop(session: Session) -> None:
    """Forget what is waiting (its savepoint rolled back)."""
    session.info.pop(_PENDING, None)


def hook(maker: sessionmaker[Session]) -> None:
    """Write waiting rows before each statement a session of `maker` runs, and before commit."""

    @event.listens_for(maker, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        if state.session.info.get(_PENDING):
            write(state.session)

    @event.listens_for(maker, "before_commit")
    def _before_commit(session: Session) -> None:
        if session.info.get(_PENDING):
            write(session)
