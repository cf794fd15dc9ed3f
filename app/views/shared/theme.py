"""Colours, words and the Material 3 theme: one accent, priority by colour AND word."""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from app.domain import Priority, Status

# Screens take their words from the theme; the services put the same ones in sentences.
from app.services.words import STATUS_WORD as STATUS_WORD

ACCENT = ft.Colors.INDIGO
MIN_TOUCH = 48  # px: gloves and thumbs (design.md)
WIDE = 840  # px: from here list and detail sit side by side
LIST_PANE = 420  # px: the list's width when it sits beside the detail
READABLE = 760  # px: the widest a column of text gets on big screens


@dataclass(frozen=True, slots=True)
class Tone:
    """The colours of one chip: a strong foreground on a pale background."""

    fg: str
    bg: str


PRIORITY_TONE: dict[Priority, Tone] = {
    Priority.URGENT: Tone(fg=ft.Colors.RED_900, bg=ft.Colors.RED_100),
    Priority.HIGH: Tone(fg=ft.Colors.AMBER_900, bg=ft.Colors.AMBER_100),
    Priority.NORMAL: Tone(fg=ft.Colors.BLUE_900, bg=ft.Colors.BLUE_100),
    Priority.LOW: Tone(fg=ft.Colors.GREY_800, bg=ft.Colors.GREY_200),
}

PRIORITY_ICON: dict[Priority, ft.IconData] = {
    Priority.URGENT: ft.Icons.PRIORITY_HIGH,
    Priority.HIGH: ft.Icons.KEYBOARD_DOUBLE_ARROW_UP,
    Priority.NORMAL: ft.Icons.DRAG_HANDLE,
    Priority.LOW: ft.Icons.KEYBOARD_ARROW_DOWN,
}

_NEUTRAL = Tone(fg=ft.Colors.BLUE_GREY_900, bg=ft.Colors.BLUE_GREY_50)
STATUS_TONE: dict[Status, Tone] = {
    Status.IN_PROGRESS: Tone(fg=ft.Colors.INDIGO_900, bg=ft.Colors.INDIGO_50),
    Status.EN_ROUTE: Tone(fg=ft.Colors.INDIGO_900, bg=ft.Colors.INDIGO_50),
    Status.ON_HOLD: Tone(fg=ft.Colors.BROWN_800, bg=ft.Colors.ORANGE_50),
    Status.COMPLETED: Tone(fg=ft.Colors.GREEN_900, bg=ft.Colors.GREEN_50),
    Status.CLOSED: Tone(fg=ft.Colors.GREEN_900, bg=ft.Colors.GREEN_50),
    Status.CANNOT_COMPLETE: Tone(fg=ft.Colors.RED_900, bg=ft.Colors.RED_50),
    Status.CANCELLED: Tone(fg=ft.Colors.GREY_700, bg=ft.Colors.GREY_100),
}


def status_tone(status: Status) -> Tone:
    return STATUS_TONE.get(status, _NEUTRAL)


def light_theme() -> ft.Theme:
    return ft.Theme(color_scheme_seed=ACCENT, use_material3=True)


def dark_theme() -> ft.Theme:
    return ft.Theme(color_scheme_seed=ACCENT, use_material3=True)
