"""The outbox: mutations queued on this device, in mid order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from app.domain.protocol import mutation_json
from app.store.models import BlobUpload, OutboxEntry, Rejection, SyncState

# session.info key: the sync-state row, held so the session keeps it. A write reads it
# several times (who the user is, the next mid); the identity map alone lets a row go
# when nothing holds it, and each read became a query (a third of a local write's time).
_SYNC_STATE = "ordo_sync_state"


# session.info key: who is signed in, read without the ORM row (`signed_in_facts`).
_FACTS = "ordo_signed_in_facts"

# A local write's statements, built once: building one per call (and its cache key) cost
# five times what SQLite takes to run it. The sync-state row is the only one (id 1).
_STATE = SyncState.__table__
_BUMP_MID = (
    update(_STATE).where(_STATE.c.id == 1).values(last_mid=_STATE.c.last_mid + 1).returning(_STATE.c.last_mid)
)
_ADD_ENTRY = OutboxEntry.__table__.insert()
_SIGNED_IN = select(_STATE.c.user, _STATE.c.access_token, _STATE.c.server_url, _STATE.c.local_session).where(
    _STATE.c.id == 1
)


@dataclass(frozen=True, slots=True)
class SignedInFacts:
    """What the sync-state row says of who is signed in."""

    user: dict[str, Any] | None
    access_token: str | None
    server_url: str | None
    local_session: bool = False  # signed in on this device only (no session with the server)


def signed_in_facts(session: Session) -> SignedInFacts:
    """Who is signed in, as the session sees the sync-state row: from the row the session
    holds (with its unflushed changes) when it holds it, else read once per session as four
    columns (loading the ORM row was a fifth of a local write's time, issue 11)."""
    held = session.info.get(_SYNC_STATE)
    if held is not None:
        return SignedInFacts(held.user, held.access_token, held.server_url, bool(held.local_session))
    facts = session.info.get(_FACTS)
    if facts is None:
        user, token, url, local = session.connection().execute(_SIGNED_IN).one()
        facts = session.info[_FACTS] = SignedInFacts(user, token, url, bool(local))
    return facts


def sync_state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:  # LocalStore.open always makes it; a missing row is a broken database
        raise RuntimeError("the local database has no sync-state row")
    session.info[_SYNC_STATE] = state
    session.info.pop(_FACTS, None)  # the row held is the truth from now on
    return state


def restart_pull(state: SyncState) -> None:
    """Pull from the beginning next time: the cursor and the high-water seq go together,
    or the first pages of the new pull would look older than what was held."""
    state.cursor = None
    state.high_seq = 0


def enqueue(
    session: Session,
    *,
    type: str,
    entity_id: str,
    args: dict[str, Any],
    base_seq: int | None,
    created_at: datetime,
) -> OutboxEntry:
    """Queue one mutation with the next mid. Call inside the transaction that makes the change:
    the counter lives in the sync-state row, so a rolled-back write leaves no gap.

    Two Core statements (the counter moved and read back in one, then the entry) rather
    than an ORM flush of the counter and a new entry (a quarter of a local write's time,
    issue 11). The entry returned is not in the session: it says what was queued; read the
    outbox to change it."""
    held = session.info.get(_SYNC_STATE)
    if held is not None and instance_state(held).modified:
        session.flush()  # a counter changed on the held row is the one to count from
    mid = session.connection().execute(_BUMP_MID).scalar_one()
    if held is not None:
        set_committed_value(held, "last_mid", mid)  # what the row now holds; nothing to flush
    values = {
        "mid": mid,
        "type": type,
        "entity_id": entity_id,
        "args": args,
        "base_seq": base_seq,
        "created_at": created_at,
        "result_status": None,
        "result_error": None,
    }
    session.connection().execute(_ADD_ENTRY, [values])
    return OutboxEntry(**values)


def queued(session: Session) -> list[OutboxEntry]:
    return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.mid)))


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A mutation no push has answered yet: its mid, and its JSON as pushed."""

    mid: int
    json: bytes


def unanswered(session: Session, *, limit: int) -> list[Unanswered]:
    """Mutations that no push has answered yet, oldest first, with their args as stored."""
    stmt = (
        select(
            OutboxEntry.mid,
            OutboxEntry.type,
            OutboxEntry.entity_id,
            type_coerce(OutboxEntry.args, Text),
            OutboxEntry.base_seq,
        )
        .where(OutboxEntry.result_status.is_(None))
        .order_by(OutboxEntry.mid)
        .limit(limit)
    )
    return [
        Unanswered(
            mid=mid,
            json=mutation_json(mid=mid, type=type, entity_id=entity_id, args_json=args, base_seq=base_seq),
        )
        for mid, type, entity_id, args, base_seq in session.execute(stmt)
    ]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


def uploads_waiting(session: Session) -> int:
    """Photos and signatures whose bytes are not on the server yet (refused ones are not waiting)."""
    return (
        session.scalar(select(func.count()).select_from(BlobUpload).where(BlobUpload.state == "queued")) or 0
    )


def pending_order_ids(session: Session) -> set[str]:
    return set(session.scalars(select(OutboxEntry.entity_id).distinct()))


def drop_acknowledged(session: Session, *, last_mid: int) -> list[OutboxEntry]:
    """Remove and return the queued mutations the server says it has (mid <= last_mid)."""
    gone = list(
        session.scalars(select(OutboxEntry).where(OutboxEntry.mid <= last_mid).order_by(OutboxEntry.mid))
    )
    if gone:
        session.execute(delete(OutboxEntry).where(OutboxEntry.mid <= last_mid))
    return gone


def refused_count(session: Session) -> int:
    """Refusals of this device's changes the user has not dismissed yet (the sync bar's count)."""
    return (
        session.scalar(select(func.count()).select_from(Rejection).where(Rejection.dismissed.is_(False))) or 0
    )
