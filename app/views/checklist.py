"""The checklist of an order: checkboxes, number/text fields saved on submit, pass/fail choices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.domain import ChecklistKind
from app.services.types import ChecklistItemView, ItemId
from app.views.theme import MIN_TOUCH
from app.views.widgets import message_box, tagged

# (item id, value, done) -> an error message for the user, or None when saved
SetFn = Callable[[ItemId, Any, bool], str | None]

PASS, FAIL = "pass", "fail"


def parse_number(text: str) -> float | int | None:
    """'12', '12.5' and '12,5' are numbers; raises ValueError on anything else."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    number = float(cleaned)  # ValueError on garbage, which the caller turns into words
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return int(number) if number.is_integer() and "." not in cleaned else number


def _title(item: ChecklistItemView) -> str:
    return f"{item.label} (required)" if item.required else item.label


def _value_text(value: Any) -> str:
    return "" if value is None else str(value)


@ft.component
def _FieldItem(*, item: ChecklistItemView, on_set: SetFn) -> ft.Control:
    text, set_text = ft.use_state(_value_text(item.value))
    error, set_error = ft.use_state("")
    saved, set_saved = ft.use_state(_value_text(item.value))
    is_number = item.kind == ChecklistKind.NUMBER

    # A newer value arrived (sync, another screen): show it unless the user is mid-edit.
    def follow_stored() -> None:
        if text == saved:
            set_text(_value_text(item.value))
        set_saved(_value_text(item.value))

    ft.use_effect(follow_stored, [_value_text(item.value)])

    def save(_e: ft.Event | None = None) -> None:
        value: Any
        if is_number:
            try:
                value = parse_number(text)
            except ValueError:
                set_error(f"“{text.strip()}” is not a number. Use digits, e.g. 12.5")
                return
        else:
            value = text.strip() or None
        err = on_set(item.id, value, value is not None)
        set_error(err or "")
        if not err:  # show it as stored ("12,5" is kept as 12.5)
            set_saved(_value_text(value))
            set_text(_value_text(value))

    dirty = text != saved
    field = ft.TextField(
        label=_title(item),
        value=text,
        suffix=item.unit or None,
        keyboard_type=ft.KeyboardType.NUMBER if is_number else ft.KeyboardType.TEXT,
        on_change=lambda e: set_text(e.control.value),
        on_submit=save,
        expand=True,
        helper="Press Enter or Save to keep it" if dirty else ("Done" if item.done else None),
    )
    controls: list[ft.Control] = [
        ft.Row(
            [
                field,
                ft.IconButton(
                    ft.Icons.SAVE_OUTLINED,
                    tooltip=f"Save {item.label}",
                    on_click=save,
                    disabled=not dirty,
                    width=MIN_TOUCH,
                    height=MIN_TOUCH,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
    ]
    if error:
        controls.append(message_box(identifier=f"checklist-error-{item.position}", text=error))
    return ft.Column(controls, spacing=2)


def _check_item(*, item: ChecklistItemView, on_set: SetFn) -> ft.Control:
    return ft.Checkbox(
        label=_title(item),
        value=bool(item.done),
        on_change=lambda e: on_set(item.id, bool(e.control.value), bool(e.control.value)),
        height=MIN_TOUCH,
    )


def _pass_fail_item(*, item: ChecklistItemView, on_set: SetFn) -> ft.Control:
    current = item.value if item.value in (PASS, FAIL) else None

    def changed(e: ft.Event) -> None:
        chosen = list(e.control.selected or [])
        value = chosen[0] if chosen else None
        on_set(item.id, value, value is not None)

    return ft.Column(
        [
            ft.Text(_title(item)),
            ft.SegmentedButton(
                segments=[
                    ft.Segment(value=PASS, label=ft.Text("Pass"), icon=ft.Icon(ft.Icons.THUMB_UP_OUTLINED)),
                    ft.Segment(value=FAIL, label=ft.Text("Fail"), icon=ft.Icon(ft.Icons.THUMB_DOWN_OUTLINED)),
                ],
                selected=[current] if current else [],
                allow_empty_selection=True,
                on_change=changed,
            ),
        ],
        spacing=6,
    )


@ft.component
def Checklist(*, items: list[ChecklistItemView], on_set: SetFn) -> ft.Control:
    if not items:
        return ft.Text("This order has no checklist.", italic=True)
    rows: list[ft.Control] = []
    for item in sorted(items, key=lambda i: i.position):
        if item.kind == ChecklistKind.CHECK:
            body = _check_item(item=item, on_set=on_set)
        elif item.kind == ChecklistKind.PASS_FAIL:
            body = _pass_fail_item(item=item, on_set=on_set)
        else:
            body = _FieldItem(item=item, on_set=on_set, key=str(item.id))
        state = "done" if item.done else "not done"
        rows.append(
            tagged(
                f"checklist-item-{item.position}",
                body,
                label=f"Checklist item {item.position}: {_title(item)}, {state}",
            )
        )
    done = sum(1 for i in items if i.done)
    return ft.Column(
        [ft.Text(f"{done} of {len(items)} done", size=13, color=ft.Colors.ON_SURFACE_VARIANT), *rows],
        spacing=8,
    )
