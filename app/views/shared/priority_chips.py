"""Choosing a priority: four chips, each in its colour with its word and icon (never colour
alone), the chosen one filled and ticked. The desk's order form and the field's follow-up
form both ask with it."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.domain import Priority
from app.views.shared.theme import MIN_TOUCH, PRIORITY_ICON, PRIORITY_TONE
from app.views.shared.widgets import tagged

PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


def priority_chips(*, prefix: str, value: str, on_pick: Callable[[str], None]) -> ft.Control:
    """The chips tagged `<prefix>-<priority>`, the whole group `<prefix>`."""
    chips: list[ft.Control] = []
    for p in PRIORITY_ORDER:
        tone, chosen, word = PRIORITY_TONE[p], p.value == value, p.value.capitalize()
        chips.append(
            tagged(
                f"{prefix}-{p.value}",
                ft.Container(
                    content=ft.Row(
                        [
                            ft.Icon(ft.Icons.CHECK if chosen else PRIORITY_ICON[p], size=18, color=tone.fg),
                            ft.Text(
                                word,
                                weight=ft.FontWeight.W_700 if chosen else ft.FontWeight.W_500,
                                color=tone.fg,
                            ),
                        ],
                        spacing=6,
                        tight=True,
                    ),
                    bgcolor=tone.bg if chosen else None,
                    border=ft.Border.all(2 if chosen else 1, tone.fg if chosen else ft.Colors.OUTLINE),
                    border_radius=20,
                    padding=ft.Padding.symmetric(horizontal=12, vertical=8),
                    height=MIN_TOUCH,
                    ink=True,
                    on_click=lambda _e, v=p.value: on_pick(v),
                ),
                label=f"Priority {word}" + (", chosen" if chosen else ""),
                button=True,
                selected=chosen,
            )
        )
    return tagged(
        prefix,
        ft.Column(
            [
                ft.Text("Priority", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Row(chips, wrap=True, spacing=8, run_spacing=8),
            ],
            spacing=4,
        ),
    )
