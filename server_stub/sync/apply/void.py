"""entry.void: notes, photos, time logs and parts are never deleted, only voided."""

from __future__ import annotations

from typing import Any

from app.domain.codes import Code
from app.domain.protocol import EntryVoidArgs, Mutation, MutationResult, MutationType, ResultStatus
from server_stub.auth import policy
from server_stub.db import next_seq
from server_stub.models import Note, PartUsage, Photo, TimeLog
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    allowed,
    load_order,
    locked_row,
    parse_args,
    settled,
)

# entity -> (model, the column naming whose entry it is)
VOIDABLE: dict[str, tuple[Any, str]] = {
    "note": (Note, "author_id"),
    "photo": (Photo, "author_id"),
    "time_log": (TimeLog, "user_id"),
    "part_usage": (PartUsage, "user_id"),
}


def void_row(ctx: Context, *, row: Any, reason: str) -> int:
    seq = next_seq(ctx.session)
    ctx.changed("voided", bool(row.voided), True)
    row.voided, row.void_reason, row.voided_by, row.seq = True, reason, ctx.user.id, seq
    return seq


def entry_void(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    allowed(MutationType.ENTRY_VOID, relation)
    args = parse_args(EntryVoidArgs, m.args)
    model, author_column = VOIDABLE[args.entity]
    row = locked_row(ctx.session, model, str(args.id))
    if row is None or row.order_id != order.id:
        raise Rejected(Code.NOT_FOUND, f"no {args.entity} {args.id} on this order")
    settled(policy.may_void(user=ctx.user, access=relation, author_id=getattr(row, author_column)))
    if row.voided:
        return ctx.result(ResultStatus.APPLIED, seq=row.seq)  # voided already: nothing more to do
    seq = void_row(ctx, row=row, reason=args.reason.strip() or args.reason)
    return ctx.result(ResultStatus.APPLIED, seq=seq)
