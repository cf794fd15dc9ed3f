"""order.update: per-field merge of the dispatcher-owned fields (sync-protocol.md,
"Merge rules"). A field changed on the server after the sender's base_seq keeps
the server value and the sent one becomes a conflict row; the others apply."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain import rules
from app.domain.codes import Code
from app.domain.protocol import Entity, Mutation, MutationResult, OrderUpdateArgs, ResultStatus
from server_stub.db import next_seq
from server_stub.sync.apply import fields
from server_stub.sync.apply.common import Context, Rejected, load_order, open_conflict, parse_args, settled
from server_stub.timeutil import to_db


def order_update(ctx: Context, m: Mutation) -> MutationResult:
    order, relation = load_order(ctx, m.entity_id)
    verdict = settled(rules.judge_field_edit(relation=relation))
    if m.base_seq is None:
        raise Rejected(
            Code.BASE_SEQ_REQUIRED, "an order.update needs the base_seq of the order it was made on"
        )
    args = parse_args(OrderUpdateArgs, m.args)
    sent = {name: fields.decode(name, value) for name, value in sorted(args.fields.items())}
    changed = {
        name: value
        for name, value in sent.items()
        # A sent value equal to the server's is never a conflict, and changes nothing.
        if fields.wire_of(name, value) != fields.wire_of(name, fields.stored(ctx, order=order, name=name))
    }
    applying: dict[str, Any] = {}
    losing: dict[str, Any] = {}
    for name, value in changed.items():
        newer = int((order.field_seqs or {}).get(name, 0)) > m.base_seq
        # A technician never overwrites these fields: their edit waits for a dispatcher.
        if verdict.outcome is rules.Outcome.CONFLICT or newer:
            losing[name] = value
        else:
            applying[name] = value
    if "assignee_id" in applying:
        # Refuse the whole mutation before anything is written.
        fields.check_assignable(ctx, order=order, assignee_id=applying["assignee_id"])
    seq = order.seq
    kept_back = False
    if applying:
        seq = next_seq(ctx.session)
        for name, value in applying.items():
            kept_back |= fields.write(ctx, order=order, name=name, value=value, seq=seq)
        order.updated_at = to_db(ctx.now)
        order.seq = seq
    conflict_ids: list[uuid.UUID] = []
    for name, value in losing.items():
        conflict_id, conflict_seq = open_conflict(
            ctx,
            order=order,
            entity=Entity.WORK_ORDER,
            entity_id=order.id,
            field=name,
            mine=fields.wire_of(name, value),
            theirs=fields.wire_of(name, fields.stored(ctx, order=order, name=name)),
        )
        conflict_ids.append(conflict_id)
        if not applying:
            seq = conflict_seq
    if conflict_ids:
        return ctx.result(ResultStatus.CONFLICT, seq=seq, conflict_ids=conflict_ids)
    return ctx.result(ResultStatus.MERGED if kept_back else ResultStatus.APPLIED, seq=seq)
