"""`/orders` for a technician: "My day". The order to go to next, then Overdue / Today /
Upcoming, one card per order, and the work done today folded away (app.domain.my_day
decides what goes where); above it a search and two filters (app.views.field.order_search)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.domain import is_overdue
from app.domain.rules import is_dispatcher
from app.services.types import OrderSummary
from app.views.desk.orders_table import orders_table_view
from app.views.field.day_parts import done_header, next_card, next_words
from app.views.field.order_search import DayAsk, DayFound, keyed, result_head, search_bar, use_day_search
from app.views.shared.header import header_actions
from app.views.shared.state import Session, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import LIST_PANE, STATUS_WORD, WIDE
from app.views.shared.widgets import (
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


def card_label(order: OrderSummary, *, now: datetime, show_assignee: bool = False, snippet: str = "") -> str:
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
    parts.append(snippet)
    return ", ".join(p for p in parts if p)


@ft.component
def OrderCard(
    *,
    order: OrderSummary,
    now: datetime,
    on_open: Callable[[str], None],
    selected: bool = False,
    show_assignee: bool = False,
    snippet: str = "",  # where a search's words matched ("Notes: …valve…")
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
        ft.Icon(ft.Icons.SCHEDULE, size=16, color=ft.Colors.ERROR if overdue_due else None),
        ft.Text(
            due_text(order.due_at, now=now),
            size=13,
            color=ft.Colors.ERROR if overdue_due else None,
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
    if snippet:
        body.append(ft.Text(snippet, size=13, italic=True, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2))
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
        label=card_label(order, now=now, show_assignee=show_assignee, snippet=snippet),
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
    header = section_header(title=title, count=len(orders), tone=tone)
    controls: list[ft.Control] = [keyed(f"head-{title}", header)]
    controls += _cards(orders, now=now, on_open=on_open, selected=selected, show_assignee=show_assignee)
    return controls


def _cards(
    orders: list[OrderSummary],
    *,
    now: datetime,
    on_open: Callable[[str], None],
    selected: str | None,
    show_assignee: bool,
    snippets: dict[str, str] | None = None,
) -> list[ft.Control]:
    return [
        OrderCard(
            order=o,
            now=now,
            on_open=on_open,
            selected=o.number == selected,
            show_assignee=show_assignee,
            snippet=(snippets or {}).get(o.number, ""),
            key=str(o.id),
        )
        for o in orders
    ]


def next_label(order: OrderSummary, *, now: datetime) -> str:
    return f"{next_words(order)}: " + card_label(order, now=now)


def _day_items(
    *,
    session: Session,
    now: datetime,
    on_open: Callable[[str], None],
    selected: str | None,
    show_done: bool,
    on_toggle_done: Callable[[], None],
) -> list[ft.Control]:
    """The grouped day: the next order, Overdue, Today, Upcoming, and Done today (folded)."""
    groups = session.groups
    dispatcher = session.user is not None and is_dispatcher(session.user.role)
    items: list[ft.Control] = []
    if groups.next is not None:
        callout = next_card(groups.next, now=now, label=next_label(groups.next, now=now), on_open=on_open)
        items.append(keyed("next-order", callout))
    for title, orders, tone in (
        ("Overdue", groups.overdue, ft.Colors.ERROR),
        ("Today", groups.today, None),
        ("Upcoming", groups.upcoming, None),
    ):
        items += _section(
            title=title,
            orders=orders,
            now=now,
            on_open=on_open,
            tone=tone,
            selected=selected,
            show_assignee=dispatcher,
        )
    open_work = groups.overdue or groups.today or groups.upcoming
    if not open_work:
        words = (
            "Nothing left to do on this device. Press Sync now to fetch new orders."
            if groups.done_today
            else "No orders on this device yet. Press Sync now to fetch your orders."
        )
        items.append(keyed("orders-empty", message_box(identifier="orders-empty", text=words, error=False)))
    if groups.done_today:
        header = done_header(count=len(groups.done_today), shown=show_done, on_toggle=on_toggle_done)
        items.append(keyed("done-today", header))
        if show_done:
            items += _cards(
                groups.done_today, now=now, on_open=on_open, selected=selected, show_assignee=dispatcher
            )
    return items


def _result_items(
    found: DayFound,
    *,
    ask: DayAsk,
    now: datetime,
    on_open: Callable[[str], None],
    on_clear: Callable[[], None],
    selected: str | None,
    show_assignee: bool,
) -> list[ft.Control]:
    """The search's answer, flat: a count line, then the same cards (while the next answer
    is on its way, the last one stays, so typing does not make the list blink)."""
    items = result_head(found, ask=ask, on_clear=on_clear)
    page = found.page
    if page is not None and page.rows and not found.problem:
        summaries = [row.summary for row in page.rows]
        snippets = {row.summary.number: row.snippet for row in page.rows if row.snippet}
        items += _cards(
            summaries,
            now=now,
            on_open=on_open,
            selected=selected,
            show_assignee=show_assignee,
            snippets=snippets,
        )
    return items


@ft.component
def OrderListPane(*, session: Session, selected: str | None = None, padding: float = 12) -> ft.Control:
    """My day: the search and filters above the grouped list (or, while searching, the
    matching orders); the whole screen on phones, the left pane on wide windows."""
    page = ft.context.page
    now = datetime.now().astimezone()
    ask, set_ask = ft.use_state(DayAsk())
    show_done, set_show_done = ft.use_state(False)
    found = use_day_search(session, ask)
    dispatcher = session.user is not None and is_dispatcher(session.user.role)

    def open_order(number: str) -> None:
        page.navigate(f"/orders/{number}")

    items: list[ft.Control] = []
    if session.problem:
        items.append(keyed("orders-error", message_box(identifier="orders-error", text=session.problem)))
    if ask.active:
        items += _result_items(
            found,
            ask=ask,
            now=now,
            on_open=open_order,
            on_clear=lambda: set_ask(DayAsk()),
            selected=selected,
            show_assignee=dispatcher,
        )
    else:
        items += _day_items(
            session=session,
            now=now,
            on_open=open_order,
            selected=selected,
            show_done=show_done,
            on_toggle_done=lambda: set_show_done(not show_done),
        )
    return ft.Column(
        [
            search_bar(ask=ask, set_ask=set_ask, padding=padding),
            tagged(
                "order-list",
                ft.ListView(
                    items,
                    padding=ft.Padding.symmetric(horizontal=padding, vertical=4),
                    spacing=2,
                    # A new list, from the top, for each new question and on the way back to the
                    # day: one list scrolled far down and then refilled with a few items kept its
                    # old offset in Flutter's web semantics, and its ids sat off the screen.
                    key=f"search:{ask.text.strip()}|{ask.status}|{ask.priority}" if ask.active else "day",
                ),
                label="Search results" if ask.active else "My day",
                expand=True,
            ),
        ],
        spacing=0,
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
    user = session.user
    if user is not None and is_dispatcher(user.role):
        # The desk's table: search, filters and sorting over the organisation's orders.
        return orders_table_view(session=session)

    wide = session.width >= WIDE
    if wide:
        body = two_panes(left=OrderListPane(session=session), right=choose_hint())
    else:
        body = OrderListPane(session=session, padding=side_padding(session.width))

    title = "My day"
    return ft.View(
        route="/orders",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(
            title=ft.Text(title),
            actions=header_actions(session),
        ),
        controls=[SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()), body],
    )
