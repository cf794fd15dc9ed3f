"""Sync truth for the desk (entity `device`): per technician device, how far it has
pulled and when it last pulled and pushed, so a dispatcher sees whether a change has
reached the phone.

Only technicians' devices get a row. A dispatcher's pull changing a row that
dispatchers pull would make every desk pull again, for ever. Writes are throttled: a
pull writes when the device's position moved (at the end of its walk: the page that
says nothing more is waiting) or the row is older than THROTTLE; a push when it is
the first or the row's push time is older than THROTTLE. Each write is a small
transaction of its own after the pull or push answered its data, and its failure
(the database busy) never fails that pull or push: the next one writes again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app.domain import Role
from server_stub.announce import concerns
from server_stub.db import Database, DatabaseBusy, is_lock_contention, next_seq
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


def seen(row: DeviceStatus | None) -> Seen | None:
    if row is None:
        return None
    return Seen(last_pull_at=row.last_pull_at, pulled_seq=row.pulled_seq, last_push_at=row.last_push_at)


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
    _write(db, user=user, device_id=device_id, now=now, pulled_seq=pulled_seq)


def record_push(db: Database, *, user: User, device_id: str, now: datetime) -> None:
    _write(db, user=user, device_id=device_id, now=now, pulled_seq=None)


def _write(db: Database, *, user: User, device_id: str, now: datetime, pulled_seq: int | None) -> None:
    """Write the row (a new seq); `pulled_seq` None for a push.

    An UPDATE, and an INSERT only for a device's first row: Core statements, not an ORM
    row read and flushed, since a technician's every pull comes here (issue 11). The
    UPDATE takes the row lock itself; a first INSERT racing another is the IntegrityError
    below. What the commit announces is told as a flush would (server_stub.announce): the
    organisation's dispatchers are concerned, no technician is."""
    values: dict[str, object] = {"org_id": user.org_id, "user_id": user.id}  # it may have changed hands
    if pulled_seq is None:
        values["last_push_at"] = to_db(now)
    else:
        values.update(last_pull_at=to_db(now), pulled_seq=pulled_seq)
    try:
        with db.write() as session, session.begin():
            values["seq"] = seq = next_seq(session)
            connection = session.connection()
            changed = connection.execute(update(_STATUS).where(_STATUS.c.id == device_id).values(values))
            if not changed.rowcount:
                connection.execute(insert(_STATUS).values(id=device_id, **{"pulled_seq": 0, **values}))
            concerns(session, [seq], orgs=[user.org_id])
    except (DatabaseBusy, PoolTimeout, IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not is_lock_contention(exc):
            raise
        # Busy, or a concurrent first write of the same device's row: the next one writes.
        log.warning("device %s: sync truth not written (%s)", device_id, type(exc).__name__)
