"""Confirmations for far-reaching moves: what will happen, in words, before it happens.

design.md: "Irreversible or far-reaching moves (complete, close, cancel, reassign away
from someone who has started) ask for a confirmation that says what will happen."
The texts are pure functions (tested); `confirm_dialog` lays them out with the ids the
browser tests use: `confirm-ok`, `confirm-cancel`, and `confirm-reason` where a reason
may be given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import flet as ft

from app.domain import Status
from app.views.shared.theme import MIN_TOUCH, STATUS_WORD
from app.views.shared.widgets import message_box, tagged


@dataclass(frozen=True, slots=True)
class Confirmation:
    title: str
    lines: list[str]  # what will happen, one fact a line
    ok_label: str
    warnings: list[str] = field(default_factory=list)  # shown apart, with a warning icon
    # An optional reason field (cancel, reopen): recorded and shown on the order to everyone.
    asks_reason: bool = False
    destructive: bool = False  # the OK button is red: the move cannot be taken back


def _who(name: str) -> str:
    return name or "the technician"


def out_of_range_warning(labels: list[str]) -> str:
    readings = "This reading is" if len(labels) == 1 else "These readings are"
    return f"{readings} out of range: {', '.join(labels)}. Kept as measured; the dispatcher sees the flag."


def move_confirmation(
    *, frm: Status, to: Status, number: str, assignee_name: str = "", out_of_range: list[str] | None = None
) -> Confirmation | None:
    """The confirmation a status move asks for; None for moves that happen on one tap."""
    flagged = list(out_of_range or [])
    if to is Status.COMPLETED:
        warnings = [out_of_range_warning(flagged)] if flagged else []
        return Confirmation(
            title=f"Complete {number}?",
            lines=[
                "The order is marked Completed and goes to the dispatcher to close.",
                "Its checklist becomes read-only; only a dispatcher can reopen it.",
            ],
            ok_label="Complete",
            warnings=warnings,
        )
    if to is Status.CLOSED:
        return Confirmation(
            title=f"Close {number}?",
            lines=[
                "The order is closed for good: no further steps, and its checklist stays as it is.",
                "Notes, photos and time already recorded stay on record.",
            ],
            ok_label="Close order",
            destructive=True,
        )
    if to is Status.CANCELLED:
        lines = ["The order is cancelled for good: nobody works on it any more."]
        if assignee_name:
            lines.append(f"It leaves {assignee_name}'s list of orders.")
        lines.append("Work already recorded stays on record.")
        return Confirmation(
            title=f"Cancel {number}?",
            lines=lines,
            ok_label="Cancel order",
            asks_reason=True,
            destructive=True,
        )
    if frm is Status.COMPLETED and to is Status.IN_PROGRESS:
        return Confirmation(
            title=f"Reopen {number}?",
            lines=[
                f"The order goes back to {STATUS_WORD[Status.IN_PROGRESS]} for {_who(assignee_name)}.",
                "Its checklist can be changed again, and it must be completed again.",
            ],
            ok_label="Reopen",
            asks_reason=True,
        )
    return None


def reassign_confirmation(*, number: str, status: Status, current_name: str, new_name: str) -> Confirmation:
    """Taking an order from someone who has started it (en route, in progress, on hold)."""
    return Confirmation(
        title=f"Reassign {number} to {new_name}?",
        lines=[
            f"{_who(current_name)} loses this order: it leaves their list. Work they already "
            "recorded on it stays on record.",
            f"{new_name} gets it as it is: {STATUS_WORD[status]}, with its checklist and notes.",
        ],
        ok_label=f"Reassign to {new_name}",
        destructive=True,
    )


def confirm_dialog(
    confirmation: Confirmation,
    *,
    reason: str,
    on_reason: Callable[[str], None],
    error: str,
    busy: bool = False,
    on_ok: Callable[[], None],
    on_cancel: Callable[[], None],
) -> ft.AlertDialog:
    body: list[ft.Control] = [ft.Text(line) for line in confirmation.lines]
    for warning in confirmation.warnings:
        body.append(
            tagged(
                "confirm-warning",
                ft.Container(
                    bgcolor=ft.Colors.AMBER_50,
                    border_radius=8,
                    padding=ft.Padding.all(10),
                    content=ft.Row(
                        [
                            ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.AMBER_900, size=20),
                            ft.Text(warning, color=ft.Colors.AMBER_900, expand=True),
                        ],
                        spacing=8,
                        vertical_alignment=ft.CrossAxisAlignment.START,
                    ),
                ),
                label=warning,
            )
        )
    if confirmation.asks_reason:
        body.append(
            tagged(
                "confirm-reason",
                ft.TextField(
                    label="Reason (optional, shown on the order)",
                    value=reason,
                    multiline=True,
                    min_lines=1,
                    max_lines=4,
                    on_change=lambda e: on_reason(e.control.value),
                ),
            )
        )
    if error:
        body.append(message_box(identifier="confirm-error", text=error))
    ok_style = (
        ft.ButtonStyle(bgcolor=ft.Colors.RED_800, color=ft.Colors.WHITE) if confirmation.destructive else None
    )
    return ft.AlertDialog(
        modal=True,
        title=ft.Text(confirmation.title),
        # The dialog scrolls as a whole on a short screen; a scrolling Column would fill its height.
        scrollable=True,
        content=ft.Column(body, tight=True, spacing=10, width=380),
        actions=[
            tagged(
                "confirm-cancel",
                ft.TextButton("Back", on_click=on_cancel, height=MIN_TOUCH),
                label="Back, change nothing",
                button=True,
            ),
            tagged(
                "confirm-ok",
                ft.FilledButton(
                    confirmation.ok_label, on_click=on_ok, height=MIN_TOUCH, style=ok_style, disabled=busy
                ),
                label=confirmation.ok_label,
                button=True,
            ),
        ],
        actions_overflow_button_spacing=8,
        on_dismiss=lambda: on_cancel(),
    )
