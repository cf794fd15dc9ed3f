"""Authorisation, decided in one place: who sees which order, and what each
kind of mutation may do for whom. Routes and appliers ask here, never decide."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, false
from sqlalchemy.sql import and_

from app.domain import Role
from app.domain.protocol import MutationType
from server_stub.models import User, WorkOrder

_DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})


class Access(StrEnum):
    """How a user stands to one order."""

    ASSIGNEE = "assignee"
    FORMER_ASSIGNEE = "former_assignee"  # reassigned away: their evidence still counts
    DISPATCH = "dispatch"  # dispatcher or admin of the order's organisation
    NONE = "none"


class Verdict(StrEnum):
    """What to do with a mutation, before the merge rules look at its content."""

    ALLOW = "allow"
    CONFLICT = "conflict"  # kept as a conflict row for a dispatcher to see, never applied
    FORBID = "forbid"


def role_of(user: User) -> Role | None:
    try:
        return Role(user.role)
    except ValueError:
        return None


def order_access(*, user: User, order: WorkOrder) -> Access:
    if order.org_id != user.org_id:
        return Access.NONE
    role = role_of(user)
    if role in _DISPATCH_ROLES:
        return Access.DISPATCH
    if role is Role.TECHNICIAN:
        if order.assignee_id == user.id:
            return Access.ASSIGNEE
        if user.id in (order.past_assignees or []):
            return Access.FORMER_ASSIGNEE
    return Access.NONE


# sync-protocol.md, "Mutation types" (who) and "Reassigned or cancelled while a
# technician worked offline": a former assignee's evidence applies, their status
# moves become conflicts, anyone else is refused.
_VERDICTS: dict[MutationType, dict[Access, Verdict]] = {
    MutationType.ORDER_TRANSITION: {
        Access.ASSIGNEE: Verdict.ALLOW,
        Access.DISPATCH: Verdict.ALLOW,
        Access.FORMER_ASSIGNEE: Verdict.CONFLICT,
    },
    MutationType.CHECKLIST_SET: {
        Access.ASSIGNEE: Verdict.ALLOW,
        Access.FORMER_ASSIGNEE: Verdict.ALLOW,
    },
    MutationType.NOTE_ADD: {
        Access.ASSIGNEE: Verdict.ALLOW,
        Access.FORMER_ASSIGNEE: Verdict.ALLOW,
        Access.DISPATCH: Verdict.ALLOW,
    },
}


def verdict(*, mutation_type: MutationType, access: Access) -> Verdict:
    return _VERDICTS.get(mutation_type, {}).get(access, Verdict.FORBID)


def may_sync(user: User) -> bool:
    """Integration keys feed the intake endpoints only; they never push or pull."""
    return role_of(user) in (_DISPATCH_ROLES | {Role.TECHNICIAN})


def visible_orders(user: User) -> ColumnElement[bool]:
    """SQL condition for the work orders in `user`'s pull scope."""
    role = role_of(user)
    if role in _DISPATCH_ROLES:
        return WorkOrder.org_id == user.org_id
    if role is Role.TECHNICIAN:
        return and_(WorkOrder.org_id == user.org_id, WorkOrder.assignee_id == user.id)
    return false()


def sees_all_conflicts(user: User) -> bool:
    """Dispatchers pull every conflict of their organisation; others only their own."""
    return role_of(user) in _DISPATCH_ROLES
