"""Assigning: the dispatcher's picker (`/orders/<number>/assign`) and the order's assignee.

Above the picker, the top three suggestions (services.suggest_technicians: skills, open
work today, distance, due pressure) with their reasons in words; one tap on a suggestion
assigns. Below them the organisation's active technicians (services.list_technicians: name,
open orders today, skills), searchable; one tap assigns or reassigns. Taking an order from
someone who has started it asks first, saying who loses it. Coming from the board
(`?from=desk`) the screen returns there; otherwise to the order. Ids: `assign-open` (on the
order), `assign-suggestion-1` … `-3`, `assign-search`, `assign-choose-<username>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from app.services.desk_types import Suggestion
from app.services.types import OrderDetail, ServiceError, TechnicianChoice
from app.views.order.assign_words import (
    asks_before_choosing,
    assign_button_text,
    assignee_text,
    back_route,
    choice_label,
    open_today_text,
    reasons_text,
    skills_text,
    suggestion_label,
)
from app.views.shared.confirm import confirm_dialog, reassign_confirmation
from app.views.shared.header import header_actions
from app.views.shared.state import use_order, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import loading, message_box, side_padding, tagged


def AssignButton(*, assignee_name: str, on_open: Callable[[], None]) -> ft.Control:
    words = assign_button_text(assignee_name)
    button_cls = ft.OutlinedButton if assignee_name else ft.FilledButton
    return tagged(
        "assign-open",
        button_cls(words, icon=ft.Icons.PERSON_SEARCH, on_click=on_open, height=MIN_TOUCH),
        label=words,
        button=True,
    )


def _choice_row(choice: TechnicianChoice, *, on_choose: Callable[[TechnicianChoice], None]) -> ft.Control:
    name_row: list[ft.Control] = [
        ft.Text(choice.display_name, weight=ft.FontWeight.W_600, expand=True),
    ]
    if choice.current:
        name_row.append(
            ft.Container(
                content=ft.Text(
                    "Assigned now", size=12, weight=ft.FontWeight.W_600, color=ft.Colors.GREEN_900
                ),
                bgcolor=ft.Colors.GREEN_50,
                border_radius=8,
                padding=ft.Padding.symmetric(horizontal=8, vertical=3),
            )
        )
    return tagged(
        f"assign-choose-{choice.username}",
        ft.Card(
            margin=ft.Margin.symmetric(vertical=3),
            content=ft.Container(
                padding=ft.Padding.symmetric(horizontal=12, vertical=10),
                border_radius=12,
                ink=True,
                on_click=None if choice.current else (lambda: on_choose(choice)),
                content=ft.Row(
                    [
                        ft.Icon(ft.Icons.ENGINEERING_OUTLINED, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Column(
                            [
                                ft.Row(name_row, spacing=8),
                                ft.Text(open_today_text(choice.open_today), size=13),
                                ft.Text(
                                    skills_text(choice.skills), size=13, color=ft.Colors.ON_SURFACE_VARIANT
                                ),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                    ],
                    spacing=12,
                ),
            ),
        ),
        label=choice_label(choice),
        button=not choice.current,
    )


def _suggestion_tile(
    suggestion: Suggestion, *, has_assignee: bool, on_choose: Callable[[TechnicianChoice], None]
) -> ft.Control:
    choice = suggestion.technician
    act = None if choice.current else (lambda: on_choose(choice))
    rank = ft.Container(
        content=ft.Text(
            str(suggestion.rank), weight=ft.FontWeight.BOLD, color=ft.Colors.ON_PRIMARY_CONTAINER
        ),
        width=32,
        height=32,
        border_radius=16,
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.PRIMARY_CONTAINER,
    )
    if choice.current:
        action: ft.Control = ft.Container(
            content=ft.Text("Assigned now", size=12, weight=ft.FontWeight.W_600, color=ft.Colors.GREEN_900),
            bgcolor=ft.Colors.GREEN_50,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=8, vertical=3),
        )
    else:
        action = ft.FilledButton(
            "Reassign" if has_assignee else "Assign",
            icon=ft.Icons.PERSON_ADD_ALT_1,
            on_click=act,
            height=MIN_TOUCH - 8,
        )
    return tagged(
        f"assign-suggestion-{suggestion.rank}",
        ft.Card(
            margin=ft.Margin.symmetric(vertical=3),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            content=ft.Container(
                padding=ft.Padding.symmetric(horizontal=12, vertical=10),
                border_radius=12,
                ink=True,
                on_click=act,
                content=ft.Row(
                    [
                        rank,
                        ft.Column(
                            [
                                ft.Text(choice.display_name, weight=ft.FontWeight.W_600),
                                ft.Text(reasons_text(suggestion), size=13),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                        action,
                    ],
                    spacing=12,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
            ),
        ),
        label=suggestion_label(suggestion, has_assignee=has_assignee),
        button=not choice.current,
    )


@dataclass(frozen=True, slots=True)
class _Suggested:
    suggestions: tuple[Suggestion, ...] = ()
    problem: str = ""
    loaded: bool = False


def _heading(text: str, *, hint: str = "") -> ft.Control:
    lines: list[ft.Control] = [
        ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600)
    ]
    if hint:
        lines.append(ft.Text(hint, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Semantics(
        header=True,
        label=f"{text}. {hint}" if hint else text,
        exclude_semantics=True,
        content=ft.Container(ft.Column(lines, spacing=0), padding=ft.Padding.only(top=8)),
    )


@dataclass(frozen=True, slots=True)
class _Found:
    choices: tuple[TechnicianChoice, ...] = ()
    problem: str = ""
    loaded: bool = False


@ft.component
def AssignPicker(*, detail: OrderDetail, on_done: Callable[[], None]) -> ft.Control:
    session = use_session()
    services = session.services
    order_id = detail.summary.id
    query, set_query = ft.use_state("")
    found, set_found = ft.use_state(_Found())
    confirming, set_confirming = ft.use_state(None)  # the TechnicianChoice waiting for a yes
    error, set_error = ft.use_state("")

    def load() -> None:
        try:
            set_found(_Found(choices=tuple(services.list_technicians(order_id, query=query)), loaded=True))
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_found(_Found(problem=f"Could not read the technicians on this device: {err}", loaded=True))

    ft.use_effect(load, [query, str(order_id), session.revision])

    suggested, set_suggested = ft.use_state(_Suggested())

    def suggest() -> None:
        try:
            found = services.suggest_technicians(order_id, limit=3)
            set_suggested(_Suggested(suggestions=tuple(found), loaded=True))
        except Exception as err:  # the picker below still works without them
            set_suggested(_Suggested(problem=f"No suggestions: {err}", loaded=True))

    ft.use_effect(suggest, [str(order_id), session.revision])

    def assign(choice: TechnicianChoice) -> None:
        try:
            services.assign(order_id, choice.id)
        except ServiceError as err:
            set_error(str(err) or "The order could not be assigned.")
            return
        except Exception as err:
            set_error(f"Could not save the change on this device: {err}")
            return
        set_confirming(None)
        set_error("")
        on_done()

    def keep() -> None:
        set_confirming(None)
        set_error("")

    def choose(choice: TechnicianChoice) -> None:
        if asks_before_choosing(detail.offers, choice, has_assignee=detail.assignee_id is not None):
            set_confirming(choice)
            return
        assign(choice)

    ft.use_dialog(
        confirm_dialog(
            reassign_confirmation(
                number=detail.summary.number,
                status=detail.summary.status,
                current_name=detail.assignee_name,
                new_name=confirming.display_name,
            ),
            reason="",
            on_reason=lambda _text: None,
            error=error,
            on_ok=lambda: assign(confirming),
            on_cancel=keep,
        )
        if confirming is not None
        else None
    )

    rows: list[ft.Control] = [
        ft.Text(detail.summary.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        tagged(
            "assign-current",
            ft.Text(f"Assigned to: {assignee_text(detail.assignee_name)}"),
            label=f"Assigned to: {assignee_text(detail.assignee_name)}",
        ),
    ]
    has_assignee = detail.assignee_id is not None
    if suggested.problem:
        rows.append(message_box(identifier="assign-suggestions-error", text=suggested.problem, error=False))
    elif suggested.suggestions:
        rows.append(
            _heading("Suggested for this order", hint="By skills, today's work, distance and due time")
        )
        rows += [
            _suggestion_tile(s, has_assignee=has_assignee, on_choose=choose)
            for s in suggested.suggestions[:3]
        ]
    elif suggested.loaded:
        rows.append(
            message_box(identifier="assign-suggestions-empty", text="No technician to suggest.", error=False)
        )
    rows += [
        _heading("All technicians", hint="Fewest open orders today first"),
        tagged(
            "assign-search",
            ft.TextField(
                label="Search by name or skill",
                value=query,
                prefix_icon=ft.Icons.SEARCH,
                on_change=lambda e: set_query(e.control.value),
            ),
        ),
    ]
    if error and confirming is None:
        rows.append(message_box(identifier="assign-error", text=error))
    if found.problem:
        rows.append(message_box(identifier="assign-error", text=found.problem))
    elif found.loaded and not found.choices:
        rows.append(
            message_box(
                identifier="assign-empty",
                text=f"No technician matches “{query.strip()}”."
                if query.strip()
                else "No active technicians.",
                error=False,
            )
        )
    rows += [_choice_row(c, on_choose=choose) for c in found.choices]
    return ft.Column(rows, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


@ft.component
def AssignScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    number = ft.use_route_params().get("number", "")
    page = ft.context.page
    back = back_route(number=number, route=page.route)
    loaded = use_order(session, number)
    detail = loaded.detail

    if loaded.state == "failed":
        body: ft.Control = message_box(identifier="assign-order-error", text=loaded.problem)
    elif loaded.state == "loading":
        body = loading("Loading…")
    elif detail is None:
        body = message_box(identifier="assign-order-error", text=f"Order {number} is not on this device.")
    elif not detail.offers.assign:
        body = ft.Column(
            [
                message_box(
                    identifier="assign-not-offered",
                    text="You cannot assign this order: only a dispatcher assigns, and a completed, "
                    "closed or cancelled order keeps its technician.",
                    error=False,
                ),
                ft.TextButton(
                    "Back to the board" if back == "/desk" else "Back to the order",
                    on_click=lambda: page.navigate(back),
                    height=MIN_TOUCH,
                ),
            ]
        )
    else:
        body = AssignPicker(detail=detail, on_done=lambda: page.navigate(back), key=str(detail.summary.id))

    return ft.View(
        route=f"/orders/{number}/assign",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text(f"{number} · Assign"), actions=header_actions(session)),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            ft.ListView(
                [body],
                expand=True,
                padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16), vertical=16),
            ),
        ],
    )
