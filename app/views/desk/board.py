"""`/desk`: the dispatcher's board — the unassigned queue beside a lane per technician.

The board is read from services (`services.board()`, local reads only) in an effect, again
whenever services notify (`session.revision`): a pull brought by a live poke redraws it
without anyone pressing anything. It also reads itself once a minute, so "due in 20 min"
becomes "overdue" on time. A card opens its order; its Assign / Reassign button opens
the order's assign screen (`/orders/<number>/assign?from=desk`), which offers the top three
suggestions and comes back here. Ids: `desk-board`, `desk-summary`, `desk-unassigned`,
`desk-lanes`, `desk-lane-<username>`, `order-card-<number>`, `board-assign-<number>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.desk_types import Board, Lane, Lateness
from app.views.desk.cards import CARD_WIDTH
from app.views.desk.lanes import QUEUE_WIDTH, LaneBox, queue_cards, queue_header
from app.views.desk.shell import DESK_WIDE, content_width, desk_view
from app.views.shared.clock import use_clock
from app.views.shared.state import Session, use_session, use_sign_in_guard
from app.views.shared.widgets import loading, message_box, tagged

GAP = 10  # px between cards in a lane's row
LANE_PAD = 12  # px inside a lane
LIST_PAD = 12  # px around the lanes' list
CLOCK_S = 60.0  # the board reads itself again this often with nothing changed (words age)
PHONE_LANE = 3  # cards a folded lane shows on a phone (on the desktop: one row's worth)


@dataclass(frozen=True, slots=True)
class _Loaded:
    board: Board | None = None
    problem: str = ""
    loaded: bool = False


def lane_row(area: float) -> tuple[int, float]:
    """How many cards share a lane's row in `area` px, and their width (none narrower than CARD_WIDTH)."""
    inner = max(CARD_WIDTH, area - 2 * LIST_PAD - 2 * LANE_PAD)
    per_row = max(1, int((inner + GAP) // (CARD_WIDTH + GAP)))
    return per_row, (inner - GAP * (per_row - 1)) / per_row


def summary_words(board: Board) -> str:
    """One line over the board: what needs a dispatcher's eye first."""
    cards = [c for lane in board.lanes for c in lane.cards] + board.unassigned
    overdue = sum(1 for c in cards if c.lateness is Lateness.OVERDUE)
    at_risk = sum(1 for c in cards if c.lateness is Lateness.AT_RISK)
    open_today = sum(lane.open_today for lane in board.lanes)
    people = len(board.lanes)
    parts = [
        f"{len(board.unassigned)} unassigned",
        f"{open_today} open today across {people} {'technician' if people == 1 else 'technicians'}",
        f"{overdue} overdue",
        f"{at_risk} at risk",
    ]
    if board.open_conflicts:
        parts.append(
            f"{board.open_conflicts} {'conflict' if board.open_conflicts == 1 else 'conflicts'} to decide"
        )
    return " · ".join(parts)


def _summary(board: Board) -> ft.Control:
    words = summary_words(board)
    late = any(c.lateness is Lateness.OVERDUE for lane in board.lanes for c in lane.cards) or any(
        c.lateness is Lateness.OVERDUE for c in board.unassigned
    )
    return tagged(
        "desk-summary",
        ft.Container(
            padding=ft.Padding.symmetric(horizontal=12, vertical=6),
            content=ft.Row(
                [
                    ft.Icon(
                        ft.Icons.WARNING_AMBER_ROUNDED if late else ft.Icons.INSIGHTS,
                        size=18,
                        color=ft.Colors.ERROR if late else ft.Colors.ON_SURFACE_VARIANT,
                    ),
                    ft.Text(words, size=13, expand=True),
                ],
                spacing=8,
            ),
        ),
        label=words,
        live_region=True,
    )


@dataclass(frozen=True, slots=True)
class _Acts:
    """What the board's controls do, handed down to the cards and lanes."""

    open: Callable[[str], None]  # an order's number
    assign: Callable[[str], None]
    toggle: Callable[[str], None]  # a lane's username: show all its cards, or fold them
    unfolded: frozenset[str]  # usernames whose lanes show every card


def _lane(lane: Lane, *, now: datetime, acts: _Acts, card_width: float | None, limit: int) -> ft.Control:
    return LaneBox(
        lane=lane,
        now=now,
        on_open=acts.open,
        on_assign=acts.assign,
        card_width=card_width,
        limit=limit,
        unfolded=lane.username in acts.unfolded,
        on_toggle=lambda: acts.toggle(lane.username),
    )


def _queue(board: Board, *, acts: _Acts) -> list[ft.Control]:
    return [
        queue_header(len(board.unassigned)),
        *queue_cards(board.unassigned, now=board.now, on_open=acts.open, on_assign=acts.assign),
    ]


def _wide_board(board: Board, *, session: Session, acts: _Acts) -> ft.Control:
    """The desktop: the queue down the left, the lanes beside it, each scrolling on its own."""
    per_row, width = lane_row(content_width(session) - QUEUE_WIDTH - 1)
    queue = tagged(
        "desk-unassigned",
        ft.Container(
            width=QUEUE_WIDTH,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST,
            content=ft.ListView(_queue(board, acts=acts), spacing=8, padding=ft.Padding.all(12)),
        ),
        container=True,
    )
    lanes = tagged(
        "desk-lanes",
        ft.ListView(
            [_lane(lane, now=board.now, acts=acts, card_width=width, limit=per_row) for lane in board.lanes]
            or [ft.Text("No active technicians in this organisation.")],
            spacing=12,
            padding=ft.Padding.all(LIST_PAD),
            expand=True,
        ),
        container=True,
        expand=True,
    )
    return ft.Row(
        [queue, ft.VerticalDivider(width=1), lanes],
        spacing=0,
        expand=True,
        vertical_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _stacked_board(board: Board, *, acts: _Acts) -> ft.Control:
    """A phone: the queue first, then each technician's lane, in one scrolling column."""
    queue = tagged(
        "desk-unassigned",
        ft.Column(_queue(board, acts=acts), spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        container=True,
    )
    lanes = [_lane(lane, now=board.now, acts=acts, card_width=None, limit=PHONE_LANE) for lane in board.lanes]
    return ft.ListView([queue, *lanes], spacing=16, padding=ft.Padding.all(12), expand=True)


@ft.component
def BoardScreen() -> ft.View:
    session = use_session()
    page = ft.context.page
    loaded, set_loaded = ft.use_state(_Loaded())
    user = session.user
    dispatcher = user is not None and is_dispatcher(user.role)

    def load() -> None:
        if not dispatcher:
            return
        try:
            set_loaded(_Loaded(board=session.services.board(), loaded=True))
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_loaded(_Loaded(problem=f"Could not read the board on this device: {err}", loaded=True))

    tick = use_clock(every_s=CLOCK_S)
    ft.use_effect(load, [session.revision, dispatcher, tick])

    unfolded, set_unfolded = ft.use_state(frozenset())

    def toggle(username: str) -> None:
        set_unfolded(unfolded ^ {username})

    acts = _Acts(
        open=lambda number: page.navigate(f"/orders/{number}"),
        assign=lambda number: page.navigate(f"/orders/{number}/assign?from=desk"),
        toggle=toggle,
        unfolded=unfolded,
    )

    board = loaded.board
    if user is not None and not dispatcher:
        # Not a technician's screen: say so, and lead to their own list (no desk frame).
        use_sign_in_guard(session, signed_in=True)
        return ft.View(
            route="/desk",
            appbar=ft.AppBar(title=ft.Text("Board")),
            padding=ft.Padding.all(16),
            controls=[
                message_box(
                    identifier="desk-not-offered",
                    text="The board is the dispatcher's screen. Your orders are under My orders.",
                    error=False,
                ),
                ft.FilledButton("Go to my orders", on_click=lambda: page.navigate("/orders"), height=48),
            ],
        )
    if loaded.problem:
        body: ft.Control = message_box(identifier="desk-error", text=loaded.problem)
    elif board is None:
        body = loading("Loading the board…")
    else:
        inner = (
            _wide_board(board, session=session, acts=acts)
            if session.width >= DESK_WIDE
            else _stacked_board(board, acts=acts)
        )
        body = ft.Column([_summary(board), ft.Divider(height=1), inner], spacing=0, expand=True)

    create = tagged(
        "order-create",
        ft.FilledTonalButton("New order", icon=ft.Icons.ADD, on_click=lambda: page.navigate("/orders/new")),
        label="New order",
        button=True,
    )
    return desk_view(
        session=session,
        route="/desk",
        selected="/desk",
        title="Board",
        body=tagged(
            "desk-board",
            body if board is not None else ft.Container(body, padding=16),
            container=True,
            expand=True,
        ),
        actions=[create] if dispatcher else [],
        padding=0,
    )
