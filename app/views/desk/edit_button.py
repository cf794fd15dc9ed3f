"""The order screen's Edit (`order-edit`), offered only where the server would take the change.

The rulebook (judge_field_edit) decides, through the services: `Offers.edit` when the services
give it, otherwise `edit_draft(...).may_edit`, asked in an effect (never during render) and
again whenever the services say something changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.types import OrderDetail
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi


def use_may_edit(session: Session, detail: OrderDetail | None) -> bool:
    """Whether the signed-in user may change `detail`'s fields (False while not known)."""
    may, set_may = ft.use_state(False)
    user = session.user
    asks = detail is not None and user is not None and is_dispatcher(user.role)
    order_id = detail.summary.id if detail is not None else None
    flag = getattr(detail.offers, "edit", None) if detail is not None else None

    def ask() -> None:
        if not asks or order_id is None:
            set_may(False)
            return
        if flag is not None:
            set_may(bool(flag))
            return
        try:
            set_may(bool(cast("DeskApi", session.services).edit_draft(order_id).may_edit))
        except Exception:  # not offered rather than an error: the order screen still works
            set_may(False)

    ft.use_effect(ask, [str(order_id), asks, flag, session.revision])
    return may


def edit_button(*, number: str, on_open: Any) -> ft.Control:
    """An app-bar button beside History, so nothing in the order's body moves."""
    return tagged(
        "order-edit",
        ft.TextButton("Edit", icon=ft.Icons.EDIT_OUTLINED, on_click=on_open, height=MIN_TOUCH),
        label=f"Edit {number}",
        button=True,
    )
