"""Local application of mutations: ONE function, used when the user acts and when re-basing after a pull.

Every mutation is judged by the rulebook (app.domain.rules) against the LOCAL rows, with the
same transition, assignment, checklist and evidence functions the server applies, so a lone
device shows what the server will hold: a move the server would turn into a conflict or
refuse changes nothing here. The orders' own mutations are here; evidence is in
app.store.apply_evidence, conflict decisions in app.store.apply_resolve, the checklist
definition in app.store.checklist_def.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.domain import Status
from app.domain.measures import first_assigned
from app.domain.protocol import MutationType
from app.domain.rules import (
    checklist_value_problem,
    judge_assign,
    judge_checklist,
    judge_create,
    judge_field_edit,
    judge_transition,
)
from app.store import checklist_def, schedules, templates
from app.store.access import OrderLike, device_user, gates_of, relation_of
from app.store.apply_evidence import CHILDREN, VOIDABLE, add_evidence, author_of, void_entry
from app.store.apply_resolve import resolve_conflict
from app.store.models import ChecklistItem, Order
from app.store.order_fields import (
    PROVISIONAL_PREFIX,
    UPDATABLE,
    LocalEffect,
    assign_order,
    enter_status,
    parse_time,
    provisional_number,
    set_order_field,
    write_order_field,
)

# Imported from here elsewhere (services, rebase, tests): one place to find them.
__all__ = [
    "PROVISIONAL_PREFIX",
    "UPDATABLE",
    "VOIDABLE",
    "LocalEffect",
    "MutationLike",
    "apply_local",
    "author_of",
    "parse_time",
    "provisional_number",
    "set_order_field",
]


class MutationLike(Protocol):
    """An outbox row or a protocol Mutation: what apply_local needs."""

    @property
    def type(self) -> str: ...
    @property
    def entity_id(self) -> Any: ...
    @property
    def args(self) -> dict[str, Any]: ...


def _when(mutation: MutationLike) -> datetime | None:
    # Outbox rows know when they were made; a bare protocol Mutation does not.
    at = getattr(mutation, "created_at", None)
    return at if isinstance(at, datetime) else None


def _order_update(
    session: Session, order_id: str, args: dict[str, Any], *, at: datetime | None
) -> LocalEffect | None:
    order = session.get(Order, order_id)
    if order is None:
        return None
    # A technician's edit of these fields is a conflict for a dispatcher: never applied.
    if not judge_field_edit(relation=relation_of(session, order)).allowed:
        return None
    fields = {name: value for name, value in dict(args.get("fields") or {}).items() if name in UPDATABLE}
    status = Status(order.status)
    if "assignee_id" in fields:
        assignee = fields.pop("assignee_id")
        # The server refuses the whole mutation when the assignee may not change now.
        if assignee != order.assignee_id and not judge_assign(status=status, assignee_id=assignee).allowed:
            return None
        assign_order(order, assignee, at=at)
    for name, value in fields.items():
        write_order_field(session, order, name, value)
    session.flush()
    return LocalEffect("orders", order_id)


def _order_transition(session: Session, order_id: str, args: dict[str, Any]) -> LocalEffect | None:
    order = session.get(Order, order_id)
    if order is None:
        return None
    try:
        sent_from, to = Status(args["from"]), Status(args["to"])
    except (KeyError, ValueError):
        return None  # the server rejects it: nothing to show
    user = device_user(session)
    reason = (args.get("reason") or "").strip() or None
    verdict = judge_transition(
        role=user.role,
        relation=relation_of(session, order),
        sent_from=sent_from,
        to=to,
        # The local status: on a re-base it already holds this move (ALREADY: unchanged),
        # or the server's newer status it merges onto, as the server will.
        current=Status(order.status),
        reason=reason,
        gates=gates_of(session, order),
    )
    if not verdict.changes_status:
        return None
    enter_status(order, to, at=parse_time(args["at"]), reason=reason)
    session.flush()
    return LocalEffect("orders", order_id)


def _checklist_set(session: Session, order_id: str, args: dict[str, Any]) -> LocalEffect | None:
    item = session.get(ChecklistItem, str(args.get("item_id")))
    order = session.get(Order, order_id)
    if item is None or order is None or item.order_id != order_id:
        return None
    done = bool(args.get("done"))
    if not judge_checklist(relation=relation_of(session, order), status=Status(order.status)).allowed:
        return None  # read-only (refused), or kept in a conflict row on a cancelled order
    if checklist_value_problem(kind=item.kind, value=args.get("value"), done=done) is not None:
        return None
    item.value = args.get("value")
    item.done = done
    session.flush()
    return LocalEffect("checklist_items", item.id)


def _order_create(
    session: Session, order_id: str, args: dict[str, Any], *, at: datetime | None
) -> LocalEffect | None:
    order = session.get(Order, order_id)
    if order is None:
        if not judge_create(role=device_user(session).role, assigned=bool(args.get("assignee_id"))).allowed:
            return None
        order = Order(id=order_id, number=provisional_number(order_id), seq=0, server_data=None)
        session.add(order)
    if order.server_data is None:
        for name in UPDATABLE:
            if name in args:
                set_order_field(order, name, args[name])
        order.status = args.get("status") or Status.NEW.value
        order.source = args.get("source") or "manual"
        order.external_id = args.get("external_id")
        order.follow_up_of = args.get("follow_up_of")
        order.created_at = order.updated_at = at
        if order.assignee_id:
            order.first_assigned_at = first_assigned(current=None, assignee_id=order.assignee_id, at=at)
    checklist_def.create_items(session, order_id, args.get("checklist") or [])
    session.flush()
    return LocalEffect("orders", order_id)


def apply_local(
    session: Session, mutation: MutationLike, *, fresh: bool = False, order: OrderLike | None = None
) -> LocalEffect | None:
    """Make `mutation`'s effect on the local rows. Idempotent, so re-applying after a pull is safe.

    `fresh`: the mutation was queued just now, with a new id for the row it adds (evidence):
    no row can have that id yet, so none is looked for. `order`: its order as the caller
    read it in this same transaction, not read again (evidence only).

    Returns what changed, or None when nothing did: its target is not on this device (out
    of scope, or not pulled yet), or the rulebook says the server will not apply it (a
    conflict, or a refusal). The mutation stays queued all the same.
    """
    order_id = str(mutation.entity_id)
    args = mutation.args
    me = device_user(session).id or None
    match mutation.type:
        case MutationType.ORDER_CREATE:
            return _order_create(session, order_id, args, at=_when(mutation))
        case MutationType.ORDER_UPDATE:
            return _order_update(session, order_id, args, at=_when(mutation))
        case MutationType.ORDER_TRANSITION:
            return _order_transition(session, order_id, args)
        case MutationType.CHECKLIST_SET:
            return _checklist_set(session, order_id, args)
        case kind if kind in CHILDREN:
            return add_evidence(session, order_id, kind, args, me=me, fresh=fresh, order=order)
        case MutationType.ENTRY_VOID:
            return void_entry(session, order_id, args, me=me)
        case MutationType.CONFLICT_RESOLVE:
            return resolve_conflict(session, order_id, args)
        case MutationType.TEMPLATE_SAVE:
            if not templates.apply_template_save(session, order_id, args, at=_when(mutation)):
                return None
            return LocalEffect("templates", order_id)
        case MutationType.SCHEDULE_SAVE:
            if not schedules.apply_schedule_save(session, order_id, args, at=_when(mutation)):
                return None
            return LocalEffect("schedules", order_id)
        case _:
            return None  # a type this client does not know: queued and pushed all the same
