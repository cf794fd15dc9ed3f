"""Editing an order on the desk: the order as a draft for the form (its checklist items with
their ids, which may be removed, whose kind is kept), and saving a draft as ONE order.update
of the fields that changed (app.services.dispatch.update_order: the same checks and the same
local application as any other edit, so it works offline and re-bases after a pull)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain.rules import judge_field_edit
from app.services.checklist_spec import fixed_item_ids, kind_fixed_item_ids
from app.services.create import clean_site
from app.services.desk_types import ChecklistDraftItem, OrderDraft, OrderEdit
from app.services.dispatch import update_order
from app.services.types import InvalidInput, OrderId
from app.services.writes import order_on_device
from app.store.access import relation_of
from app.store.checklist_def import items_of
from app.store.models import Order, OutboxEntry

NOT_A_DISPATCHER = "Only a dispatcher can change an order's details."


def draft_of(session: Session, order: Order) -> OrderDraft:
    """The order as the form shows it; saving it unchanged queues nothing."""
    return OrderDraft(
        title=order.title,
        description=order.description,
        kind=order.kind,
        priority=order.priority,
        due_at=order.due_at,
        customer=dict(order.customer or {}),
        site=dict(order.site or {}),
        asset=order.asset,
        requires_signature=order.requires_signature,
        checklist=[
            ChecklistDraftItem(
                id=item.id,
                label=item.label,
                kind=item.kind,
                required=item.required,
                unit=item.unit,
                min=item.min,
                max=item.max,
            )
            for item in items_of(session, order.id)
        ],
        assignee_id=uuid.UUID(order.assignee_id) if order.assignee_id else None,
        required_skills=tuple(order.required_skills or ()),
    )


def edit_draft(session: Session, *, order_id: OrderId) -> OrderEdit:
    order = order_on_device(session, order_id)
    # The rulebook's word on an edit by this user (a technician's would be a conflict); it
    # refuses no state: a closed or cancelled order's details may still be corrected.
    allowed = judge_field_edit(relation=relation_of(session, order)).allowed
    return OrderEdit(
        order_id=uuid.UUID(order.id),
        number=order.number,
        draft=draft_of(session, order),
        fixed_items=fixed_item_ids(session, order),
        kind_fixed_items=kind_fixed_item_ids(session, order),
        may_edit=allowed,
        why_not=None if allowed else NOT_A_DISPATCHER,
    )


def _fields(session: Session, draft: OrderDraft) -> dict[str, Any]:
    """Every field the form edits, for update_order to check and compare (it queues only the
    changed ones). The assignee is the assign picker's; a due time left empty stays as is."""
    fields: dict[str, Any] = {
        "title": draft.title,
        "description": draft.description,
        "kind": draft.kind,
        "priority": draft.priority,
        "customer": draft.customer,
        "site": clean_site(session, draft.site),
        "asset": draft.asset,
        "requires_signature": draft.requires_signature,
        "required_skills": list(draft.required_skills),
        "checklist": list(draft.checklist),
    }
    if draft.due_at is not None:
        fields["due_at"] = draft.due_at
    return fields


def save_edit(session: Session, *, order_id: OrderId, draft: OrderDraft, now: datetime) -> OutboxEntry | None:
    """Queue ONE order.update of what `draft` changes (InvalidInput naming the field or item
    when it breaks a rule); None when it changes nothing."""
    order = order_on_device(session, order_id)
    if not judge_field_edit(relation=relation_of(session, order)).allowed:
        raise InvalidInput(NOT_A_DISPATCHER)  # before any field's check: who first
    return update_order(session, order_id=order_id, fields=_fields(session, draft), now=now)
