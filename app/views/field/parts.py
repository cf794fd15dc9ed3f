"""The parts used on an order: listed, added from the catalogue, voided with a reason."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.services.types import OrderDetail
from app.views.state import Session


@ft.component
def PartsSection(
    *, detail: OrderDetail, session: Session, on_written: Callable[[OrderDetail], None]
) -> ft.Control:
    """Scaffold: replaced by the real section."""
    return ft.Text(f"{len(detail.parts)} parts", italic=True)
