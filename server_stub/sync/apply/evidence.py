"""Append-only children of an order: notes, photos, time logs, parts used,
signatures. Merged by union and idempotent on the child's own id: the same id
with the same content answers as before; with other content it is `id_conflict`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.domain.protocol import (
    Entity,
    Mutation,
    MutationResult,
    MutationType,
    NoteAddArgs,
    PartUseArgs,
    PhotoAddArgs,
    ResultStatus,
    SignatureAddArgs,
    TimeAddArgs,
)
from server_stub.db import next_seq
from server_stub.models import Base, Note, Part, PartUsage, Photo, Signature, TimeLog, WorkOrder
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    allowed,
    conflicts_about,
    load_order,
    open_conflict,
    parse_args,
    parse_time,
)
from server_stub.timeutil import to_wire

BLOB_PENDING = "pending"  # the bytes come by the blob upload, another issue


def _append(
    ctx: Context,
    *,
    entity: Entity,
    model: type[Base],
    row_id: str,
    order: WorkOrder,
    content: dict[str, Any],
    make: Callable[[int], Base],
) -> tuple[MutationResult | None, int]:
    """Insert the child unless its id exists. Returns (answer for a repeat, seq):
    the answer is None when the row was inserted now (at `seq`)."""
    existing: Any = ctx.session.get(model, row_id)
    if existing is not None:
        same = existing.order_id == order.id and all(getattr(existing, k) == v for k, v in content.items())
        if not same:
            raise Rejected("id_conflict", f"{entity.value} {row_id} already exists with other content")
        # Re-sent under a new mid (re-queued after a crash): the union holds it once.
        flagged = conflicts_about(ctx, entity=entity, entity_id=row_id)
        status = ResultStatus.CONFLICT if flagged else ResultStatus.APPLIED
        return ctx.result(status, seq=existing.seq, conflict_ids=flagged), existing.seq
    seq = next_seq(ctx.session)
    ctx.session.add(make(seq))
    return None, seq


def note_add(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.NOTE_ADD, access)
    args = parse_args(NoteAddArgs, m.args)
    at = parse_time(args.at, name="at")
    row_id = str(args.id)
    content = {"text": args.text, "at": at}
    repeat, seq = _append(
        ctx, entity=Entity.NOTE, model=Note, row_id=row_id, order=order, content=content,
        make=lambda seq: Note(
            id=row_id, order_id=order.id, author_id=ctx.user.id, voided=False, seq=seq, **content
        ),
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def photo_add(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.PHOTO_ADD, access)
    args = parse_args(PhotoAddArgs, m.args)
    row_id = str(args.id)
    content = {
        "sha256": args.sha256,
        "size": args.size,
        "content_type": args.content_type,
        "width": args.width,
        "height": args.height,
        "caption": args.caption or "",  # no caption and an empty one are the same
        "taken_at": parse_time(args.taken_at, name="taken_at"),
    }
    repeat, seq = _append(
        ctx, entity=Entity.PHOTO, model=Photo, row_id=row_id, order=order, content=content,
        make=lambda seq: Photo(
            id=row_id, order_id=order.id, author_id=ctx.user.id, blob_status=BLOB_PENDING, voided=False,
            seq=seq, **content,
        ),
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def time_add(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.TIME_ADD, access)
    args = parse_args(TimeAddArgs, m.args)
    started = parse_time(args.started_at, name="started_at")
    ended = parse_time(args.ended_at, name="ended_at")
    if ended <= started:
        raise Rejected("invalid_args", "ended_at: must be after started_at")
    row_id = str(args.id)
    content = {"kind": args.kind, "started_at": started, "ended_at": ended}
    repeat, seq = _append(
        ctx, entity=Entity.TIME_LOG, model=TimeLog, row_id=row_id, order=order, content=content,
        make=lambda seq: TimeLog(
            id=row_id, order_id=order.id, user_id=ctx.user.id, voided=False, seq=seq, **content
        ),
    )  # fmt: skip
    if repeat is not None:
        return repeat
    # One person cannot work twice at once: keep the log, and flag the overlap.
    overlapping = (
        ctx.session.execute(
            select(TimeLog)
            .where(
                TimeLog.user_id == ctx.user.id,
                TimeLog.id != row_id,
                TimeLog.voided.is_(False),
                TimeLog.started_at < ended,
                TimeLog.ended_at > started,
            )
            .order_by(TimeLog.started_at, TimeLog.id)
        )
        .scalars()
        .all()
    )
    if not overlapping:
        return ctx.result(ResultStatus.APPLIED, seq=seq)
    conflict_id, _ = open_conflict(
        ctx,
        order=order,
        entity=Entity.TIME_LOG,
        entity_id=row_id,
        field="overlap",
        mine=_span(row_id, order.id, args.kind, started, ended),
        theirs=[_span(t.id, t.order_id, t.kind, t.started_at, t.ended_at) for t in overlapping],
    )
    return ctx.result(ResultStatus.CONFLICT, seq=seq, conflict_ids=[conflict_id])


def _span(row_id: str, order_id: str, kind: str, started: Any, ended: Any) -> dict[str, Any]:
    return {
        "id": row_id,
        "order_id": order_id,
        "kind": kind,
        "started_at": to_wire(started),
        "ended_at": to_wire(ended),
    }


def part_use(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.PART_USE, access)
    args = parse_args(PartUseArgs, m.args)
    known = ctx.session.execute(
        select(Part.id).where(Part.org_id == order.org_id, Part.sku == args.sku)
    ).first()
    if known is None:
        raise Rejected("unknown_part", f"no part {args.sku!r} in the catalogue")
    row_id = str(args.id)
    content = {"sku": args.sku, "quantity": args.quantity}
    repeat, seq = _append(
        ctx, entity=Entity.PART_USAGE, model=PartUsage, row_id=row_id, order=order, content=content,
        make=lambda seq: PartUsage(
            id=row_id, order_id=order.id, user_id=ctx.user.id, voided=False, seq=seq, **content
        ),
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def signature_add(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.SIGNATURE_ADD, access)
    args = parse_args(SignatureAddArgs, m.args)
    row_id = str(args.id)
    content = {
        "signer_name": args.signer_name,
        "sha256": args.sha256,
        "signed_at": parse_time(args.signed_at, name="signed_at"),
    }
    repeat, seq = _append(
        ctx, entity=Entity.SIGNATURE, model=Signature, row_id=row_id, order=order, content=content,
        make=lambda seq: Signature(id=row_id, order_id=order.id, author_id=ctx.user.id, seq=seq, **content),
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)
