"""`/orders/<number>/edit`: a dispatcher changes an order that exists, in the create form.

The form is `OrderForm` filled from `services.edit_draft`; Save sends only what changed
(`services.save_edit`, offline like every write) and goes back to the order, Cancel goes back
without saving. Items the server has show a lock instead of Remove ("Sent items stay on the
order"); items holding a value keep their kind. When the rulebook does not let this user
change the order (closed, cancelled, not theirs to change) it says why and offers no Save.
Ids: those of the create form, plus `order-edit-refused`, `order-edit-back`, `order-edit-error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import flet as ft

from app.domain.rules import is_dispatcher
from app.views.desk.order_form import OrderForm
from app.views.desk.order_form_parts import dispatchers_only
from app.views.desk.shell import desk_view
from app.views.shared.state import Session, use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import loading, message_box, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi
    from app.services.desk_types import OrderEdit


@dataclass(frozen=True, slots=True)
class _Loaded:
    edit: OrderEdit | None = None
    problem: str = ""
    done: bool = False


def _refused(*, why: str, on_back: ft.ControlEventHandler | None) -> ft.Control:
    return ft.Column(
        [
            message_box(identifier="order-edit-refused", text=why, error=False),
            tagged(
                "order-edit-back",
                ft.OutlinedButton(
                    "Back to the order", icon=ft.Icons.ARROW_BACK, on_click=on_back, height=MIN_TOUCH
                ),
                label="Back to the order",
                button=True,
            ),
        ],
        spacing=12,
    )


@ft.component
def EditBody(*, session: Session, number: str) -> ft.Control:
    services = cast("DeskApi", session.services)
    page = ft.context.page
    loaded, set_loaded = ft.use_state(_Loaded())

    def load() -> None:
        # Once per order: a sync landing while the user types must not reset the form.
        try:
            detail = services.get_order_by_number(number)
            if detail is None:
                set_loaded(_Loaded(problem=f"Order {number} is not on this device.", done=True))
                return
            set_loaded(_Loaded(edit=services.edit_draft(detail.summary.id), done=True))
        except Exception as err:  # a broken local read is said, never raised into the UI
            set_loaded(_Loaded(problem=f"Could not read order {number} on this device: {err}", done=True))

    ft.use_effect(load, [number])

    edit = loaded.edit
    if not loaded.done:
        return loading("Loading…")
    if edit is None:
        return ft.Column(
            [
                message_box(identifier="order-edit-error", text=loaded.problem),
                ft.TextButton("Go to the orders", on_click=lambda: page.navigate("/orders")),
            ]
        )
    if not edit.may_edit:
        return _refused(
            why=edit.why_not or "This order cannot be changed now.",
            on_back=lambda: page.navigate(f"/orders/{edit.number}"),
        )
    return OrderForm(session=session, editing=edit, key=str(edit.order_id))


@ft.component
def OrderEditScreen() -> ft.View:
    session = use_session()
    number = ft.use_route_params().get("number", "")
    user = session.user
    if user is None or is_dispatcher(user.role):
        body: ft.Control = EditBody(session=session, number=number)
    else:
        body = dispatchers_only(
            identifier="order-form-not-offered",
            words="Dispatchers change orders here. Tell them what should change, in a note on the order.",
        )
    return desk_view(
        session=session,
        route=f"/orders/{number}/edit",
        selected="/orders",
        title=f"Edit {number}",
        body=body,
    )
