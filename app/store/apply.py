"""Local application of mutations: ONE function, used when the user acts and when re-basing after a pull."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.domain import DISPATCHER_FIELDS, LIFECYCLE_FIELDS, Status
from app.domain.protocol import Entity, MutationType
from app.store.models import ChecklistItem, Conflict, Note, Order, PartUsage, Photo, Signature, TimeLog
from app.store.outbox import sync_state


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


def _user_id(session: Session) -> str | None:
    user = sync_state(session).user or {}
    return user.get("id")


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


def _assignee_moves(order: Order, assignee: Any, at: datetime | None) -> None:
    # The server's rule (sync-protocol.md, Assigning), mirrored so the change shows at once.
    if assignee and order.status == Status.NEW:
        order.status = Status.ASSIGNED.value
        if at is not None:
            order.assigned_at = at
    elif not assignee and order.status == Status.ASSIGNED:
        order.status = Status.NEW.value


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

    Returns what changed, or None when its target is not on this device (out of
    scope, or not pulled yet): the mutation stays queued all the same.
    """
    order_id = str(mutation.entity_id)
    args = mutation.args
    match mutation.type:
        case MutationType.ORDER_CREATE:
            return _order_create(session, order_id, args, at=_when(mutation))
        case MutationType.ORDER_UPDATE:
            order = session.get(Order, order_id)
            if order is None:
                return None
            fields = dict(args.get("fields") or {})
            for name, value in fields.items():
                set_order_field(order, name, value)
            if "assignee_id" in fields:
                _assignee_moves(order, fields["assignee_id"], _when(mutation))
            session.flush()
            return LocalEffect("orders", order_id)
        case MutationType.ORDER_TRANSITION:
            order = session.get(Order, order_id)
            if order is None:
                return None
            to = Status(args["to"])
            at = parse_time(args["at"])
            order.status = to.value
            order.status_reason = args.get("reason")
            field = LIFECYCLE_FIELDS.get(to)
            if field is not None:
                setattr(order, field, at)
            order.updated_at = at
            return LocalEffect("orders", order_id)
        case MutationType.CHECKLIST_SET:
            item = session.get(ChecklistItem, str(args["item_id"]))
            if item is None or item.order_id != order_id:
                return None
            item.value = args.get("value")
            item.done = bool(args["done"])
            return LocalEffect("checklist_items", item.id)
        case MutationType.NOTE_ADD:
            values = {"author_id": _user_id(session), "text": args["text"], "at": parse_time(args["at"])}
            return _add_child(
                session, Note, order_id=order_id, row_id=args["id"], values=values, table="notes"
            )
        case MutationType.PHOTO_ADD:
            values = {
                "author_id": _user_id(session),
                "sha256": args["sha256"],
                "size": int(args["size"]),
                "content_type": args["content_type"],
                "width": int(args["width"]),
                "height": int(args["height"]),
                "caption": args.get("caption") or "",
                "taken_at": parse_time(args["taken_at"]),
                "blob_status": "pending",
            }
            return _add_child(
                session, Photo, order_id=order_id, row_id=args["id"], values=values, table="photos"
            )
        case MutationType.TIME_ADD:
            values = {
                "user_id": _user_id(session),
                "kind": args["kind"],
                "started_at": parse_time(args["started_at"]),
                "ended_at": parse_time(args["ended_at"]),
            }
            return _add_child(
                session, TimeLog, order_id=order_id, row_id=args["id"], values=values, table="time_logs"
            )
        case MutationType.PART_USE:
            values = {"user_id": _user_id(session), "sku": args["sku"], "quantity": float(args["quantity"])}
            return _add_child(
                session, PartUsage, order_id=order_id, row_id=args["id"], values=values, table="part_usages"
            )
        case MutationType.SIGNATURE_ADD:
            values = {
                "signer_name": args["signer_name"],
                "sha256": args["sha256"],
                "signed_at": parse_time(args["signed_at"]),
            }
            return _add_child(
                session, Signature, order_id=order_id, row_id=args["id"], values=values, table="signatures"
            )
        case MutationType.ENTRY_VOID:
            model = VOIDABLE.get(args.get("entity", ""))
            row = None if model is None else session.get(model, str(args["id"]))
            if row is None or row.order_id != order_id:
                return None
            row.voided = True
            session.flush()
            return LocalEffect(model.__tablename__, row.id)
        case MutationType.CONFLICT_RESOLVE:
            return _conflict_resolve(session, order_id, args)
        case _:
            return None  # a type this client does not know: queued and pushed all the same


def _order_create(
    session: Session, order_id: str, args: dict[str, Any], *, at: datetime | None
) -> LocalEffect:
    order = session.get(Order, order_id)
    if order is None:
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
    if conflict is None or conflict.order_id != order_id:
        return None
    choice = args["choice"]
    conflict.status = "resolved"
    conflict.resolution = {"choice": choice, "value": args.get("value")}
    if choice in ("mine", "value"):
        # Show the decided value at once; the server's row replaces it when pulled.
        value = conflict.mine if choice == "mine" else args.get("value")
        if conflict.entity == Entity.WORK_ORDER and conflict.field in UPDATABLE:
            order = session.get(Order, order_id)
            if order is not None:
                set_order_field(order, conflict.field, value)
        elif conflict.entity == Entity.CHECKLIST_ITEM and conflict.field == "value" and conflict.entity_id:
            item = session.get(ChecklistItem, conflict.entity_id)
            if item is not None and item.order_id == order_id:
                item.value = value
    session.flush()
    return LocalEffect("conflicts", conflict.id)
