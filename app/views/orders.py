"""`/orders`: "My orders", grouped Overdue / Today / Upcoming, one card per order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.services.types import OrderSummary
from app.views.state import use_session, use_sign_in_guard
from app.views.sync_bar import SyncBar
from app.views.theme import STATUS_WORD
from app.views.widgets import (
    due_text,
    message_box,
    pending_mark,
    priority_chip,
    section_header,
    side_padding,
    status_chip,
    tagged,
)


def card_label(order: OrderSummary, *, now: datetime) -> str:
    """What a screen reader says for one card: everything the eye gets, in words."""
    parts = [
        order.number,
        order.title,
        order.site_name,
        due_text(order.due_at, now=now),
        f"priority {order.priority.value}",
        f"status {STATUS_WORD[order.status]}",
    ]
    if order.pending:
        parts.append("waiting to sync")
    return ", ".join(p for p in parts if p)


@ft.component
def OrderCard(*, order: OrderSummary, now: datetime, on_open: Callable[[str], None]) -> ft.Control:
    overdue_due = order.due_at is not None and order.due_at < now
    top: list[ft.Control] = [
        ft.Text(order.number, weight=ft.FontWeight.BOLD, size=13),
        priority_chip(order.priority),
        status_chip(order.status),
    ]
    bottom: list[ft.Control] = [
        ft.Icon(ft.Icons.PLACE_OUTLINED, size=16),
        ft.Text(
            order.site_name or "No site", size=13, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS
        ),
        ft.Icon(ft.Icons.SCHEDULE, size=16, color=ft.Colors.RED_800 if overdue_due else None),
        ft.Text(
            due_text(order.due_at, now=now),
            size=13,
            color=ft.Colors.RED_800 if overdue_due else None,
            weight=ft.FontWeight.W_600 if overdue_due else None,
        ),
    ]
    body: list[ft.Control] = [
        ft.Row(top, spacing=8, wrap=True),
        ft.Text(order.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, max_lines=2),
        ft.Row(bottom, spacing=4, vertical_alignment=ft.CrossAxisAlignment.CENTER),
    ]
    if order.pending:
        body.append(pending_mark())
    return tagged(
        f"order-card-{order.number}",
        ft.Card(
            margin=ft.Margin.symmetric(vertical=4),
            content=ft.Container(
                padding=ft.Padding.all(12),
                border_radius=12,
                ink=True,
                on_click=lambda: on_open(order.number),
                content=ft.Column(body, spacing=6),
            ),
        ),
        label=card_label(order, now=now),
        button=True,
    )


def _section(
    *, title: str, orders: list[OrderSummary], now: datetime, on_open: Callable[[str], None], tone: str | None
) -> list[ft.Control]:
    if not orders:
        return []
    controls: list[ft.Control] = [section_header(title=title, count=len(orders), tone=tone)]
    controls += [OrderCard(order=o, now=now, on_open=on_open, key=str(o.id)) for o in orders]
    return controls


@ft.component
def OrdersScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    page = ft.context.page
    now = datetime.now().astimezone()
    groups = session.groups

    def open_order(number: str) -> None:
        page.navigate(f"/orders/{number}")

    def sign_out() -> None:
        session.services.sign_out()
        session.reload()
        page.navigate("/login")

    items: list[ft.Control] = []
    if session.problem:
        items.append(message_box(identifier="orders-error", text=session.problem))
    items += _section(
        title="Overdue", orders=groups.overdue, now=now, on_open=open_order, tone=ft.Colors.RED_800
    )
    items += _section(title="Today", orders=groups.today, now=now, on_open=open_order, tone=None)
    items += _section(title="Upcoming", orders=groups.upcoming, now=now, on_open=open_order, tone=None)
    if not (groups.overdue or groups.today or groups.upcoming):
        items.append(
            message_box(
                identifier="orders-empty",
                text="No orders on this device yet. Press Sync now to fetch your orders.",
                error=False,
            )
        )

    user = session.user
    return ft.View(
        route="/orders",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(
            title=ft.Text("My orders"),
            actions=[
                ft.Text(user.display_name if user else "", size=13),
                tagged(
                    "sign-out",
                    ft.IconButton(ft.Icons.LOGOUT, tooltip="Sign out", on_click=sign_out),
                    label="Sign out",
                    button=True,
                ),
            ],
        ),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            tagged(
                "order-list",
                ft.ListView(
                    items,
                    padding=ft.Padding.symmetric(horizontal=side_padding(session.width), vertical=4),
                    spacing=2,
                ),
                label="My orders",
                expand=True,
            ),
        ],
    )
