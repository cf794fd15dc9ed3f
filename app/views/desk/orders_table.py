"""`/orders` for dispatchers and admins: every order of the organisation in a table.

Search as you type (words over number, title, site, customer, description and notes; a
prefix matches), filters (status, priority, technician or unassigned, due time, source),
sorting by a column header or the sort menu, and pages of PAGE_SIZE. A phone gets the
same screen stacked: cards instead of rows.

The search runs in an effect, off the UI event: each keystroke restarts a short wait
(Flet cancels the effect's pending task when it runs again), then the local read runs in
a worker thread, so typing never waits on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, cast

import flet as ft

from app.services.desk_types import OrderPage, SortKey
from app.views.desk.fields import dropdown
from app.views.desk.import_report import ImportPanel
from app.views.desk.order_filters import (
    ANY,
    DUE_CHOICES,
    PAGE_SIZE,
    PRIORITY_CHOICES,
    SORT_WORD,
    SOURCE_CHOICES,
    STATUS_CHOICES,
    UNASSIGNED,
    TableAsk,
    range_text,
    sort_direction_words,
    to_query,
)
from app.views.desk.orders_bulk import BulkActions, PickedFile
from app.views.desk.orders_rows import header_row, phone_card, table_row
from app.views.desk.shell import DESK_WIDE, desk_view
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import loading, message_box, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi

TYPING_PAUSE_S = 0.25  # wait this long after the last keystroke before searching
SetAsk = Callable[[Callable[[TableAsk], TableAsk]], None]  # a functional update of the table's choices


@dataclass(frozen=True, slots=True)
class _Found:
    page: OrderPage | None = None
    problem: str = ""


def _dropdown(
    identifier: str,
    *,
    label: str,
    value: str,
    choices: tuple[tuple[str, str], ...],
    on_pick: Callable[[str], None],
    width: float,
) -> ft.Control:
    return dropdown(
        identifier,
        label=label,
        value=value,
        options=choices,
        on_pick=lambda v: on_pick(v or ANY),
        width=width,
        dense=True,
        spoken=f"{label} filter",
    )


def _technician_choices(technicians: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return ((ANY, "Anyone"), (UNASSIGNED, "Unassigned"), *technicians)


@ft.component
def OrdersTable(*, session: Session) -> ft.Control:
    services = cast("DeskApi", session.services)
    page = ft.context.page
    ask, set_ask = ft.use_state(TableAsk())
    found, set_found = ft.use_state(_Found())
    technicians, set_technicians = ft.use_state(cast(list[tuple[str, str]], []))
    last_text = ft.use_ref(ask.text)
    show_filters, set_show_filters = ft.use_state(False)  # on a phone, where they fold away
    picked, set_picked = ft.use_state(cast(PickedFile | None, None))  # a CSV file being imported
    wide = session.width >= DESK_WIDE or session.width == 0

    def load_technicians() -> None:
        # The board lists every active technician (a lane each): the filter offers them.
        try:
            lanes = services.board().lanes
        except Exception:  # the filter still offers "Anyone" and "Unassigned"
            return
        set_technicians([(str(lane.technician_id), lane.display_name) for lane in lanes])

    ft.use_effect(load_technicians, [])

    async def search() -> None:
        query = to_query(ask, now=datetime.now().astimezone())
        if ask.text != last_text.current:
            last_text.current = ask.text
            await asyncio.sleep(TYPING_PAUSE_S)  # cancelled by the next keystroke
        try:
            answer = await asyncio.to_thread(services.search_orders, query)
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_found(_Found(problem=f"Could not search the orders on this device: {err}"))
            return
        set_found(_Found(page=answer))

    ft.use_effect(search, [ask, session.revision])

    def choose(**changes: object) -> None:
        set_ask(lambda a: a.changed(**changes))

    def open_order(number: str) -> None:
        page.navigate(f"/orders/{number}")

    search_box = tagged(
        "search-input",
        ft.TextField(
            value=ask.text,
            hint_text="Search number, title, site, customer, description, notes",
            label="Search orders",
            prefix_icon=ft.Icons.SEARCH,
            on_change=lambda e: choose(text=e.control.value or ""),
            suffix=ft.IconButton(ft.Icons.CLEAR, tooltip="Clear the search", on_click=lambda: choose(text=""))
            if ask.text
            else None,
            autofocus=wide,
        ),
        label="Search orders",
        expand=True,
    )
    create = tagged(
        "order-create",
        ft.FilledButton(
            "New order", icon=ft.Icons.ADD, on_click=lambda: page.navigate("/orders/new"), height=MIN_TOUCH
        ),
        label="New order",
        button=True,
    )
    bulk = BulkActions(session=session, ask=ask, on_picked=set_picked)
    width = 180 if wide else 170

    def filter_by(field: str, label: str, choices: tuple[tuple[str, str], ...], px: float) -> ft.Control:
        """The filter over `ask.<field>`, as `filter-<field>`."""
        return _dropdown(
            f"filter-{field}",
            label=label,
            value=getattr(ask, field),
            choices=choices,
            on_pick=lambda v: choose(**{field: v}),
            width=px,
        )

    filters: list[ft.Control] = [
        filter_by("status", "Status", STATUS_CHOICES, width),
        filter_by("priority", "Priority", PRIORITY_CHOICES, width - 20),
        filter_by("assignee", "Technician", _technician_choices(technicians), width),
        filter_by("due", "Due", DUE_CHOICES, width + 20),
        filter_by("source", "Source", SOURCE_CHOICES, width - 10),
        _sort_menu(
            ask,
            on_sort=lambda key: set_ask(lambda a: a.changed(sort=key, sort_chosen=True)),
            on_flip=lambda: set_ask(lambda a: a.changed(descending=not a.descending)),
        ),
    ]
    if wide:
        body: list[ft.Control] = [
            ft.Row([search_box, create, bulk], spacing=12, vertical_alignment=ft.CrossAxisAlignment.CENTER),
            ft.Row(filters, spacing=8, run_spacing=8, wrap=True),
        ]
    else:  # a phone keeps the list in view: the filters fold away behind one button
        active = ask.active_filters
        words = f"Filters ({active})" if active else "Filters"
        toggle = tagged(
            "filters-toggle",
            ft.OutlinedButton(
                words,
                icon=ft.Icons.EXPAND_LESS if show_filters else ft.Icons.FILTER_LIST,
                on_click=lambda: set_show_filters(not show_filters),
                height=MIN_TOUCH,
            ),
            label=f"{'Hide' if show_filters else 'Show'} filters and sorting, {active} in use",
            button=True,
        )
        body = [ft.Row([search_box]), ft.Row([create, toggle], spacing=8), bulk]
        if show_filters:
            body.append(ft.Row(filters, spacing=8, run_spacing=8, wrap=True))
    if picked is not None:  # the import's report takes the table's place until closed
        body.append(ImportPanel(session=session, picked=picked, on_close=lambda: set_picked(None)))
    else:
        body += _results(found, ask=ask, wide=wide, set_ask=set_ask, on_open=open_order)
    return ft.Column(body, spacing=10, expand=True)


def _sort_menu(
    ask: TableAsk, *, on_sort: Callable[[SortKey], None], on_flip: Callable[[], None]
) -> ft.Control:
    key = ask.effective_sort
    keys = [k for k in SORT_WORD if k is not SortKey.RELEVANCE or ask.text.strip()]
    direction = sort_direction_words(key, descending=ask.descending)
    return ft.Row(
        [
            tagged(
                "sort-menu",
                ft.Dropdown(
                    label="Sort by",
                    value=key.value,
                    options=[ft.DropdownOption(key=k.value, text=SORT_WORD[k]) for k in keys],
                    on_select=lambda e: on_sort(SortKey(e.control.value)),
                    width=170,
                    dense=True,
                    enable_search=False,
                ),
                label="Sort by",
            ),
            tagged(
                "sort-direction",
                ft.IconButton(
                    ft.Icons.ARROW_DOWNWARD if ask.descending else ft.Icons.ARROW_UPWARD,
                    tooltip=f"Now {direction}: turn around",
                    on_click=on_flip,
                    disabled=key is SortKey.RELEVANCE,
                ),
                label=f"Sorted {direction}; turn around",
                button=True,
            ),
        ],
        spacing=0,
        tight=True,
    )


def _results(
    found: _Found, *, ask: TableAsk, wide: bool, set_ask: SetAsk, on_open: Callable[[str], None]
) -> list[ft.Control]:
    if found.problem:
        return [message_box(identifier="orders-error", text=found.problem)]
    result = found.page
    if result is None:
        return [loading("Searching…")]
    now = datetime.now().astimezone()
    if not result.rows:
        return [_empty(ask, on_clear=lambda: set_ask(lambda a: a.cleared()))]
    count = range_text(page=ask.page, shown=len(result.rows), total=result.total)
    pages = (result.total + PAGE_SIZE - 1) // PAGE_SIZE
    top = ft.Row(
        [
            tagged(
                "orders-count",
                ft.Text(count, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                label=count,
                exclude_semantics=True,
            ),
            *(
                [
                    tagged(
                        "filters-clear",
                        ft.TextButton(
                            "Clear search and filters",
                            icon=ft.Icons.FILTER_ALT_OFF,
                            on_click=lambda: set_ask(lambda a: a.cleared()),
                        ),
                        label="Clear the search and all filters",
                        button=True,
                    )
                ]
                if ask.filtered or ask.text.strip()
                else []
            ),
            ft.Container(expand=True),
            *(_pager(ask, pages=pages, set_ask=set_ask) if pages > 1 else []),
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
    if wide:
        rows: list[ft.Control] = [
            table_row(r, now=now, on_open=on_open, shaded=i % 2 == 1) for i, r in enumerate(result.rows)
        ]
        table = ft.Column(
            [
                header_row(
                    sort=ask.effective_sort,
                    descending=ask.descending,
                    on_sort=lambda k: set_ask(lambda a: a.sorted_by(k)),
                ),
                tagged("order-list", ft.ListView(rows, expand=True, spacing=0), label="Orders", expand=True),
            ],
            spacing=0,
            expand=True,
        )
        return [top, table]
    cards = [phone_card(r, now=now, on_open=on_open) for r in result.rows]
    return [
        top,
        tagged("order-list", ft.ListView(cards, expand=True, spacing=2), label="Orders", expand=True),
    ]


def _pager(ask: TableAsk, *, pages: int, set_ask: SetAsk) -> list[ft.Control]:
    def to(n: int) -> None:
        set_ask(lambda a: replace(a, page=n))

    return [
        tagged(
            "page-prev",
            ft.IconButton(
                ft.Icons.CHEVRON_LEFT,
                tooltip="Previous page",
                on_click=lambda: to(ask.page - 1),
                disabled=ask.page == 0,
            ),
            label="Previous page",
            button=True,
        ),
        ft.Text(f"Page {ask.page + 1} of {pages}", size=13),
        tagged(
            "page-next",
            ft.IconButton(
                ft.Icons.CHEVRON_RIGHT,
                tooltip="Next page",
                on_click=lambda: to(ask.page + 1),
                disabled=ask.page + 1 >= pages,
            ),
            label="Next page",
            button=True,
        ),
    ]


def _empty(ask: TableAsk, *, on_clear: Callable[[], None]) -> ft.Control:
    if not (ask.text.strip() or ask.filtered):
        return message_box(
            identifier="orders-empty",
            text="No orders on this device yet. Press Sync now to fetch the organisation's orders, "
            "or create one with New order.",
            error=False,
        )
    what = f"“{ask.text.strip()}”" if ask.text.strip() else "these filters"
    if ask.text.strip() and ask.filtered:
        what += " with these filters"
    return ft.Column(
        [
            message_box(identifier="orders-empty", text=f"No orders match {what}.", error=False),
            tagged(
                "orders-empty-clear",
                ft.OutlinedButton(
                    "Clear the search and filters", icon=ft.Icons.FILTER_ALT_OFF, on_click=on_clear
                ),
                button=True,
            ),
        ],
        spacing=8,
    )


def orders_table_view(*, session: Session) -> ft.View:
    """The screen `app.views.field.orders` routes dispatchers and admins to."""
    return desk_view(
        session=session,
        route="/orders",
        selected="/orders",
        title="Orders",
        body=OrdersTable(session=session),
    )
