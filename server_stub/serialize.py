"""Rows as pulled (sync-protocol.md, "Rows as pulled")."""

from __future__ import annotations

from typing import Any

from app.domain import LIFECYCLE_FIELDS
from server_stub.models import (
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    DeviceStatus,
    Note,
    Part,
    PartUsage,
    Photo,
    Signature,
    TimeLog,
    User,
    WorkOrder,
)
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
        "required_skills": list(row.required_skills or []),
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


def photo(row: Photo) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "author_id": row.author_id,
        "sha256": row.sha256,
        "size": row.size,
        "content_type": row.content_type,
        "width": row.width,
        "height": row.height,
        "caption": row.caption,
        "taken_at": to_wire(row.taken_at),
        "blob_status": row.blob_status,
        "voided": row.voided,
    }


def time_log(row: TimeLog) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "user_id": row.user_id,
        "kind": row.kind,
        "started_at": to_wire(row.started_at),
        "ended_at": to_wire(row.ended_at),
        "voided": row.voided,
    }


def part_usage(row: PartUsage) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "user_id": row.user_id,
        "sku": row.sku,
        "quantity": row.quantity,
        "voided": row.voided,
    }


def signature(row: Signature) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "signer_name": row.signer_name,
        "sha256": row.sha256,
        "signed_at": to_wire(row.signed_at),
    }


def part(row: Part) -> dict[str, Any]:
    return {"sku": row.sku, "name": row.name, "unit": row.unit}


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
        # Who made the losing change, when the server kept it, and on which order.
        "user_id": row.user_id,
        "created_at": to_wire(row.created_at),
        "order_number": row.order_number,
    }


def checklist_template(row: ChecklistTemplate) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "items": [dict(item) for item in row.items or []],
        "archived": row.archived,
        "updated_at": to_wire(row.updated_at),
    }


def device(row: DeviceStatus) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "last_pull_at": to_wire(row.last_pull_at),
        "pulled_seq": row.pulled_seq,
        "last_push_at": to_wire(row.last_push_at),
    }


def user(row: User) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "skills": list(row.skills or []),
        # False once `ordo-server user disable` ran: kept in the directory (their
        # past work names them), never offered as an assignee.
        "active": row.disabled_at is None,
    }
