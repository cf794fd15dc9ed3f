"""Time on an order: the running clock, start and stop, manual entries, totals."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.services.types import OrderDetail
from app.views.state import Session


@ft.component
def TimeSection(
    *, detail: OrderDetail, session: Session, on_written: Callable[[OrderDetail], None]
) -> ft.Control:
    """Scaffold: replaced by the real section."""
    return ft.Text(f"{len(detail.time_logs)} time entries", italic=True)
