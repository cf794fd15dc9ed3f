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

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.domain import Role
from server_stub.db import Database, DatabaseBusy, is_lock_contention, next_seq
from server_stub.models import DeviceStatus, User
from server_stub.timeutil import to_db

log = logging.getLogger("ordo.server")

THROTTLE = timedelta(seconds=60)


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
    """Write the row (a new seq); `pulled_seq` None for a push."""
    try:
        with db.write() as session, session.begin():
            row = session.get(DeviceStatus, device_id, with_for_update=True)
            seq = next_seq(session)
            if row is None:
                row = DeviceStatus(id=device_id, org_id=user.org_id, user_id=user.id, pulled_seq=0, seq=seq)
                session.add(row)
            # The device may have changed hands (another technician signed in on it).
            row.org_id, row.user_id = user.org_id, user.id
            if pulled_seq is None:
                row.last_push_at = to_db(now)
            else:
                row.last_pull_at, row.pulled_seq = to_db(now), pulled_seq
            row.seq = seq
    except (DatabaseBusy, PoolTimeout, IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not is_lock_contention(exc):
            raise
        # Busy, or a concurrent first write of the same device's row: the next one writes.
        log.warning("device %s: sync truth not written (%s)", device_id, type(exc).__name__)
