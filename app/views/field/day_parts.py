"""The two parts of "My day" besides the groups' cards: the order to go to next, as a callout
at the top (`next-order`), and the header of the folded "Done today" group (`done-today`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.domain import is_overdue
from app.domain.sla import UNDER_WAY
from app.services.types import OrderSummary
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import due_text, plural, tagged


def next_words(order: OrderSummary) -> str:
    """The callout's heading: where to go, or the work already under way."""
    return "Carry on with" if order.status in UNDER_WAY else "Go next"


def next_card(
    order: OrderSummary, *, now: datetime, label: str, on_open: Callable[[str], None]
) -> ft.Control:
    """The order to go to first, at the top of the day: one big tap opens it."""
    overdue_due = is_overdue(status=order.status, due_at=order.due_at, now=now)
    due = due_text(order.due_at, now=now) + (", overdue" if overdue_due else "")
    return tagged(
        "next-order",
        ft.Container(
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
            border_radius=12,
            padding=ft.Padding.all(12),
            margin=ft.Margin.only(top=8, bottom=4),
            ink=True,
            on_click=lambda: on_open(order.number),
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.NAVIGATION_OUTLINED, size=28, color=ft.Colors.ON_PRIMARY_CONTAINER),
                    ft.Column(
                        [
                            ft.Text(
                                f"{next_words(order)} · {order.number}",
                                size=13,
                                weight=ft.FontWeight.BOLD,
                                color=ft.Colors.ON_PRIMARY_CONTAINER,
                            ),
                            ft.Text(
                                order.title,
                                theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                                color=ft.Colors.ON_PRIMARY_CONTAINER,
                                max_lines=2,
                                overflow=ft.TextOverflow.ELLIPSIS,
                            ),
                            *(
                                [ft.Text(order.site_name, size=13, color=ft.Colors.ON_PRIMARY_CONTAINER)]
                                if order.site_name
                                else []
                            ),
                            ft.Text(
                                due,
                                size=13,
                                color=ft.Colors.ERROR if overdue_due else ft.Colors.ON_PRIMARY_CONTAINER,
                                weight=ft.FontWeight.W_600 if overdue_due else None,
                            ),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_PRIMARY_CONTAINER),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
                spacing=12,
            ),
        ),
        label=label,
        button=True,
        exclude_semantics=True,  # the label says it all, once
    )


def done_label(count: int, *, shown: bool) -> str:
    state = "shown, tap to hide" if shown else "hidden, tap to show"
    return f"Done today, {plural(count, 'order')}, {state}"


def done_header(*, count: int, shown: bool, on_toggle: Callable[[], None]) -> ft.Control:
    """The collapsed "Done today" group's header: tap to show or hide its cards."""
    return tagged(
        "done-today",
        ft.Container(
            height=MIN_TOUCH,
            border_radius=8,
            ink=True,
            on_click=on_toggle,
            padding=ft.Padding.only(left=4, right=8, top=4),
            content=ft.Row(
                [
                    ft.Text(
                        "Done today", theme_style=ft.TextThemeStyle.TITLE_MEDIUM, color=ft.Colors.GREEN_800
                    ),
                    ft.Container(
                        content=ft.Text(str(count), size=12, weight=ft.FontWeight.BOLD),
                        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                        border_radius=10,
                        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                    ),
                    ft.Container(expand=True),
                    ft.Icon(ft.Icons.EXPAND_LESS if shown else ft.Icons.EXPAND_MORE),
                ],
                spacing=8,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ),
        label=done_label(count, shown=shown),
        button=True,
        expanded=shown,
        exclude_semantics=True,  # the label says it all, once
    )
