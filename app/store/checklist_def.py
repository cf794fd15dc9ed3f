"""An order's checklist definition on this device: read as the wire sends it, and written
from an order.create or an order.update the way the server writes it
(server_stub/sync/apply/checklist_def.py), so a lone device shows what the server will hold.

Items are matched by id: new ids are added, known ones take the new definition. An item
left out of the list stays (the server never deletes an item once sent), and an item that
already holds a value or is done keeps its kind (the value was measured against it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import ChecklistItem

# The parts of an item that are its definition (the rest, value and done, is work evidence).
DEFINITION = ("position", "label", "kind", "required", "unit", "min", "max")


def items_of(session: Session, order_id: str) -> list[ChecklistItem]:
    stmt = select(ChecklistItem).where(ChecklistItem.order_id == order_id).order_by(ChecklistItem.position)
    return list(session.scalars(stmt))


def as_def(item: ChecklistItem) -> dict[str, Any]:
    return {"id": item.id, **{name: getattr(item, name) for name in DEFINITION}}


def definition_of(session: Session, order_id: str) -> list[dict[str, Any]]:
    """The order's checklist definition as an order.update sends it, by position."""
    return [as_def(item) for item in items_of(session, order_id)]


def holds_work(item: ChecklistItem) -> bool:
    """Whether an item holds a value or is done: then its kind stays."""
    return item.value is not None or bool(item.done)


def _spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "position": int(spec.get("position") or 1),
        "label": spec.get("label") or "",
        "kind": spec.get("kind") or "check",
        "required": bool(spec.get("required", False)),
        "unit": spec.get("unit"),
        "min": spec.get("min"),
        "max": spec.get("max"),
    }


def item_ids(specs: Any) -> list[str]:
    """The item ids a definition names (for undoing its local effect); bad ones left out."""
    ids = []
    for spec in specs if isinstance(specs, list) else []:
        try:
            ids.append(str(uuid.UUID(str(spec.get("id")))))
        except (AttributeError, ValueError):
            continue
    return ids


def _new_item(session: Session, item_id: str, order_id: str) -> ChecklistItem:
    item = ChecklistItem(id=item_id, order_id=order_id, seq=0, server_data=None, value=None, done=False)
    session.add(item)
    return item


def create_items(session: Session, order_id: str, specs: Iterable[Mapping[str, Any]]) -> None:
    """The checklist of an order.create made here: each item as sent, until the server's row
    (pulled: server_data set) is the truth."""
    for spec in specs:
        item_id = str(uuid.UUID(str(spec["id"])))
        item = session.get(ChecklistItem, item_id)
        if item is None:
            item = _new_item(session, item_id, order_id)
        if item.server_data is None:
            for name, value in _spec(spec).items():
                setattr(item, name, value)


def write_definition(session: Session, order_id: str, specs: Any) -> bool:
    """An order.update's checklist: new ids added, known ones take the new definition, left-out
    items stay, an item holding work keeps its kind. Returns False (nothing written) when the
    server would refuse it whole: not a list of items, or an id of another order's item."""
    if not isinstance(specs, list):
        return False
    try:
        wanted = [(str(uuid.UUID(str(spec["id"]))), _spec(spec)) for spec in specs]
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    existing = {item.id: item for item in items_of(session, order_id)}
    others = [i for i, _ in wanted if i not in existing and session.get(ChecklistItem, i) is not None]
    if others:
        return False  # the server answers id_conflict: nothing changes
    for item_id, definition in wanted:
        item = existing.get(item_id)
        if item is None:
            item = _new_item(session, item_id, order_id)
        elif holds_work(item):
            definition = {k: v for k, v in definition.items() if k != "kind"}
        for name, value in definition.items():
            setattr(item, name, value)
    session.flush()
    return True
