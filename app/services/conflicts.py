"""Conflicts on this device: ONE read model for an order's page (its conflicts, decided
ones too) and for the conflicts desk (open ones, of every order or of one), both values in
words, who made the losing change, when and on which device."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.protocol import Entity, MutationType
from app.domain.skills import skills_words
from app.services.desk_types import ConflictRow
from app.services.refusals import item_state, names
from app.services.types import ConflictView
from app.services.words import status_word
from app.store.access import may_resolve
from app.store.models import ChecklistItem, Conflict, Order, OutboxEntry
from app.store.outbox import sync_state

# --- values in words -----------------------------------------------------------------------


def device_words(device_id: str | None, *, ours: str) -> str:
    """Which device, for people: "this device", or the start of its id."""
    if not device_id:
        return ""
    return "this device" if device_id == ours else f"device {device_id[:8]}"


def _time_words(value: Any, *, form: str = "%d %b %Y %H:%M") -> str:
    """A wire time in this device's zone ("25 Nov 2026 13:00"); as it came when unreadable."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format(at.astimezone() if at.tzinfo is not None else at, form)


def _span_words(span: Any) -> str:
    """A logged span of time: "Work 25 Nov 2026 08:00 – 09:30"."""
    if not isinstance(span, Mapping):
        return str(span)
    start, end = span.get("started_at"), span.get("ended_at")
    kind = str(span.get("kind") or "work").capitalize()
    if start is None or end is None:
        return kind
    return f"{kind} {_time_words(start)} – {_time_words(end, form='%H:%M')}"


def _checklist_words(value: Any, item: ChecklistItem | None) -> str:
    if not isinstance(value, Mapping):
        value = {"value": value, "done": value is not None}
    typed, done = value.get("value"), bool(value.get("done"))
    if typed is None or isinstance(typed, bool):
        return "Done" if done else "Not done"
    if item is not None and item.kind == "pass_fail":
        words = {"pass": "Pass", "fail": "Fail"}.get(str(typed), str(typed))
    else:
        words = item_state(value=typed, done=done)
        if item is not None and item.unit and isinstance(typed, int | float):
            words += f" {item.unit}"
    return words if done else f"{words} (not done)"


def _joined(value: Mapping[str, Any], keys: Iterable[str]) -> str:
    return ", ".join(str(value[k]) for k in keys if value.get(k) not in (None, ""))


def value_words(session: Session, conflict: Conflict, value: Any, *, people: Mapping[str, str]) -> str:
    """One side of a conflict for people: "Urgent", "72.5 °C", "Done", "Ben Brook"; never JSON."""
    field = conflict.field or ""
    if conflict.entity == Entity.CHECKLIST_ITEM and field == "value":
        return _checklist_words(value, session.get(ChecklistItem, conflict.entity_id or ""))
    if conflict.entity == Entity.TIME_LOG and field == "overlap":
        spans = value if isinstance(value, list) else [value]
        return "; ".join(_span_words(s) for s in spans) or "Nothing"
    if field == "assignee_id":
        return "Unassigned" if not value else people.get(str(value), "Someone not in the directory")
    if value is None or value == "":
        return "Nothing"
    if field == "status":
        return status_word(str(value))
    if field in ("priority", "kind"):
        return str(value).replace("_", " ").capitalize()
    if field == "due_at":
        return _time_words(value)
    if field == "checklist" and isinstance(value, list):  # a definition: its items by label
        labels = [str(d.get("label") or "") if isinstance(d, Mapping) else str(d) for d in value]
        return "; ".join(labels) or "No items"
    if field == "required_skills" and isinstance(value, list):
        return skills_words(str(tag) for tag in value).capitalize()
    if field == "requires_signature":
        return "Required" if value else "Not required"
    if isinstance(value, Mapping):
        return _joined(value, ("name", "address", "contact")) or "Nothing"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return item_state(value=value, done=True) if isinstance(value, float) else str(value)


# --- the read model -------------------------------------------------------------------------


def open_conflict_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open")) or 0


def _label(session: Session, c: Conflict) -> str:
    if c.entity == Entity.CHECKLIST_ITEM and c.entity_id:
        item = session.get(ChecklistItem, c.entity_id)
        return f"checklist: {item.label}" if item is not None else "checklist item"
    return (c.field or "").replace("_", " ")


def _deciding(session: Session, order_ids: Iterable[str]) -> set[str]:
    """Conflicts decided on this device whose decision is still queued."""
    stmt = select(OutboxEntry.args).where(
        OutboxEntry.type == MutationType.CONFLICT_RESOLVE, OutboxEntry.entity_id.in_(list(order_ids))
    )
    return {str(args.get("conflict_id")) for args in session.scalars(stmt)}


def _view(session: Session, c: Conflict, *, deciding: set[str]) -> ConflictView:
    return ConflictView(
        id=uuid.UUID(c.id),
        entity=c.entity,
        field=c.field or "",
        label=_label(session, c),
        mine=c.mine,
        theirs=c.theirs,
        status=c.status,
        resolution=c.resolution,
        pending=c.id in deciding,
        may_resolve=c.status == "open" and may_resolve(session, c).allowed,
    )


def conflict_rows(
    session: Session, *, user_id: str, order_id: str | None = None, open_only: bool = True
) -> list[ConflictRow]:
    """Conflicts of every order on this device (or of `order_id`'s), open ones only unless
    `open_only` is False; open ones first, then newest first (those the server gave no time
    last, then by the server's order)."""
    stmt = select(Conflict).where(Conflict.order_id.is_not(None))  # always about an order
    if order_id is not None:
        stmt = stmt.where(Conflict.order_id == order_id)
    if open_only:
        stmt = stmt.where(Conflict.status == "open")
    conflicts = list(session.scalars(stmt))
    people = names(session)
    ours = sync_state(session).device_id
    deciding = _deciding(session, {c.order_id for c in conflicts if c.order_id})
    orders: dict[str, Order | None] = {}
    rows: list[tuple[Conflict, ConflictRow]] = []
    for c in conflicts:
        oid = str(c.order_id)
        if oid not in orders:
            orders[oid] = session.get(Order, oid)
        order = orders[oid]
        who = "You" if c.user_id and c.user_id == user_id else people.get(c.user_id or "", "")
        row = ConflictRow(
            conflict=_view(session, c, deciding=deciding),
            order_id=uuid.UUID(oid),
            order_number=(order.number if order is not None else "") or c.order_number,
            order_title=order.title if order is not None else "",
            mine_words=value_words(session, c, c.mine, people=people),
            theirs_words=value_words(session, c, c.theirs, people=people),
            made_by=who,
            made_at=c.created_at,
            device=device_words(c.device_id, ours=ours),
        )
        rows.append((c, row))
    rows.sort(
        key=lambda pair: (
            pair[0].status != "open",
            pair[1].made_at is None,
            -(pair[1].made_at.timestamp() if pair[1].made_at is not None else 0.0),
            -pair[0].seq,
            pair[1].order_number,
            pair[1].conflict.label,
        )
    )
    return [row for _, row in rows]
