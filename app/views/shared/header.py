"""The header's right side on every field screen: who is signed in (where there is room),
settings (storage, the theme) and Sign out, after the screen's own actions; the sync bar below
it says what is synced."""

from __future__ import annotations

import flet as ft

from app.views.shared.sign_out import SignOutButton
from app.views.shared.state import Session
from app.views.shared.widgets import tagged

NAME_SHOWN = 600  # px of window: below it the title needs the room


def settings_button() -> ft.Control:
    """The gear: to `/settings` (storage on this device)."""
    page = ft.context.page
    return tagged(
        "nav-settings",
        ft.IconButton(
            ft.Icons.SETTINGS_OUTLINED, tooltip="Settings", on_click=lambda: page.navigate("/settings")
        ),
        label="Settings",
        button=True,
    )


def header_actions(session: Session, *, own: list[ft.Control] | None = None) -> list[ft.Control]:
    actions: list[ft.Control] = list(own or [])
    user = session.user
    if user is None:
        return actions
    if session.width >= NAME_SHOWN:
        actions.append(ft.Text(user.display_name, size=13, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS))
    actions += [settings_button(), SignOutButton(session=session), ft.Container(width=4)]
    return actions
