"""`/orders`: "My orders", grouped Overdue / Today / Upcoming, one card per order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.domain import is_overdue
from app.domain.rules import is_dispatcher
from app.services.types import OrderSummary
from app.views.desk.orders_table import orders_table_view
from app.views.state import Session, use_session, use_sign_in_guard
from app.views.sync_bar import SyncBar
from app.views.theme import LIST_PANE, STATUS_WORD, WIDE
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


def assignee_line(order: OrderSummary) -> str:
    return f"Assigned to {order.assignee_name}" if order.assignee_name else "Unassigned"


def card_label(order: OrderSummary, *, now: datetime, show_assignee: bool = False) -> str:
    """What a screen reader says for one card: everything the eye gets, in words."""
    parts = [
        order.number,
        order.title,
        order.site_name,
        due_text(order.due_at, now=now),
        f"priority {order.priority.value}",
        f"status {STATUS_WORD[order.status]}",
    ]
    if show_assignee:
        parts.append(assignee_line(order))
    if order.pending:
        parts.append("waiting to sync")
    return ", ".join(p for p in parts if p)


@ft.component
def OrderCard(
    *,
    order: OrderSummary,
    now: datetime,
    on_open: Callable[[str], None],
    selected: bool = False,
    show_assignee: bool = False,
) -> ft.Control:
    overdue_due = is_overdue(status=order.status, due_at=order.due_at, now=now)
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
    if show_assignee:  # a dispatcher's list: who has it, or that nobody does yet
        unassigned = not order.assignee_name
        body.append(
            ft.Row(
                [
                    ft.Icon(
                        ft.Icons.PERSON_OFF_OUTLINED if unassigned else ft.Icons.ENGINEERING_OUTLINED,
                        size=16,
                        color=ft.Colors.AMBER_900 if unassigned else None,
                    ),
                    ft.Text(
                        assignee_line(order),
                        size=13,
                        color=ft.Colors.AMBER_900 if unassigned else None,
                        weight=ft.FontWeight.W_600 if unassigned else None,
                    ),
                ],
                spacing=4,
            )
        )
    if order.pending:
        body.append(pending_mark())
    return tagged(
        f"order-card-{order.number}",
        ft.Card(
            margin=ft.Margin.symmetric(vertical=4),
            bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
            content=ft.Container(
                padding=ft.Padding.all(12),
                border_radius=12,
                ink=True,
                on_click=lambda: on_open(order.number),
                content=ft.Column(body, spacing=6),
            ),
        ),
        label=card_label(order, now=now, show_assignee=show_assignee),
        button=True,
    )


def _section(
    *,
    title: str,
    orders: list[OrderSummary],
    now: datetime,
    on_open: Callable[[str], None],
    tone: str | None,
    selected: str | None,
    show_assignee: bool,
) -> list[ft.Control]:
    if not orders:
        return []
    controls: list[ft.Control] = [section_header(title=title, count=len(orders), tone=tone)]
    controls += [
        OrderCard(
            order=o,
            now=now,
            on_open=on_open,
            selected=o.number == selected,
            show_assignee=show_assignee,
            key=str(o.id),
        )
        for o in orders
    ]
    return controls


@ft.component
def OrderListPane(*, session: Session, selected: str | None = None, padding: float = 12) -> ft.Control:
    """The grouped list; the whole screen on phones, the left pane on wide windows."""
    page = ft.context.page
    now = datetime.now().astimezone()
    groups = session.groups
    dispatcher = session.user is not None and is_dispatcher(session.user.role)

    def open_order(number: str) -> None:
        page.navigate(f"/orders/{number}")

    items: list[ft.Control] = []
    if session.problem:
        items.append(message_box(identifier="orders-error", text=session.problem))
    for title, orders, tone in (
        ("Overdue", groups.overdue, ft.Colors.RED_800),
        ("Today", groups.today, None),
        ("Upcoming", groups.upcoming, None),
    ):
        items += _section(
            title=title,
            orders=orders,
            now=now,
            on_open=open_order,
            tone=tone,
            selected=selected,
            show_assignee=dispatcher,
        )
    if not (groups.overdue or groups.today or groups.upcoming):
        items.append(
            message_box(
                identifier="orders-empty",
                text="No orders on this device yet. Press Sync now to fetch your orders.",
                error=False,
            )
        )
    return tagged(
        "order-list",
        ft.ListView(items, padding=ft.Padding.symmetric(horizontal=padding, vertical=4), spacing=2),
        label="My orders",
        expand=True,
    )


def choose_hint() -> ft.Control:
    return ft.Container(
        expand=True,
        alignment=ft.Alignment.CENTER,
        content=ft.Column(
            [
                ft.Icon(ft.Icons.TOUCH_APP_OUTLINED, size=40, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text("Choose an order to see it here.", color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            tight=True,
        ),
    )


def two_panes(*, left: ft.Control, right: ft.Control) -> ft.Control:
    """Tablet and desktop: the list beside the detail."""
    return ft.Row(
        [
            ft.Container(content=left, width=LIST_PANE),
            ft.VerticalDivider(width=1),
            ft.Container(right, expand=True),
        ],
        expand=True,
        spacing=0,
        vertical_alignment=ft.CrossAxisAlignment.STRETCH,
    )


@ft.component
def OrdersScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    page = ft.context.page

    def sign_out() -> None:
        session.services.sign_out()
        session.reload()
        page.navigate("/login")

    user = session.user
    if user is not None and is_dispatcher(user.role):
        # The desk's table: search, filters and sorting over the organisation's orders.
        return orders_table_view(session=session)

    wide = session.width >= WIDE
    if wide:
        body = two_panes(left=OrderListPane(session=session), right=choose_hint())
    else:
        body = OrderListPane(session=session, padding=side_padding(session.width))

    title = "My orders"
    return ft.View(
        route="/orders",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(
            title=ft.Text(title),
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
        controls=[SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()), body],
    )
