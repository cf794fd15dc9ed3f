"""What a push batch will change, row-locked before it is applied: one read per kind of row
instead of one per mutation (common.lock_rows; the appliers then find them there)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from app.domain.protocol import Mutation, MutationType
from server_stub.models import Base, ChecklistItem, WorkOrder
from server_stub.sync.apply.common import lock_rows
from server_stub.sync.apply.void import VOIDABLE

# A create's order does not exist yet; a template is not an order.
_NOT_ON_AN_ORDER = frozenset(
    {MutationType.ORDER_CREATE.value, MutationType.TEMPLATE_SAVE.value, MutationType.SCHEDULE_SAVE.value}
)


def lock_ahead(session: Session, mutations: Iterable[Mutation]) -> None:
    """Lock the orders the mutations change, then the checklist items they set and the
    entries they void (always in that order, each kind in id order, so two batches queue
    rather than deadlock). Args are not validated yet: what names no row is left out."""
    rows: dict[type[Base], list[str]] = defaultdict(list)
    for m in mutations:
        if m.type in _NOT_ON_AN_ORDER:
            continue
        rows[WorkOrder].append(str(m.entity_id))
        if m.type == MutationType.CHECKLIST_SET and (item_id := _id(m.args.get("item_id"))):
            rows[ChecklistItem].append(item_id)
        elif m.type == MutationType.ENTRY_VOID and (row_id := _id(m.args.get("id"))):
            entity = m.args.get("entity")
            if isinstance(entity, str) and entity in VOIDABLE:
                rows[VOIDABLE[entity][0]].append(row_id)
    for model, ids in rows.items():  # orders first: the first kind added
        lock_rows(session, model, ids)


def _id(value: Any) -> str | None:
    """An id as the appliers write it (a UUID's canonical text), if it is one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
