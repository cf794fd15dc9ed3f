"""The push loop: ledger, last_mid and one transaction per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any

from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.domain.codes import Code
from app.domain.protocol import ErrorInfo, Mutation, MutationResult, PushResponse, ResultStatus
from server_stub.announce import concerns
from server_stub.blobs.store import BlobStore
from server_stub.bulk import insert_rows
from server_stub.db import Database, next_seq, seq_block
from server_stub.history import words as history_words
from server_stub.models import Device, LedgerEntry, User
from server_stub.sync import devices
from server_stub.sync.apply import Context, Rejected, apply, new_rows
from server_stub.sync.apply.ahead import lock_ahead
from server_stub.sync.apply.common import LOCKED, PEOPLE
from server_stub.timeutil import to_db


class _Careful(Exception):
    """A mutation failed part-way in a batch applied without savepoints: start again, carefully."""


def push(
    *,
    db: Database,
    user_id: str,
    device_id: str,
    mutations: list[Mutation],
    now: Callable[[], datetime],
    blobs: BlobStore | None = None,
    user: User | None = None,
) -> PushResponse:
    """Apply `mutations` in mid order; stop at the first gap.

    The whole batch is one transaction: every mutation's effect, its ledger row and
    the device's new last_mid commit together, so a crash never applies a mutation
    without remembering it (or the reverse). One transaction per batch rather than per
    mutation is most of what makes a push fast (issue 11: 500 commits became one).

    A refused mutation must leave nothing behind, which a savepoint around each one
    ensures, at a cost (two statements and a flush each). So the batch is first applied
    without them; if any mutation fails, that attempt is rolled back whole and the batch
    applied again with a savepoint around every mutation.

    `user` is the pusher's row when already read (by authentication), saving a query.
    """
    answer, record = PushResponse(results=[], last_mid=0), None
    for careful in (False, True):
        try:
            answer, record = _push_once(
                db=db,
                user_id=user_id,
                device_id=device_id,
                mutations=mutations,
                now=now,
                blobs=blobs,
                careful=careful,
                user=user,
            )
            break
        except _Careful:
            continue
    if record is not None:
        record()  # sync truth, in a transaction of its own (sync.devices)
    return answer


def _push_once(
    *,
    db: Database,
    user_id: str,
    device_id: str,
    mutations: list[Mutation],
    now: Callable[[], datetime],
    blobs: BlobStore | None,
    careful: bool,
    user: User | None,
) -> tuple[PushResponse, Callable[[], None] | None]:
    """One attempt in one transaction; the answer, and the sync-truth write due after it."""
    results: list[MutationResult] = []
    devices_table = Device.__table__
    with db.write() as session, session.begin():
        # Lock the device row first (a no-op update): concurrent pushes from one device
        # queue here. One Core statement reads last_mid as it locks (issue 11).
        start = (
            session.connection()
            .execute(
                update(devices_table)
                .where(devices_table.c.device_id == device_id)
                .values(last_mid=devices_table.c.last_mid)
                .returning(devices_table.c.last_mid)
            )
            .scalar_one_or_none()
        )
        if start is None:
            raise LookupError(f"device {device_id} has no row although a token is bound to it")
        last_mid = start
        if not any(m.mid > last_mid for m in mutations):
            # Only replays (or nothing): answered from the ledger, nothing written.
            results = [_stored(session.get(LedgerEntry, (device_id, m.mid)), mid=m.mid) for m in mutations]
            return PushResponse(results=results, last_mid=last_mid), None
        if user is None:
            user = session.get(User, user_id)
        else:
            # Read by authentication a moment ago; held by this session from here, so the
            # commit's announcement names its organisation as it would had it been read here.
            session.add(user)
        if user is None:
            raise LookupError(f"user {user_id} vanished during a push")
        session.info[LOCKED] = {}
        session.info[PEOPLE] = _people(session, user=user, mutations=mutations)
        ledger: list[dict[str, Any]] = []
        fresh: dict[int, MutationResult] = {}  # this batch's results: its ledger rows come at the end
        with seq_block(session, numbers_too=not careful):
            lock_ahead(session, (m for m in mutations if m.mid > last_mid))
            for m in mutations:
                if m.mid <= last_mid:
                    stored = fresh.get(m.mid)
                    if stored is None:
                        stored = _stored(session.get(LedgerEntry, (device_id, m.mid)), mid=m.mid)
                    results.append(stored)
                    continue
                if m.mid > last_mid + 1:
                    break  # a gap: this and everything after it wait for the missing mids
                ctx = Context(
                    session=session,
                    user=user,
                    device_id=device_id,
                    mid=m.mid,
                    now=now(),
                    blobs=blobs,
                    bold=not careful,
                )
                result = _apply_one(ctx, m) if careful else _apply_boldly(ctx, m)
                ledger.append(_ledger_row(ctx, m, result))
                results.append(fresh.setdefault(m.mid, result))
                last_mid = m.mid
            try:
                new_rows.write(session)  # the appliers' rows first: the ledger names their seqs
            except (IntegrityError, DataError) as exc:
                if careful:
                    raise  # each mutation's rows were flushed in its savepoint: not theirs
                raise _Careful from exc  # the last mutation's rows: its savepoint will tell
            if ledger:  # none when the batch starts past a gap
                insert_rows(session.connection(), LedgerEntry.__table__, ledger)  # no ORM
                concerns(session, (row["seq"] for row in ledger))
        if last_mid != start:
            session.connection().execute(
                update(devices_table).where(devices_table.c.device_id == device_id).values(last_mid=last_mid)
            )
        record = _push_record(session, db=db, user=user, device_id=device_id, now=now) if ledger else None
    return PushResponse(results=results, last_mid=last_mid), record


def _people(session: Session, *, user: User, mutations: list[Mutation]) -> dict[str, User | None]:
    """The pusher and everyone the batch assigns work to, read at once: looked up one at a
    time (common.person), each read would first write the rows waiting (new_rows)."""
    wanted = {a for m in mutations if isinstance(a := m.args.get("assignee_id"), str)} - {user.id}
    people: dict[str, User | None] = dict.fromkeys(wanted)
    if wanted:
        people.update((u.id, u) for u in session.execute(select(User).where(User.id.in_(wanted))).scalars())
    people[user.id] = user
    return people


def _apply_boldly(ctx: Context, m: Mutation) -> MutationResult:
    """Apply without a savepoint; any failure sends the whole batch to the careful path."""
    try:
        _refuse_nul(m)
        return apply(ctx, m)
    except (Rejected, IntegrityError, DataError) as exc:
        raise _Careful from exc


def _apply_one(ctx: Context, m: Mutation) -> MutationResult:
    """Apply in a savepoint; a refusal becomes the mutation's `rejected` result."""
    try:
        return _apply_settling_races(ctx, m)
    except Rejected as exc:
        ctx.changes.clear()  # rolled back: nothing was written
        return MutationResult(
            mid=m.mid,
            status=ResultStatus.REJECTED,
            error=ErrorInfo(code=exc.code, message=exc.message),
        )


def _ledger_row(ctx: Context, m: Mutation, result: MutationResult) -> dict[str, Any]:
    mutation_type = m.type.replace("\x00", "\ufffd")  # rejected above; still storable
    return {
        "device_id": ctx.device_id,
        "mid": m.mid,
        "type": mutation_type,
        "entity_id": str(m.entity_id),
        "user_id": ctx.user.id,
        "status": result.status.value,
        "result": result.model_dump(mode="json", exclude_none=True),
        "created_at": to_db(ctx.now),
        # The order's history: this row's place, and what it wrote (not in the result).
        "seq": next_seq(ctx.session),
        "detail": _detail(ctx, mutation_type, m.args),
    }


def _detail(ctx: Context, mutation_type: str, args: dict[str, Any]) -> dict[str, Any] | None:
    brief = history_words.brief(mutation_type, args)
    if _holds_nul(brief):
        brief = {}  # PostgreSQL cannot store it; the mutation was refused for it anyway
    return {"fields": dict(ctx.changes), "brief": brief}


def _push_record(
    session: Session, *, db: Database, user: User, device_id: str, now: Callable[[], datetime]
) -> Callable[[], None] | None:
    """Sync truth (sync.devices): when a technician's device last pushed something new;
    the write to make after the batch commits, if one is due (read in the batch's session)."""
    if not devices.tracked(user):
        return None
    before = devices.read_seen(session, device_id=device_id)
    moment = now()
    if not devices.push_needs_write(before, now=moment):
        return None
    return partial(devices.record_push, db, user=user, device_id=device_id, now=moment)


def _apply_settling_races(ctx: Context, m: Mutation) -> MutationResult:
    """Apply in a savepoint. Two devices creating a row with the same new id at
    once (PostgreSQL: the second insert waits, then violates the key) is settled
    by applying once more: the row now exists, so the idempotent path answers."""
    _refuse_nul(m)
    for attempt in (1, 2):
        ctx.changes.clear()  # what a rolled-back attempt noted was never written
        try:
            with _forgetting_locks(ctx.session), ctx.session.begin_nested():
                result = apply(ctx, m)
                new_rows.write(ctx.session)  # in the savepoint: a key it violates is this mutation's
                return result
        except IntegrityError:
            if attempt == 2:
                break
        except DataError:
            # A value the database cannot store that validation let through: the
            # mutation can never succeed, so it is rejected rather than failing the push.
            raise Rejected(Code.INVALID_ARGS, "a value in this mutation cannot be stored") from None
    raise Rejected(
        Code.WRITE_CONFLICT, "a concurrent write made this mutation impossible; nothing was applied"
    )


def _refuse_nul(m: Mutation) -> None:
    if _holds_nul(m.type) or _holds_nul(m.args):
        # PostgreSQL text cannot hold U+0000; refusing it everywhere keeps SQLite and
        # PostgreSQL alike, and a 500 would jam the device's queue on this mutation.
        raise Rejected(Code.INVALID_ARGS, "text may not contain the NUL character (U+0000)")


@contextmanager
def _forgetting_locks(session: Session) -> Iterator[None]:
    """A savepoint rolled back releases the row locks taken in it: forget them all,
    and the rows its mutation had yet to insert."""
    try:
        yield
    except BaseException:
        if (locked := session.info.get(LOCKED)) is not None:
            locked.clear()
        new_rows.drop(session)
        raise


def _holds_nul(value: object) -> bool:
    try:
        if b"\\u0000" not in to_json(value):
            return False  # nearly always, and far quicker to tell than by walking
    except PydanticSerializationError:  # a lone surrogate, which to_json refuses: walked
        pass
    return _walks_to_nul(value)  # or only a backslash written before "u0000"


def _walks_to_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_walks_to_nul(k) or _walks_to_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walks_to_nul(v) for v in value)
    return False


def _stored(entry: LedgerEntry | None, *, mid: int) -> MutationResult:
    if entry is None:
        # Only possible if the ledger was pruned; the mutation was settled long ago.
        return MutationResult(
            mid=mid,
            status=ResultStatus.REJECTED,
            error=ErrorInfo(code=Code.NOT_FOUND, message="this mutation was settled but its result is gone"),
        )
    return MutationResult.model_validate(entry.result)
