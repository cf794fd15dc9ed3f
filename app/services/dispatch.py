"""Orders made and changed on this device, and conflicts decided: follow-up work, a
dispatcher's edits, conflict resolution. Checked here; ONE local transaction (the caller's)
makes the change and queues its mutation."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.domain import DISPATCHER_FIELDS, Kind, Priority, Role, Status, default_due
from app.domain.protocol import Entity, MutationType
from app.services.types import InvalidInput
from app.services.writes import MAX_NOTE, order_on_device, queue_change, wire_time
from app.store.apply import UPDATABLE, apply_local
from app.store.models import Conflict, Order, OutboxEntry, User
from app.store.outbox import enqueue

MAX_TITLE = 300
MAX_NAME = 300
MAX_ADDRESS = 500
MAX_ASSET = 200
_DISPATCHERS = frozenset({Role.DISPATCHER.value, Role.ADMIN.value})
# Reassigning is refused once the work is done or the order is settled (sync-protocol.md).
_NO_REASSIGN = frozenset({Status.COMPLETED, Status.CLOSED, Status.CANCELLED})
_UNASSIGNABLE = frozenset({Status.NEW, Status.ASSIGNED})
_LABELS = {"assignee_id": "assignee", "due_at": "due time", "requires_signature": "signature requirement"}


def field_label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))


def _text(value: Any, *, name: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {name} must be text.")
    clean = value.strip()
    if required and not clean:
        raise InvalidInput(f"The {name} cannot be empty.")
    if len(clean) > limit:
        raise InvalidInput(f"The {name} is too long (at most {limit} characters).")
    return clean


def _choice(value: Any, enum: type[Kind] | type[Priority], *, name: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(f"Unknown {name} {value!r} (choose {allowed}).") from None


def _coordinate(value: Any, *, name: str, bound: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"The site's {name} must be a number.") from None
    if isinstance(value, bool) or not math.isfinite(number) or abs(number) > bound:
        raise InvalidInput(f"The site's {name} must be between -{bound:g} and {bound:g}.")
    return number


def _mapping(value: Any, *, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"The {name} must be a set of fields.")
    return value


def _assignee(session: Session, value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        user_id = str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a user.") from None
    # The directory may not be pulled yet: only a known directory refuses an unknown id.
    if session.scalar(select(exists().where(User.id.is_not(None)))) and session.get(User, user_id) is None:
        raise InvalidInput("There is no such user in the directory.")
    return user_id


def clean_field(session: Session, name: str, value: Any) -> Any:
    """A dispatcher field's value as it goes on the wire; InvalidInput when it breaks a rule."""
    if name == "title":
        return _text(value, name="title", limit=MAX_TITLE, required=True)
    if name == "description":
        return _text(value, name="description", limit=MAX_NOTE)
    if name == "kind":
        return _choice(value, Kind, name="kind")
    if name == "priority":
        return _choice(value, Priority, name="priority")
    if name == "assignee_id":
        return _assignee(session, value)
    if name == "asset":
        return _text(value, name="asset", limit=MAX_ASSET) or None
    if name == "requires_signature":
        if not isinstance(value, bool):
            raise InvalidInput("Say yes or no to requiring a signature.")
        return value
    if name == "due_at":
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidInput("The due time needs a date, a time and a time zone.")
        return wire_time(value)
    if name == "customer":
        data = _mapping(value, name="customer")
        return {
            "name": _text(data.get("name"), name="customer's name", limit=MAX_NAME),
            "contact": _text(data.get("contact"), name="customer's contact", limit=MAX_ADDRESS) or None,
        }
    if name == "site":
        data = _mapping(value, name="site")
        return {
            "name": _text(data.get("name"), name="site's name", limit=MAX_NAME),
            "address": _text(data.get("address"), name="site's address", limit=MAX_ADDRESS) or None,
            "lat": _coordinate(data.get("lat"), name="latitude", bound=90),
            "lon": _coordinate(data.get("lon"), name="longitude", bound=180),
        }
    raise InvalidInput(f"The {field_label(name)} cannot be changed here.")


def _current(order: Order, name: str) -> Any:
    value = getattr(order, name)
    return wire_time(value) if isinstance(value, datetime) else value


def update_order(
    session: Session, *, order_id: uuid.UUID, fields: Mapping[str, Any], role: str, now: datetime
) -> OutboxEntry | None:
    """Queue an order.update of the fields that differ from the order's; None when none do."""
    if role not in _DISPATCHERS:
        raise InvalidInput("Only a dispatcher can change an order's details.")
    order = order_on_device(session, order_id)
    if not fields:
        raise InvalidInput("Choose what to change.")
    unknown = sorted(set(fields) - UPDATABLE)
    if unknown:
        raise InvalidInput(f"The {field_label(unknown[0])} cannot be changed here.")
    clean = {name: clean_field(session, name, value) for name, value in fields.items()}
    changed = {name: value for name, value in clean.items() if value != _current(order, name)}
    if "assignee_id" in changed:
        status = Status(order.status)
        if status in _NO_REASSIGN:
            raise InvalidInput(f"{order.number or 'This order'} is {status}: it cannot be reassigned.")
        if changed["assignee_id"] is None and status not in _UNASSIGNABLE:
            raise InvalidInput(f"{order.number or 'This order'} is {status}: it cannot be unassigned now.")
    if not changed:
        return None
    return queue_change(
        session,
        type=MutationType.ORDER_UPDATE,
        order=order,
        args={"fields": changed},
        base_seq=order.seq,
        at=now,
    )


def create_follow_up(
    session: Session,
    *,
    from_order_id: uuid.UUID,
    title: str,
    description: str,
    priority: str,
    kind: str,
    now: datetime,
) -> OutboxEntry:
    """A new order (status new, unassigned) for work found on `from_order_id`, at the same
    customer, site and asset; a dispatcher assigns it."""
    source = order_on_device(session, from_order_id)
    level = _choice(priority, Priority, name="priority")
    new_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": new_id,
        "title": _text(title, name="title", limit=MAX_TITLE, required=True),
        "description": _text(description, name="description", limit=MAX_NOTE),
        "kind": _choice(kind, Kind, name="kind"),
        "priority": level,
        "status": Status.NEW.value,
        "assignee_id": None,
        "customer": clean_field(session, "customer", source.customer),
        "site": clean_field(session, "site", source.site),
        "asset": source.asset,
        "due_at": wire_time(default_due(priority=Priority(level), created_at=now)),
        "requires_signature": False,
        "source": "manual",
        "external_id": None,
        "checklist": [],
    }
    entry = enqueue(
        session,
        type=MutationType.ORDER_CREATE.value,
        entity_id=new_id,
        args=args,
        base_seq=None,
        created_at=now,
    )
    apply_local(session, entry)  # makes the order (provisional number) and shows it at once
    return entry


def resolve_conflict(
    session: Session, *, conflict_id: uuid.UUID, choice: str, value: Any, role: str, now: datetime
) -> OutboxEntry:
    conflict = session.get(Conflict, str(conflict_id))
    if conflict is None or conflict.order_id is None:
        raise InvalidInput("This conflict is not on this device.")
    if conflict.status != "open":
        raise InvalidInput("This conflict is already decided.")
    if choice not in ("mine", "theirs", "value"):
        raise InvalidInput("Choose mine, theirs or a new value.")
    dispatcher_field = conflict.entity == Entity.WORK_ORDER and conflict.field in DISPATCHER_FIELDS
    if dispatcher_field and role not in _DISPATCHERS:
        raise InvalidInput(f"Only a dispatcher can decide the {field_label(conflict.field or '')}.")
    order = order_on_device(session, uuid.UUID(conflict.order_id))
    args: dict[str, Any] = {"conflict_id": conflict.id, "choice": choice}
    if choice == "value":
        if value is None:
            raise InvalidInput("Enter the value to keep.")
        args["value"] = clean_field(session, conflict.field or "", value) if dispatcher_field else value
    return queue_change(
        session, type=MutationType.CONFLICT_RESOLVE, order=order, args=args, base_seq=None, at=now
    )
