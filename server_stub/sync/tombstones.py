"""Retention of `out_of_scope` tombstones (sync-protocol.md, Pull: "a cursor older
than the server keeps tombstones for gets reset").

A tombstone (a scope_exits row) is only needed by devices whose cursor is below
its seq. Keeping them forever grows the table with every reassignment, so rows
older than the retention window are deleted, and the highest deleted seq is kept
in the counter `tombstones_pruned_through`: a pull whose cursor is below it may
have missed a deleted tombstone, so it restarts the device from the beginning of
its scope instead (pull.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ScalarSelect, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server_stub.clock import Clock
from server_stub.db import SEQ_COUNTER, Database
from server_stub.models import Counter, ScopeExit
from server_stub.timeutil import to_db

log = logging.getLogger(__name__)

PRUNED_COUNTER = "tombstones_pruned_through"


@dataclass(frozen=True, slots=True)
class PruneReport:
    deleted: int
    pruned_through: int  # cursors below this seq get `reset`
    cutoff: datetime  # tombstones written before this (naive UTC) were due


def pruned_through(session: Session) -> int:
    """The highest seq of a pruned tombstone (0: none was ever pruned)."""
    return session.scalar(select(pruned_mark())) or 0


def pruned_mark() -> ScalarSelect[int]:
    """pruned_through as a scalar subquery, to read beside other columns (NULL: none pruned)."""
    return select(Counter.value).where(Counter.name == PRUNED_COUNTER).scalar_subquery()


def prune_tombstones(db: Database, *, now: datetime, retention: timedelta) -> PruneReport:
    """Delete tombstones written before `now - retention`; idempotent, safe beside pushes."""
    cutoff = to_db(now - retention)
    with db.write() as session, session.begin():
        # Take the seq counter's row lock first, as every scope change does before it
        # touches scope_exits (apply.scope): on PostgreSQL a push moving a tombstone to
        # a new seq and this delete then run one after the other, never interleaved
        # (an interleaving would make the push's UPDATE find its row gone).
        session.execute(update(Counter).where(Counter.name == SEQ_COUNTER).values(value=Counter.value))
        due = select(func.max(ScopeExit.seq)).where(ScopeExit.left_at < cutoff)
        highest = session.execute(due).scalar_one_or_none()
        marker = session.get(Counter, PRUNED_COUNTER)
        if marker is None:  # a database migrated before the counter existed cannot be, but be sure
            marker = Counter(name=PRUNED_COUNTER, value=0)
            session.add(marker)
        if highest is None:
            return PruneReport(deleted=0, pruned_through=marker.value or 0, cutoff=cutoff)
        # Everything at or below the highest due seq goes, a younger row among them too
        # (a server clock that stepped back): cursors below that seq reset anyway.
        deleted = session.execute(delete(ScopeExit).where(ScopeExit.seq <= highest)).rowcount
        marker.value = max(marker.value or 0, int(highest))
        return PruneReport(deleted=int(deleted or 0), pruned_through=marker.value, cutoff=cutoff)


class TombstonePruner:
    """Prunes at most once per `interval`, from the requests a server process serves,
    so no separate job has to be scheduled. Several processes may each do it: pruning
    is idempotent and serialised by the counter lock."""

    def __init__(self, *, db: Database, clock: Clock, retention: timedelta, interval: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._retention = retention
        self._interval = interval
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def maybe_run(self) -> PruneReport | None:
        now = self._clock.now()
        with self._lock:
            if self._last is not None and now - self._last < self._interval:
                return None
            self._last = now
        try:
            return prune_tombstones(self._db, now=now, retention=self._retention)
        except SQLAlchemyError:
            # Housekeeping must never fail the pull it rides on; the next interval retries.
            log.warning("pruning tombstones failed; will retry", exc_info=True)
            return None
