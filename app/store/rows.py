"""Rows pulled from the server: write them over local rows, delete them, restore them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from app.domain import LIFECYCLE_FIELDS
from app.domain.protocol import Change, Entity
from app.store.models import (
    ChecklistItem,
    Conflict,
    DeviceStatus,
    HistoryCache,
    Note,
    Order,
    OutboxEntry,
    Part,
    PartUsage,
    Photo,
    Rejection,
    Schedule,
    Signature,
    Template,
    TimeLog,
    User,
)
from app.store.schedules import schedule_values

_ORDER_TIMES = ("due_at", "created_at", "updated_at", *LIFECYCLE_FIELDS.values(), "first_assigned_at")


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    at = datetime.fromisoformat(str(value))
    if at.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return at


def _skills(value: Any) -> list[str]:
    return [str(skill) for skill in value] if isinstance(value, list) else []


def _order_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "number": data.get("number") or "",
        "title": data.get("title") or "",
        "description": data.get("description") or "",
        "kind": data.get("kind") or "repair",
        "priority": data.get("priority") or "normal",
        "status": data["status"],
        "status_reason": data.get("status_reason", data.get("reason")),
        "assignee_id": data.get("assignee_id"),
        "customer": data.get("customer") or {},
        "site": data.get("site") or {},
        "asset": data.get("asset"),
        "requires_signature": bool(data.get("requires_signature", False)),
        # Servers before required skills send none: the order requires none.
        "required_skills": _skills(data.get("required_skills")),
        "source": data.get("source") or "manual",
        "external_id": data.get("external_id"),
        # The dashboard's facts (app.domain.measures); servers before them send none.
        "reopen_count": int(data.get("reopen_count") or 0),
        "follow_up_of": data.get("follow_up_of"),
    }
    for name in _ORDER_TIMES:
        values[name] = _time(data.get(name))
    return values


def _checklist_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "position": int(data.get("position") or 1),
        "label": data.get("label") or "",
        "kind": data.get("kind") or "check",
        "required": bool(data.get("required", False)),
        "value": data.get("value"),
        "done": bool(data.get("done", False)),
        "unit": data.get("unit"),
        "min": data.get("min"),
        "max": data.get("max"),
    }


def _note_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "author_id": data.get("author_id"),
        "text": data.get("text") or "",
        "at": _time(data.get("at")),
        "voided": bool(data.get("voided", False)),
    }


def _photo_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "author_id": data.get("author_id"),
        "sha256": data.get("sha256") or "",
        "size": int(data.get("size") or 0),
        "content_type": data.get("content_type") or "",
        "width": int(data.get("width") or 0),
        "height": int(data.get("height") or 0),
        "caption": data.get("caption") or "",
        "taken_at": _time(data.get("taken_at")),
        "blob_status": data.get("blob_status") or "pending",
        "voided": bool(data.get("voided", False)),
    }


def _time_log_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "user_id": data.get("user_id"),
        "kind": data.get("kind") or "work",
        "started_at": _time(data.get("started_at")),
        "ended_at": _time(data.get("ended_at")),
        "voided": bool(data.get("voided", False)),
    }


def _part_usage_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "user_id": data.get("user_id"),
        "sku": str(data.get("sku") or ""),
        "quantity": float(data.get("quantity") or 0),
        "voided": bool(data.get("voided", False)),
    }


def _part_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "sku": str(data.get("sku") or ""),
        "name": data.get("name") or "",
        "unit": data.get("unit") or "",
    }


def _signature_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": str(data["order_id"]),
        "signer_name": data.get("signer_name") or "",
        "sha256": data.get("sha256") or "",
        "signed_at": _time(data.get("signed_at")),
    }


def _user_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "username": data.get("username") or "",
        "display_name": data.get("display_name") or data.get("username") or "",
        "role": data.get("role") or "technician",
        "skills": data.get("skills"),
        # Servers before the flag send none: everyone they list is active.
        "active": data.get("active") is not False,
    }


def _conflict_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": data.get("order_id"),
        "entity": data.get("entity") or "",
        "entity_id": data.get("entity_id"),
        "field": data.get("field"),
        "mine": data.get("mine"),
        "theirs": data.get("theirs"),
        "mid": data.get("mid"),
        "device_id": data.get("device_id"),
        "status": data.get("status") or "open",
        "resolution": data.get("resolution"),
        # Servers before the desk do not send these.
        "user_id": data.get("user_id"),
        "created_at": _time(data.get("created_at")),
        "order_number": data.get("order_number") or "",
    }


def _template_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": data.get("name") or "",
        "kind": data.get("kind") or "repair",
        "items": [dict(item) for item in data.get("items") or []],
        "archived": bool(data.get("archived", False)),
        "updated_at": _time(data.get("updated_at")),
    }


def _device_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "user_id": str(data.get("user_id") or ""),
        "last_pull_at": _time(data.get("last_pull_at")),
        "pulled_seq": int(data.get("pulled_seq") or 0),
        "last_push_at": _time(data.get("last_push_at")),
    }


# entity -> (model, values from wire data, keeps server_data for re-basing)
# Models typed Any here: every one has id and seq, which the ORM base type does not say.
KINDS: dict[str, tuple[Any, Any, bool]] = {
    Entity.WORK_ORDER: (Order, _order_values, True),
    Entity.CHECKLIST_ITEM: (ChecklistItem, _checklist_values, True),
    Entity.NOTE: (Note, _note_values, True),
    Entity.PHOTO: (Photo, _photo_values, True),
    Entity.TIME_LOG: (TimeLog, _time_log_values, True),
    Entity.PART_USAGE: (PartUsage, _part_usage_values, True),
    Entity.SIGNATURE: (Signature, _signature_values, True),
    Entity.CONFLICT: (Conflict, _conflict_values, True),
    Entity.USER: (User, _user_values, False),
    Entity.PART: (Part, _part_values, False),
    Entity.CHECKLIST_TEMPLATE: (Template, _template_values, True),
    Entity.DEVICE: (DeviceStatus, _device_values, False),
    Entity.SCHEDULE: (Schedule, schedule_values, True),
}

# Rows that belong to one order (removed with it).
ORDER_CHILDREN: tuple[Any, ...] = (ChecklistItem, Note, Photo, TimeLog, PartUsage, Signature, Conflict)
# What a local mutation may have to put back to the server's version (see rebase).
Restorable = (
    Order | ChecklistItem | Note | Photo | TimeLog | PartUsage | Signature | Conflict | Template | Schedule
)


def apply_change(session: Session, change: Change) -> bool:
    """Write one pulled change over the local row. Returns False when it was skipped
    (an entity this client does not keep, or older than the row already held).
    An out-of-scope delete of an order with queued work keeps it until that work is pushed."""
    kind = KINDS.get(change.entity)
    if kind is None:
        return False
    model, values_of, keeps_server_data = kind
    row = session.get(model, change.id)
    if row is not None and row.seq > change.seq:
        return False  # never let an older version replace a newer one
    if change.deleted:
        if change.entity == Entity.WORK_ORDER:
            leave_order(session, order_id=change.id)
        elif row is not None:
            session.delete(row)
            session.flush()
        return True
    if change.data is None:
        raise ValueError(f"{change.entity} {change.id}: a change that is not a delete needs data")
    values = values_of(change.data)
    if row is None:
        row = model(id=change.id)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.seq = change.seq
    if keeps_server_data:
        row.server_data = dict(change.data)
    if isinstance(row, Order):
        row.out_of_scope = False  # (re-)sent by the server: in scope again
    session.flush()
    return True


def _has_queued(session: Session, order_id: str) -> bool:
    return bool(session.scalar(select(exists().where(OutboxEntry.entity_id == order_id))))


def leave_order(session: Session, *, order_id: str) -> None:
    """The order left this device's scope. What is still queued for it is pushed first
    (sync-protocol.md, Pull): until then it stays, marked; `sweep_departed` removes it later."""
    if _has_queued(session, order_id):
        order = session.get(Order, order_id)
        if order is not None:
            order.out_of_scope = True
            session.flush()
        return
    delete_order(session, order_id=order_id)


def sweep_departed(session: Session) -> list[str]:
    """Remove the out-of-scope orders whose queued mutations have all been acknowledged."""
    gone = [
        oid
        for oid in session.scalars(select(Order.id).where(Order.out_of_scope.is_(True)))
        if not _has_queued(session, oid)
    ]
    for oid in gone:
        delete_order(session, order_id=oid)
    return gone


def restore(session: Session, model: type[Restorable], row_id: str) -> None:
    """Put a row back to the server's version as last pulled (a local-only row goes away)."""
    row = session.get(model, row_id)
    if row is None:
        return
    if row.server_data is None:
        session.delete(row)
        session.flush()
        return
    values = {
        Order: _order_values,
        ChecklistItem: _checklist_values,
        Note: _note_values,
        Photo: _photo_values,
        TimeLog: _time_log_values,
        PartUsage: _part_usage_values,
        Signature: _signature_values,
        Conflict: _conflict_values,
        Template: _template_values,
        Schedule: schedule_values,
    }[model](row.server_data)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()


def delete_order(session: Session, *, order_id: str) -> None:
    """Remove an order and every child of it this device keeps, but for its conflicts and
    the refusals of this device's changes to it.

    The server goes on sending a technician the conflicts they lost after the order left
    them (sync-protocol.md: the device that lost pulls it), so a device that never held the
    order has them too: dropping them here made two devices of one user disagree. A refusal
    is the user's to dismiss: a change refused because the order was reassigned is exactly
    what they must learn, after the order has gone.
    """
    for model in ORDER_CHILDREN:
        if model is not Conflict:
            session.execute(delete(model).where(model.order_id == order_id))
    session.execute(delete(Order).where(Order.id == order_id))


def clear_server_rows(session: Session) -> None:
    """Forget every pulled row (another user's data); the outbox is not touched."""
    pulled = (User, Part, Rejection, Order, Template, Schedule, DeviceStatus, HistoryCache)
    for model in (*ORDER_CHILDREN, *pulled):
        session.execute(delete(model))


def reset_server_rows(session: Session) -> None:
    """A pull reset: the server re-sends the whole scope. Orders with queued mutations stay
    (marked out of scope until re-sent) with their children, so unsent work stays visible
    and is pushed; every other pulled row goes, tombstones the server no longer has included
    (a template with a queued save stays: the re-base shows the save again, the re-pull
    brings the server's copy). Refusals are not pulled rows: they stay until the user
    dismisses them; nor are fetched histories (dated copies, shown as such)."""
    kept = select(OutboxEntry.entity_id).distinct()
    session.execute(update(Order).where(Order.id.in_(kept)).values(out_of_scope=True))
    for model in ORDER_CHILDREN:
        session.execute(delete(model).where(or_(model.order_id.is_(None), model.order_id.not_in(kept))))
    session.execute(delete(Order).where(Order.id.not_in(kept)))
    session.execute(delete(Template).where(Template.id.not_in(kept)))
    session.execute(delete(Schedule).where(Schedule.id.not_in(kept)))
    for model in (User, Part, DeviceStatus):
        session.execute(delete(model))
