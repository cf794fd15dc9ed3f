"""Sync truth for the desk (entity `device`): per technician device, how far it has
pulled and when it last pulled and pushed, so a dispatcher sees whether a change has
reached the phone.

Only technicians' devices get a row. A dispatcher's pull changing a row that
dispatchers pull would make every desk pull again, for ever. Writes are throttled: a
pull writes when the device's position moved (at the end of its walk: the page that
says nothing more is waiting) or the row is older than THROTTLE; a push when it is
the first or the row's push time is older than THROTTLE. Writes are made after the
pull or push answered its data, those of requests arriving together in one transaction
(_Writer), and their failure (the database busy) never fails a pull or push: the next one
writes again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app.domain import Role
from server_stub.announce import concerns
from server_stub.db import Database, DatabaseBusy, is_lock_contention, next_seq, seq_block
from server_stub.models import DeviceStatus, User
from server_stub.timeutil import to_db

log = logging.getLogger("ordo.server")

THROTTLE = timedelta(seconds=60)
_STATUS = DeviceStatus.__table__


@dataclass(frozen=True, slots=True)
class Seen:
    """A device's row as last written (None: no row yet)."""

    last_pull_at: datetime | None
    pulled_seq: int
    last_push_at: datetime | None


def tracked(user: User) -> bool:
    """Whose devices have a row: technicians' alone (see the module's note)."""
    return user.role == Role.TECHNICIAN.value


def read_seen(session: Session, *, device_id: str) -> Seen | None:
    """The device's row as it is, read without making an ORM object of it."""
    found = session.execute(
        select(_STATUS.c.last_pull_at, _STATUS.c.pulled_seq, _STATUS.c.last_push_at).where(
            _STATUS.c.id == device_id
        )
    ).first()
    return None if found is None else Seen(*found)


def _stale(at: datetime | None, now: datetime) -> bool:
    return at is None or to_db(now) - at >= THROTTLE


def pull_needs_write(before: Seen | None, *, pulled_seq: int, walk_done: bool, now: datetime) -> bool:
    if before is None or _stale(before.last_pull_at, now):
        return True
    return walk_done and pulled_seq != before.pulled_seq


def push_needs_write(before: Seen | None, *, now: datetime) -> bool:
    return before is None or _stale(before.last_push_at, now)


def record_pull(db: Database, *, user: User, device_id: str, pulled_seq: int, now: datetime) -> None:
    _writer(db).add(
        db, device_id, _Due(user.org_id, user.id, {"last_pull_at": to_db(now), "pulled_seq": pulled_seq})
    )


def record_push(db: Database, *, user: User, device_id: str, now: datetime) -> None:
    _writer(db).add(db, device_id, _Due(user.org_id, user.id, {"last_push_at": to_db(now)}))


@dataclass(slots=True)
class _Due:
    """What is due to be written on one device's row: its (latest) owner and what changed."""

    org_id: str
    user_id: str
    values: dict[str, object]


class _Writer:
    """The writes of many requests, combined. Whoever finds no write under way writes
    everything due, its own and what arrives meanwhile, batch after batch, until nothing
    is left; the others leave theirs and return. Alone, a write is made at once (as the
    tests see it); under load each batch is one transaction for many devices instead of one
    per pull (a technician's every pull that moved comes here: issue 11)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[str, _Due] = {}
        self._writing = False

    def add(self, db: Database, device_id: str, due: _Due) -> None:
        with self._lock:
            if (earlier := self._due.get(device_id)) is not None:
                due.values = {**earlier.values, **due.values}  # a pull's and a push's news both
            self._due[device_id] = due
            if self._writing:
                return  # the write under way takes it in its next batch
            self._writing = True
        try:
            while True:
                with self._lock:
                    batch, self._due = self._due, {}
                    if not batch:
                        self._writing = False
                        return
                _write_batch(db, batch)
        except BaseException:
            with self._lock:
                self._writing = False
            raise


_writers: WeakKeyDictionary[Engine, _Writer] = WeakKeyDictionary()
_writers_lock = threading.Lock()


def _writer(db: Database) -> _Writer:
    with _writers_lock:
        writer = _writers.get(db.engine)
        if writer is None:
            writer = _writers[db.engine] = _Writer()
        return writer


def _write_batch(db: Database, batch: dict[str, _Due]) -> None:
    """Write the rows (each a new seq) in one transaction: one UPDATE per set of changed
    columns, one INSERT for devices without a row yet; Core statements, not ORM rows read
    and flushed. What the commit announces is told as a flush would (server_stub.announce):
    the organisations' dispatchers are concerned, no technician is. A failure drops the
    batch: the devices' next pulls and pushes find their rows behind and write again."""
    try:
        with db.write() as session, session.begin():
            connection = session.connection()
            with seq_block(session):  # one counter update for the batch
                rows = {
                    device_id: {
                        "org_id": due.org_id,
                        "user_id": due.user_id,
                        **due.values,
                        "seq": next_seq(session),
                    }
                    for device_id, due in batch.items()
                }
            have = set(connection.execute(select(_STATUS.c.id).where(_STATUS.c.id.in_(list(rows)))).scalars())
            changes: dict[frozenset[str], list[dict[str, object]]] = {}
            for device_id in have:  # the device may have changed hands: owner columns too
                row = rows[device_id]
                changes.setdefault(frozenset(row), []).append({"device": device_id, **row})
            for group in changes.values():
                connection.execute(update(_STATUS).where(_STATUS.c.id == bindparam("device")), group)
            new = [
                {**_NEW_ROW, **row, "id": device_id}
                for device_id, row in rows.items()
                if device_id not in have
            ]
            if new:
                connection.execute(insert(_STATUS), new)
            concerns(
                session, [row["seq"] for row in rows.values()], orgs={due.org_id for due in batch.values()}
            )
    except (DatabaseBusy, PoolTimeout, IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not is_lock_contention(exc):
            raise
        # Busy, or a concurrent first write of the same device's row: the next one writes.
        log.warning("%d device(s): sync truth not written (%s)", len(batch), type(exc).__name__)


_NEW_ROW: dict[str, object] = {"last_pull_at": None, "pulled_seq": 0, "last_push_at": None}
