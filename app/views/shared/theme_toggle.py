"""Light, dark, or as the system says: the header's switch (`theme-toggle`), remembered by
this browser or device (its shared preferences), and the system's choice until then."""

from __future__ import annotations

import logging

import flet as ft

from app.views.shared.state import Session, use_session
from app.views.shared.widgets import tagged

log = logging.getLogger(__name__)

_KEY = "ordo.theme"
_NEXT = {
    ft.ThemeMode.SYSTEM: ft.ThemeMode.LIGHT,
    ft.ThemeMode.LIGHT: ft.ThemeMode.DARK,
    ft.ThemeMode.DARK: ft.ThemeMode.SYSTEM,
}
_ICON = {
    ft.ThemeMode.SYSTEM: ft.Icons.BRIGHTNESS_AUTO,
    ft.ThemeMode.LIGHT: ft.Icons.LIGHT_MODE,
    ft.ThemeMode.DARK: ft.Icons.DARK_MODE,
}
_WORDS = {ft.ThemeMode.SYSTEM: "as the system says", ft.ThemeMode.LIGHT: "light", ft.ThemeMode.DARK: "dark"}


def theme_words(theme: str) -> str:
    """The setting as the settings screen says it."""
    try:
        mode = ft.ThemeMode(theme)
    except ValueError:
        mode = ft.ThemeMode.SYSTEM
    return f"Theme: {_WORDS[mode]}"


def theme_label(mode: ft.ThemeMode) -> str:
    """What the switch says: the theme now, and what a tap makes it."""
    return f"Theme: {_WORDS[mode]}. Tap for {_WORDS[_NEXT[mode]]}."


def _mode(session: Session) -> ft.ThemeMode:
    try:
        return ft.ThemeMode(session.theme)
    except ValueError:
        return ft.ThemeMode.SYSTEM


def _apply(page: ft.Page, session: Session, mode: ft.ThemeMode) -> None:
    page.theme_mode = mode
    page.update()
    session.theme = mode.value  # observed: every switch shown redraws with it


async def restore_theme(page: ft.Page, session: Session, prefs: ft.SharedPreferences) -> None:
    """The theme this browser (or device) chose last time, if any."""
    try:
        saved = await prefs.get(_KEY)
    except Exception:  # no storage in this browser: the system's theme it is
        log.warning("the saved theme could not be read", exc_info=True)
        return
    if isinstance(saved, str) and saved in {m.value for m in _NEXT} and saved != session.theme:
        _apply(page, session, ft.ThemeMode(saved))


@ft.component
def ThemeToggle() -> ft.Control:
    page = ft.context.page
    session = use_session()
    prefs = ft.use_memo(lambda: ft.SharedPreferences(), [])
    mode = _mode(session)

    async def press() -> None:
        chosen = _NEXT[_mode(session)]
        _apply(page, session, chosen)
        try:
            await prefs.set(_KEY, chosen.value)
        except Exception:  # shown now; only remembering it failed
            log.warning("the theme could not be saved", exc_info=True)

    return tagged(
        "theme-toggle",
        ft.IconButton(_ICON[mode], tooltip=theme_label(mode), on_click=press),
        label=theme_label(mode),
        button=True,
    )
