"""conflict.resolve: apply the chosen side of a conflict row and mark it resolved.

`mine` is the losing value, `theirs` the kept one, `value` a third value the
resolver gives. Applying a value writes the field with a new seq, through the
same checks as the mutation that lost (assigning rules, state table, item kinds).
"""

from __future__ import annotations

from typing import Any

from app.domain import DISPATCHER_FIELDS, Status, is_legal, rules
from app.domain.codes import Code
from app.domain.protocol import (
    ConflictResolveArgs,
    Entity,
    Mutation,
    MutationResult,
    MutationType,
    ResultStatus,
)
from server_stub.auth import policy
from server_stub.db import next_seq
from server_stub.models import ChecklistItem, Conflict, TimeLog, WorkOrder
from server_stub.sync.apply import fields
from server_stub.sync.apply.checklist import check_value, set_value
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    allowed,
    load_order,
    parse_args,
    parse_status,
    settled,
)
from server_stub.sync.apply.transition import move
from server_stub.sync.apply.void import void_row
from server_stub.timeutil import to_db

RESOLVED = "resolved"


def conflict_resolve(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    allowed(MutationType.CONFLICT_RESOLVE, relation)
    args = parse_args(ConflictResolveArgs, m.args)
    if args.choice == "value" and "value" not in m.args:
        raise Rejected(Code.INVALID_ARGS, "value: required when choice is value")
    row = ctx.session.get(Conflict, str(args.conflict_id), with_for_update=True)
    if row is None or row.order_id != order.id:
        raise Rejected(Code.NOT_FOUND, f"no conflict {args.conflict_id} on this order")
    settled(policy.may_resolve(user=ctx.user, access=relation, conflict=row))
    chosen = {"mine": row.mine, "theirs": row.theirs, "value": args.value}[args.choice]
    resolution = {"choice": args.choice, "value": chosen, "by": ctx.user.id}
    if row.status == RESOLVED:
        earlier = row.resolution or {}
        if (earlier.get("choice"), earlier.get("value")) == (args.choice, chosen):
            return ctx.result(ResultStatus.APPLIED, seq=row.seq)  # the same decision, again
        raise Rejected(Code.ALREADY_RESOLVED, f"conflict {row.id} was resolved already")
    _apply(ctx, order=order, row=row, choice=args.choice, value=chosen)
    seq = next_seq(ctx.session)
    row.status, row.resolution, row.seq = RESOLVED, resolution, seq
    return ctx.result(ResultStatus.APPLIED, seq=seq)


def _apply(ctx: Context, *, order: WorkOrder, row: Conflict, choice: str, value: Any) -> None:
    key = (row.entity, row.field)
    if key == (Entity.TIME_LOG.value, "overlap"):
        # Both logs are kept already; `theirs` means the flagged log was wrong.
        if choice == "value":
            raise Rejected(Code.INVALID_ARGS, "choice: an overlap is settled by mine or theirs")
        log = ctx.session.get(TimeLog, row.entity_id, with_for_update=True)
        if choice == "theirs" and log is not None and not log.voided:
            void_row(ctx, row=log, reason="overlapping time: resolved for the other log")
        return
    if choice == "theirs":
        return  # the kept value stays
    if key == (Entity.CHECKLIST_ITEM.value, "value"):
        item = ctx.session.get(ChecklistItem, row.entity_id, with_for_update=True)
        if item is None or not isinstance(value, dict) or not isinstance(value.get("done"), bool):
            raise Rejected(Code.INVALID_ARGS, 'value: {"value": ..., "done": true/false}')
        check_value(item, value.get("value"), done=value["done"])
        # The same lock as checklist.set, asked for the technician whose value this is:
        # a completed or closed checklist is the record, a cancelled one is kept as it was.
        judged = rules.judge_checklist(relation=rules.Relation.ASSIGNEE, status=Status(order.status))
        if judged.outcome is rules.Outcome.REFUSE:
            raise Rejected.of(judged)
        if judged.outcome is rules.Outcome.CONFLICT:
            raise Rejected(Code.ILLEGAL_STATE, "the order was cancelled: its checklist stays as it was")
        set_value(ctx, item=item, value=value.get("value"), done=value["done"])
        return
    if row.entity == Entity.WORK_ORDER.value and row.field == "status":
        to = parse_status(value, name="value")
        current = Status(order.status)
        if to is current:
            return
        if not is_legal(current, to):
            raise Rejected(Code.ILLEGAL_TRANSITION, f"{current.value} → {to.value} is not in the state table")
        move(ctx, order=order, to=to, at=to_db(ctx.now), reason=order.status_reason)
        return
    if row.entity == Entity.WORK_ORDER.value and row.field in DISPATCHER_FIELDS:
        decoded = fields.decode(row.field, value)
        now_stored = fields.stored(ctx, order=order, name=row.field)
        if fields.wire_of(row.field, decoded) == fields.wire_of(row.field, now_stored):
            return
        if row.field == "assignee_id":
            fields.check_assignable(ctx, order=order, assignee_id=decoded)
        seq = next_seq(ctx.session)
        fields.write(ctx, order=order, name=row.field, value=decoded, seq=seq)
        order.updated_at, order.seq = to_db(ctx.now), seq
        return
    raise Rejected(Code.INVALID_ARGS, f"conflicts over {row.entity}.{row.field} cannot be resolved this way")
