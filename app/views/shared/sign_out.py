"""Sign out, on every screen that has a header: at once when everything is on the server;
with unsent work, a confirmation first that says what happens to it (it stays on this
device, never deleted, and is sent once its owner signs in here again).

Ids: `signout`, and the confirmation's `confirm-ok` / `confirm-cancel`.
"""

from __future__ import annotations

import flet as ft

from app.services.types import SyncStatus
from app.views.shared.confirm import Confirmation, confirm_dialog
from app.views.shared.state import Session
from app.views.shared.widgets import tagged


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def sign_out_confirmation(status: SyncStatus, *, username: str) -> Confirmation | None:
    """What signing out with unsent work means; None when nothing is waiting."""
    if not status.waiting and not status.uploads:
        return None
    parts = []
    if status.waiting:
        parts.append(_count(status.waiting, "change", "changes"))
    if status.uploads:
        parts.append(_count(status.uploads, "file", "files"))
    what = " and ".join(parts)
    verb = "is" if (status.waiting + status.uploads) == 1 else "are"
    return Confirmation(
        title="Sign out with unsent work?",
        lines=[
            f"{what} {verb} not on the server yet.",
            "Signing out never deletes them: they stay on this device.",
            f"They are sent when {username or 'you'} signs in here again and syncs; "
            "nobody else can sign in on this device until then.",
        ],
        ok_label="Sign out anyway",
    )


@ft.component
def SignOutButton(*, session: Session) -> ft.Control:
    page = ft.context.page
    asking, set_asking = ft.use_state(False)
    user = session.user
    confirmation = sign_out_confirmation(session.sync, username=user.username if user else "")

    def sign_out() -> None:
        set_asking(False)
        session.services.sign_out()
        session.reload()
        page.navigate("/login")

    def press() -> None:
        if confirmation is not None:
            set_asking(True)
            return
        sign_out()

    ft.use_dialog(
        confirm_dialog(
            confirmation,
            reason="",
            on_reason=lambda _text: None,
            error="",
            on_ok=sign_out,
            on_cancel=lambda: set_asking(False),
        )
        if asking and confirmation is not None
        else None
    )
    return tagged(
        "signout",
        ft.IconButton(ft.Icons.LOGOUT, tooltip="Sign out", on_click=press),
        label="Sign out",
        button=True,
    )
