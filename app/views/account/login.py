"""`/login`: server URL, username, password; errors said plainly under the form."""

from __future__ import annotations

import asyncio

import flet as ft

from app.services.signin import normalize_url
from app.services.transport import needs_consent
from app.services.types import ServiceError
from app.views.shared.state import use_session, use_sign_in_guard
from app.views.shared.theme import ACCENT, MIN_TOUCH
from app.views.shared.widgets import callout, form_view, message_box, tagged


def _form_problem(*, server_url: str, username: str, password: str) -> str:
    """What is missing before sign-in can even be tried; empty when nothing."""
    if not server_url.strip():
        return "Enter the server address, for example http://127.0.0.1:8000."
    if not username.strip():
        return "Enter your username."
    if not password:
        return "Enter your password."
    return ""


def _plain_http(server_url: str) -> bool:
    """Whether the typed address is unencrypted and not this machine (sign-in needs consent)."""
    try:
        return needs_consent(normalize_url(server_url))
    except ServiceError:
        return False  # not an address yet: sign-in says what is wrong with it


@ft.component
def LoginScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=False)
    server_url, set_server_url = ft.use_state(session.default_server_url)
    username, set_username = ft.use_state("")
    password, set_password = ft.use_state("")
    busy, set_busy = ft.use_state(False)
    error, set_error = ft.use_state("")
    insecure_ok, set_insecure_ok = ft.use_state(False)
    notice = session.services.sign_in_notice()
    plain = _plain_http(server_url)

    async def submit(_e: ft.Event | None = None) -> None:
        if busy:
            return
        problem = _form_problem(server_url=server_url, username=username, password=password)
        if problem:
            set_error(problem)
            return
        set_error("")
        set_busy(True)
        try:
            # sign_in blocks on the network: keep the UI loop free meanwhile.
            await asyncio.to_thread(
                session.services.sign_in,
                server_url=server_url.strip(),
                username=username.strip(),
                password=password,
                allow_insecure=plain and insecure_ok,
            )
        except ServiceError as err:
            set_error(str(err) or "Sign-in failed.")
            set_busy(False)
            return
        except Exception as err:  # never a traceback on screen; say what happened
            set_error(f"Sign-in failed unexpectedly: {err}")
            set_busy(False)
            return
        set_busy(False)
        set_password("")
        session.reload()
        await ft.context.page.push_route("/")  # Home sends each role where its work is

    fields: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.ASSIGNMENT_TURNED_IN, color=ACCENT, size=36),
                ft.Text("Ordo", theme_style=ft.TextThemeStyle.HEADLINE_MEDIUM, weight=ft.FontWeight.BOLD),
            ],
            spacing=8,
        ),
        ft.Text("Sign in to see your work orders.", theme_style=ft.TextThemeStyle.BODY_LARGE),
        *(
            [
                callout(
                    identifier="login-notice",
                    title="Signed out by an administrator",
                    lines=[notice],
                    icon=ft.Icons.ADMIN_PANEL_SETTINGS_OUTLINED,
                    bg=ft.Colors.AMBER_50,
                    fg=ft.Colors.AMBER_900,
                )
            ]
            if notice
            else []
        ),
        tagged(
            "login-server",
            ft.TextField(
                label="Server address",
                value=server_url,
                keyboard_type=ft.KeyboardType.URL,
                prefix_icon=ft.Icons.DNS_OUTLINED,
                autocorrect=False,
                on_change=lambda e: set_server_url(e.control.value),
                disabled=busy,
            ),
        ),
        tagged(
            "login-username",
            ft.TextField(
                label="Username",
                value=username,
                prefix_icon=ft.Icons.PERSON_OUTLINE,
                autocorrect=False,
                on_change=lambda e: set_username(e.control.value),
                disabled=busy,
            ),
        ),
        tagged(
            "login-password",
            ft.TextField(
                label="Password",
                value=password,
                password=True,
                can_reveal_password=True,
                prefix_icon=ft.Icons.LOCK_OUTLINE,
                on_change=lambda e: set_password(e.control.value),
                on_submit=submit,
                disabled=busy,
            ),
        ),
        *(
            [
                tagged(
                    "login-insecure",
                    ft.Checkbox(
                        label="Connect without encryption (http://): only for a test server you trust",
                        value=insecure_ok,
                        on_change=lambda e: set_insecure_ok(bool(e.control.value)),
                        disabled=busy,
                    ),
                )
            ]
            if plain
            else []
        ),
        tagged(
            "login-submit",
            ft.FilledButton(
                "Signing in…" if busy else "Sign in",
                icon=ft.Icons.LOGIN,
                on_click=submit,
                disabled=busy,
                height=MIN_TOUCH,
            ),
            label="Sign in",
            button=True,
        ),
    ]
    if busy:
        fields.append(
            ft.Row(
                [ft.ProgressRing(width=20, height=20, semantics_label="Signing in"), ft.Text("Signing in…")],
                spacing=12,
            )
        )
    if error:
        fields.append(message_box(identifier="login-error", text=error))

    return form_view(route="/login", fields=fields)
