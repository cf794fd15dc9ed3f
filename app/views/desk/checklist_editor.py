"""Building a checklist by hand: items of every kind (check, number with unit and limits,
text, pass/fail), required or not, moved up and down, removed. Used by the create form
and the templates screen.

The rows and what they become are `checklist_rows` (re-exported here). On an edited order,
items the server has cannot be removed and those holding a value keep their kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

import flet as ft

from app.domain import ChecklistKind
from app.domain.limits import MAX_CHECKLIST_LABEL
from app.views.desk.checklist_rows import (
    DraftRow,
    Rows,
    Update,
    items_from_rows,
    new_row,
    rows_from_items,
)
from app.views.desk.fields import dropdown, text_field
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

KIND_WORD: dict[str, str] = {
    ChecklistKind.CHECK.value: "Check",
    ChecklistKind.NUMBER.value: "Number",
    ChecklistKind.TEXT.value: "Text",
    ChecklistKind.PASS_FAIL.value: "Pass / fail",
}
_KIND_ICON: dict[str, ft.IconData] = {
    ChecklistKind.CHECK.value: ft.Icons.CHECK_BOX_OUTLINED,
    ChecklistKind.NUMBER.value: ft.Icons.PIN_OUTLINED,
    ChecklistKind.TEXT.value: ft.Icons.SHORT_TEXT,
    ChecklistKind.PASS_FAIL.value: ft.Icons.THUMBS_UP_DOWN_OUTLINED,
}


SENT_STAYS = "Sent items stay on the order"
__all__ = ["ChecklistEditor", "DraftRow", "Rows", "Update", "items_from_rows", "new_row", "rows_from_items"]
_LIMITS_WIDTH = 80 + 90 + 90 + 2 * 8  # unit, lowest, highest and the room between them


# How an item is laid out: all on one line (desktop), two lines, or stacked (phone).
Layout = Literal["line", "two", "stack"]


def _edit(update: Update, key: str, **changes: object) -> None:
    update(lambda rows: tuple(replace(r, **changes) if r.key == key else r for r in rows))  # type: ignore[arg-type]


def _move(update: Update, key: str, step: int) -> None:
    def moved(rows: Rows) -> Rows:
        keys = [r.key for r in rows]
        if key not in keys:
            return rows
        i = keys.index(key)
        j = i + step
        if not 0 <= j < len(rows):
            return rows
        out = list(rows)
        out[i], out[j] = out[j], out[i]
        return tuple(out)

    update(moved)


def _field(identifier: str, *, label: str, value: str, on_text: Callable[[str], None], **kw) -> ft.Control:
    return text_field(identifier, label=label, value=value, on_text=on_text, dense=True, stretch=True, **kw)


def _icon(identifier: str, icon: ft.IconData, *, label: str, on_click, disabled: bool = False) -> ft.Control:
    return tagged(
        identifier,
        ft.IconButton(
            icon, tooltip=label, on_click=on_click, disabled=disabled, width=MIN_TOUCH, height=MIN_TOUCH
        ),
        label=label,
        button=True,
    )


def _kept(ident: str) -> ft.Control:
    """Where Remove would be on an item the server has: a lock that says why it stays."""
    return tagged(
        f"{ident}-kept",
        ft.Container(
            ft.Icon(ft.Icons.LOCK_OUTLINE, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
            width=MIN_TOUCH,
            height=MIN_TOUCH,
            alignment=ft.Alignment.CENTER,
            tooltip=SENT_STAYS,
        ),
        label=SENT_STAYS,
    )


def _row(
    row: DraftRow,
    *,
    n: int,
    count: int,
    update: Update,
    error: str,
    prefix: str,
    layout: Layout,
    fixed: bool = False,
    kind_fixed: bool = False,
) -> ft.Control:
    ident = f"{prefix}-{n}"
    number = ft.Container(
        ft.Text(f"{n}.", weight=ft.FontWeight.W_600),
        width=28,
        padding=ft.Padding.only(top=0 if layout == "line" else 12),
    )
    label = _field(
        f"{ident}-label",
        label=f"Item {n}: what to check",
        value=row.label,
        on_text=lambda t: _edit(update, row.key, label=t),
        max_length=MAX_CHECKLIST_LABEL,
        counter="",
    )
    kind = dropdown(
        f"{ident}-kind",
        label="Kind",
        value=row.kind,
        options=[(k, w, _KIND_ICON[k]) for k, w in KIND_WORD.items()],
        on_pick=lambda v: _edit(update, row.key, kind=v or row.kind),
        width=170,
        dense=True,
        # An item that holds a value keeps its kind: the value would mean nothing in another.
        disabled=kind_fixed,
        spoken=f"Item {n} kind" + (", locked: it holds a value" if kind_fixed else ""),
    )
    required = tagged(
        f"{ident}-required",
        ft.Checkbox(
            label="Required",
            value=row.required,
            on_change=lambda e: _edit(update, row.key, required=bool(e.control.value)),
        ),
        label=f"Item {n} required",
    )
    limits: list[ft.Control] = []
    if row.kind == ChecklistKind.NUMBER.value:
        limits = [
            _field(
                f"{ident}-unit",
                label="Unit",
                value=row.unit,
                width=80,
                on_text=lambda t: _edit(update, row.key, unit=t),
            ),
            _field(
                f"{ident}-min",
                label="Lowest",
                value=row.min,
                width=90,
                on_text=lambda t: _edit(update, row.key, min=t),
                keyboard_type=ft.KeyboardType.NUMBER,
            ),
            _field(
                f"{ident}-max",
                label="Highest",
                value=row.max,
                width=90,
                on_text=lambda t: _edit(update, row.key, max=t),
                keyboard_type=ft.KeyboardType.NUMBER,
            ),
        ]
    moves = [
        _icon(
            f"{ident}-up",
            ft.Icons.ARROW_UPWARD,
            label=f"Move item {n} up",
            on_click=lambda: _move(update, row.key, -1),
            disabled=n == 1,
        ),
        _icon(
            f"{ident}-down",
            ft.Icons.ARROW_DOWNWARD,
            label=f"Move item {n} down",
            on_click=lambda: _move(update, row.key, 1),
            disabled=n == count,
        ),
        _kept(ident)
        if fixed
        else _icon(
            f"{ident}-remove",
            ft.Icons.DELETE_OUTLINE,
            label=f"Remove item {n}",
            on_click=lambda: update(lambda rows: tuple(r for r in rows if r.key != row.key)),
        ),
    ]
    top = ft.CrossAxisAlignment.START
    if layout == "line":  # one line per item: what, kind, required, limits, moves
        lines: list[ft.Control] = [
            ft.Row(
                # Rows without limits keep the room free, so every column lines up.
                [number, label, kind, required, *(limits or [ft.Container(width=_LIMITS_WIDTH)]), *moves],
                spacing=8,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        ]
    elif layout == "two":  # what on one line, the rest on the next
        lines = [
            ft.Row([number, label], spacing=4, vertical_alignment=top),
            ft.Row(
                [ft.Container(width=28), kind, required, *limits, ft.Container(expand=True), *moves],
                spacing=8,
            ),
        ]
    else:  # a phone stacks them, the moves last where a thumb reaches
        lines = [
            ft.Row([number, label], spacing=4, vertical_alignment=top),
            ft.Row([kind, required], spacing=8),
        ]
        if limits:
            lines.append(ft.Row(limits, spacing=8))
        lines.append(ft.Row(moves, spacing=0, alignment=ft.MainAxisAlignment.END))
    if error:
        lines.append(
            tagged(
                f"{ident}-error",
                ft.Row(
                    [
                        ft.Container(width=28),
                        ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ERROR, size=18),
                        ft.Text(error, color=ft.Colors.ERROR, size=13, expand=True),
                    ],
                    spacing=6,
                ),
                label=error,
                live_region=True,
            )
        )
    return tagged(
        ident,
        ft.Container(
            content=ft.Column(lines, spacing=6),
            padding=ft.Padding.symmetric(horizontal=8, vertical=8),
            border=ft.Border.all(1, ft.Colors.ERROR if error else ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        ),
        label=f"Checklist item {n}: {row.label or 'no text yet'}, {KIND_WORD.get(row.kind, row.kind)}"
        + (", required" if row.required else ""),
    )


@ft.component
def ChecklistEditor(
    *,
    rows: Rows,
    update: Update,
    errors: dict[str, str] | None = None,
    prefix: str = "checklist-edit",
    layout: Layout = "line",
    fixed: frozenset[str] = frozenset(),
    kind_fixed: frozenset[str] = frozenset(),
) -> ft.Control:
    """The rows, then one button per kind of item to add. Rows whose `item_id` is in `fixed`
    cannot be removed (the server has them), those in `kind_fixed` keep their kind."""
    errors = errors or {}
    controls: list[ft.Control] = []
    if not rows:
        controls.append(
            ft.Text(
                "No checklist yet: start from a template, or add items below.",
                italic=True,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    if any(r.item_id in fixed for r in rows):
        controls.append(
            tagged(
                f"{prefix}-kept-note",
                ft.Row(
                    [
                        ft.Icon(ft.Icons.LOCK_OUTLINE, size=16, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Text(
                            f"{SENT_STAYS}: they can be reworded, not removed. "
                            "An item that holds a value keeps its kind.",
                            size=13,
                            color=ft.Colors.ON_SURFACE_VARIANT,
                            expand=True,
                        ),
                    ],
                    spacing=6,
                ),
                label=SENT_STAYS,
            )
        )
    controls += [
        _row(
            r,
            n=n,
            count=len(rows),
            update=update,
            error=errors.get(r.key, ""),
            prefix=prefix,
            layout=layout,
            fixed=r.item_id in fixed,
            kind_fixed=r.item_id in kind_fixed,
        )
        for n, r in enumerate(rows, start=1)
    ]
    adders = [
        tagged(
            f"{prefix}-add-{kind}",
            ft.OutlinedButton(
                f"Add {word.lower()}",
                icon=_KIND_ICON[kind],
                on_click=lambda _e, k=kind: update(lambda rs: (*rs, new_row(k))),
                height=MIN_TOUCH - 8,
            ),
            label=f"Add a {word.lower()} item",
            button=True,
        )
        for kind, word in KIND_WORD.items()
    ]
    controls.append(ft.Row(adders, spacing=8, run_spacing=8, wrap=True))
    if errors.get("checklist"):
        controls.append(ft.Text(errors["checklist"], color=ft.Colors.ERROR))
    return ft.Column(controls, spacing=8)
