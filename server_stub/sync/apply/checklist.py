"""checklist.set: one value per item; a stale write by another device is a conflict."""

from __future__ import annotations

import math
from typing import Any

from app.domain import ChecklistKind, Status
from app.domain.protocol import ChecklistSetArgs, Entity, Mutation, MutationResult, MutationType, ResultStatus
from server_stub.db import next_seq
from server_stub.models import ChecklistItem, WorkOrder
from server_stub.sync.apply.common import Context, Rejected, allowed, conflict, load_order, parse_args

MAX_TEXT_VALUE = 10_000


def check_value(item: ChecklistItem, value: Any) -> None:
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


def undoes_finished_work(order: WorkOrder, item: ChecklistItem, *, done: bool) -> bool:
    """Whether un-doing `item` would leave a completed (or closed-after-completed) order with
    required work open: a state no transition reaches, since completing needs it done."""
    return order.status in (Status.COMPLETED, Status.CLOSED) and item.required and item.done and not done


def set_value(ctx: Context, *, item: ChecklistItem, value: Any, done: bool) -> int:
    """Write a checked value; returns the item's new seq."""
    seq = next_seq(ctx.session)
    item.value, item.done = value, done
    item.value_seq, item.value_device_id, item.seq = seq, ctx.device_id, seq
    return seq


def checklist_set(ctx: Context, m: Mutation) -> MutationResult:
    order, access = load_order(ctx, m.entity_id)
    allowed(MutationType.CHECKLIST_SET, access)
    args = parse_args(ChecklistSetArgs, m.args)
    item = ctx.session.get(ChecklistItem, str(args.item_id), with_for_update=True)
    if item is None or item.order_id != order.id:
        raise Rejected("not_found", f"no checklist item {args.item_id} on this order")
    check_value(item, args.value)
    if item.value == args.value and item.done == args.done:
        return ctx.result(ResultStatus.APPLIED, seq=item.seq)
    stale = m.base_seq is not None and m.base_seq < item.value_seq and item.value_device_id != ctx.device_id
    if stale or undoes_finished_work(order, item, done=args.done):
        # Someone else changed the value since this device last saw it, or the order was
        # completed meanwhile (an untick arriving late): keep theirs, the sent one in the row.
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
