"""A checklist definition as the desk sends it: each item checked (one set of checks for the
create form, the edit form and a raw order.update), numbered in the order given, and the
rules an edit of an existing order's definition must keep (app.store.checklist_def writes
it the way the server does)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.domain import ChecklistKind
from app.domain.limits import MAX_CHECKLIST_ITEMS, MAX_CHECKLIST_LABEL, MAX_CHECKLIST_UNIT
from app.services.desk_types import ChecklistDraftItem
from app.services.types import InvalidInput
from app.store.checklist_def import DEFINITION, holds_work, items_of
from app.store.models import ChecklistItem, Order

_KINDS = ", ".join(k.value for k in ChecklistKind)


def _limit(value: Any, *, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{what} must be a number.")
    return float(value)


def clean_item(item: ChecklistDraftItem, *, position: int) -> dict[str, Any]:
    """One checklist definition item as the wire takes it (without an id), or InvalidInput
    that names the item by its position."""
    where = f"Checklist item {position}"
    label = item.label.strip() if isinstance(item.label, str) else ""
    if not label:
        raise InvalidInput(f"{where} needs a label.")
    if len(label) > MAX_CHECKLIST_LABEL:
        raise InvalidInput(f"{where}: the label is too long (at most {MAX_CHECKLIST_LABEL} characters).")
    try:
        kind = ChecklistKind(item.kind)
    except ValueError:
        raise InvalidInput(f"{where}: unknown kind {item.kind!r} (choose {_KINDS}).") from None
    if not isinstance(item.required, bool):
        raise InvalidInput(f"{where}: say yes or no to required.")
    unit = item.unit.strip() if isinstance(item.unit, str) else item.unit
    if unit is not None and not isinstance(unit, str):
        raise InvalidInput(f"{where}: the unit must be text.")
    low = _limit(item.min, what=f"{where}: the minimum")
    high = _limit(item.max, what=f"{where}: the maximum")
    if kind is not ChecklistKind.NUMBER and (unit or low is not None or high is not None):
        raise InvalidInput(f"{where}: only number items have a unit or limits.")
    if unit and len(unit) > MAX_CHECKLIST_UNIT:
        raise InvalidInput(f"{where}: the unit is too long (at most {MAX_CHECKLIST_UNIT} characters).")
    if low is not None and high is not None and low > high:
        raise InvalidInput(f"{where}: the minimum is above the maximum.")
    return {
        "position": position,
        "label": label,
        "kind": kind.value,
        "required": item.required,
        "unit": unit or None,
        "min": low,
        "max": high,
    }


def clean_checklist(items: Sequence[ChecklistDraftItem]) -> list[dict[str, Any]]:
    """A checklist definition (numbered 1, 2, ... in the order given), as the wire takes it."""
    if len(items) > MAX_CHECKLIST_ITEMS:
        raise InvalidInput(f"A checklist has at most {MAX_CHECKLIST_ITEMS} items.")
    return [clean_item(item, position=n) for n, item in enumerate(items, start=1)]


def _as_draft(spec: Any, *, position: int) -> ChecklistDraftItem:
    if isinstance(spec, ChecklistDraftItem):
        return spec
    if not isinstance(spec, Mapping):
        raise InvalidInput(f"Checklist item {position} is not a checklist item.")
    return ChecklistDraftItem(
        id=spec.get("id"),
        label=spec.get("label"),  # type: ignore[arg-type]  # checked by clean_item
        kind=spec.get("kind") or ChecklistKind.CHECK.value,
        required=spec.get("required", False),
        unit=spec.get("unit"),
        min=spec.get("min"),
        max=spec.get("max"),
    )


def clean_definition(value: Any) -> list[dict[str, Any]]:
    """An order.update's checklist: every item with an id (a new item gets a fresh one),
    checked, numbered in the order given. Items may be ChecklistDraftItems or wire dicts."""
    if not isinstance(value, list | tuple):
        raise InvalidInput("The checklist must be a list of items.")
    drafts = [_as_draft(spec, position=n) for n, spec in enumerate(value, start=1)]
    clean = clean_checklist(drafts)
    seen: set[str] = set()
    for n, (draft, spec) in enumerate(zip(drafts, clean, strict=True), start=1):
        if draft.id in (None, ""):
            item_id = str(uuid.uuid4())
        else:
            try:
                item_id = str(uuid.UUID(str(draft.id)))
            except ValueError:
                raise InvalidInput(f"Checklist item {n}: {draft.id!r} is not an item's id.") from None
        if item_id in seen:
            raise InvalidInput(f"Checklist item {n} is in the list twice.")
        seen.add(item_id)
        spec["id"] = item_id
    return [{"id": spec["id"], **{name: spec[name] for name in DEFINITION}} for spec in clean]


def _shape(defs: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """A definition without its position numbers: the items and their order."""
    return [(d["id"], *(d[name] for name in DEFINITION if name != "position")) for d in defs]


def same_definition(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> bool:
    """Whether two definitions hold the same items in the same order (however numbered)."""
    return _shape(a) == _shape(b)


def fixed_item_ids(session: Session, order: Order) -> frozenset[str]:
    """Items that cannot be removed: every item of the order held here.

    The server never deletes an item once sent (a left-out item stays). An item pulled from
    the server has been sent; one made here was queued with its order.create or order.update,
    which the worker pushes at once, and this device cannot know whether a push whose answer
    it never got reached the server. So "only on this device" is never known for a saved
    item: removing one here would show a checklist the server does not hold. Items not saved
    yet (no id in a draft) are the ones a form may drop.
    """
    return frozenset(item.id for item in items_of(session, order.id))


def kind_fixed_item_ids(session: Session, order: Order) -> frozenset[str]:
    """Items that hold a value or are done: their kind stays (the value was measured against it)."""
    return frozenset(item.id for item in items_of(session, order.id) if holds_work(item))


def check_definition(session: Session, order: Order, defs: Sequence[Mapping[str, Any]]) -> None:
    """The rules an edit of `order`'s definition keeps, as the server keeps them (there they
    would be kept back quietly; here the user hears why): no saved item removed, no kind
    changed under a value, no item of another order."""
    existing = {item.id: item for item in items_of(session, order.id)}
    sent = {d["id"] for d in defs}
    fixed = fixed_item_ids(session, order)
    for item in existing.values():
        if item.id not in sent and item.id in fixed:
            raise InvalidInput(
                f"Checklist item “{item.label}” cannot be removed: once saved, an item stays on the order."
            )
    for n, d in enumerate(defs, start=1):
        item = existing.get(d["id"])
        if item is None:
            if session.get(ChecklistItem, d["id"]) is not None:
                raise InvalidInput(f"Checklist item {n} belongs to another order.")
        elif holds_work(item) and d["kind"] != item.kind:
            raise InvalidInput(
                f"Checklist item {n} (“{item.label}”) already holds a value: its kind stays {item.kind}."
            )
