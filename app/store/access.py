"""Where the signed-in user stands to an order held on this device, and what the order's
gates see: the client's inputs to the rulebook (app.domain.rules), worked out in ONE place.

The services (what to offer, what to queue) and the optimistic local apply (what a queued
mutation changes) both ask these, so a screen never offers what the local apply would not
show, and neither differs from what the server will hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.domain import ChecklistState, Role, completion_blockers
from app.domain.codes import Code
from app.domain.rules import Gates, Relation, Verdict, is_dispatcher, judge_resolve, parse_role, refuse
from app.store.models import ChecklistItem, Conflict, Order, Signature
from app.store.outbox import signed_in_facts


@dataclass(frozen=True, slots=True)
class DeviceUser:
    """Who this device's data belongs to (kept after sign-out, so queued work replays as theirs)."""

    id: str
    role: Role | None

    @property
    def dispatcher(self) -> bool:
        return is_dispatcher(self.role)


NOBODY = DeviceUser(id="", role=None)


class OrderLike(Protocol):
    """What the rulebook reads of an order to judge who may add evidence to it."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def assignee_id(self) -> str | None: ...
    @property
    def out_of_scope(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class OrderFacts:
    id: str
    number: str
    seq: int
    assignee_id: str | None
    out_of_scope: bool


_ORDERS = Order.__table__
_FACTS = select(
    _ORDERS.c.id, _ORDERS.c.number, _ORDERS.c.seq, _ORDERS.c.assignee_id, _ORDERS.c.out_of_scope
).where(_ORDERS.c.id == bindparam("order_id"))


def order_facts(session: Session, order_id: str) -> OrderLike | None:
    """The order as evidence is judged on it: the session's own object when it holds one
    (unflushed changes and all), else five columns read (a local write's ORM load of the
    whole order was a sixth of its time, issue 11); None when the order is not here."""
    if session.new:
        session.flush()  # an order added in this transaction is found as a query would
    held = session.identity_map.get(identity_key(Order, order_id))
    if held is not None:
        return held
    row = session.connection().execute(_FACTS, {"order_id": order_id}).first()
    return None if row is None else OrderFacts(*row)


def device_user(session: Session) -> DeviceUser:
    user = signed_in_facts(session).user or {}
    return DeviceUser(id=str(user.get("id") or ""), role=parse_role(user.get("role")))


def relation_to(order: OrderLike, *, user_id: str, role: Role | str | None) -> Relation:
    """The user's relation to an order this device holds.

    The server knows more (the order's past assignees, other organisations); the device
    knows what its scope implies: a dispatcher holds every order of the organisation; a
    technician holds their own orders and their follow-ups not assigned yet (the server
    keeps those in their creator's scope); an order that left the device's scope and waits
    only for its queued work to be sent was theirs (a former assignee: its evidence still
    applies, its status moves become conflicts, and nothing new is offered on it).
    """
    parsed = parse_role(role)
    if is_dispatcher(parsed):
        return Relation.DISPATCH
    if parsed is not Role.TECHNICIAN or not user_id:
        return Relation.OUTSIDER
    if order.out_of_scope:
        return Relation.FORMER_ASSIGNEE
    if order.assignee_id == user_id:
        return Relation.ASSIGNEE
    if order.assignee_id is None:
        return Relation.CREATOR
    return Relation.OTHER_TECHNICIAN


def relation_of(session: Session, order: OrderLike) -> Relation:
    """The relation of this device's user to `order`."""
    user = device_user(session)
    return relation_to(order, user_id=user.id, role=user.role)


def completion_blockers_of(session: Session, order: Order) -> list[str]:
    """Why `order` may not be completed yet, from the rows held here."""
    items = session.scalars(select(ChecklistItem).where(ChecklistItem.order_id == order.id))
    signed = session.scalar(select(exists().where(Signature.order_id == order.id)))
    return completion_blockers(
        checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
        requires_signature=order.requires_signature,
        has_signature=bool(signed),
    )


def gates_of(session: Session, order: Order) -> Gates:
    return Gates(
        has_assignee=order.assignee_id is not None,
        completion_blockers=tuple(completion_blockers_of(session, order)),
    )


def may_resolve(session: Session, conflict: Conflict) -> Verdict:
    """Whether this device's user may decide `conflict` (on an order held here)."""
    order = session.get(Order, conflict.order_id) if conflict.order_id else None
    if order is None:
        return refuse(Code.NOT_FOUND, "the order of this conflict is not on this device")
    user = device_user(session)
    return judge_resolve(
        relation=relation_to(order, user_id=user.id, role=user.role),
        # A technician's device pulls only the conflicts that technician lost (sync-protocol.md,
        # "Conflicts are rows"); a dispatcher may decide any, lost or not.
        is_loser=not user.dispatcher,
        entity=conflict.entity,
        field=conflict.field or "",
    )
