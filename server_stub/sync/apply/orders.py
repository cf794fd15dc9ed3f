"""order.create: a dispatcher's order, or a technician's follow-up work.

The server gives the number (the organisation's counter) and, when none is
sent, the due time from the priority. `created_at` is the server's time: device
clocks are data, never trusted to place an order in the organisation's timeline.

Idempotent on the order id. A create is a whole order, not a child of one, so
the append-only rule applies to it as to notes: the same id with the same args
from the same person (a create re-queued under a new mid, say after the device
restored its outbox) answers with the stored result rather than `rejected`, which
would tell the user an order that exists was refused; the same id with other
args, or from someone else, is `rejected` with `id_conflict`.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from app.domain import LIFECYCLE_FIELDS, Priority, Status, default_due, format_number, measures, rules
from app.domain.codes import Code
from app.domain.protocol import Mutation, MutationResult, MutationType, OrderCreateArgs, ResultStatus
from server_stub.auth import policy
from server_stub.db import next_order_number, next_seq
from server_stub.models import ChecklistItem, LedgerEntry, WorkOrder
from server_stub.sync.apply import new_rows
from server_stub.sync.apply.common import (
    Context,
    Rejected,
    hold,
    parse_args,
    parse_time,
    person,
    settled,
)
from server_stub.timeutil import to_db

_LIFECYCLE_COLUMNS = tuple(LIFECYCLE_FIELDS.values())


def _digest(args: OrderCreateArgs) -> str:
    dumped = args.model_dump(mode="json")
    if not dumped["required_skills"]:
        # As before the field existed: a create queued then and sent again now is the same.
        del dumped["required_skills"]
    if dumped["follow_up_of"] is None:
        del dumped["follow_up_of"]  # likewise
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _repeat(ctx: Context, *, order: WorkOrder, digest: str) -> MutationResult:
    mine = order.org_id == ctx.user.org_id and order.created_by == ctx.user.id
    same = mine and order.create_digest == digest
    if not same:
        raise Rejected(Code.ID_CONFLICT, f"work order {order.id} already exists")
    first = ctx.session.execute(
        select(LedgerEntry.result)
        .where(LedgerEntry.entity_id == order.id, LedgerEntry.type == MutationType.ORDER_CREATE.value)
        .where(LedgerEntry.status == ResultStatus.APPLIED.value)
        .limit(1)
    ).scalar()
    seq = first.get("seq") if isinstance(first, dict) else order.seq
    return ctx.result(ResultStatus.APPLIED, seq=seq)


def _check(ctx: Context, m: Mutation, args: OrderCreateArgs) -> tuple[str | None, Status]:
    if args.id is not None and args.id != m.entity_id:
        raise Rejected(Code.INVALID_ARGS, "id: must equal the mutation's entity_id")
    assignee = None if args.assignee_id is None else str(args.assignee_id)
    status = Status.ASSIGNED if assignee is not None else Status.NEW
    if args.status is not None and args.status != status.value:
        raise Rejected(Code.INVALID_ARGS, f"status: {args.status} does not fit assignee_id")
    settled(policy.may_create_order(user=ctx.user, assigned=assignee is not None))
    if assignee is not None and not policy.may_be_assignee(person(ctx, assignee), org_id=ctx.user.org_id):
        raise Rejected(Code.UNKNOWN_ASSIGNEE, f"no active technician {assignee} in this organisation")
    ids = [str(i.id) for i in args.checklist]
    if len(set(ids)) != len(ids) or len({i.position for i in args.checklist}) != len(ids):
        raise Rejected(Code.INVALID_ARGS, "checklist: item ids and positions must be unique")
    for item in args.checklist:
        if item.min is not None and item.max is not None and item.min > item.max:
            raise Rejected(Code.INVALID_ARGS, f"checklist: min above max in {item.label!r}")
    if (
        ids
        and not ctx.bold
        and ctx.session.execute(select(ChecklistItem.id).where(ChecklistItem.id.in_(ids))).first()
    ):
        raise Rejected(Code.ID_CONFLICT, "checklist: an item id already exists")
    if args.follow_up_of is not None:
        source = ctx.session.get(WorkOrder, str(args.follow_up_of))
        same_org = source is not None and source.org_id == ctx.user.org_id
        relation = policy.order_access(user=ctx.user, order=source) if same_org and source else None
        settled(rules.judge_follow_up_of(relation=relation))
    return assignee, status


def order_create(ctx: Context, m: Mutation) -> MutationResult:
    args = parse_args(OrderCreateArgs, m.args)
    order_id = str(m.entity_id)
    digest = _digest(args)
    existing = None if ctx.bold else ctx.session.get(WorkOrder, order_id, with_for_update=True)
    if existing is not None:
        return _repeat(ctx, order=existing, digest=digest)
    assignee, status = _check(ctx, m, args)
    now = to_db(ctx.now)
    due = parse_time(args.due_at, name="due_at") if args.due_at is not None else None
    if due is None:
        due = default_due(priority=Priority(args.priority), created_at=now)
    number = format_number(next_order_number(ctx.session, org_id=ctx.user.org_id))
    seq = next_seq(ctx.session)
    order_row = dict.fromkeys(_LIFECYCLE_COLUMNS)
    if status is Status.ASSIGNED:
        order_row[LIFECYCLE_FIELDS[Status.ASSIGNED]] = now
    order_row.update(
        id=order_id,
        org_id=ctx.user.org_id,
        number=number,
        title=args.title,
        description=args.description,
        kind=args.kind,
        priority=args.priority,
        status=status.value,
        status_reason=None,
        assignee_id=assignee,
        customer=args.customer.model_dump(mode="json"),
        site=args.site.model_dump(mode="json"),
        asset=args.asset,
        due_at=due,
        requires_signature=args.requires_signature,
        required_skills=list(args.required_skills),
        source=args.source,
        external_id=args.external_id,
        created_at=now,
        updated_at=now,
        seq=seq,
        field_seqs={},
        past_assignees=[assignee] if assignee else [],
        created_by=ctx.user.id,
        create_digest=digest,
        first_assigned_at=measures.first_assigned(current=None, assignee_id=assignee, at=now),
        reopen_count=0,
        follow_up_of=None if args.follow_up_of is None else str(args.follow_up_of),
    )
    if ctx.bold:  # a batch that fails is applied again carefully: the ORM's insert there
        order = new_rows.add_held(ctx.session, WorkOrder, order_row, people=(assignee, ctx.user.id))
    else:
        order = WorkOrder(**order_row)
        ctx.session.add(order)
    hold(ctx.session, order)
    for item in sorted(args.checklist, key=lambda i: i.position):
        row = {
            "id": str(item.id),
            "order_id": order_id,
            "position": item.position,
            "label": item.label,
            "kind": item.kind,
            "required": item.required,
            "value": None,
            "done": False,
            "unit": item.unit,
            "min": item.min,
            "max": item.max,
            "seq": next_seq(ctx.session),
            "value_seq": 0,
            "value_device_id": None,
        }
        new_rows.add(ctx.session, ChecklistItem, row, people=(assignee, ctx.user.id))
    return ctx.result(ResultStatus.APPLIED, seq=seq)
