"""A checklist as the user is writing it: rows with limits still as typed, and the one function
that turns them into the services' items, saying per row what is wrong.

The rows live in the parent's state, so nothing typed is lost when saving fails. An edited
order's rows carry the id of the item they edit (`item_id`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.domain import ChecklistKind
from app.domain.limits import MAX_CHECKLIST_ITEMS, MAX_CHECKLIST_LABEL, MAX_CHECKLIST_UNIT
from app.services.desk_types import ChecklistDraftItem
from app.views.order.checklist import number_text, parse_number


@dataclass(frozen=True, slots=True)
class DraftRow:
    """One item as the user is writing it; `key` stays with it through moves."""

    key: str
    label: str = ""
    kind: str = ChecklistKind.CHECK.value
    required: bool = False
    unit: str = ""
    min: str = ""  # as typed: parsed on save, so "12,5" and mistakes survive a failed save
    max: str = ""
    item_id: str | None = None  # the order's item it edits; None for an item added here


Rows = tuple[DraftRow, ...]
Update = Callable[[Callable[[Rows], Rows]], None]


def new_row(kind: str = ChecklistKind.CHECK.value) -> DraftRow:
    return DraftRow(key=uuid.uuid4().hex, kind=kind)


def rows_from_items(items: Sequence[ChecklistDraftItem]) -> Rows:
    return tuple(
        DraftRow(
            key=uuid.uuid4().hex,
            label=i.label,
            kind=i.kind,
            required=i.required,
            unit=i.unit or "",
            min="" if i.min is None else number_text(i.min),
            max="" if i.max is None else number_text(i.max),
            item_id=i.id,
        )
        for i in items
    )


def _limit(text: str, *, name: str) -> tuple[float | None, str]:
    try:
        value = parse_number(text)
    except ValueError:
        return None, f"{name} “{text.strip()}” is not a number"
    return (None if value is None else float(value)), ""


def items_from_rows(rows: Sequence[DraftRow]) -> tuple[list[ChecklistDraftItem], dict[str, str]]:
    """The services' items, and what is wrong with each row (by row key) in words."""
    items: list[ChecklistDraftItem] = []
    errors: dict[str, str] = {}
    if len(rows) > MAX_CHECKLIST_ITEMS:
        errors["checklist"] = f"A checklist holds at most {MAX_CHECKLIST_ITEMS} items."
    for n, row in enumerate(rows, start=1):
        problems: list[str] = []
        label = row.label.strip()
        if not label:
            problems.append("say what to check")
        elif len(label) > MAX_CHECKLIST_LABEL:
            problems.append(f"the text is longer than {MAX_CHECKLIST_LABEL} characters")
        low = high = None
        unit = row.unit.strip() or None
        if row.kind == ChecklistKind.NUMBER.value:
            low, low_err = _limit(row.min, name="lowest")
            high, high_err = _limit(row.max, name="highest")
            problems += [e for e in (low_err, high_err) if e]
            if low is not None and high is not None and low > high:
                problems.append("the lowest value is above the highest")
            if unit and len(unit) > MAX_CHECKLIST_UNIT:
                problems.append(f"the unit is longer than {MAX_CHECKLIST_UNIT} characters")
        else:
            unit = None
        if problems:
            errors[row.key] = f"Item {n}: " + "; ".join(problems) + "."
            continue
        items.append(
            ChecklistDraftItem(
                label=label,
                kind=row.kind,
                required=row.required,
                unit=unit,
                min=low,
                max=high,
                id=row.item_id,
            )
        )
    return items, errors
