"""`/orders/<number>/history`: the server's ledger for one order as a readable timeline.

Each entry says what happened in words, who did it, when, from which device, and how it
ended (applied, merged, kept as a conflict, refused), with the fields it changed as
before → after. Fetching is a network call: it runs off the UI event (`asyncio.to_thread`)
behind a progress ring. Offline the services hand back the last fetched copy plus this
device's unsent changes; the screen says so and marks those as not sent yet.

Dispatchers and admins see it in the desk's frame; an assignee gets it on a plain screen
(their phone has no desk). Ids: `history-list`, `history-entry-<n>` (1 = oldest),
`history-loading`, `history-stale`, `history-error`, `history-refresh`, `history-order`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.desk_types import HistoryEntry, HistoryView
from app.services.types import OrderDetail, OrderId, ServiceError, Services, SyncState
from app.views.desk.history_words import (
    ARROW,
    byline,
    change_lines,
    entry_label,
    result_key,
    result_word,
    stale_text,
)
from app.views.desk.shell import desk_view
from app.views.shared.header import header_actions
from app.views.shared.state import Session, use_order, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH, READABLE, Tone
from app.views.shared.widgets import loading, message_box, priority_chip, side_padding, status_chip, tagged

_TYPE_ICON: dict[str, ft.IconData] = {
    "order.create": ft.Icons.ADD_CIRCLE_OUTLINE,
    "order.update": ft.Icons.EDIT_OUTLINED,
    "order.transition": ft.Icons.SWAP_HORIZ,
    "checklist.set": ft.Icons.CHECKLIST,
    "note.add": ft.Icons.NOTES,
    "photo.add": ft.Icons.PHOTO_CAMERA_OUTLINED,
    "time.add": ft.Icons.TIMER_OUTLINED,
    "part.use": ft.Icons.BUILD_OUTLINED,
    "signature.add": ft.Icons.DRAW_OUTLINED,
    "entry.void": ft.Icons.REMOVE_CIRCLE_OUTLINE,
    "conflict.resolve": ft.Icons.CALL_SPLIT,
}

# How each change ended: an icon and a colour beside its words (history_words.RESULT_WORD).
_RESULT_LOOK: dict[str, tuple[Tone, ft.IconData]] = {
    "applied": (Tone(fg=ft.Colors.GREEN_900, bg=ft.Colors.GREEN_50), ft.Icons.CHECK),
    "merged": (Tone(fg=ft.Colors.INDIGO_900, bg=ft.Colors.INDIGO_50), ft.Icons.MERGE_TYPE),
    "conflict": (Tone(fg=ft.Colors.AMBER_900, bg=ft.Colors.AMBER_50), ft.Icons.CALL_SPLIT),
    "rejected": (Tone(fg=ft.Colors.RED_900, bg=ft.Colors.RED_50), ft.Icons.BLOCK),
    "unsent": (Tone(fg=ft.Colors.ORANGE_900, bg=ft.Colors.ORANGE_50), ft.Icons.CLOUD_UPLOAD_OUTLINED),
}
_OTHER_LOOK = (Tone(fg=ft.Colors.BLUE_GREY_900, bg=ft.Colors.BLUE_GREY_50), ft.Icons.INFO)


def may_see_history(*, role: str | None, user_id: uuid.UUID | None, detail: OrderDetail) -> bool:
    """Dispatchers and admins of the organisation, and the order's assignee (sync-protocol.md)."""
    return is_dispatcher(role) or (user_id is not None and detail.assignee_id == user_id)


def history_button(*, number: str, on_open: Any, narrow: bool = False) -> ft.Control:
    """The order screen's way in: an app-bar button, so nothing in the order's body moves. On a
    phone an icon alone, so the order's number keeps its room beside the header's icons."""
    button = (
        ft.IconButton(ft.Icons.HISTORY, tooltip="History", on_click=on_open)
        if narrow
        else ft.TextButton("History", icon=ft.Icons.HISTORY, on_click=on_open, height=MIN_TOUCH)
    )
    return tagged("order-history", button, label=f"History of {number}", button=True)


# --- loading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryLoad:
    view: HistoryView | None = None  # the latest answer (kept on screen while a new fetch runs)
    busy: bool = False
    problem: str = ""  # why nothing could be shown, fit to show
    names: Mapping[str, str] = field(default_factory=dict)  # technicians' ids -> names, for assignees


def _technician_names(services: Services, order_id: OrderId) -> dict[str, str]:
    """Who the assignee ids in the history are; the picker's directory read (dispatchers only)."""
    try:
        return {str(t.id): t.display_name or t.username for t in services.list_technicians(order_id)}
    except Exception:  # a technician may not read the directory: the ids stay unnamed
        return {}


def use_history(session: Session, order_id: OrderId | None, *, again: int = 0) -> HistoryLoad:
    """The order's history, fetched off the UI event whenever the order or `again` changes."""
    loaded, set_loaded = ft.use_state(HistoryLoad(busy=order_id is not None))
    latest = ft.use_ref(0)  # only the newest fetch may land: an older answer arriving late is dropped

    async def fetch() -> None:
        if order_id is None:
            return
        latest.current += 1
        ticket = latest.current
        set_loaded(HistoryLoad(view=loaded.view, busy=True, names=loaded.names))
        services = session.services
        try:
            view = await asyncio.to_thread(services.order_history, order_id)
            names = await asyncio.to_thread(_technician_names, services, order_id)
        except ServiceError as err:
            answer = HistoryLoad(view=loaded.view, problem=str(err) or "The history cannot be shown now.")
        except Exception as err:  # shown in words, never raised into the UI
            answer = HistoryLoad(view=loaded.view, problem=f"The history could not be read: {err}")
        else:
            answer = HistoryLoad(view=view, names=names)
        if ticket == latest.current:
            set_loaded(answer)

    ft.use_effect(fetch, [str(order_id), again])
    return loaded


# --- drawing --------------------------------------------------------------------------


def arrowed(text: str, *, size: float, weight: ft.FontWeight | None = None) -> ft.Control:
    """Text whose arrows are drawn as icons: the web view's bundled font has no "→" glyph
    (offline, Flutter cannot fetch a fallback font) and would show an empty box."""
    pieces = text.split(ARROW)
    if len(pieces) == 1:
        return ft.Text(text, size=size, weight=weight)
    row: list[ft.Control] = []
    for n, piece in enumerate(pieces):
        if n:
            row.append(ft.Icon(ft.Icons.ARROW_FORWARD, size=size, color=ft.Colors.ON_SURFACE_VARIANT))
        if piece.strip():
            row.append(ft.Text(piece.strip(), size=size, weight=weight))
    return ft.Row(row, spacing=4, tight=True, wrap=True, run_spacing=2)


def result_chip(entry: HistoryEntry) -> ft.Control:
    words = result_word(entry)
    tone, icon = _RESULT_LOOK.get(result_key(entry), _OTHER_LOOK)
    return ft.Container(
        content=ft.Row(
            [
                ft.Icon(icon, size=14, color=tone.fg),
                ft.Text(words, size=12, weight=ft.FontWeight.W_600, color=tone.fg),
            ],
            spacing=4,
            tight=True,
        ),
        bgcolor=tone.bg,
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=8, vertical=3),
    )


def entry_view(entry: HistoryEntry, *, position: int, names: Mapping[str, str] | None = None) -> ft.Control:
    """One step of the timeline: an icon for the kind of change, what happened, who, when, the result."""
    unsent = entry.unsent
    dot = ft.Container(
        content=ft.Icon(
            _TYPE_ICON.get(entry.type, ft.Icons.HISTORY),
            size=18,
            color=ft.Colors.ORANGE_900 if unsent else ft.Colors.ON_PRIMARY_CONTAINER,
        ),
        width=36,
        height=36,
        border_radius=18,
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.ORANGE_50 if unsent else ft.Colors.PRIMARY_CONTAINER,
    )
    lines: list[ft.Control] = [
        ft.Row(
            [
                arrowed(entry.summary or entry.type, size=15, weight=ft.FontWeight.W_600),
                result_chip(entry),
            ],
            spacing=8,
            wrap=True,
        ),
        ft.Text(byline(entry), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    lines += [arrowed(line, size=13) for line in change_lines(entry, names=names)]
    return tagged(
        f"history-entry-{position}",
        ft.Container(
            padding=ft.Padding.only(bottom=4),
            content=ft.Row(
                [dot, ft.Column(lines, spacing=4, expand=True)],
                spacing=12,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ),
        label=entry_label(entry, position=position, names=names),
        container=True,
        exclude_semantics=True,
    )


def timeline(entries: list[HistoryEntry], *, names: Mapping[str, str] | None = None) -> list[ft.Control]:
    return [entry_view(e, position=n, names=names) for n, e in enumerate(entries, start=1)]


def loading_row(words: str = "Fetching the history from the server…") -> ft.Control:
    return tagged(
        "history-loading",
        loading(words),
        label=words,
    )


@ft.component
def HistoryBody(*, detail: OrderDetail, session: Session) -> ft.Control:
    page = ft.context.page
    again, set_again = ft.use_state(0)
    loaded = use_history(session, detail.summary.id, again=again)
    number = detail.summary.number
    view = loaded.view

    head = ft.Column(
        [
            ft.Text(detail.summary.title, theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Row(
                [
                    status_chip(detail.summary.status),
                    priority_chip(detail.summary.priority),
                    tagged(
                        "history-order",
                        ft.TextButton(
                            f"Back to {number}",
                            icon=ft.Icons.ARROW_BACK,
                            on_click=lambda: page.navigate(f"/orders/{number}"),
                            height=MIN_TOUCH,
                        ),
                        label=f"Back to order {number}",
                        button=True,
                    ),
                    tagged(
                        "history-refresh",
                        ft.TextButton(
                            "Fetch again",
                            icon=ft.Icons.REFRESH,
                            on_click=lambda: set_again(again + 1),
                            disabled=loaded.busy,
                            height=MIN_TOUCH,
                        ),
                        label="Fetch the history again",
                        button=True,
                    ),
                ],
                spacing=8,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        ],
        spacing=4,
    )
    items: list[ft.Control] = [head]
    if loaded.busy:
        items.append(loading_row())
    if loaded.problem:
        items.append(message_box(identifier="history-error", text=loaded.problem))
    if view is not None:
        stale = stale_text(view, offline=session.sync.state is SyncState.OFFLINE)
        if stale:
            items.append(message_box(identifier="history-stale", text=stale, error=False))
        if view.entries:
            unsent = sum(1 for e in view.entries if e.unsent)
            count = f"{len(view.entries)} {'entry' if len(view.entries) == 1 else 'entries'}, oldest first"
            if unsent:
                count += f" · {unsent} not sent yet"
            items.append(
                tagged("history-count", ft.Text(count, color=ft.Colors.ON_SURFACE_VARIANT), label=count)
            )
            items += timeline(view.entries, names=loaded.names)
        elif not loaded.busy:
            items.append(ft.Text("Nothing recorded for this order yet.", italic=True))
    # A readable width on a wide desk: a timeline is read down, not across.
    return ft.Container(
        alignment=ft.Alignment.TOP_LEFT,
        content=ft.Container(ft.Column(items, spacing=12), width=READABLE + 140),
    )


@ft.component
def HistoryScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    number = ft.use_route_params().get("number", "")
    loaded = use_order(session, number)
    user = session.user
    detail = loaded.detail
    route = f"/orders/{number}/history"

    if loaded.state == "found" and detail is not None:
        if may_see_history(
            role=user.role if user else None, user_id=user.id if user else None, detail=detail
        ):
            body: ft.Control = HistoryBody(detail=detail, session=session, key=str(detail.summary.id))
        else:
            body = message_box(
                identifier="history-error",
                text=f"The history of {number} is for dispatchers and the technician who has it.",
            )
    elif loaded.state == "missing":
        body = message_box(
            identifier="history-error", text=f"Order {number} is not on this device.", error=False
        )
    elif loaded.state == "failed":
        body = message_box(identifier="history-error", text=loaded.problem)
    else:
        body = loading("Loading…")

    listed = tagged(
        "history-list",
        ft.ListView([body], expand=True, padding=ft.Padding.symmetric(vertical=8)),
        expand=True,
        container=True,
    )
    title = f"History · {number}"
    if user is not None and is_dispatcher(user.role):
        return desk_view(session=session, route=route, selected="/orders", title=title, body=listed)
    padded = ft.Container(
        listed, expand=True, padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16))
    )
    return ft.View(
        route=route,
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text(title), actions=header_actions(session)),
        controls=[SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()), padded],
    )
