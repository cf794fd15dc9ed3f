"""Changes of this device that the server refused: on the order, and from the sync bar.

Each says what the change was, why (one plain sentence per protocol code, from
app.domain.codes) and what the order holds instead, and can be dismissed. Ids: `refusals`
(the order's callout), `refusal-dismiss-<id>` (its buttons); from the sync bar,
`sync-refusals` opens a dialog `refusals-dialog` with `refusals-dialog-dismiss-<id>`.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.services.types import RefusalView, SyncStatus
from app.views.shared.state import use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

REFUSED_FG = ft.Colors.RED_900
REFUSED_BG = ft.Colors.RED_50


def refusal_lines(refusal: RefusalView, *, with_number: bool = False) -> list[str]:
    """What the change was, why it was refused, what was kept: in that order."""
    what = f"{refusal.order_number}: {refusal.what}" if with_number else refusal.what
    return [line for line in (what, refusal.sentence, refusal.kept) if line]


def refusal_label(refusal: RefusalView, *, with_number: bool = False) -> str:
    first, *rest = refusal_lines(refusal, with_number=with_number)
    return f"Refused: {first}. " + " ".join(rest)


def callout_title(count: int) -> str:
    return "The server refused a change:" if count == 1 else f"The server refused {count} changes:"


def refusals_banner_text(refused: int) -> str:
    """Said under the bar whatever its state (offline too): the count, and where to look."""
    changes = "1 change" if refused == 1 else f"{refused} changes"
    return f"The server refused {changes} made on this device."


def _entry(
    refusal: RefusalView, *, id_prefix: str, with_number: bool, on_dismiss: Callable[[int], None]
) -> ft.Control:
    what, *rest = refusal_lines(refusal, with_number=with_number)
    return ft.Container(
        padding=ft.Padding.symmetric(vertical=6),
        content=ft.Column(
            [
                ft.Text(what, weight=ft.FontWeight.W_600, color=REFUSED_FG),
                *[ft.Text(line) for line in rest],
                tagged(
                    f"{id_prefix}-{refusal.id}",
                    ft.TextButton(
                        "Dismiss",
                        icon=ft.Icons.CHECK,
                        height=MIN_TOUCH,
                        on_click=lambda: on_dismiss(refusal.id),
                    ),
                    label=f"Dismiss: {what}",
                    button=True,
                ),
            ],
            spacing=2,
        ),
    )


def RefusalsCallout(*, refusals: list[RefusalView], on_dismiss: Callable[[int], None]) -> ft.Control:
    """The order's refused changes, newest first, each dismissable."""
    title = callout_title(len(refusals))
    return tagged(
        "refusals",
        ft.Container(
            bgcolor=REFUSED_BG,
            border_radius=8,
            padding=ft.Padding.all(12),
            content=ft.Column(
                [
                    ft.Row(
                        [
                            ft.Icon(ft.Icons.ERROR_OUTLINE, color=REFUSED_FG, size=18),
                            ft.Text(title, weight=ft.FontWeight.W_600, color=REFUSED_FG, expand=True),
                        ],
                        spacing=8,
                    ),
                    *[
                        _entry(r, id_prefix="refusal-dismiss", with_number=False, on_dismiss=on_dismiss)
                        for r in refusals
                    ],
                ],
                spacing=4,
            ),
        ),
        label=title + " " + " ".join(refusal_label(r) for r in refusals),
        container=True,
    )


@ft.component
def RefusalsButton(*, status: SyncStatus) -> ft.Control:
    """The sync bar's way to the refused changes: a button and the dialog listing them."""
    session = use_session()
    open_, set_open = ft.use_state(False)
    items, set_items = ft.use_state(())
    problem, set_problem = ft.use_state("")

    def load() -> None:
        if not open_:
            return
        try:
            set_items(tuple(session.services.list_refusals()))
            set_problem("")
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_problem(f"Could not read the refused changes on this device: {err}")

    ft.use_effect(load, [open_, session.revision])

    def dismiss(refusal_id: int) -> None:
        try:
            session.services.dismiss_refusal(refusal_id)
        except Exception as err:
            set_problem(f"Could not dismiss it on this device: {err}")
            return
        remaining = tuple(r for r in items if r.id != refusal_id)
        set_items(remaining)  # the bar and the order follow when the services tell their listeners
        if not remaining:
            set_open(False)

    body: list[ft.Control] = [
        _entry(r, id_prefix="refusals-dialog-dismiss", with_number=True, on_dismiss=dismiss) for r in items
    ]
    if problem:
        body.append(message_box(identifier="refusals-dialog-error", text=problem))
    elif not items:
        body.append(ft.Text("No refused changes.", italic=True))
    ft.use_dialog(
        ft.AlertDialog(
            modal=False,
            scrollable=True,
            title=ft.Text("Changes the server refused"),
            content=tagged(
                "refusals-dialog",
                ft.Column(body, tight=True, spacing=4, width=420),
                label="Changes the server refused",
                container=True,
            ),
            actions=[
                tagged(
                    "refusals-dialog-close",
                    ft.TextButton("Close", on_click=lambda: set_open(False), height=MIN_TOUCH),
                    label="Close the list",
                    button=True,
                )
            ],
            on_dismiss=lambda: set_open(False),
        )
        if open_
        else None
    )
    if status.refused <= 0:
        return ft.Container(width=0, height=0)
    words = "See why"
    return tagged(
        "sync-refusals",
        ft.TextButton(
            words,
            icon=ft.Icons.ERROR_OUTLINE,
            style=ft.ButtonStyle(color=ft.Colors.ERROR),
            on_click=lambda: set_open(True),
            height=MIN_TOUCH,
        ),
        label=f"{status.refused} refused {'change' if status.refused == 1 else 'changes'}: see why",
        button=True,
    )
