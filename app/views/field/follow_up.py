"""Follow-up work: "Needs more work" makes a new order linked to this one, offline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from app.services.types import ChecklistItemView, OrderDetail
from app.views.state import Session


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What the order screen places: the button, and the way a failed item opens the form."""

    button: ft.Control | None = None  # `followup-open`; None where the rulebook does not offer it
    for_item: Callable[[ChecklistItemView], None] | None = None  # prefilled from a failed item


def use_follow_up(*, detail: OrderDetail, session: Session) -> FollowUp:
    """Scaffold: replaced by the real hook (its state and dialog live in the calling component)."""
    return FollowUp()
