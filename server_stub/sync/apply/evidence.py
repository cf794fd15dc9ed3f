"""Append-only children of an order: notes, photos, time logs, parts used,
signatures. Merged by union and idempotent on the child's own id: the same id
with the same content answers as before; with other content it is `id_conflict`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain import rules
from app.domain.blobs import BLOB_PENDING, BLOB_STORED
from app.domain.codes import Code
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
from server_stub.db import SEQ_COUNTER, next_seq
from server_stub.models import Base, Counter, Note, Part, PartUsage, Photo, Signature, TimeLog, WorkOrder
from server_stub.sync.apply import new_rows
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    conflicts_about,
    load_order,
    open_conflict,
    parse_args,
    parse_time,
    settled,
)
from server_stub.timeutil import to_wire


def _append(
    ctx: Context,
    *,
    entity: Entity,
    model: type[Base],
    row_id: str,
    order: WorkOrder,
    content: dict[str, Any],
    row: Callable[[int], dict[str, Any]],
) -> tuple[MutationResult | None, int]:
    """Insert the child (`row(seq)`, all its columns) unless its id exists. Returns
    (answer for a repeat, seq): the answer is None when the row was inserted now (at `seq`)."""
    existing: Any = None if ctx.bold else ctx.session.get(model, row_id)
    if existing is not None:
        same = existing.order_id == order.id and all(getattr(existing, k) == v for k, v in content.items())
        if not same:
            raise Rejected(Code.ID_CONFLICT, f"{entity.value} {row_id} already exists with other content")
        # Re-sent under a new mid (re-queued after a crash): the union holds it once.
        flagged = conflicts_about(ctx, entity=entity, entity_id=row_id)
        status = ResultStatus.CONFLICT if flagged else ResultStatus.APPLIED
        return ctx.result(status, seq=existing.seq, conflict_ids=flagged), existing.seq
    seq = next_seq(ctx.session)
    values = row(seq)
    people = (order.assignee_id, order.created_by, values.get("user_id"))
    new_rows.add(ctx.session, model, values, people=people)
    return None, seq


def note_add(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    settled(rules.judge_evidence(MutationType.NOTE_ADD, relation=relation))
    args = parse_args(NoteAddArgs, m.args)
    at = parse_time(args.at, name="at")
    row_id = str(args.id)
    content = {"text": args.text, "at": at}
    repeat, seq = _append(
        ctx, entity=Entity.NOTE, model=Note, row_id=row_id, order=order, content=content,
        row=lambda seq: {
            "id": row_id, "order_id": order.id, "author_id": ctx.user.id, "voided": False, "seq": seq,
            **content,
        },
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def photo_add(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    settled(rules.judge_evidence(MutationType.PHOTO_ADD, relation=relation))
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
    # The blob is looked for inside `row`, after next_seq has locked the counter
    # row: see blob_stored for why that order matters.
    repeat, seq = _append(
        ctx, entity=Entity.PHOTO, model=Photo, row_id=row_id, order=order, content=content,
        row=lambda seq: {
            "id": row_id, "order_id": order.id, "author_id": ctx.user.id, "voided": False, "seq": seq,
            "blob_status": _blob_status(ctx, org_id=order.org_id, sha256=args.sha256), **content,
        },
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def _blob_status(ctx: Context, *, org_id: str, sha256: str) -> str:
    held = ctx.blobs is not None and ctx.blobs.has(org_id=org_id, sha256=sha256)
    return BLOB_STORED if held else BLOB_PENDING


def blob_stored(session: Session, *, org_id: str, sha256: str) -> int:
    """The organisation's store now holds `sha256`: every pending photo of its
    orders with those bytes turns `stored` under a fresh seq, so the next pull
    brings the change to every device. Call in a write transaction begun after the
    blob was moved under its final name; returns how many photos changed.

    Why no photo stays pending by a race: the seq counter row is locked first
    (row lock on PostgreSQL; SQLite writers are serialised anyway), and photo.add
    looks for the blob only after it too has locked that row (next_seq). Either
    photo.add went first, and its committed row is found here; or this went first,
    after the blob was in place, and photo.add finds the blob."""
    session.execute(update(Counter).where(Counter.name == SEQ_COUNTER).values(value=Counter.value))
    photos = (
        session.execute(
            select(Photo)
            .join(WorkOrder, WorkOrder.id == Photo.order_id)
            .where(WorkOrder.org_id == org_id, Photo.sha256 == sha256, Photo.blob_status != BLOB_STORED)
            .order_by(Photo.id)
        )
        .scalars()
        .all()
    )
    for photo in photos:
        photo.blob_status = BLOB_STORED
        photo.seq = next_seq(session)
    return len(photos)


def settle_held_blobs(session: Session, *, held: Callable[[str, str], bool]) -> int:
    """Housekeeping: pending photos whose bytes `held(org_id, sha256)` turn stored
    (a server that died between a blob's completion and its transaction leaves
    them pending). Returns how many photos changed."""
    pending = session.execute(
        select(WorkOrder.org_id, Photo.sha256)
        .join(WorkOrder, WorkOrder.id == Photo.order_id)
        .where(Photo.blob_status != BLOB_STORED)
        .distinct()
    ).all()
    return sum(
        blob_stored(session, org_id=org_id, sha256=sha256)
        for org_id, sha256 in pending
        if held(org_id, sha256)
    )


def time_add(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    settled(rules.judge_evidence(MutationType.TIME_ADD, relation=relation))
    args = parse_args(TimeAddArgs, m.args)
    started = parse_time(args.started_at, name="started_at")
    ended = parse_time(args.ended_at, name="ended_at")
    if ended <= started:
        raise Rejected(Code.INVALID_ARGS, "ended_at: must be after started_at")
    row_id = str(args.id)
    content = {"kind": args.kind, "started_at": started, "ended_at": ended}
    repeat, seq = _append(
        ctx, entity=Entity.TIME_LOG, model=TimeLog, row_id=row_id, order=order, content=content,
        row=lambda seq: {
            "id": row_id, "order_id": order.id, "user_id": ctx.user.id, "voided": False, "seq": seq, **content
        },
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
    order, relation = load_order(ctx, m.entity_id)
    settled(rules.judge_evidence(MutationType.PART_USE, relation=relation))
    args = parse_args(PartUseArgs, m.args)
    known = ctx.session.execute(
        select(Part.id).where(Part.org_id == order.org_id, Part.sku == args.sku)
    ).first()
    if known is None:
        raise Rejected(Code.UNKNOWN_PART, f"no part {args.sku!r} in the catalogue")
    row_id = str(args.id)
    content = {"sku": args.sku, "quantity": args.quantity}
    repeat, seq = _append(
        ctx, entity=Entity.PART_USAGE, model=PartUsage, row_id=row_id, order=order, content=content,
        row=lambda seq: {
            "id": row_id, "order_id": order.id, "user_id": ctx.user.id, "voided": False, "seq": seq, **content
        },
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)


def signature_add(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    settled(rules.judge_evidence(MutationType.SIGNATURE_ADD, relation=relation))
    args = parse_args(SignatureAddArgs, m.args)
    row_id = str(args.id)
    content = {
        "signer_name": args.signer_name,
        "sha256": args.sha256,
        "signed_at": parse_time(args.signed_at, name="signed_at"),
    }
    repeat, seq = _append(
        ctx, entity=Entity.SIGNATURE, model=Signature, row_id=row_id, order=order, content=content,
        row=lambda seq: {"id": row_id, "order_id": order.id, "author_id": ctx.user.id, "seq": seq, **content},
    )  # fmt: skip
    return repeat or ctx.result(ResultStatus.APPLIED, seq=seq)
