"""checklist.set: one value per item. The rulebook says whether the order's state
takes a value (a completed or closed checklist is the record; a cancelled order's
value is kept as a conflict) and whether the value fits the item; a stale write by
another device is a conflict."""

from __future__ import annotations

from typing import Any

from app.domain import Status, rules
from app.domain.codes import Code
from app.domain.protocol import ChecklistSetArgs, Entity, Mutation, MutationResult, MutationType, ResultStatus
from server_stub.db import next_seq
from server_stub.models import ChecklistItem
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    allowed,
    conflict,
    load_order,
    locked_row,
    parse_args,
)


def check_value(item: ChecklistItem, value: Any, *, done: bool) -> None:
    """Raise invalid_args when `value` (and `done`) cannot be `item`'s."""
    problem = rules.checklist_value_problem(kind=item.kind, value=value, done=done)
    if problem is not None:
        raise Rejected(Code.INVALID_ARGS, problem)


def history_name(item: ChecklistItem) -> str:
    """How the order's history names a checklist item's value (apart from the order's fields)."""
    return f"checklist: {item.label}"


def shown(value: Any, done: bool) -> Any:
    """An item's value for the history: what was measured, or for a bare tick, done or not."""
    return value if value is not None else done


def set_value(ctx: Context, *, item: ChecklistItem, value: Any, done: bool) -> int:
    """Write a checked value; returns the item's new seq."""
    seq = next_seq(ctx.session)
    ctx.changed(history_name(item), shown(item.value, item.done), shown(value, done))
    item.value, item.done = value, done
    item.value_seq, item.value_device_id, item.seq = seq, ctx.device_id, seq
    return seq


def checklist_set(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    allowed(MutationType.CHECKLIST_SET, relation)
    args = parse_args(ChecklistSetArgs, m.args)
    item = locked_row(ctx.session, ChecklistItem, str(args.item_id))
    if item is None or item.order_id != order.id:
        raise Rejected(Code.NOT_FOUND, f"no checklist item {args.item_id} on this order")
    check_value(item, args.value, done=args.done)
    if item.value == args.value and item.done == args.done:
        # The stored value already: a re-sent mutation changes nothing, in any state.
        return ctx.result(ResultStatus.APPLIED, seq=item.seq)
    judged = rules.judge_checklist(relation=relation, status=Status(order.status))
    if judged.outcome is rules.Outcome.REFUSE:
        raise Rejected.of(judged)
    stale = m.base_seq is not None and m.base_seq < item.value_seq and item.value_device_id != ctx.device_id
    if judged.outcome is rules.Outcome.CONFLICT or stale:
        # The order was cancelled (the measured value is evidence, kept for the dispatcher),
        # or someone else changed the value since this device saw it: keep theirs, the
        # sent one in the row.
        return conflict(
            ctx,
            order=order,
            entity=Entity.CHECKLIST_ITEM,
            entity_id=item.id,
            field="value",
            mine={"value": args.value, "done": args.done},
            theirs={"value": item.value, "done": item.done},
        )
    return ctx.result(ResultStatus.APPLIED, seq=set_value(ctx, item=item, value=args.value, done=args.done))
