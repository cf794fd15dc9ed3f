"""Authorisation on the server: who sees which order (as SQL), and the rulebook's
verdicts (app.domain.rules) asked with the server's rows. Nothing is decided here
that the rulebook decides: routes and appliers ask here, and this asks it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.sql import and_, or_

from app.domain import Role, rules
from app.domain.protocol import MutationType
from app.domain.rules import Relation, Verdict
from server_stub.models import Conflict, Photo, Signature, User, WorkOrder

# How a user stands to one order: the rulebook's relation, one to one.
Access = Relation


def role_of(user: User) -> Role | None:
    return rules.parse_role(user.role)


def order_access(*, user: User, order: WorkOrder) -> Relation:
    return rules.relation_of(
        role=user.role,
        user_id=user.id,
        same_org=order.org_id == user.org_id,
        assignee_id=order.assignee_id,
        past_assignees=order.past_assignees or (),
        created_by=order.created_by,
    )


def verdict(*, mutation_type: MutationType, access: Relation) -> Verdict:
    """The first question for a mutation on an existing order (rules.ACCESS)."""
    return rules.access(mutation_type, access)


def may_create_order(*, user: User, assigned: bool) -> Verdict:
    return rules.judge_create(role=user.role, assigned=assigned)


def may_void(*, user: User, access: Relation, author_id: str) -> Verdict:
    return rules.judge_void(relation=access, is_author=author_id == user.id)


def may_resolve(*, user: User, access: Relation, conflict: Conflict) -> Verdict:
    return rules.judge_resolve(
        relation=access, is_loser=conflict.user_id == user.id, entity=conflict.entity, field=conflict.field
    )


def may_be_assignee(user: User | None, *, org_id: str) -> bool:
    """Orders go to the organisation's technicians who may still sign in."""
    return (
        user is not None
        and user.org_id == org_id
        and role_of(user) is Role.TECHNICIAN
        and user.disabled_at is None
    )


def may_sync(user: User) -> bool:
    """Integration keys feed the intake endpoints only; they never push or pull."""
    return role_of(user) in rules.SYNC_ROLES


def visible_orders(user: User) -> ColumnElement[bool]:
    """SQL condition for the work orders in `user`'s pull scope: the orders the
    rulebook relates them to as DISPATCH, ASSIGNEE or CREATOR (a former assignee
    keeps pushing evidence but no longer pulls the order)."""
    role = role_of(user)
    if role in rules.DISPATCH_ROLES:
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
    return rules.is_dispatcher(user.role)
