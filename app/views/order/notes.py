"""Notes on an order: the list, oldest first, and a box to add one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.services.types import NoteView
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, pending_mark, tagged

AddFn = Callable[[str], str | None]  # returns an error message, or None when added

EMPTY_NOTE = "Write something first: an empty note is not added."


def _when(at: datetime) -> str:
    return f"{at.astimezone():%d %b %H:%M}"


def _note(note: NoteView) -> ft.Control:
    head: list[ft.Control] = [
        ft.Text(note.author_name or "Someone", weight=ft.FontWeight.W_600, size=13),
        ft.Text(_when(note.at), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if note.pending:
        head.append(pending_mark())
    return ft.Container(
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        border_radius=8,
        padding=ft.Padding.all(10),
        content=ft.Column(
            [ft.Row(head, spacing=8, wrap=True), ft.Text(note.text)],
            spacing=4,
        ),
    )


@ft.component
def Notes(*, notes: list[NoteView], on_add: AddFn, may_add: bool = True) -> ft.Control:
    text, set_text = ft.use_state("")
    error, set_error = ft.use_state("")

    def add(_e: ft.Event | None = None) -> None:
        if not text.strip():
            set_error(EMPTY_NOTE)
            return
        err = on_add(text.strip())
        if err:
            set_error(err)  # keep what was typed so nothing is lost
            return
        set_error("")
        set_text("")

    controls: list[ft.Control] = [_note(n) for n in notes]
    if not notes:
        controls.append(ft.Text("No notes yet.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT))
    if not may_add:  # the rulebook does not let this user add one here
        return ft.Column(controls, spacing=8)
    controls.append(
        ft.Row(
            [
                tagged(
                    "note-input",
                    ft.TextField(
                        label="Add a note",
                        value=text,
                        multiline=True,
                        min_lines=1,
                        max_lines=5,
                        shift_enter=True,
                        on_change=lambda e: set_text(e.control.value),
                        on_submit=add,
                    ),
                    expand=True,
                ),
                tagged(
                    "note-add",
                    ft.FilledTonalButton(
                        "Add", icon=ft.Icons.ADD_COMMENT_OUTLINED, on_click=add, height=MIN_TOUCH
                    ),
                    label="Add note",
                    button=True,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
    )
    if error:
        controls.append(message_box(identifier="note-error", text=error))
    return ft.Column(controls, spacing=8)
