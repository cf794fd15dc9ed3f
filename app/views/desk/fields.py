"""The desk's labelled inputs: one text field and one dropdown, each wrapped in its semantics id.

Shared by the order form, the checklist editor and the orders table's filters, so a field
looks and reads the same everywhere (and a fix to one is a fix to all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.views.shared.widgets import tagged

# (key, words) or (key, words, icon) per option
Option = tuple[str, str] | tuple[str, str, ft.IconData]


def _stretch(width: float | None) -> dict[str, Any]:
    # In a row, the wrapper is what takes the room: a child's `expand` means nothing there.
    return {"expand": True} if width is None else {}


def text_field(
    identifier: str,
    *,
    label: str,
    value: str,
    on_text: Callable[[str], None],
    error: str = "",
    width: float | None = None,
    stretch: bool = False,
    **kw: Any,
) -> ft.Control:
    """A text field; `stretch` lets it take a row's free room when it has no width."""
    return tagged(
        identifier,
        ft.TextField(
            label=label,
            value=value,
            error=error or None,
            width=width,
            on_change=lambda e: on_text(e.control.value or ""),
            **kw,
        ),
        label=label,
        **(_stretch(width) if stretch else {}),
    )


def dropdown(
    identifier: str,
    *,
    label: str,
    value: str | None,
    options: Sequence[Option],
    on_pick: Callable[[str], None],
    width: float | None = None,
    spoken: str | None = None,
    **kw: Any,
) -> ft.Control:
    """A closed list to choose from (no typing into it); without `width` it takes the room."""
    return tagged(
        identifier,
        ft.Dropdown(
            label=label,
            value=value,
            options=[
                ft.DropdownOption(key=o[0], text=o[1], leading_icon=o[2] if len(o) > 2 else None)  # type: ignore[misc]
                for o in options
            ],
            on_select=lambda e: on_pick(e.control.value or ""),
            width=width,
            enable_search=False,
            expand=width is None,
            **kw,
        ),
        label=spoken or label,
        **_stretch(width),
    )
