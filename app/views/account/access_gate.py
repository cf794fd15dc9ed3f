"""The access gate of a web view served beyond this machine (`ordo run --web --allow-remote`).

The web view is one device: one local database, one signed-in account. Whoever opens
it in a browser works as that account, so a browser session must show the access code
printed at start before the app renders anything in it. Flet renders on this side:
until the gate opens, the session holds nothing but the gate's own controls, so there
is nothing else for that browser to see or press.
"""

from __future__ import annotations

import hmac
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import flet as ft

from app.views.shared.theme import ACCENT, MIN_TOUCH
from app.views.shared.widgets import form_view, message_box, tagged

FREE_TRIES = 3  # wrong codes from one address before each further try must wait
FIRST_WAIT = 2.0  # seconds after the last free try; doubles with each wrong code after it
LONGEST_WAIT = 60.0
_MAX_TRACKED = 4096  # addresses remembered; past it, those no longer waiting are forgotten
_LONGEST_TYPED = 64  # characters of a typed code looked at (codes are 8, spaced or not)
_WILDCARDS = {"", "*", "0.0.0.0", "::", "[::]"}


def normalize_code(text: str) -> str:
    """What a person types for a code, as it is compared: case, spaces and dashes do not count."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def place_words(host: str) -> str:
    """The machine a web view runs on, as people know it: its name when bound to every address."""
    return socket.gethostname() if host.strip() in _WILDCARDS else host


class Verdict(Enum):
    OPEN = "open"  # the right code: this browser session may see the app
    WRONG = "wrong"  # not the code
    WAIT = "wait"  # too many wrong codes from this address: not even compared


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    wait_seconds: float = 0.0  # before this address may try again

    def words(self) -> str:
        """What the gate says under the field; empty when it opens."""
        wait = _seconds(self.wait_seconds)
        if self.verdict is Verdict.WAIT:
            return f"Too many wrong codes. Wait {wait}, then try again."
        if self.verdict is Verdict.WRONG and self.wait_seconds > 0:
            return f"That is not the access code. Wait {wait} before the next try."
        if self.verdict is Verdict.WRONG:
            return "That is not the access code. Check it and try again."
        return ""


def _seconds(value: float) -> str:
    whole = max(1, math.ceil(value))  # never "0 seconds" while there is a wait
    return "1 second" if whole == 1 else f"{whole} seconds"


@dataclass(slots=True)
class _Tries:
    wrong: int = 0
    not_before: float = 0.0


class AccessCheck:
    """The one code of this web view, and the wrong tries of each address, shared by every
    browser session (a new tab must not bring fresh tries). Thread-safe."""

    def __init__(self, *, code: str, place: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._code = normalize_code(code).encode()
        if not self._code:
            raise ValueError("an access gate needs a code")  # an empty one would open to anyone
        self.place = place
        self._clock = clock
        self._lock = threading.Lock()
        self._tries: dict[str, _Tries] = {}

    def check(self, attempt: str, *, client: str) -> Answer:
        """Compare `attempt` with the code, in constant time, unless `client` must still wait."""
        now = self._clock()
        with self._lock:
            tries = self._tries.get(client)
            if tries is not None and now < tries.not_before:
                return Answer(Verdict.WAIT, wait_seconds=tries.not_before - now)
            # Cut to a sane length first: whatever a browser sends, the work stays small.
            if hmac.compare_digest(normalize_code(attempt[:_LONGEST_TYPED]).encode(), self._code):
                self._tries.pop(client, None)
                return Answer(Verdict.OPEN)
            if tries is None:
                self._forget_idle(now)
                tries = self._tries.setdefault(client, _Tries())
            tries.wrong += 1
            if tries.wrong < FREE_TRIES:
                return Answer(Verdict.WRONG)
            wait = min(FIRST_WAIT * 2 ** (tries.wrong - FREE_TRIES), LONGEST_WAIT)
            tries.not_before = now + wait
            return Answer(Verdict.WRONG, wait_seconds=wait)

    def _forget_idle(self, now: float) -> None:
        # Many addresses each trying once must not grow this without end.
        if len(self._tries) >= _MAX_TRACKED:
            for key in [k for k, t in self._tries.items() if t.not_before <= now]:
                del self._tries[key]


@ft.component
def AccessGate(*, access: AccessCheck, app: Callable[[], Any]) -> Any:
    """The gate until this browser session has given the code; then `app()`, the whole app."""
    page = ft.context.page
    opened, set_opened = ft.use_state(False)
    code, set_code = ft.use_state("")
    error, set_error = ft.use_state("")
    if opened:
        return app()

    def submit(_e: ft.Event | None = None) -> None:
        answer = access.check(code, client=page.client_ip or "")
        if answer.verdict is Verdict.OPEN:
            set_error("")
            set_opened(True)
            return
        set_error(answer.words())

    return [
        gate_view(
            route=page.route or "/",
            place=access.place,
            code=code,
            set_code=set_code,
            error=error,
            submit=submit,
        )
    ]


def gate_view(
    *,
    route: str,
    place: str,
    code: str,
    set_code: Callable[[str], None],
    error: str,
    submit: Callable[..., None],
) -> ft.View:
    fields: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.ASSIGNMENT_TURNED_IN, color=ACCENT, size=36),
                ft.Text("Ordo", theme_style=ft.TextThemeStyle.HEADLINE_MEDIUM, weight=ft.FontWeight.BOLD),
            ],
            spacing=8,
        ),
        tagged(
            "access-title",
            ft.Text("Enter the access code", theme_style=ft.TextThemeStyle.TITLE_LARGE),
            header=True,
        ),
        tagged(
            "access-device",
            ft.Text(
                f"This is the Ordo device on {place}: everyone who opens it uses the same "
                "signed-in account, and sees and changes the same orders.",
                theme_style=ft.TextThemeStyle.BODY_LARGE,
            ),
        ),
        ft.Text(
            "The code was printed where the web view was started (ordo run --web --allow-remote).",
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        tagged(
            "access-code",
            ft.TextField(
                label="Access code",
                value=code,
                prefix_icon=ft.Icons.KEY_OUTLINED,
                capitalization=ft.TextCapitalization.CHARACTERS,
                autocorrect=False,
                enable_suggestions=False,
                on_change=lambda e: set_code(e.control.value),
                on_submit=submit,
            ),
        ),
        tagged(
            "access-submit",
            ft.FilledButton("Open Ordo", icon=ft.Icons.LOCK_OPEN, on_click=submit, height=MIN_TOUCH),
            label="Open Ordo",
            button=True,
        ),
    ]
    if error:
        fields.append(message_box(identifier="access-error", text=error))
    return form_view(route=route, fields=fields)
