"""The push loop: ledger, last_mid and one transaction per mutation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DataError, IntegrityError

from app.domain.codes import Code
from app.domain.protocol import ErrorInfo, Mutation, MutationResult, PushResponse, ResultStatus
from server_stub import history_words
from server_stub.blobstore import BlobStore
from server_stub.db import Database, next_seq
from server_stub.models import Device, DeviceStatus, LedgerEntry, User
from server_stub.sync import devices
from server_stub.sync.apply import Context, Rejected, apply
from server_stub.timeutil import to_db


def push(
    *,
    db: Database,
    user_id: str,
    device_id: str,
    mutations: list[Mutation],
    now: Callable[[], datetime],
    blobs: BlobStore | None = None,
) -> PushResponse:
    """Apply `mutations` in mid order; stop at the first gap.

    Each mutation's effect, its ledger row and the device's new last_mid are
    written in one transaction, so a crash never applies a mutation without
    remembering it (or the reverse).
    """
    results: list[MutationResult] = []
    last_mid = 0
    took = False  # whether any mutation was new (a push of replays or a gap delivers nothing)
    for m in mutations:
        with db.write() as session, session.begin():
            # Lock the device row first: concurrent pushes from one device queue here.
            session.execute(
                update(Device).where(Device.device_id == device_id).values(last_mid=Device.last_mid)
            )
            device = session.get(Device, device_id, populate_existing=True)
            if device is None:
                raise LookupError(f"device {device_id} has no row although a token is bound to it")
            last_mid = device.last_mid
            if m.mid <= device.last_mid:
                entry = session.get(LedgerEntry, (device_id, m.mid))
                results.append(_stored(entry, mid=m.mid))
                continue
            if m.mid > device.last_mid + 1:
                break  # a gap: this and everything after it wait for the missing mids
            user = session.get(User, user_id)
            if user is None:
                raise LookupError(f"user {user_id} vanished during a push")
            moment = now()
            ctx = Context(session=session, user=user, device_id=device_id, mid=m.mid, now=moment, blobs=blobs)
            try:
                result = _apply_settling_races(ctx, m)
            except Rejected as exc:
                ctx.changes.clear()  # rolled back: nothing was written
                result = MutationResult(
                    mid=m.mid,
                    status=ResultStatus.REJECTED,
                    error=ErrorInfo(code=exc.code, message=exc.message),
                )
            mutation_type = m.type.replace("\x00", "\ufffd")  # rejected above; still storable
            session.add(
                LedgerEntry(
                    device_id=device_id,
                    mid=m.mid,
                    type=mutation_type,
                    entity_id=str(m.entity_id),
                    user_id=user_id,
                    status=result.status.value,
                    result=result.model_dump(mode="json", exclude_none=True),
                    created_at=to_db(moment),
                    # The order's history: this row's place, and what it wrote (not in the result).
                    seq=next_seq(session),
                    detail=_detail(ctx, mutation_type, m.args),
                )
            )
            device.last_mid = last_mid = m.mid
            results.append(result)
            took = True
    if not mutations or last_mid == 0:
        with db.read() as session:
            device = session.get(Device, device_id)
            last_mid = device.last_mid if device else 0
    if took:
        _record_push(db, user_id=user_id, device_id=device_id, now=now)
    return PushResponse(results=results, last_mid=last_mid)


def _detail(ctx: Context, mutation_type: str, args: dict[str, Any]) -> dict[str, Any] | None:
    brief = history_words.brief(mutation_type, args)
    if _holds_nul(brief):
        brief = {}  # PostgreSQL cannot store it; the mutation was refused for it anyway
    return {"fields": dict(ctx.changes), "brief": brief}


def _record_push(db: Database, *, user_id: str, device_id: str, now: Callable[[], datetime]) -> None:
    """Sync truth (sync.devices): when a technician's device last pushed something new."""
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not devices.tracked(user):
            return
        before = devices.seen(session.get(DeviceStatus, device_id))
    moment = now()
    if devices.push_needs_write(before, now=moment):
        devices.record_push(db, user=user, device_id=device_id, now=moment)


def _apply_settling_races(ctx: Context, m: Mutation) -> MutationResult:
    """Apply in a savepoint. Two devices creating a row with the same new id at
    once (PostgreSQL: the second insert waits, then violates the key) is settled
    by applying once more: the row now exists, so the idempotent path answers."""
    if _holds_nul(m.type) or _holds_nul(m.args):
        # PostgreSQL text cannot hold U+0000; refusing it everywhere keeps SQLite and
        # PostgreSQL alike, and a 500 would jam the device's queue on this mutation.
        raise Rejected(Code.INVALID_ARGS, "text may not contain the NUL character (U+0000)")
    for attempt in (1, 2):
        ctx.changes.clear()  # what a rolled-back attempt noted was never written
        try:
            with ctx.session.begin_nested():
                return apply(ctx, m)
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


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
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
