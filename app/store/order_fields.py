"""An order's fields as local application writes them: the dispatcher-owned fields from
their wire values, a change of status, a change of assignee. Shared by the order mutations
(app.store.apply) and the decisions of conflicts (app.store.apply_resolve)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain import DISPATCHER_FIELDS, LIFECYCLE_FIELDS, Status
from app.domain.measures import first_assigned, reopens_after
from app.domain.rules import judge_assign, status_after_assign
from app.store import checklist_def
from app.store.models import Order


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


# Fields an order.update (or a conflict decided for "mine"/"value") may set. The checklist
# definition is rows, not a column: write_order_field hands it to app.store.checklist_def.
UPDATABLE: frozenset[str] = DISPATCHER_FIELDS
PROVISIONAL_PREFIX = "NEW-"


def provisional_number(order_id: str) -> str:
    """What an order made on this device is called until the server gives it its number."""
    return PROVISIONAL_PREFIX + order_id[:6].upper()


def set_order_field(order: Order, name: str, value: Any) -> None:
    """One dispatcher field that is a column of the order, from its wire value (the checklist
    is not one: see write_order_field)."""
    if name not in UPDATABLE or name == "checklist":
        return
    if name == "due_at":
        value = parse_time(value) if value else None
    elif name == "requires_signature":
        value = bool(value)
    elif name in ("customer", "site"):
        value = dict(value or {})
    elif name == "required_skills":
        value = [str(skill) for skill in value] if isinstance(value, list) else []
    setattr(order, name, value)


def write_order_field(session: Session, order: Order, name: str, value: Any) -> None:
    """One dispatcher field, the checklist definition included, as the server writes it."""
    if name == "checklist":
        checklist_def.write_definition(session, order.id, value)
    else:
        set_order_field(order, name, value)


def enter_status(order: Order, to: Status, *, at: datetime | None, reason: str | None) -> None:
    """Put `order` in status `to` as the server's move does: the reason, the step's time,
    and no assignee once back to new."""
    order.reopen_count = reopens_after(count=order.reopen_count, frm=Status(order.status), to=to)
    order.status = to.value
    order.status_reason = reason
    field = LIFECYCLE_FIELDS.get(to)
    if field is not None and at is not None:
        setattr(order, field, at)
    if to is Status.NEW:
        order.assignee_id = None
    if at is not None:
        order.updated_at = at


def assign_order(order: Order, assignee: str | None, *, at: datetime | None) -> None:
    """A change of assignee, when the rulebook allows it, and the status it leaves (new ->
    assigned, assigned -> new, cannot_complete -> assigned); the same assignee changes nothing."""
    status = Status(order.status)
    if assignee == order.assignee_id or not judge_assign(status=status, assignee_id=assignee).allowed:
        return
    order.assignee_id = assignee
    order.first_assigned_at = first_assigned(current=order.first_assigned_at, assignee_id=assignee, at=at)
    after = status_after_assign(status=status, assignee_id=assignee)
    if after is not status:
        enter_status(order, after, at=at, reason=None)
