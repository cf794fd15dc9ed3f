"""The desk's list-and-editor layout, shared by the templates and the schedules: the list
beside the editor on a wide screen; on a narrow one the editor alone while something is
being edited, else the list. And the editor's foot: its message, then its buttons."""

from __future__ import annotations

import flet as ft

from app.views.shared.widgets import message_box


def list_beside_editor(
    *, list_pane: ft.Control, editor: ft.Control, wide: bool, editing: bool, list_width: int
) -> ft.Control:
    if wide:
        return ft.Row(
            [
                ft.Container(list_pane, width=list_width),
                ft.VerticalDivider(width=1),
                ft.Container(editor, expand=True),
            ],
            spacing=12,
            expand=True,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
        )
    return editor if editing else ft.Column([list_pane], expand=True)


def editor_footer(*, prefix: str, message: tuple[str, bool], actions: list[ft.Control]) -> list[ft.Control]:
    """`<prefix>-error` or `<prefix>-message` when there is something to say, then the buttons."""
    words, is_error = message
    footer: list[ft.Control] = []
    if words:
        footer.append(
            message_box(
                identifier=f"{prefix}-error" if is_error else f"{prefix}-message", text=words, error=is_error
            )
        )
    footer.append(ft.Row(actions, spacing=8))
    return footer
