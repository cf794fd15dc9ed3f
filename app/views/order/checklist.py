"""The checklist of an order: checkboxes, number/text fields saved on submit, pass/fail choices.

Editable only where the rulebook offers it (`Offers.checklist`); otherwise the values
are shown read-only, with the reason. A number outside its item's limits is kept as
measured and flagged "out of range" in words, with the limits, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.domain import ChecklistKind, Status
from app.domain.rules import CHECKLIST_LOCKED
from app.services.types import ChecklistItemView, ItemId
from app.views.shared.theme import MIN_TOUCH, STATUS_WORD
from app.views.shared.widgets import message_box, tagged

# (item id, value, done) -> an error message for the user, or None when saved
SetFn = Callable[[ItemId, Any, bool], str | None]
FollowUpFn = Callable[[ChecklistItemView], None]  # opens the follow-up form from a failed item

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


def number_text(value: float) -> str:
    """12.0 -> '12', 12.5 -> '12.5': limits and readings as people write them."""
    return str(int(value)) if float(value).is_integer() else str(value)


def limits_text(item: ChecklistItemView) -> str:
    """'55–80 °C', 'at least 55 °C', 'at most 80 °C', or '' for an item without limits."""
    unit = f" {item.unit}" if item.unit else ""
    low, high = item.min, item.max
    if low is not None and high is not None:
        return f"{number_text(low)}–{number_text(high)}{unit}"
    if low is not None:
        return f"at least {number_text(low)}{unit}"
    if high is not None:
        return f"at most {number_text(high)}{unit}"
    return ""


def range_text(item: ChecklistItemView) -> str:
    """The out-of-range flag in words ('' when the value is within its limits)."""
    if not item.out_of_range:
        return ""
    limits = limits_text(item)
    return f"Out of range (limits {limits}): kept as measured" if limits else "Out of range: kept as measured"


def value_text(item: ChecklistItemView) -> str:
    """An item's value as the read-only checklist shows it."""
    if item.kind == ChecklistKind.CHECK:
        return "Done" if item.done else "Not done"
    if item.value is None or item.value == "":
        return "Not filled in"
    if item.kind == ChecklistKind.PASS_FAIL:
        return {PASS: "Pass", FAIL: "Fail"}.get(str(item.value), str(item.value))
    if item.kind == ChecklistKind.NUMBER and isinstance(item.value, int | float):
        return number_text(item.value) + (f" {item.unit}" if item.unit else "")
    return str(item.value)


def readonly_reason(status: Status) -> str:
    """Why the checklist is shown read-only to this user on this order."""
    if status in CHECKLIST_LOCKED:
        return f"The order is {STATUS_WORD[status].lower()}: its checklist is the record and stays as it is."
    if status is Status.CANCELLED:
        return "The order is cancelled: its checklist stays as it was."
    return "The assigned technician fills in the checklist; you see it as they left it."


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
        helper=_helper(item, dirty=dirty),
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
    if item.out_of_range and not dirty:
        controls.append(_range_flag(item))
    if error:
        controls.append(message_box(identifier=f"checklist-error-{item.position}", text=error))
    return ft.Column(controls, spacing=2)


def _helper(item: ChecklistItemView, *, dirty: bool) -> str | None:
    if dirty:
        return "Press Enter or Save to keep it"
    words = [f"Limits {limits_text(item)}"] if limits_text(item) else []
    if item.done:
        words.append("Done")
    return " · ".join(words) or None


def _range_flag(item: ChecklistItemView) -> ft.Control:
    """Word, icon and colour together: the flag reads the same without colour."""
    words = range_text(item)
    return tagged(
        f"checklist-range-{item.position}",
        ft.Row(
            [
                ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR, size=18),
                ft.Text(words, color=ft.Colors.ERROR, weight=ft.FontWeight.W_600, size=13, expand=True),
            ],
            spacing=6,
        ),
        label=words,
    )


def _readonly_item(item: ChecklistItemView) -> ft.Control:
    done = item.done
    lines: list[ft.Control] = [
        ft.Text(_title(item)),
        ft.Text(value_text(item), weight=ft.FontWeight.W_600),
    ]
    if limits_text(item):
        lines.append(ft.Text(f"Limits {limits_text(item)}", size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if item.out_of_range:
        lines.append(_range_flag(item))
    return ft.Container(
        padding=ft.Padding.symmetric(vertical=4),
        content=ft.Row(
            [
                ft.Icon(
                    ft.Icons.CHECK_CIRCLE if done else ft.Icons.RADIO_BUTTON_UNCHECKED,
                    color=ft.Colors.GREEN_800 if done else ft.Colors.ON_SURFACE_VARIANT,
                    size=22,
                ),
                ft.Column(lines, spacing=2, expand=True),
            ],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
    )


def _check_item(*, item: ChecklistItemView, on_set: SetFn) -> ft.Control:
    return ft.Checkbox(
        label=_title(item),
        value=bool(item.done),
        on_change=lambda e: on_set(item.id, bool(e.control.value), bool(e.control.value)),
        height=MIN_TOUCH,
    )


def follow_up_button(item: ChecklistItemView, on_follow_up: FollowUpFn) -> ft.Control:
    """The button "Raise follow-up" on a failed item: the follow-up form, prefilled from it."""
    return tagged(
        f"checklist-followup-{item.position}",
        ft.OutlinedButton(
            "Raise follow-up",
            icon=ft.Icons.ADD_TASK,
            on_click=lambda: on_follow_up(item),
            height=MIN_TOUCH,
        ),
        label=f"Raise follow-up work for {item.label}",
        button=True,
    )


def offers_follow_up(item: ChecklistItemView) -> bool:
    """A pass/fail item stored as failed (its value is the word "fail")."""
    return item.kind == ChecklistKind.PASS_FAIL and item.value == FAIL


def _pass_fail_item(
    *, item: ChecklistItemView, on_set: SetFn, on_follow_up: FollowUpFn | None = None
) -> ft.Control:
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
            *([follow_up_button(item, on_follow_up)] if on_follow_up and offers_follow_up(item) else []),
        ],
        spacing=6,
    )


def item_label(item: ChecklistItemView, *, editable: bool) -> str:
    """What a screen reader says for one item: its state, its value when read-only, the flag."""
    words = [f"Checklist item {item.position}: {_title(item)}", "done" if item.done else "not done"]
    if not editable and item.kind != ChecklistKind.CHECK:
        words.append(value_text(item))
    if item.out_of_range:
        words.append("out of range" + (f", limits {limits_text(item)}" if limits_text(item) else ""))
    return ", ".join(words)


@ft.component
def Checklist(
    *,
    items: list[ChecklistItemView],
    on_set: SetFn,
    editable: bool = True,
    status: Status | None = None,
    on_follow_up: FollowUpFn | None = None,  # a failed item's follow-up (None: not offered)
) -> ft.Control:
    if not items:
        return ft.Text("This order has no checklist.", italic=True)
    rows: list[ft.Control] = []
    if not editable:
        rows.append(
            message_box(
                identifier="checklist-readonly",
                text=readonly_reason(status) if status is not None else "The checklist is read-only here.",
                error=False,
            )
        )
    for item in sorted(items, key=lambda i: i.position):
        if not editable:
            body = _readonly_item(item)
            if on_follow_up and offers_follow_up(item):  # a completed order's failed item too
                under = ft.Container(follow_up_button(item, on_follow_up), padding=ft.Padding.only(left=34))
                body = ft.Column([body, under], spacing=4)  # lined up with the label, past the icon
        elif item.kind == ChecklistKind.CHECK:
            body = _check_item(item=item, on_set=on_set)
        elif item.kind == ChecklistKind.PASS_FAIL:
            body = _pass_fail_item(item=item, on_set=on_set, on_follow_up=on_follow_up)
        else:
            body = _FieldItem(item=item, on_set=on_set, key=str(item.id))
        rows.append(
            tagged(f"checklist-item-{item.position}", body, label=item_label(item, editable=editable))
        )
    done = sum(1 for i in items if i.done)
    flagged = sum(1 for i in items if i.out_of_range)
    summary = f"{done} of {len(items)} done" + (f" · {flagged} out of range" if flagged else "")
    return ft.Column(
        [ft.Text(summary, size=13, color=ft.Colors.ON_SURFACE_VARIANT), *rows],
        spacing=8,
    )
