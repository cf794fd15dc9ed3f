"""What a screen offers the signed-in user on one order, as the rulebook judges it.

Nothing here decides on its own: every flag is a question to app.domain.rules, asked with
the user's relation to the order as this device sees it (app.store.access), so a control
shows exactly where the write behind it would be accepted, here and by the server.
"""

from __future__ import annotations

from app.domain import Role, Status
from app.domain.protocol import MutationType
from app.domain.rules import (
    Gates,
    Relation,
    checklist_editable,
    is_dispatcher,
    judge_assign,
    judge_evidence,
    offered_moves,
)
from app.services.dispatch import may_follow_up
from app.services.types import Offers
from app.store.models import Order

# Reassigning away from someone already on the way or at work: the picker asks first.
STARTED: frozenset[Status] = frozenset({Status.EN_ROUTE, Status.IN_PROGRESS, Status.ON_HOLD})
# Any technician's id: whether the rulebook lets the assignee change at all in a state.
_SOMEONE = "someone"


def _evidence(kind: MutationType, relation: Relation) -> bool:
    return judge_evidence(kind, relation=relation).allowed


def offers_for(*, role: Role | str | None, relation: Relation, order: Order) -> Offers:
    if order.out_of_scope:
        # Left this device's scope; it stays only until its queued work is sent.
        return Offers()
    status = Status(order.status)
    assign = is_dispatcher(role) and judge_assign(status=status, assignee_id=_SOMEONE).allowed
    return Offers(
        checklist=checklist_editable(relation=relation, status=status),
        note=_evidence(MutationType.NOTE_ADD, relation),
        photo=_evidence(MutationType.PHOTO_ADD, relation),
        signature=_evidence(MutationType.SIGNATURE_ADD, relation),
        time_and_parts=_evidence(MutationType.TIME_ADD, relation)
        and _evidence(MutationType.PART_USE, relation),
        assign=assign,
        follow_up=may_follow_up(role=role, relation=relation),
        reassign_needs_confirmation=assign and order.assignee_id is not None and status in STARTED,
    )


def moves_for(*, role: Role | str | None, relation: Relation, order: Order, gates: Gates) -> list[Status]:
    """The status moves to offer (Complete stays offered while blocked: the screen shows it
    disabled with the blockers)."""
    if order.out_of_scope:
        return []
    return offered_moves(role=role, relation=relation, current=Status(order.status), gates=gates)
