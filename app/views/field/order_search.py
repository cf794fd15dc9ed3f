"""The search over a technician's "My day": words and two filters (status, priority) over the
orders this device holds for them, through the desk's search (`Services.search_orders`: the
local FTS5 index over number, title, site, customer, description and notes, within what the
signed-in user sees). Results are the list's own cards, flat, earliest due first.

The search runs in an effect, off the render: each keystroke restarts a short pause (Flet
cancels the effect's pending task when it runs again), then the local read runs in a worker
thread. It never touches the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace

import flet as ft

from app.domain import OPEN, Priority, Status
from app.services.desk_types import OrderPage, OrderQuery, SortKey
from app.views.desk.fields import dropdown
from app.views.desk.order_filters import ANY, OPEN_CHOICE, PRIORITY_CHOICES, STATUS_CHOICES
from app.views.desk.orders_table import TYPING_PAUSE_S
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, plural, tagged

RESULTS = 100  # cards in one answer: more than anyone scrolls through on a phone


@dataclass(frozen=True, slots=True)
class DayAsk:
    """What the technician typed and chose; nothing means the grouped day."""

    text: str = ""
    status: str = ANY  # a Status value, OPEN_CHOICE or ANY
    priority: str = ANY  # a Priority value or ANY

    @property
    def filtered(self) -> bool:
        return self.status != ANY or self.priority != ANY

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.filtered

    def query(self) -> OrderQuery:
        if self.status == ANY:
            statuses: tuple[Status, ...] = ()
        elif self.status == OPEN_CHOICE:
            statuses = tuple(s for s in Status if s in OPEN)
        else:
            statuses = (Status(self.status),)
        priorities = () if self.priority == ANY else (Priority(self.priority),)
        return OrderQuery(
            text=self.text.strip(), statuses=statuses, priorities=priorities, sort=SortKey.DUE, limit=RESULTS
        )


@dataclass(frozen=True, slots=True)
class DayFound:
    ask: DayAsk | None = None  # what this answers; None: nothing asked yet
    page: OrderPage | None = None
    problem: str = ""


def results_line(*, shown: int, total: int) -> str:
    """'1 result', '12 results', 'Showing 100 of 240 results'."""
    if total > shown:
        return f"Showing {shown} of {plural(total, 'result')}"
    return plural(total, "result")


def nothing_found(ask: DayAsk) -> str:
    text = ask.text.strip()
    what = f"“{text}”" if text else "these filters"
    if text and ask.filtered:
        what += " with these filters"
    return f"No orders on this device match {what}."


def use_day_search(session: Session, ask: DayAsk) -> DayFound:
    """The answer to `ask`, searched in an effect; again whenever services said something
    changed (a sync, a write). The grouped day needs no search: nothing runs then."""
    found, set_found = ft.use_state(DayFound())
    last_text = ft.use_ref(ask.text)

    async def search() -> None:
        if not ask.active:
            last_text.current = ask.text
            return
        if ask.text != last_text.current:
            last_text.current = ask.text
            await asyncio.sleep(TYPING_PAUSE_S)  # cancelled by the next keystroke
        try:
            answer = await asyncio.to_thread(session.services.search_orders, ask.query())
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_found(DayFound(ask=ask, problem=f"Could not search the orders on this device: {err}"))
            return
        set_found(DayFound(ask=ask, page=answer))

    ft.use_effect(search, [ask, session.revision])
    return found


def _short(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The desk's choices with "All" for "Any status": the field's label already says which,
    and at twice the text size "Any status" no longer fits half a phone."""
    return tuple((key, "All" if key == ANY else words) for key, words in choices)


def search_bar(
    *, ask: DayAsk, set_ask: Callable[[Callable[[DayAsk], DayAsk]], None], padding: float
) -> ft.Control:
    """The search field and the two filters, above the list."""
    box = tagged(
        "search-input",
        ft.TextField(
            value=ask.text,
            label="Search my orders",
            hint_text="Number, title, site, customer, notes",
            prefix_icon=ft.Icons.SEARCH,
            on_change=lambda e: set_ask(lambda a: replace(a, text=e.control.value or "")),
            suffix=ft.IconButton(
                ft.Icons.CLEAR,
                tooltip="Clear the search",
                on_click=lambda: set_ask(lambda a: replace(a, text="")),
            )
            if ask.text
            else None,
        ),
        label="Search my orders",
        expand=True,
    )
    status = dropdown(
        "filter-status",
        label="Status",
        value=ask.status,
        options=_short(STATUS_CHOICES),
        on_pick=lambda v: set_ask(lambda a: replace(a, status=v or ANY)),
        spoken="Status filter",
        dense=True,
    )
    priority = dropdown(
        "filter-priority",
        label="Priority",
        value=ask.priority,
        options=_short(PRIORITY_CHOICES),
        on_pick=lambda v: set_ask(lambda a: replace(a, priority=v or ANY)),
        spoken="Priority filter",
        dense=True,
    )
    return ft.Container(
        padding=ft.Padding.only(left=padding, right=padding, top=8, bottom=4),
        content=ft.Column(
            [ft.Row([box]), ft.Row([status, priority], spacing=8)],
            spacing=8,
        ),
    )


def result_head(found: DayFound, *, ask: DayAsk, on_clear: Callable[[], None]) -> list[ft.Control]:
    """Above the result cards: how many matched, or why nothing is shown, and a way back."""
    clear = tagged(
        "search-clear",
        ft.TextButton("Back to my day", icon=ft.Icons.FILTER_ALT_OFF, on_click=on_clear, height=MIN_TOUCH),
        label="Clear the search and filters, back to my day",
        button=True,
    )
    if found.problem:
        problem = message_box(identifier="orders-error", text=found.problem)
        return [keyed("search-problem", problem), keyed("search-clear", clear)]
    page = found.page
    if page is None or found.ask != ask:
        words = "Searching…"
    elif not page.rows:
        empty = message_box(identifier="search-empty", text=nothing_found(ask), error=False)
        return [keyed("search-empty", empty), keyed("search-clear", clear)]
    else:
        words = results_line(shown=len(page.rows), total=page.total)
    count = tagged(
        "search-count",
        ft.Text(words, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        label=words,
        exclude_semantics=True,
        live_region=True,
    )
    row = ft.Row([count, ft.Container(expand=True), clear], vertical_alignment=ft.CrossAxisAlignment.CENTER)
    return [keyed("search-head", row)]


def keyed(key: str, control: ft.Control) -> ft.Control:
    """A list item with a stable identity. Without one, Flet reuses the control that was at
    the same place before (a card, say) and only changes its properties, and Flutter's web
    engine was seen to keep the old node's semantics id: the new one never appeared."""
    return ft.Container(content=control, key=key)
