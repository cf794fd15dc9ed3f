"""order.transition: the state machine, its role rules and the completion gate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from app.domain import (
    LIFECYCLE_FIELDS,
    REASON_REQUIRED,
    ChecklistState,
    Status,
    completion_blockers,
    is_legal,
    role_may_move,
)
from app.domain.protocol import Entity, Mutation, MutationResult, MutationType, ResultStatus, TransitionArgs
from server_stub import policy
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


def order_transition(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    verdict = allowed(MutationType.ORDER_TRANSITION, access)
    args = parse_args(TransitionArgs, m.args)
    frm, to = parse_status(args.from_, name="from"), parse_status(args.to, name="to")
    at = parse_time(args.at, name="at")
    reason = (args.reason or "").strip() or None
    if to in REASON_REQUIRED and reason is None:
        raise Rejected("reason_required", f"moving to {to.value} needs a reason")
    if not is_legal(frm, to):
        raise Rejected("illegal_transition", f"{frm.value} → {to.value} is not a move of the state table")
    role = policy.role_of(ctx.user)
    if role is None or not role_may_move(role, frm, to):
        raise Rejected("forbidden", f"your role may not move an order from {frm.value} to {to.value}")
    current = Status(order.status)
    # A former assignee's status move is kept for the dispatcher, never applied.
    conflicted = verdict is policy.Verdict.CONFLICT
    status = ResultStatus.APPLIED
    if not conflicted:
        if to == current:
            # Someone already made this move: nothing to change.
            return ctx.result(ResultStatus.MERGED, seq=order.seq)
        if frm == current:
            status = ResultStatus.APPLIED
        elif is_legal(current, to) and role_may_move(role, current, to):
            status = ResultStatus.MERGED
        else:
            conflicted = True
    if conflicted:
        return conflict(
            ctx,
            order=order,
            entity=Entity.WORK_ORDER,
            entity_id=order.id,
            field="status",
            mine=to.value,
            theirs=current.value,
        )
    seq = move(ctx, order=order, to=to, at=at, reason=reason)
    return ctx.result(status, seq=seq)


def move(ctx: Context, *, order: WorkOrder, to: Status, at: datetime, reason: str | None) -> int:
    """Put `order` in status `to` (already judged legal) after the gates; returns the new seq."""
    check_gates(ctx, order=order, to=to)
    before = scope.seeing(ctx, order)
    seq = next_seq(ctx.session)
    order.status = to.value
    order.status_reason = reason
    if to in LIFECYCLE_FIELDS:
        setattr(order, LIFECYCLE_FIELDS[to], at)
    if to is Status.NEW:
        order.assignee_id = None  # unassigned; past_assignees keeps the history
        order.field_seqs = {**(order.field_seqs or {}), "assignee_id": seq}
    order.field_seqs = {**(order.field_seqs or {}), "status": seq}
    order.updated_at = to_db(ctx.now)
    order.seq = seq
    scope.changed(ctx, order=order, before=before)
    return seq


def check_gates(ctx: Context, *, order: WorkOrder, to: Status) -> None:
    if to is Status.ASSIGNED and order.assignee_id is None:
        raise Rejected("no_assignee", "an order without an assignee cannot be assigned; set assignee_id")
    if to is Status.COMPLETED:
        items = ctx.session.query(ChecklistItem).filter(ChecklistItem.order_id == order.id).all()
        signed = ctx.session.execute(select(exists().where(Signature.order_id == order.id))).scalar()
        blockers = completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
            requires_signature=order.requires_signature,
            has_signature=bool(signed),
        )
        if blockers:
            raise Rejected("completion_blocked", "; ".join(blockers))
