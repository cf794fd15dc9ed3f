"""Checklist templates: the ones on this device, and saving one (checked against the
rulebook and the limits, then ONE local transaction writes the row and queues its
`template.save`; a refusal puts the server's copy back on the re-base after a pull)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ChecklistKind, Kind
from app.domain.limits import MAX_CHECKLIST_ITEMS, MAX_CHECKLIST_LABEL, MAX_CHECKLIST_UNIT, MAX_NAME
from app.domain.protocol import MutationType, TemplateSaveArgs
from app.services.desk_types import ChecklistDraftItem, TemplateDraft, TemplateView
from app.services.types import InvalidInput
from app.services.writes import refused
from app.store.apply import apply_local
from app.store.models import OutboxEntry, Template
from app.store.outbox import enqueue
from app.store.templates import judge_template_save

_KIND_WORDS = ", ".join(k.value for k in Kind)
_ITEM_KIND_WORDS = ", ".join(k.value for k in ChecklistKind)


def _draft_item(spec: dict[str, Any]) -> ChecklistDraftItem:
    return ChecklistDraftItem(
        label=str(spec.get("label") or ""),
        kind=str(spec.get("kind") or ChecklistKind.CHECK.value),
        required=bool(spec.get("required", False)),
        unit=spec.get("unit"),
        min=spec.get("min"),
        max=spec.get("max"),
    )


def view_of(template: Template, *, pending: bool) -> TemplateView:
    items = sorted(template.items or [], key=lambda spec: int(spec.get("position") or 0))
    return TemplateView(
        id=uuid.UUID(template.id),
        name=template.name,
        kind=template.kind,
        items=[_draft_item(spec) for spec in items],
        archived=template.archived,
        pending=pending,
    )


def _pending_ids(session: Session) -> set[str]:
    saves = select(OutboxEntry.entity_id).where(OutboxEntry.type == MutationType.TEMPLATE_SAVE)
    return set(session.scalars(saves))


def list_templates(session: Session, *, kind: str | None, archived: bool) -> list[TemplateView]:
    """The templates on this device by name: of `kind` when given; archived ones only when
    `archived` (then with the rest)."""
    stmt = select(Template)
    if kind:
        stmt = stmt.where(Template.kind == kind)
    if not archived:
        stmt = stmt.where(Template.archived.is_(False))
    pending = _pending_ids(session)
    rows = sorted(session.scalars(stmt), key=lambda t: (t.name.casefold(), t.id))
    return [view_of(t, pending=t.id in pending) for t in rows]


def _limit(value: float | None, *, what: str, number: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"Item {number}: the {what} must be a number.")
    return float(value)


def _wire_item(item: ChecklistDraftItem, *, position: int) -> dict[str, Any]:
    """One item as the wire carries it, or InvalidInput saying which item and what is wrong."""
    label = (item.label or "").strip()
    if not label:
        raise InvalidInput(f"Item {position} needs a label.")
    if len(label) > MAX_CHECKLIST_LABEL:
        raise InvalidInput(f"Item {position}: the label may have at most {MAX_CHECKLIST_LABEL} characters.")
    if item.kind not in set(ChecklistKind):
        raise InvalidInput(f"Item {position}: the kind must be one of {_ITEM_KIND_WORDS}.")
    spec: dict[str, Any] = {
        "position": position,
        "label": label,
        "kind": item.kind,
        "required": bool(item.required),
    }
    if item.kind != ChecklistKind.NUMBER:
        return spec  # a unit and limits mean something for a measured value only
    unit = (item.unit or "").strip()
    if len(unit) > MAX_CHECKLIST_UNIT:
        raise InvalidInput(f"Item {position}: the unit may have at most {MAX_CHECKLIST_UNIT} characters.")
    low = _limit(item.min, what="lowest value", number=position)
    high = _limit(item.max, what="highest value", number=position)
    if low is not None and high is not None and low > high:
        raise InvalidInput(f"Item {position}: the lowest value is above the highest.")
    if unit:
        spec["unit"] = unit
    if low is not None:
        spec["min"] = low
    if high is not None:
        spec["max"] = high
    return spec


def checked_items(items: Iterable[ChecklistDraftItem]) -> list[dict[str, Any]]:
    """The draft's items as the wire carries them, numbered from 1 in the order given."""
    listed = list(items)
    if not listed:
        raise InvalidInput("A template needs at least one checklist item.")
    if len(listed) > MAX_CHECKLIST_ITEMS:
        raise InvalidInput(f"A checklist has at most {MAX_CHECKLIST_ITEMS} items.")
    return [_wire_item(item, position=n) for n, item in enumerate(listed, start=1)]


def _checked_args(draft: TemplateDraft) -> dict[str, Any]:
    name = (draft.name or "").strip()
    if not name:
        raise InvalidInput("Give the template a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The template's name may have at most {MAX_NAME} characters.")
    if draft.kind not in set(Kind):
        raise InvalidInput(f"The kind of work must be one of {_KIND_WORDS}.")
    args = {
        "name": name,
        "kind": str(draft.kind),
        "items": checked_items(draft.items),
        "archived": bool(draft.archived),
    }
    try:  # the wire's own schema: what passes here, the server parses
        TemplateSaveArgs.model_validate(args)
    except ValidationError as err:
        raise InvalidInput(f"The template cannot be saved: {err.errors()[0]['msg']}.") from err
    return args


def save_template(
    session: Session, *, template_id: uuid.UUID | None, draft: TemplateDraft, role: str, now: datetime
) -> TemplateView:
    """Save a new template (`template_id` None) or a change to one held here; it shows at
    once and is sent with the next sync. Dispatchers and admins only."""
    verdict = judge_template_save(role=role)
    if not verdict.allowed:
        raise refused(verdict, sentence="Only dispatchers and admins can change checklist templates.")
    args = _checked_args(draft)
    if template_id is None:
        row_id, base_seq = str(uuid.uuid4()), None
    else:
        existing = session.get(Template, str(template_id))
        if existing is None:
            raise InvalidInput("This template is not on this device.")
        row_id, base_seq = existing.id, existing.seq or None
    entry = enqueue(
        session,
        type=MutationType.TEMPLATE_SAVE.value,
        entity_id=row_id,
        args=args,
        base_seq=base_seq,
        created_at=now,
    )
    apply_local(session, entry)  # the same function the re-base after a pull uses
    saved = session.get(Template, row_id)
    if saved is None:  # the local apply judges as the check above: never here
        raise InvalidInput("The template was not saved.")
    return view_of(saved, pending=True)
