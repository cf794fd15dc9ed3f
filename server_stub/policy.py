"""Authorisation, decided in one place: who sees which order, and what each
kind of mutation may do for whom. Routes and appliers ask here, never decide."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.sql import and_, or_

from app.domain import Role
from app.domain.protocol import Entity, MutationType
from server_stub.models import Conflict, Photo, Signature, User, WorkOrder

_DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})


class Access(StrEnum):
    """How a user stands to one order."""

    ASSIGNEE = "assignee"
    FORMER_ASSIGNEE = "former_assignee"  # reassigned away: their evidence still counts
    DISPATCH = "dispatch"  # dispatcher or admin of the order's organisation
    CREATOR = "creator"  # technician who made this follow-up order; it is not assigned yet
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
        if order.assignee_id is None and order.created_by == user.id:
            return Access.CREATOR
    return Access.NONE


# sync-protocol.md, "Mutation types" (who) and "Reassigned or cancelled while a
# technician worked offline": a former assignee's evidence applies, their status
# moves become conflicts, anyone else is refused. A technician's edit to a
# dispatcher-owned field is a conflict for a dispatcher, never an overwrite.
_A = Access
_V = Verdict
_EVIDENCE = {_A.ASSIGNEE: _V.ALLOW, _A.FORMER_ASSIGNEE: _V.ALLOW}
_SEEN_BY_ALL = {**_EVIDENCE, _A.DISPATCH: _V.ALLOW, _A.CREATOR: _V.ALLOW}
_VERDICTS: dict[MutationType, dict[Access, Verdict]] = {
    MutationType.ORDER_UPDATE: {
        _A.DISPATCH: _V.ALLOW,
        _A.ASSIGNEE: _V.CONFLICT,
        _A.FORMER_ASSIGNEE: _V.CONFLICT,
        _A.CREATOR: _V.CONFLICT,
    },
    MutationType.ORDER_TRANSITION: {
        _A.ASSIGNEE: _V.ALLOW,
        _A.DISPATCH: _V.ALLOW,
        _A.FORMER_ASSIGNEE: _V.CONFLICT,
    },
    MutationType.CHECKLIST_SET: _EVIDENCE,
    MutationType.NOTE_ADD: _SEEN_BY_ALL,
    MutationType.PHOTO_ADD: _SEEN_BY_ALL,
    MutationType.TIME_ADD: _EVIDENCE,
    MutationType.PART_USE: _EVIDENCE,
    MutationType.SIGNATURE_ADD: _EVIDENCE,
    # Authorship is checked per entry by may_void; here: who may void anything at all.
    MutationType.ENTRY_VOID: _SEEN_BY_ALL,
    # Whose conflict it is is checked per row by may_resolve.
    MutationType.CONFLICT_RESOLVE: _SEEN_BY_ALL,
}

# Conflicts over fields a technician owns: the author of the losing side may settle them.
_TECHNICIAN_CONFLICTS: frozenset[tuple[str, str]] = frozenset(
    {(Entity.CHECKLIST_ITEM.value, "value"), (Entity.TIME_LOG.value, "overlap")}
)


def verdict(*, mutation_type: MutationType, access: Access) -> Verdict:
    return _VERDICTS.get(mutation_type, {}).get(access, Verdict.FORBID)


def may_create_order(*, user: User, assigned: bool) -> bool:
    """Dispatchers create any order; a technician only unassigned follow-up work."""
    role = role_of(user)
    if role in _DISPATCH_ROLES:
        return True
    return role is Role.TECHNICIAN and not assigned


def may_void(*, user: User, access: Access, author_id: str) -> bool:
    """An entry is voided by its author (while they still reach the order) or a dispatcher."""
    if access is Access.DISPATCH:
        return True
    return access is not Access.NONE and author_id == user.id


def may_resolve(*, user: User, access: Access, conflict: Conflict) -> bool:
    """A dispatcher resolves any conflict of the organisation; the technician
    who lost one over a technician-owned field may resolve that one."""
    if access is Access.DISPATCH:
        return True
    own = conflict.user_id == user.id
    return own and access is not Access.NONE and (conflict.entity, conflict.field) in _TECHNICIAN_CONFLICTS


def may_be_assignee(user: User | None, *, org_id: str) -> bool:
    return user is not None and user.org_id == org_id and role_of(user) is Role.TECHNICIAN


def may_sync(user: User) -> bool:
    """Integration keys feed the intake endpoints only; they never push or pull."""
    return role_of(user) in (_DISPATCH_ROLES | {Role.TECHNICIAN})


def visible_orders(user: User) -> ColumnElement[bool]:
    """SQL condition for the work orders in `user`'s pull scope."""
    role = role_of(user)
    if role in _DISPATCH_ROLES:
        return WorkOrder.org_id == user.org_id
    if role is Role.TECHNICIAN:
        own_follow_up = and_(WorkOrder.assignee_id.is_(None), WorkOrder.created_by == user.id)
        return and_(WorkOrder.org_id == user.org_id, or_(WorkOrder.assignee_id == user.id, own_follow_up))
    return false()


def may_intake(user: User) -> bool:
    """The intake endpoints take integration keys only (sync-protocol.md, "Intake");
    a key's user may do nothing else (may_sync), and a person's token never reaches
    intake, which reads only `X-API-Key`."""
    return role_of(user) is Role.INTEGRATION


def may_use_blobs(user: User) -> bool:
    """HEAD and PATCH of blobs: whoever syncs (integration keys never upload)."""
    return may_sync(user)


def blob_visible(user: User, *, sha256: str) -> ColumnElement[bool]:
    """SQL condition: `user` may download the blob `sha256`, because a photo or
    signature with those bytes belongs to an order in their pull scope. Anyone
    else is answered as if the blob did not exist."""
    in_scope = visible_orders(user)
    by_photo = exists(
        select(Photo.id)
        .join(WorkOrder, WorkOrder.id == Photo.order_id)
        .where(Photo.sha256 == sha256, in_scope)
    )
    by_signature = exists(
        select(Signature.id)
        .join(WorkOrder, WorkOrder.id == Signature.order_id)
        .where(Signature.sha256 == sha256, in_scope)
    )
    return or_(by_photo, by_signature)


def sees_all_conflicts(user: User) -> bool:
    """Dispatchers pull every conflict of their organisation; others only their own."""
    return role_of(user) in _DISPATCH_ROLES
