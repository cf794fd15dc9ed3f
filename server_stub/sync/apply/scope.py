"""A technician's scope follows the order's assignee (or, while unassigned, its
technician creator). When that changes, sync-protocol.md ("Pull", scope) wants:
whoever leaves gets an `out_of_scope` tombstone, and whoever enters gets the order
with all its children, however old. Entering is done by giving every child a new
seq, so any cursor sees them again (a harmless repeat for dispatchers)."""

from __future__ import annotations

from sqlalchemy import select

from app.domain import Role
from server_stub.db import next_seq
from server_stub.models import (
    ORDER_CHILDREN,
    ScopeExit,
    WorkOrder,
)
from server_stub.sync.apply.common import Context, person
from server_stub.timeutil import to_db


def seeing(ctx: Context, order: WorkOrder) -> frozenset[str]:
    """The technicians whose scope holds `order` (dispatchers see every order anyway)."""
    if order.assignee_id is not None:
        return frozenset({order.assignee_id})
    creator = person(ctx, order.created_by) if order.created_by else None
    if creator is not None and creator.role == Role.TECHNICIAN.value:
        return frozenset({creator.id})
    return frozenset()


def changed(ctx: Context, *, order: WorkOrder, before: frozenset[str]) -> None:
    """Record who left and re-send the children to who entered, after `order` changed hands."""
    after = seeing(ctx, order)
    for user_id in sorted(before - after):
        seq = next_seq(ctx.session)
        exit_row = ctx.session.get(ScopeExit, (user_id, order.id))
        if exit_row is None:
            ctx.session.add(ScopeExit(user_id=user_id, order_id=order.id, seq=seq, left_at=to_db(ctx.now)))
        else:
            exit_row.seq, exit_row.left_at = seq, to_db(ctx.now)
    if after - before:
        for _entity, model in ORDER_CHILDREN:
            rows = ctx.session.execute(
                select(model).where(model.order_id == order.id).order_by(model.seq)
            ).scalars()
            for row in rows:
                row.seq = next_seq(ctx.session)
