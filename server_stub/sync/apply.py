"""Apply one pushed mutation per the merge rules of sync-protocol.md.

Appliers run inside the caller's transaction and raise `Rejected` for a
mutation that can never succeed; the caller rolls its effects back and still
records the outcome in the ledger.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.domain import (
    LIFECYCLE_FIELDS,
    REASON_REQUIRED,
    ChecklistKind,
    ChecklistState,
    Status,
    completion_blockers,
    is_legal,
    role_may_move,
)
from app.domain.protocol import (
    ChecklistSetArgs,
    Entity,
    Mutation,
    MutationResult,
    MutationType,
    NoteAddArgs,
    ResultStatus,
    TransitionArgs,
)
from server_stub import policy
from server_stub.db import next_seq
from server_stub.models import ChecklistItem, Conflict, Note, User, WorkOrder
from server_stub.timeutil import parse_wire, to_db

MAX_TEXT_VALUE = 10_000


class Rejected(Exception):
    """The mutation can never succeed; `code` and `message` go into its result."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Context:
    session: Session
    user: User
    device_id: str
    mid: int
    now: datetime


A = TypeVar("A", bound=BaseModel)


def _args(model: type[A], args: dict[str, Any]) -> A:
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "args"
        raise Rejected("invalid_args", f"{where}: {first['msg']}") from None


def _time(text: str, *, name: str) -> datetime:
    try:
        return parse_wire(text)
    except ValueError:
        raise Rejected("invalid_args", f"{name}: not an ISO-8601 time: {text!r}") from None


def _status(text: str, *, name: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        raise Rejected("invalid_args", f"{name}: unknown status {text!r}") from None


def _order(ctx: Context, entity_id: uuid.UUID) -> tuple[WorkOrder, policy.Access]:
    # Row lock (PostgreSQL): two devices moving one order must not both read the old status.
    order = ctx.session.get(WorkOrder, str(entity_id), with_for_update=True)
    access = policy.Access.NONE if order is None else policy.order_access(user=ctx.user, order=order)
    if order is None or order.org_id != ctx.user.org_id:
        # Orders of other organisations are indistinguishable from unknown ones.
        raise Rejected("not_found", f"no work order {entity_id}")
    return order, access


def _allowed(mutation_type: MutationType, access: policy.Access) -> policy.Verdict:
    verdict = policy.verdict(mutation_type=mutation_type, access=access)
    if verdict is policy.Verdict.FORBID:
        raise Rejected("forbidden", f"you may not {mutation_type.value} this work order")
    return verdict


def _conflict(
    ctx: Context, *, order: WorkOrder, entity: Entity, entity_id: str, field: str, mine: Any, theirs: Any
) -> MutationResult:
    seq = next_seq(ctx.session)
    row = Conflict(
        id=str(uuid.uuid4()),
        order_id=order.id,
        entity=entity.value,
        entity_id=entity_id,
        field=field,
        mine=mine,
        theirs=theirs,
        mid=ctx.mid,
        device_id=ctx.device_id,
        user_id=ctx.user.id,
        status="open",
        resolution=None,
        seq=seq,
    )
    ctx.session.add(row)
    return MutationResult(
        mid=ctx.mid, status=ResultStatus.CONFLICT, seq=seq, conflict_ids=[uuid.UUID(row.id)]
    )


def order_transition(ctx: Context, m: Mutation) -> MutationResult:
    order, access = _order(ctx, m.entity_id)
    verdict = _allowed(MutationType.ORDER_TRANSITION, access)
    args = _args(TransitionArgs, m.args)
    frm, to = _status(args.from_, name="from"), _status(args.to, name="to")
    at = _time(args.at, name="at")
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
    if not conflicted:
        if to == current:
            # Someone already made this move: nothing to change.
            return MutationResult(mid=ctx.mid, status=ResultStatus.MERGED, seq=order.seq)
        if frm == current:
            status = ResultStatus.APPLIED
        elif is_legal(current, to) and role_may_move(role, current, to):
            status = ResultStatus.MERGED
        else:
            conflicted = True
    if conflicted:
        return _conflict(
            ctx,
            order=order,
            entity=Entity.WORK_ORDER,
            entity_id=order.id,
            field="status",
            mine=to.value,
            theirs=current.value,
        )
    _check_gates(ctx, order=order, to=to)
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
    return MutationResult(mid=ctx.mid, status=status, seq=seq)


def _check_gates(ctx: Context, *, order: WorkOrder, to: Status) -> None:
    if to is Status.ASSIGNED and order.assignee_id is None:
        raise Rejected("no_assignee", "an order without an assignee cannot be assigned; set assignee_id")
    if to is Status.COMPLETED:
        items = ctx.session.query(ChecklistItem).filter(ChecklistItem.order_id == order.id).all()
        blockers = completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
            requires_signature=order.requires_signature,
            has_signature=False,  # signatures arrive with a later issue
        )
        if blockers:
            raise Rejected("completion_blocked", "; ".join(blockers))


def _check_value(item: ChecklistItem, value: Any) -> None:
    if value is None:
        return
    kind = item.kind
    ok = {
        ChecklistKind.CHECK: isinstance(value, bool),
        ChecklistKind.NUMBER: isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value),
        ChecklistKind.TEXT: isinstance(value, str) and len(value) <= MAX_TEXT_VALUE,
        ChecklistKind.PASS_FAIL: value in ("pass", "fail"),
    }.get(ChecklistKind(kind), False)
    if not ok:
        raise Rejected("invalid_args", f"value {value!r} does not fit a {kind} item")


def checklist_set(ctx: Context, m: Mutation) -> MutationResult:
    order, access = _order(ctx, m.entity_id)
    _allowed(MutationType.CHECKLIST_SET, access)
    args = _args(ChecklistSetArgs, m.args)
    item = ctx.session.get(ChecklistItem, str(args.item_id), with_for_update=True)
    if item is None or item.order_id != order.id:
        raise Rejected("not_found", f"no checklist item {args.item_id} on this order")
    _check_value(item, args.value)
    same = item.value == args.value and item.done == args.done
    if same:
        return MutationResult(mid=ctx.mid, status=ResultStatus.APPLIED, seq=item.seq)
    if m.base_seq is not None and m.base_seq < item.value_seq and item.value_device_id != ctx.device_id:
        # Someone else changed the value since this device last saw it: keep theirs.
        return _conflict(
            ctx,
            order=order,
            entity=Entity.CHECKLIST_ITEM,
            entity_id=item.id,
            field="value",
            mine={"value": args.value, "done": args.done},
            theirs={"value": item.value, "done": item.done},
        )
    seq = next_seq(ctx.session)
    item.value, item.done = args.value, args.done
    item.value_seq, item.value_device_id, item.seq = seq, ctx.device_id, seq
    return MutationResult(mid=ctx.mid, status=ResultStatus.APPLIED, seq=seq)


def note_add(ctx: Context, m: Mutation) -> MutationResult:
    order, access = _order(ctx, m.entity_id)
    _allowed(MutationType.NOTE_ADD, access)
    args = _args(NoteAddArgs, m.args)
    at = _time(args.at, name="at")
    existing = ctx.session.get(Note, str(args.id))
    if existing is not None:
        if existing.order_id != order.id:
            raise Rejected("id_conflict", f"note {args.id} already belongs to another order")
        return MutationResult(mid=ctx.mid, status=ResultStatus.APPLIED, seq=existing.seq)  # union: once
    seq = next_seq(ctx.session)
    ctx.session.add(
        Note(
            id=str(args.id),
            order_id=order.id,
            author_id=ctx.user.id,
            text=args.text,
            at=at,
            voided=False,
            seq=seq,
        )
    )
    return MutationResult(mid=ctx.mid, status=ResultStatus.APPLIED, seq=seq)


APPLIERS: dict[str, Callable[[Context, Mutation], MutationResult]] = {
    MutationType.ORDER_TRANSITION.value: order_transition,
    MutationType.CHECKLIST_SET.value: checklist_set,
    MutationType.NOTE_ADD.value: note_add,
}


def apply(ctx: Context, m: Mutation) -> MutationResult:
    applier = APPLIERS.get(m.type)
    if applier is None:
        raise Rejected("unsupported_mutation", f"this server does not apply {m.type!r} mutations yet")
    return applier(ctx, m)
