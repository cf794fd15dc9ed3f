"""The checklist definition as a dispatcher-owned field of order.update.

Sent as the whole list of items ({id, position, label, kind, required, unit?,
min?, max?}). Items are matched by id: new ids are added, known ones take the
new definition. Two parts of a definition never win over work evidence, so they
are kept back and the mutation is `merged`: an item left out of the list stays
(removing rows also needs child tombstones, which the pull does not carry yet),
and an item that already holds a value keeps its kind.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from app.domain.codes import Code
from app.domain.protocol import ChecklistItemDef
from server_stub.db import next_seq
from server_stub.models import ChecklistItem, WorkOrder
from server_stub.sync.apply.common import Context, Rejected

_DEFS = TypeAdapter(list[ChecklistItemDef])
DEFINITION = ("position", "label", "kind", "required", "unit", "min", "max")


def _as_def(item: ChecklistItem) -> dict[str, Any]:
    return {"id": item.id, **{k: getattr(item, k) for k in DEFINITION}}


def _items(ctx: Context, order: WorkOrder) -> list[ChecklistItem]:
    return list(
        ctx.session.execute(
            select(ChecklistItem).where(ChecklistItem.order_id == order.id).order_by(ChecklistItem.position)
        ).scalars()
    )


def current(ctx: Context, order: WorkOrder) -> list[dict[str, Any]]:
    return [_as_def(item) for item in _items(ctx, order)]


def decode(value: Any) -> list[dict[str, Any]]:
    try:
        defs = _DEFS.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Rejected(Code.INVALID_ARGS, f"fields.checklist.{where}: {first['msg']}") from None
    if len({d.id for d in defs}) != len(defs) or len({d.position for d in defs}) != len(defs):
        raise Rejected(Code.INVALID_ARGS, "fields.checklist: item ids and positions must be unique")
    if any(d.min is not None and d.max is not None and d.min > d.max for d in defs):
        raise Rejected(Code.INVALID_ARGS, "fields.checklist: min above max")
    return sorted((d.model_dump(mode="json", include={"id", *DEFINITION}) for d in defs), key=_position)


def _position(d: dict[str, Any]) -> int:
    return int(d["position"])


def write(ctx: Context, *, order: WorkOrder, defs: list[dict[str, Any]]) -> bool:
    """Write the definition; returns True when part of it was kept back (merged)."""
    existing = {item.id: item for item in _items(ctx, order)}
    kept_back = bool(set(existing) - {d["id"] for d in defs})
    for d in defs:
        item = existing.get(d["id"])
        if item is None:
            if ctx.session.get(ChecklistItem, d["id"]) is not None:
                raise Rejected(Code.ID_CONFLICT, f"checklist item {d['id']} belongs to another order")
            seq = next_seq(ctx.session)
            ctx.session.add(
                ChecklistItem(
                    order_id=order.id, value=None, done=False, seq=seq, value_seq=0, value_device_id=None, **d
                )
            )
            continue
        changes = {k: d[k] for k in DEFINITION if getattr(item, k) != d[k]}
        if "kind" in changes and (item.value is not None or item.done):
            del changes["kind"]  # the value was measured against the old kind
            kept_back = True
        if changes:
            for name, value in changes.items():
                setattr(item, name, value)
            item.seq = next_seq(ctx.session)
    return kept_back
