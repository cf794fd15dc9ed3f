"""Local application of mutations: ONE function, used when the user acts and when re-basing after a pull.

Every mutation is judged by the rulebook (app.domain.rules) against the LOCAL rows, with the
same transition, assignment, checklist and evidence functions the server applies, so a lone
device shows what the server will hold: a move the server would turn into a conflict or
refuse changes nothing here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.domain import DISPATCHER_FIELDS, LIFECYCLE_FIELDS, Status, is_legal
from app.domain.protocol import Entity, MutationType
from app.domain.rules import (
    CHECKLIST_LOCKED,
    checklist_value_problem,
    judge_assign,
    judge_checklist,
    judge_create,
    judge_evidence,
    judge_field_edit,
    judge_transition,
    judge_void,
    status_after_assign,
)
from app.store import templates
from app.store.access import device_user, gates_of, may_resolve, relation_of
from app.store.models import (
    ChecklistItem,
    Conflict,
    Note,
    Order,
    PartUsage,
    Photo,
    Signature,
    TimeLog,
)


class MutationLike(Protocol):
    """An outbox row or a protocol Mutation: what apply_local needs."""

    @property
    def type(self) -> str: ...
    @property
    def entity_id(self) -> Any: ...
    @property
    def args(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class LocalEffect:
    """What one local application changed."""

    table: str
    row_id: str


def parse_time(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return at


# Voidable entries (entry.void's "entity") and their tables.
VOIDABLE: dict[str, Any] = {
    Entity.NOTE: Note,
    Entity.PHOTO: Photo,
    Entity.TIME_LOG: TimeLog,
    Entity.PART_USAGE: PartUsage,
}
# Fields an order.update (or a conflict decided for "mine"/"value") may set; the checklist
# definition is not an order column.
UPDATABLE = DISPATCHER_FIELDS - {"checklist"}
PROVISIONAL_PREFIX = "NEW-"


def provisional_number(order_id: str) -> str:
    """What an order made on this device is called until the server gives it its number."""
    return PROVISIONAL_PREFIX + order_id[:6].upper()


def _when(mutation: MutationLike) -> datetime | None:
    # Outbox rows know when they were made; a bare protocol Mutation does not.
    at = getattr(mutation, "created_at", None)
    return at if isinstance(at, datetime) else None


def set_order_field(order: Order, name: str, value: Any) -> None:
    """One dispatcher field from its wire value."""
    if name not in UPDATABLE:
        return
    if name == "due_at":
        value = parse_time(value) if value else None
    elif name == "requires_signature":
        value = bool(value)
    elif name in ("customer", "site"):
        value = dict(value or {})
    setattr(order, name, value)


def _enter(order: Order, to: Status, *, at: datetime | None, reason: str | None) -> None:
    """Put `order` in status `to` as the server's move does: the reason, the step's time,
    and no assignee once back to new."""
    order.status = to.value
    order.status_reason = reason
    field = LIFECYCLE_FIELDS.get(to)
    if field is not None and at is not None:
        setattr(order, field, at)
    if to is Status.NEW:
        order.assignee_id = None
    if at is not None:
        order.updated_at = at


def _assign(order: Order, assignee: str | None, *, at: datetime | None) -> None:
    """A change of assignee, when the rulebook allows it, and the status it leaves (new ->
    assigned, assigned -> new, cannot_complete -> assigned); the same assignee changes nothing."""
    status = Status(order.status)
    if assignee == order.assignee_id or not judge_assign(status=status, assignee_id=assignee).allowed:
        return
    order.assignee_id = assignee
    after = status_after_assign(status=status, assignee_id=assignee)
    if after is not status:
        _enter(order, after, at=at, reason=None)


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
        _assign(order, assignee, at=at)
    for name, value in fields.items():
        set_order_field(order, name, value)
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
    _enter(order, to, at=parse_time(args["at"]), reason=reason)
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


def _may_add(session: Session, order_id: str, kind: MutationType) -> bool:
    order = session.get(Order, order_id)
    return order is not None and judge_evidence(kind, relation=relation_of(session, order)).allowed


def _add_child(
    session: Session, model: Any, *, order_id: str, row_id: Any, values: dict[str, Any], table: str
) -> LocalEffect | None:
    """An append-only child (note, photo, time log, part, signature) made on this device."""
    if session.get(Order, order_id) is None:
        return None  # the order is not here (yet, or any more): nothing to show it on
    child_id = str(uuid.UUID(str(row_id)))
    row = session.get(model, child_id)
    if row is None:
        row = model(id=child_id, order_id=order_id, seq=0, server_data=None)
        session.add(row)
    if row.server_data is None:  # the server's copy, once pulled, is the truth
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return LocalEffect(table, child_id)


def apply_local(session: Session, mutation: MutationLike) -> LocalEffect | None:
    """Make `mutation`'s effect on the local rows. Idempotent, so re-applying after a pull is safe.

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
        case kind if kind in _CHILDREN:
            if not _may_add(session, order_id, MutationType(kind)):
                return None
            model, table, values_of = _CHILDREN[kind]
            return _add_child(
                session, model, order_id=order_id, row_id=args["id"], values=values_of(args, me), table=table
            )
        case MutationType.ENTRY_VOID:
            return _entry_void(session, order_id, args, me=me)
        case MutationType.CONFLICT_RESOLVE:
            return _conflict_resolve(session, order_id, args)
        case MutationType.TEMPLATE_SAVE:
            if not templates.apply_template_save(session, order_id, args, at=_when(mutation)):
                return None
            return LocalEffect("templates", order_id)
        case _:
            return None  # a type this client does not know: queued and pushed all the same


def _note(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {"author_id": me, "text": args["text"], "at": parse_time(args["at"])}


def _photo(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {
        "author_id": me,
        "sha256": args["sha256"],
        "size": int(args["size"]),
        "content_type": args["content_type"],
        "width": int(args["width"]),
        "height": int(args["height"]),
        "caption": args.get("caption") or "",
        "taken_at": parse_time(args["taken_at"]),
        "blob_status": "pending",
    }


def _time_log(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {
        "user_id": me,
        "kind": args["kind"],
        "started_at": parse_time(args["started_at"]),
        "ended_at": parse_time(args["ended_at"]),
    }


def _part_usage(args: dict[str, Any], me: str | None) -> dict[str, Any]:
    return {"user_id": me, "sku": args["sku"], "quantity": float(args["quantity"])}


def _signature(args: dict[str, Any], _me: str | None) -> dict[str, Any]:
    return {
        "signer_name": args["signer_name"],
        "sha256": args["sha256"],
        "signed_at": parse_time(args["signed_at"]),
    }


# Evidence types: the child row each adds (keyed by args["id"]), its table, its values.
_CHILDREN: dict[str, tuple[Any, str, Callable[[dict[str, Any], str | None], dict[str, Any]]]] = {
    MutationType.NOTE_ADD: (Note, "notes", _note),
    MutationType.PHOTO_ADD: (Photo, "photos", _photo),
    MutationType.TIME_ADD: (TimeLog, "time_logs", _time_log),
    MutationType.PART_USE: (PartUsage, "part_usages", _part_usage),
    MutationType.SIGNATURE_ADD: (Signature, "signatures", _signature),
}


def author_of(row: Any) -> str | None:
    """Who made a voidable entry (notes and photos have an author, time and parts a user)."""
    return getattr(row, "author_id", None) or getattr(row, "user_id", None)


def _entry_void(
    session: Session, order_id: str, args: dict[str, Any], *, me: str | None
) -> LocalEffect | None:
    model = VOIDABLE.get(args.get("entity", ""))
    row = None if model is None else session.get(model, str(args["id"]))
    order = session.get(Order, order_id)
    if row is None or order is None or row.order_id != order_id:
        return None
    verdict = judge_void(
        relation=relation_of(session, order), is_author=me is not None and author_of(row) == me
    )
    if not verdict.allowed:
        return None
    row.voided = True
    session.flush()
    return LocalEffect(model.__tablename__, row.id)


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
        order.created_at = order.updated_at = at
    for spec in args.get("checklist") or []:
        item_id = str(uuid.UUID(str(spec["id"])))
        item = session.get(ChecklistItem, item_id)
        if item is None:
            item = ChecklistItem(
                id=item_id, order_id=order_id, seq=0, server_data=None, value=None, done=False
            )
            session.add(item)
        if item.server_data is None:
            item.position = int(spec.get("position") or 1)
            item.label = spec.get("label") or ""
            item.kind = spec.get("kind") or "check"
            item.required = bool(spec.get("required", False))
            item.unit, item.min, item.max = spec.get("unit"), spec.get("min"), spec.get("max")
    session.flush()
    return LocalEffect("orders", order_id)


def _conflict_resolve(session: Session, order_id: str, args: dict[str, Any]) -> LocalEffect | None:
    conflict = session.get(Conflict, str(args["conflict_id"]))
    order = session.get(Order, order_id)
    if conflict is None or order is None or conflict.order_id != order_id:
        return None
    choice = args["choice"]
    resolution = {"choice": choice, "value": args.get("value")}
    # Open, or decided by this very mutation on an earlier application (re-applied, so the
    # decided value shows again over a re-pulled order); decided otherwise: the server keeps that.
    if conflict.status != "open" and conflict.resolution != resolution:
        return None
    if not may_resolve(session, conflict).allowed:
        return None
    chosen = conflict.mine if choice == "mine" else args.get("value")
    if choice != "theirs" and not _takes(session, order, conflict, chosen=chosen):
        return None  # the server refuses the decision whole: the conflict stays open
    conflict.status = "resolved"
    conflict.resolution = resolution
    _show_decision(session, order, conflict, choice=choice, chosen=chosen)
    session.flush()
    return LocalEffect("conflicts", conflict.id)


def _takes(session: Session, order: Order, conflict: Conflict, *, chosen: Any) -> bool:
    """Whether the server can write `chosen` (mine, or a value given) where the conflict is."""
    key = (conflict.entity, conflict.field)
    current = Status(order.status)
    if key == (Entity.TIME_LOG.value, "overlap"):
        return chosen is None  # settled by mine or theirs, never a value
    if key == (Entity.CHECKLIST_ITEM.value, "value"):
        # The checklist of finished work is the record; a value comes with its done flag.
        return (
            current not in CHECKLIST_LOCKED
            and isinstance(chosen, dict)
            and isinstance(chosen.get("done"), bool)
        )
    if key == (Entity.WORK_ORDER.value, "status"):
        try:
            to = Status(chosen)
        except ValueError:
            return False
        return to is current or is_legal(current, to)
    if key == (Entity.WORK_ORDER.value, "assignee_id"):
        return chosen == order.assignee_id or judge_assign(status=current, assignee_id=chosen).allowed
    return conflict.entity == Entity.WORK_ORDER and conflict.field in UPDATABLE


def _show_decision(session: Session, order: Order, conflict: Conflict, *, choice: str, chosen: Any) -> None:
    """What the server's conflict.resolve writes, shown at once; its rows replace it when pulled."""
    key = (conflict.entity, conflict.field)
    if key == (Entity.TIME_LOG.value, "overlap"):
        # Both logs are kept; "theirs" means the flagged log was the wrong one.
        log = session.get(TimeLog, conflict.entity_id or "")
        if choice == "theirs" and log is not None and log.order_id == order.id:
            log.voided = True
    elif choice == "theirs":
        return  # the kept value stays
    elif key == (Entity.CHECKLIST_ITEM.value, "value"):
        item = session.get(ChecklistItem, conflict.entity_id or "")
        if item is not None and item.order_id == order.id:
            item.value, item.done = chosen.get("value"), bool(chosen.get("done"))
    elif key == (Entity.WORK_ORDER.value, "status"):
        if Status(chosen) is not Status(order.status):
            _enter(order, Status(chosen), at=None, reason=order.status_reason)
    elif conflict.field == "assignee_id":
        _assign(order, chosen, at=None)
    else:
        set_order_field(order, conflict.field or "", chosen)
