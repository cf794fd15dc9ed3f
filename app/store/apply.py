"""Local application of mutations: ONE function, used when the user acts and when re-basing after a pull."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.domain import LIFECYCLE_FIELDS, Status
from app.domain.protocol import MutationType
from app.store.models import ChecklistItem, Note, Order
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


def apply_local(session: Session, mutation: MutationLike) -> LocalEffect | None:
    """Make `mutation`'s effect on the local rows. Idempotent, so re-applying after a pull is safe.

    Returns what changed, or None when its target is not on this device (out of
    scope, or not pulled yet): the mutation stays queued all the same.
    """
    order_id = str(mutation.entity_id)
    args = mutation.args
    match mutation.type:
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
            note_id = str(uuid.UUID(str(args["id"])))
            note = session.get(Note, note_id)
            if note is None:
                user = sync_state(session).user or {}
                note = Note(id=note_id, order_id=order_id, author_id=user.get("id"), voided=False, seq=0)
                session.add(note)
            if note.server_data is None:  # the server's copy, once pulled, is the truth
                note.text = args["text"]
                note.at = parse_time(args["at"])
            session.flush()
            return LocalEffect("notes", note_id)
        case _:
            # Types this slice does not make locally have no local effect yet.
            return None
