"""The user's writes: check them against app.domain, then ONE local transaction
makes the change and queues its mutation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import (
    REASON_REQUIRED,
    ChecklistKind,
    ChecklistState,
    Role,
    Status,
    completion_blockers,
    is_legal,
    role_may_move,
)
from app.domain.protocol import MutationType
from app.services.types import InvalidInput
from app.store.apply import apply_local
from app.store.models import ChecklistItem, Order, OutboxEntry, Signature
from app.store.outbox import enqueue

MAX_NOTE = 10_000
MAX_REASON = 2_000
MAX_TEXT_VALUE = 2_000
_LOCKED = frozenset({Status.CLOSED, Status.CANCELLED})


def wire_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_on_device(session: Session, order_id: uuid.UUID) -> Order:
    order = session.get(Order, str(order_id))
    if order is None:
        raise InvalidInput("This order is not on this device (it may have been reassigned).")
    if order.out_of_scope:
        # Kept only until what is queued for it is sent: nothing new may be added to that.
        raise InvalidInput(
            f"{order.number or 'This order'} was reassigned: "
            "it leaves this device once your changes are sent."
        )
    return order


def queue_change(
    session: Session,
    *,
    type: MutationType,
    order: Order,
    args: dict[str, Any],
    base_seq: int | None,
    at: datetime,
) -> OutboxEntry:
    entry = enqueue(session, type=type.value, entity_id=order.id, args=args, base_seq=base_seq, created_at=at)
    apply_local(session, entry)  # the same function the re-base after a pull uses
    return entry


def transition(
    session: Session, *, order_id: uuid.UUID, to: Status | str, reason: str | None, role: str, now: datetime
) -> OutboxEntry:
    order = order_on_device(session, order_id)
    try:
        target = Status(to)
    except ValueError:
        raise InvalidInput(f"Unknown status {to!r}.") from None
    current = Status(order.status)
    if not is_legal(current, target):
        raise InvalidInput(f"{order.number or 'This order'} cannot move from {current} to {target}.")
    try:
        user_role = Role(role)
    except ValueError:
        user_role = None
    if user_role is None or not role_may_move(user_role, current, target):
        raise InvalidInput(f"Only a dispatcher can move an order from {current} to {target}.")
    text = (reason or "").strip()
    if target in REASON_REQUIRED and not text:
        raise InvalidInput(f"A reason is required for {target.replace('_', ' ')}.")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    if target is Status.COMPLETED:
        items = session.scalars(select(ChecklistItem).where(ChecklistItem.order_id == order.id))
        blockers = completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
            requires_signature=order.requires_signature,
            has_signature=session.scalar(select(Signature.id).where(Signature.order_id == order.id))
            is not None,
        )
        if blockers:
            raise InvalidInput("Cannot complete yet: " + "; ".join(blockers) + ".")
    args: dict[str, Any] = {"from": current.value, "to": target.value, "at": wire_time(now)}
    if text:
        args["reason"] = text
    return queue_change(
        session, type=MutationType.ORDER_TRANSITION, order=order, args=args, base_seq=order.seq, at=now
    )


def _check_value(item: ChecklistItem, value: Any, *, done: bool) -> Any:
    kind = item.kind
    if kind == ChecklistKind.NUMBER:
        if isinstance(value, str) and value.strip():
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                raise InvalidInput(f"{item.label}: {value!r} is not a number.") from None
        elif isinstance(value, str):
            value = None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidInput(f"{item.label}: enter a number.")
        if isinstance(value, float) and value != value:  # NaN
            raise InvalidInput(f"{item.label}: enter a number.")
    elif kind == ChecklistKind.TEXT:
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{item.label}: enter text.")
        value = (value or "").strip() or None
        if value is not None and len(value) > MAX_TEXT_VALUE:
            raise InvalidInput(f"{item.label}: the text is too long (at most {MAX_TEXT_VALUE} characters).")
    elif kind == ChecklistKind.PASS_FAIL:
        if value not in (None, "pass", "fail"):
            raise InvalidInput(f"{item.label}: choose pass or fail.")
    elif value is not None and not isinstance(value, bool):
        raise InvalidInput(f"{item.label}: a check item takes no value.")
    if done and kind != ChecklistKind.CHECK and value is None:
        raise InvalidInput(f"{item.label}: enter a value before marking it done.")
    return value


def set_checklist(
    session: Session, *, order_id: uuid.UUID, item_id: uuid.UUID, value: Any, done: bool, now: datetime
) -> OutboxEntry:
    order = order_on_device(session, order_id)
    item = session.get(ChecklistItem, str(item_id))
    if item is None or item.order_id != order.id:
        raise InvalidInput("This checklist item is not part of the order.")
    if Status(order.status) in _LOCKED:
        raise InvalidInput(f"{order.number or 'This order'} is {order.status}: its checklist is locked.")
    clean = _check_value(item, value, done=bool(done))
    args = {"item_id": item.id, "value": clean, "done": bool(done)}
    return queue_change(
        session, type=MutationType.CHECKLIST_SET, order=order, args=args, base_seq=item.seq, at=now
    )


def add_note(session: Session, *, order_id: uuid.UUID, text: str, now: datetime) -> OutboxEntry:
    order = order_on_device(session, order_id)
    clean = (text or "").strip()
    if not clean:
        raise InvalidInput("A note cannot be empty.")
    if len(clean) > MAX_NOTE:
        raise InvalidInput(f"The note is too long (at most {MAX_NOTE} characters).")
    args = {"id": str(uuid.uuid4()), "text": clean, "at": wire_time(now)}
    return queue_change(
        session, type=MutationType.NOTE_ADD, order=order, args=args, base_seq=order.seq, at=now
    )
