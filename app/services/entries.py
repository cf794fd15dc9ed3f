"""The technician's evidence: time logs, parts used, and voiding an entry. Each is checked
here, then ONE local transaction (the caller's) makes the change and queues its mutation."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.domain.limits import MAX_PART_QUANTITY, MAX_REASON, MAX_SKU
from app.domain.protocol import MutationType
from app.domain.rules import judge_void
from app.services.types import InvalidInput
from app.services.writes import evidence_order, order_on_device, queue_change, refused, wire_time
from app.store.access import device_user, relation_of
from app.store.apply import VOIDABLE, author_of
from app.store.models import OutboxEntry, Part

TIME_KINDS = ("travel", "work", "break")
MAX_TIME_LOG = timedelta(hours=24)
# Phones' clocks drift: an end a few minutes ahead of ours is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


def _aware(value: Any, *, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(f"Enter the {name} time.")
    if value.tzinfo is None:
        raise InvalidInput(f"The {name} time needs a time zone.")
    return value


def log_time(
    session: Session,
    *,
    order_id: uuid.UUID,
    kind: str,
    started_at: datetime,
    ended_at: datetime,
    now: datetime,
) -> OutboxEntry:
    if kind not in TIME_KINDS:
        raise InvalidInput("Choose travel, work or break.")
    start, end = _aware(started_at, name="start"), _aware(ended_at, name="end")
    if end <= start:
        raise InvalidInput("The end must be after the start.")
    if end - start > MAX_TIME_LOG:
        raise InvalidInput("One time entry can be at most 24 hours long: split it into days.")
    if end > now + CLOCK_SKEW:
        raise InvalidInput("Time cannot be logged ahead: the end is in the future.")
    order = evidence_order(session, order_id=order_id, kind=MutationType.TIME_ADD)
    # Overlaps with the person's other entries are not refused here: the server flags them
    # as a conflict for a dispatcher, and never drops a time log.
    args = {"id": str(uuid.uuid4()), "kind": kind, "started_at": wire_time(start), "ended_at": wire_time(end)}
    return queue_change(
        session, type=MutationType.TIME_ADD, order=order, args=args, base_seq=order.seq, at=now
    )


def _quantity(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise InvalidInput(f"{value!r} is not a quantity.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("Enter the quantity as a number.")
    if value <= 0:
        raise InvalidInput("The quantity must be more than zero.")
    if value > MAX_PART_QUANTITY:
        raise InvalidInput(f"The quantity is too large (at most {MAX_PART_QUANTITY:,}).")
    return float(value)


def use_part(session: Session, *, order_id: uuid.UUID, sku: str, quantity: Any, now: datetime) -> OutboxEntry:
    code = (sku or "").strip()
    if not code:
        raise InvalidInput("Enter the part's SKU.")
    if len(code) > MAX_SKU:
        raise InvalidInput(f"The SKU is too long (at most {MAX_SKU} characters).")
    amount = _quantity(quantity)
    # The catalogue may not be pulled yet (first sync): only a known catalogue refuses.
    has_catalogue = session.scalar(select(exists().where(Part.id.is_not(None))))
    if has_catalogue and session.scalar(select(Part.id).where(Part.sku == code).limit(1)) is None:
        raise InvalidInput(f"There is no part {code!r} in the catalogue.")
    order = evidence_order(session, order_id=order_id, kind=MutationType.PART_USE)
    args = {"id": str(uuid.uuid4()), "sku": code, "quantity": amount}
    return queue_change(
        session, type=MutationType.PART_USE, order=order, args=args, base_seq=order.seq, at=now
    )


def void_entry(
    session: Session,
    *,
    order_id: uuid.UUID,
    entity: str,
    entry_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> OutboxEntry:
    order = order_on_device(session, order_id)
    model = VOIDABLE.get(entity)
    if model is None:
        raise InvalidInput(f"{entity!r} entries cannot be voided (notes, photos, time and parts can).")
    row = session.get(model, str(entry_id))
    if row is None or row.order_id != order.id:
        raise InvalidInput("This entry is not part of the order.")
    if row.voided:
        raise InvalidInput("This entry is already voided.")
    verdict = judge_void(
        relation=relation_of(session, order), is_author=author_of(row) == device_user(session).id
    )
    if not verdict.allowed:
        raise refused(verdict, sentence="Only its author or a dispatcher can void this entry.")
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("Say why the entry is voided.")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    args = {"entity": entity, "id": row.id, "reason": text}
    return queue_change(
        session, type=MutationType.ENTRY_VOID, order=order, args=args, base_seq=order.seq, at=now
    )
