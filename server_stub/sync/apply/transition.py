"""order.transition: the rulebook's judgement of a move (state table, who moves,
the merge, the gates), applied to the stored order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from app.domain import LIFECYCLE_FIELDS, ChecklistState, Status, completion_blockers, measures, rules
from app.domain.protocol import Entity, Mutation, MutationResult, MutationType, ResultStatus, TransitionArgs
from server_stub.db import next_seq
from server_stub.models import ChecklistItem, Signature, WorkOrder
from server_stub.sync.apply import scope
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    allowed,
    conflict,
    load_order,
    parse_args,
    parse_status,
    parse_time,
)
from server_stub.timeutil import to_db

_RESULT = {rules.Move.APPLY: ResultStatus.APPLIED, rules.Move.MERGE: ResultStatus.MERGED}


def order_transition(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    allowed(MutationType.ORDER_TRANSITION, relation)  # refused callers learn nothing of their args
    args = parse_args(TransitionArgs, m.args)
    frm, to = parse_status(args.from_, name="from"), parse_status(args.to, name="to")
    at = parse_time(args.at, name="at")
    reason = (args.reason or "").strip() or None
    current = Status(order.status)
    judged = rules.judge_transition(
        role=ctx.user.role,
        relation=relation,
        sent_from=frm,
        to=to,
        current=current,
        reason=reason,
        gates=gates_of(ctx, order=order, to=to),
    )
    if judged.move is rules.Move.REFUSE:
        raise Rejected.of(judged)
    if judged.move is rules.Move.ALREADY:
        # Someone already made this move: nothing to change.
        return ctx.result(ResultStatus.MERGED, seq=order.seq)
    if judged.move is rules.Move.CONFLICT:
        return conflict(
            ctx,
            order=order,
            entity=Entity.WORK_ORDER,
            entity_id=order.id,
            field="status",
            mine=to.value,
            theirs=current.value,
        )
    seq = _write(ctx, order=order, to=to, at=at, reason=reason)
    return ctx.result(_RESULT[judged.move], seq=seq)


def gates_of(ctx: Context, *, order: WorkOrder, to: Status) -> rules.Gates:
    """What the rulebook's gates need of the stored order (the checklist and the
    signature are read only for a move that completes)."""
    blockers: list[str] = []
    if to is Status.COMPLETED:
        items = ctx.session.query(ChecklistItem).filter(ChecklistItem.order_id == order.id).all()
        signed = ctx.session.execute(select(exists().where(Signature.order_id == order.id))).scalar()
        blockers = completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
            requires_signature=order.requires_signature,
            has_signature=bool(signed),
        )
    return rules.Gates(has_assignee=order.assignee_id is not None, completion_blockers=blockers)


def check_gates(ctx: Context, *, order: WorkOrder, to: Status) -> None:
    """Raise the rejection of a gate that `order`'s content keeps closed for `to`."""
    gated = rules.gate(to, gates_of(ctx, order=order, to=to))
    if not gated.allowed:
        raise Rejected.of(gated)


def move(ctx: Context, *, order: WorkOrder, to: Status, at: datetime, reason: str | None) -> int:
    """Put `order` in status `to` (already judged legal) after the gates; returns the new seq."""
    check_gates(ctx, order=order, to=to)
    return _write(ctx, order=order, to=to, at=at, reason=reason)


def _write(ctx: Context, *, order: WorkOrder, to: Status, at: datetime, reason: str | None) -> int:
    before = scope.seeing(ctx, order)
    seq = next_seq(ctx.session)
    ctx.changed("status", order.status, to.value)
    order.reopen_count = measures.reopens_after(count=order.reopen_count, frm=Status(order.status), to=to)
    order.status = to.value
    order.status_reason = reason
    if to in LIFECYCLE_FIELDS:
        setattr(order, LIFECYCLE_FIELDS[to], at)
    if to is Status.NEW:
        ctx.changed("assignee_id", order.assignee_id, None)
        order.assignee_id = None  # unassigned; past_assignees keeps the history
        order.field_seqs = {**(order.field_seqs or {}), "assignee_id": seq}
    order.field_seqs = {**(order.field_seqs or {}), "status": seq}
    order.updated_at = to_db(ctx.now)
    order.seq = seq
    scope.changed(ctx, order=order, before=before)
    return seq
