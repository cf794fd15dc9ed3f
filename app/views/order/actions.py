"""The next steps the rulebook offers on an order: one big button for the natural one, a reason
dialog where the move needs one, a confirmation where it is far-reaching (complete, close,
cancel, reopen)."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.domain import REASON_REQUIRED, Status
from app.views.shared.confirm import Confirmation, confirm_dialog, move_confirmation
from app.views.shared.theme import MIN_TOUCH, STATUS_WORD
from app.views.shared.widgets import callout, reason_dialog, tagged

# The step a technician usually takes next; it gets the one big button.
NATURAL_NEXT: dict[Status, Status] = {
    Status.NEW: Status.ASSIGNED,
    Status.ASSIGNED: Status.EN_ROUTE,
    Status.EN_ROUTE: Status.IN_PROGRESS,
    Status.IN_PROGRESS: Status.COMPLETED,
    Status.ON_HOLD: Status.IN_PROGRESS,
    Status.COMPLETED: Status.CLOSED,
    Status.CANNOT_COMPLETE: Status.ASSIGNED,
}

_ICON: dict[Status, ft.IconData] = {
    Status.NEW: ft.Icons.PERSON_REMOVE_OUTLINED,
    Status.ASSIGNED: ft.Icons.PERSON_ADD_ALT,
    Status.EN_ROUTE: ft.Icons.DIRECTIONS_CAR,
    Status.IN_PROGRESS: ft.Icons.PLAY_ARROW,
    Status.ON_HOLD: ft.Icons.PAUSE,
    Status.COMPLETED: ft.Icons.CHECK_CIRCLE,
    Status.CANNOT_COMPLETE: ft.Icons.BLOCK,
    Status.CLOSED: ft.Icons.LOCK,
    Status.CANCELLED: ft.Icons.CANCEL,
}

MoveFn = Callable[[Status, str | None], str | None]  # returns an error message, or None when done

# The names for the dispatcher's own moves; every other move is `status-action-<status>`.
_MOVE_ID: dict[Status, str] = {Status.CLOSED: "order-close"}


def move_id(to: Status) -> str:
    """The semantics id of the button making the move `to`."""
    return _MOVE_ID.get(to, f"status-action-{to.value}")


def action_label(*, frm: Status, to: Status) -> str:
    """The verb on the button: what the move means from here, not the state's name."""
    if to is Status.IN_PROGRESS:
        return {Status.ON_HOLD: "Resume work", Status.COMPLETED: "Reopen"}.get(frm, "Start work")
    if to is Status.ASSIGNED:
        # From cannot_complete the dispatcher hands the job back to its assignee.
        return "Back to assigned" if frm in (Status.EN_ROUTE, Status.CANNOT_COMPLETE) else "Assign"
    if to is Status.EN_ROUTE:
        return "Back on the road" if frm is Status.ON_HOLD else "Start travel"
    return {
        Status.NEW: "Unassign",
        Status.ON_HOLD: "Put on hold",
        Status.COMPLETED: "Complete",
        Status.CANNOT_COMPLETE: "Cannot complete",
        Status.CLOSED: "Close",
        Status.CANCELLED: "Cancel order",
    }.get(to, STATUS_WORD[to])


def primary_move(*, current: Status, moves: list[Status]) -> Status | None:
    natural = NATURAL_NEXT.get(current)
    if natural in moves:
        return natural
    # Never the big button: moves needing a reason, cancelling, unassigning (a dispatcher's
    # side step, not the order's next step).
    plain = [m for m in moves if m not in REASON_REQUIRED and m not in (Status.CANCELLED, Status.NEW)]
    return plain[0] if plain else None


@ft.component
def StatusActions(
    *,
    current: Status,
    moves: list[Status],
    blockers: list[str],
    on_move: MoveFn,
    number: str = "",
    assignee_name: str = "",
    out_of_range: list[str] | None = None,
) -> ft.Control:
    asking, set_asking = ft.use_state(None)  # the Status waiting for a reason
    reason, set_reason = ft.use_state("")
    reason_error, set_reason_error = ft.use_state("")
    confirming, set_confirming = ft.use_state(None)  # the Status waiting for a confirmation
    confirm_text, set_confirm_text = ft.use_state("")
    confirm_error, set_confirm_error = ft.use_state("")

    def confirmation_for(to: Status) -> Confirmation | None:
        return move_confirmation(
            frm=current, to=to, number=number, assignee_name=assignee_name, out_of_range=out_of_range
        )

    def close_confirm() -> None:
        set_confirming(None)
        set_confirm_text("")
        set_confirm_error("")

    def confirmed() -> None:
        if confirming is None:
            return
        err = on_move(confirming, confirm_text.strip() or None)
        if err:
            set_confirm_error(err)
            return
        close_confirm()

    def close_dialog() -> None:
        set_asking(None)
        set_reason("")
        set_reason_error("")

    def confirm_reason() -> None:
        if asking is None:
            return
        if not reason.strip():
            set_reason_error("Say why, so the dispatcher knows what to do next.")
            return
        err = on_move(asking, reason.strip())
        if err:
            set_reason_error(err)
            return
        close_dialog()

    def press(to: Status) -> None:
        if to in REASON_REQUIRED:
            set_asking(to)
            return
        if confirmation_for(to) is not None:
            set_confirming(to)
            return
        on_move(to, None)

    ft.use_dialog(
        reason_dialog(
            prefix="reason",
            title=f"{action_label(frm=current, to=asking)}: why?" if asking else "",
            reason=reason,
            on_reason=set_reason,
            error=reason_error,
            confirm_label=action_label(frm=current, to=asking) if asking else "OK",
            cancel_label="Back, keep the order as it is",
            on_confirm=confirm_reason,
            on_cancel=close_dialog,
        )
        if asking is not None
        else None
    )
    shown_confirmation = confirmation_for(confirming) if confirming is not None else None
    ft.use_dialog(
        confirm_dialog(
            shown_confirmation,
            reason=confirm_text,
            on_reason=set_confirm_text,
            error=confirm_error,
            on_ok=confirmed,
            on_cancel=close_confirm,
        )
        if shown_confirmation is not None
        else None
    )

    if not moves:
        return ft.Text("No further steps for you on this order.", italic=True)

    main = primary_move(current=current, moves=moves)
    completing_blocked = bool(blockers)
    buttons: list[ft.Control] = []
    if main is not None:
        buttons.append(
            tagged(
                move_id(main),
                ft.FilledButton(
                    action_label(frm=current, to=main),
                    icon=_ICON[main],
                    on_click=lambda: press(main),
                    height=56,
                    expand=True,
                    disabled=main is Status.COMPLETED and completing_blocked,
                ),
                label=action_label(frm=current, to=main),
                button=True,
                expand=True,  # the Row lays out the Semantics wrapper, not the button
            )
        )
    others: list[ft.Control] = [
        tagged(
            move_id(to),
            ft.OutlinedButton(
                action_label(frm=current, to=to),
                icon=_ICON[to],
                on_click=lambda _e, to=to: press(to),
                height=MIN_TOUCH,
                disabled=to is Status.COMPLETED and completing_blocked,
            ),
            label=action_label(frm=current, to=to),
            button=True,
        )
        for to in moves
        if to is not main
    ]
    column: list[ft.Control] = []
    if buttons:
        column.append(ft.Row(buttons))
    if others:
        column.append(ft.Row(others, wrap=True, spacing=8, run_spacing=8))
    if Status.COMPLETED in moves and completing_blocked:
        column.append(_blockers(blockers))
    return ft.Column(column, spacing=10)


def _blockers(blockers: list[str]) -> ft.Control:
    return callout(
        identifier="completion-blockers",
        title="Before you can complete:",
        lines=blockers,
        icon=ft.Icons.LOCK_CLOCK,
        bg=ft.Colors.AMBER_50,
        fg=ft.Colors.AMBER_900,
    )
