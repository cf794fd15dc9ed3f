"""Rows as pulled (sync-protocol.md, "Rows as pulled")."""

from __future__ import annotations

from typing import Any

from app.domain import LIFECYCLE_FIELDS
from server_stub.models import ChecklistItem, Conflict, Note, User, WorkOrder
from server_stub.timeutil import to_wire


def work_order(row: WorkOrder) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "description": row.description,
        "kind": row.kind,
        "priority": row.priority,
        "status": row.status,
        "status_reason": row.status_reason,
        "assignee_id": row.assignee_id,
        "customer": row.customer,
        "site": row.site,
        "asset": row.asset,
        "due_at": to_wire(row.due_at),
        "requires_signature": row.requires_signature,
        "source": row.source,
        "external_id": row.external_id,
        "created_at": to_wire(row.created_at),
        "updated_at": to_wire(row.updated_at),
    }
    for field in LIFECYCLE_FIELDS.values():
        data[field] = to_wire(getattr(row, field))
    return data


def checklist_item(row: ChecklistItem) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "position": row.position,
        "label": row.label,
        "kind": row.kind,
        "required": row.required,
        "value": row.value,
        "done": row.done,
        "unit": row.unit,
        "min": row.min,
        "max": row.max,
    }


def note(row: Note) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "author_id": row.author_id,
        "text": row.text,
        "at": to_wire(row.at),
        "voided": row.voided,
    }


def conflict(row: Conflict) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "field": row.field,
        "mine": row.mine,
        "theirs": row.theirs,
        "mid": row.mid,
        "device_id": row.device_id,
        "status": row.status,
        "resolution": row.resolution,
    }


def user(row: User) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "skills": list(row.skills or []),
    }
