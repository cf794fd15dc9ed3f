"""The board's lanes and queue: a technician's day (who, how many, how loaded, when their phone
last synced, then their cards) and the unassigned work. Ids: `desk-lane-<username>`,
`desk-lane-<username>-more`; the queue's `desk-unassigned` is set by the board.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.services.desk_types import BoardCard, Lane, Lateness
from app.views.desk.cards import BoardOrderCard
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

QUEUE_WIDTH = 340  # px: the unassigned queue beside the lanes

# How loaded a technician's day is, by colour and (always) by the word beside it.
LOAD_COLOUR: dict[str, str] = {
    "free": ft.Colors.GREEN_700,
    "light": ft.Colors.GREEN_700,
    "busy": ft.Colors.INDIGO_400,
    "full": ft.Colors.AMBER_800,
    "overloaded": ft.Colors.RED_700,
}


# --- words ------------------------------------------------------------------------


def synced_words(last_synced_at: datetime | None, *, now: datetime) -> str:
    """ "Last synced 10:42" today, with the day before; "Never synced" when no pull yet."""
    if last_synced_at is None:
        return "Never synced"
    local = last_synced_at.astimezone()
    if local.date() == now.astimezone().date():
        return f"Last synced {local:%H:%M}"
    return f"Last synced {local:%a %d %b %H:%M}"


def open_count_words(count: int) -> str:
    return "Nothing open today" if count == 0 else f"{count} open today"


def lane_label(lane: Lane, *, now: datetime) -> str:
    return ", ".join(
        [
            lane.display_name,
            open_count_words(lane.open_today),
            lane.load_words,
            synced_words(lane.last_synced_at, now=now),
        ]
    )


# --- lanes and the queue ------------------------------------------------------------------


def _count_pill(count: int) -> ft.Control:
    return ft.Container(
        content=ft.Text(str(count), size=12, weight=ft.FontWeight.BOLD),
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        border_radius=10,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
    )


def _late_counts(cards: list[BoardCard]) -> str:
    overdue = sum(1 for c in cards if c.lateness is Lateness.OVERDUE)
    at_risk = sum(1 for c in cards if c.lateness is Lateness.AT_RISK)
    parts = ([f"{overdue} overdue"] if overdue else []) + ([f"{at_risk} at risk"] if at_risk else [])
    return ", ".join(parts)


def lane_header(lane: Lane, *, now: datetime) -> ft.Control:
    colour = LOAD_COLOUR.get(lane.load_words, ft.Colors.INDIGO_400)
    late = _late_counts(lane.cards)
    synced = synced_words(lane.last_synced_at, now=now)
    facts: list[ft.Control] = [
        ft.Text(
            f"{open_count_words(lane.open_today)} · {lane.load_words}",
            size=13,
            color=colour,
            weight=ft.FontWeight.W_600,
        ),
    ]
    if late:
        facts.append(ft.Text(late, size=13, color=ft.Colors.RED_900, weight=ft.FontWeight.W_600))
    facts.append(
        ft.Row(
            [
                ft.Icon(
                    ft.Icons.SYNC if lane.last_synced_at is not None else ft.Icons.SYNC_DISABLED,
                    size=14,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                ),
                ft.Text(synced, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=4,
            tight=True,
        )
    )
    return ft.Semantics(
        header=True,
        label=lane_label(lane, now=now) + (f", {late}" if late else ""),
        exclude_semantics=True,
        content=ft.Column(
            [
                ft.Row(
                    [
                        ft.Icon(ft.Icons.ENGINEERING, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Text(lane.display_name, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                        _count_pill(lane.open_today),
                    ],
                    spacing=8,
                ),
                ft.Row(facts, spacing=14, wrap=True, run_spacing=2),
                ft.ProgressBar(
                    value=min(1.0, lane.load_ratio),
                    color=colour,
                    bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                    bar_height=6,
                    border_radius=3,
                ),
            ],
            spacing=6,
        ),
    )


def more_words(*, hidden: int, unfolded: bool) -> str:
    return "Show fewer" if unfolded else f"Show {hidden} more"


def LaneBox(
    *,
    lane: Lane,
    now: datetime,
    on_open: Callable[[str], None],
    on_assign: Callable[[str], None] | None,
    card_width: float | None,
    limit: int | None = None,
    unfolded: bool = False,
    on_toggle: Callable[[], None] | None = None,
) -> ft.Control:
    """A technician's day: who, how loaded, when their phone last synced, then their cards.

    Folded, `limit` cards at most (the earliest due, so the late ones), with a button that
    shows the rest (`desk-lane-<username>-more`) and folds them away again.
    """
    folds = limit is not None and len(lane.cards) > limit
    visible = lane.cards[:limit] if folds and not unfolded else lane.cards
    cards: list[ft.Control] = [
        BoardOrderCard(
            card=c, now=now, on_open=on_open, on_assign=on_assign, width=card_width, key=str(c.summary.id)
        )
        for c in visible
    ]
    if not cards:
        cards = [ft.Text("No open orders for today.", size=13, color=ft.Colors.ON_SURFACE_VARIANT)]
    rows: list[ft.Control] = [
        lane_header(lane, now=now),
        ft.Row(
            cards,
            wrap=True,
            spacing=10,
            run_spacing=10,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        if card_width is not None
        else ft.Column(cards, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
    ]
    if folds and on_toggle is not None:
        words = more_words(hidden=len(lane.cards) - len(visible), unfolded=unfolded)
        rows.append(
            tagged(
                f"desk-lane-{lane.username}-more",
                ft.TextButton(
                    words,
                    icon=ft.Icons.EXPAND_LESS if unfolded else ft.Icons.EXPAND_MORE,
                    on_click=on_toggle,
                    height=MIN_TOUCH - 8,
                ),
                label=f"{words} of {lane.display_name}'s orders",
                button=True,
            )
        )
    return tagged(
        f"desk-lane-{lane.username}",
        ft.Container(
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            border_radius=12,
            padding=ft.Padding.all(12),
            content=ft.Column(rows, spacing=10),
        ),
        label=lane_label(lane, now=now),
        container=True,
    )


def queue_header(count: int) -> ft.Control:
    words = "Unassigned" if count else "Unassigned: none"
    return ft.Semantics(
        header=True,
        label=f"Unassigned, {count} {'order' if count == 1 else 'orders'} waiting",
        exclude_semantics=True,
        content=ft.Column(
            [
                ft.Row(
                    [
                        ft.Icon(ft.Icons.INBOX_OUTLINED, color=ft.Colors.AMBER_900),
                        ft.Text(words, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                        _count_pill(count),
                    ],
                    spacing=8,
                ),
                ft.Text("Most urgent first, then newest", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=2,
        ),
    )


def queue_cards(
    cards: list[BoardCard],
    *,
    now: datetime,
    on_open: Callable[[str], None],
    on_assign: Callable[[str], None] | None,
) -> list[ft.Control]:
    if not cards:
        return [
            ft.Text(
                "Nothing waiting: every open order has a technician.",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        ]
    return [
        BoardOrderCard(
            card=c, now=now, on_open=on_open, on_assign=on_assign, width=None, key=str(c.summary.id)
        )
        for c in cards
    ]
