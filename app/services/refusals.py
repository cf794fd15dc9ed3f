"""Changes of this device the server refused, as the user reads them: what the change was,
why (the plain sentence of its code, never the server's developer message) and what the
order holds instead. Shown until the user dismisses them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status
from app.domain.codes import Code, plain
from app.domain.protocol import MutationType
from app.services.types import InvalidInput, RefusalView
from app.services.words import MOVE_WORD, field_label, status_word
from app.store.access import completion_blockers_of
from app.store.models import ChecklistItem, Order, Rejection, User

_SHORT = 60  # characters of a note shown in "what"
_ENTRY_WORD = {"note": "note", "photo": "photo", "time_log": "time entry", "part_usage": "part"}
_ADDED = {
    MutationType.NOTE_ADD: "note",
    MutationType.PHOTO_ADD: "photo",
    MutationType.TIME_ADD: "time entry",
    MutationType.PART_USE: "part",
    MutationType.SIGNATURE_ADD: "signature",
}


# session.info key: the directory's names, read once per session (an order's screen asks
# three times: its notes, its refusals, its photos).
_NAMES = "ordo_names"


def names(session: Session) -> dict[str, str]:
    """The directory's names by user id (three columns, not whole rows: one read per session)."""
    known: dict[str, str] | None = session.info.get(_NAMES)
    if known is None:
        rows = session.execute(select(User.id, User.display_name, User.username))
        known = session.info[_NAMES] = {row_id: display or username for row_id, display, username in rows}
    return known


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def item_state(*, value: Any, done: bool) -> str:
    """A checklist item's value in words: "95", "pass", "done", "not done"."""
    if value is None or isinstance(value, bool):
        return "done" if done else "not done"
    return _number(value)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def what_of(session: Session, *, type: str, args: Mapping[str, Any], people: Mapping[str, str]) -> str:
    """The change, in words: "Complete", "Checklist: Flue temperature = 95"."""
    match type:
        case MutationType.ORDER_TRANSITION:
            try:
                return MOVE_WORD[Status(args.get("to"))]
            except ValueError:
                return "Change of status"
        case MutationType.ORDER_UPDATE:
            fields = dict(args.get("fields") or {})
            if "assignee_id" in fields and len(fields) == 1:
                who = fields["assignee_id"]
                return f"Assign to {people.get(who, 'a technician')}" if who else "Unassign"
            return "Change " + ", ".join(field_label(name) for name in sorted(fields))
        case MutationType.ORDER_CREATE:
            return f"New order: {_shorten(str(args.get('title') or ''))}"
        case MutationType.CHECKLIST_SET:
            item = session.get(ChecklistItem, str(args.get("item_id")))
            label = item.label if item is not None else "an item"
            return f"Checklist: {label} = {item_state(value=args.get('value'), done=bool(args.get('done')))}"
        case MutationType.NOTE_ADD:
            return f"Note: {_shorten(str(args.get('text') or ''))}"
        case MutationType.PHOTO_ADD:
            caption = str(args.get("caption") or "")
            return f"Photo: {_shorten(caption)}" if caption else "Photo"
        case MutationType.TIME_ADD:
            return f"Time: {args.get('kind') or 'work'}"
        case MutationType.PART_USE:
            return f"Part: {_number(args.get('quantity'))} × {args.get('sku')}"
        case MutationType.SIGNATURE_ADD:
            return f"Signature of {args.get('signer_name') or 'the customer'}"
        case MutationType.ENTRY_VOID:
            return f"Void a {_ENTRY_WORD.get(str(args.get('entity')), 'entry')}"
        case MutationType.CONFLICT_RESOLVE:
            return "Decision on a conflict"
    return "A change"


def kept_of(session: Session, row: Rejection, *, people: Mapping[str, str]) -> str:
    """What the order holds instead, as this device holds it now."""
    order = session.get(Order, row.order_id)
    args = row.args or {}
    if order is None:
        if row.type == MutationType.ORDER_CREATE:
            return "The order was not created."
        return "The order is no longer on this device."
    if row.type in _ADDED:
        return f"The {_ADDED[MutationType(row.type)]} was not added."
    match row.type:
        case MutationType.ORDER_UPDATE if "assignee_id" in (args.get("fields") or {}):
            if order.assignee_id:
                return f"The order stays with {people.get(order.assignee_id, 'its technician')}."
            return "The order stays unassigned."
        case MutationType.ORDER_UPDATE:
            return "The order keeps its details as they were."
        case MutationType.CHECKLIST_SET:
            item = session.get(ChecklistItem, str(args.get("item_id")))
            if item is not None:
                return f"{item.label} stays {item_state(value=item.value, done=item.done)}."
        case MutationType.ENTRY_VOID:
            return "The entry stays."
        case MutationType.CONFLICT_RESOLVE:
            return "The conflict stays as it was."
    return f"The order stays {status_word(order.status)}."


def sentence_of(session: Session, row: Rejection) -> str:
    """Why, in plain words; a blocked completion says what is still open."""
    text = plain(row.code)
    if row.code == Code.COMPLETION_BLOCKED:
        order = session.get(Order, row.order_id)
        blockers = completion_blockers_of(session, order) if order is not None else []
        if blockers:
            text += " Still open: " + "; ".join(blockers) + "."
    return text


def refusal_views(session: Session, *, order_id: str | None = None) -> list[RefusalView]:
    """Refusals not dismissed yet, newest first (of one order, or all)."""
    stmt = select(Rejection).where(Rejection.dismissed.is_(False))
    if order_id is not None:
        stmt = stmt.where(Rejection.order_id == order_id)
    people = names(session)
    views = []
    for row in session.scalars(stmt.order_by(Rejection.mid.desc())):
        order = session.get(Order, row.order_id)
        views.append(
            RefusalView(
                id=row.mid,
                order_id=uuid.UUID(row.order_id),
                order_number=order.number if order is not None else row.order_number,
                what=what_of(session, type=row.type, args=row.args or {}, people=people),
                sentence=sentence_of(session, row),
                kept=kept_of(session, row, people=people),
                at=row.at,
            )
        )
    return views


def dismiss(session: Session, *, refusal_id: int) -> None:
    """Seen: it leaves the lists and the sync bar's count (the row stays, dismissed)."""
    row = session.get(Rejection, refusal_id)
    if row is None:
        raise InvalidInput("This refused change is not on this device.")
    row.dismissed = True
