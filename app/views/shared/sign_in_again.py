"""Signed in on this device only (offline, or after the server's session ran out): the sync
bar's "Sign in to sync" asks for the password alone and signs in with the server, so the
waiting work goes. Until then everything works here and nothing is lost.

Ids: `sync-signin`, and the dialog's `resign-password`, `resign-error`, `resign-cancel`,
`resign-submit`.
"""

from __future__ import annotations

import asyncio

import flet as ft

from app.services.types import ServiceError
from app.views.shared.state import use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged


@ft.component
def SignInAgain() -> ft.Control:
    session = use_session()
    user = session.user
    asking, set_asking = ft.use_state(False)
    password, set_password = ft.use_state("")
    error, set_error = ft.use_state("")
    busy, set_busy = ft.use_state(False)

    def close() -> None:
        set_asking(False)
        set_password("")
        set_error("")

    async def submit(_e: ft.Event | None = None) -> None:
        if busy or user is None:
            return
        if not password:
            set_error("Enter your password.")
            return
        set_busy(True)
        set_error("")
        try:
            # Blocks on the network: off the UI loop. The address was accepted at the first
            # sign-in with it, so plain http:// to it needs no second consent.
            signed = await asyncio.to_thread(
                session.services.sign_in,
                server_url=user.server_url,
                username=user.username,
                password=password,
                allow_insecure=True,
            )
        except ServiceError as err:
            set_error(str(err) or "Sign-in failed.")
            set_busy(False)
            return
        except Exception as err:  # never a traceback on screen
            set_error(f"Sign-in failed unexpectedly: {err}")
            set_busy(False)
            return
        set_busy(False)
        if not signed.server_session:
            set_error("The server still cannot be reached: your work stays here and syncs later.")
            return
        close()
        session.reload()

    ft.use_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text("Sign in to sync"),
            content=ft.Column(
                [
                    ft.Text(
                        f"You are signed in on this device only, as {user.display_name if user else ''}. "
                        f"Enter your password to sync with {user.server_url if user else 'the server'}."
                    ),
                    tagged(
                        "resign-password",
                        ft.TextField(
                            label="Password",
                            value=password,
                            password=True,
                            can_reveal_password=True,
                            autofocus=True,
                            on_change=lambda e: set_password(e.control.value),
                            on_submit=submit,
                            disabled=busy,
                        ),
                    ),
                    *([message_box(identifier="resign-error", text=error)] if error else []),
                ],
                tight=True,
                width=360,
                spacing=12,
            ),
            actions=[
                tagged(
                    "resign-cancel",
                    ft.TextButton("Later", on_click=close, height=MIN_TOUCH),
                    label="Later: keep working on this device",
                    button=True,
                ),
                tagged(
                    "resign-submit",
                    ft.FilledButton(
                        "Signing in…" if busy else "Sign in",
                        on_click=submit,
                        disabled=busy,
                        height=MIN_TOUCH,
                    ),
                    label="Sign in",
                    button=True,
                ),
            ],
            on_dismiss=lambda: close(),
        )
        if asking
        else None
    )
    return tagged(
        "sync-signin",
        ft.TextButton("Sign in", icon=ft.Icons.LOGIN, on_click=lambda: set_asking(True), height=MIN_TOUCH),
        label="Sign in to sync",
        button=True,
    )
