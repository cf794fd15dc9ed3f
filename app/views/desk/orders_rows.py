"""How one order looks in the desk's `/orders` table: a row on wide screens, a card on a phone.

Both carry the id `order-card-<number>` (as the field's list does) and a label that says
everything the eye gets, so a screen reader and the browser tests read the same facts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.domain import is_overdue
from app.services.desk_types import OrderRow, SortKey
from app.views.desk.order_filters import SOURCE_WORD
from app.views.shared.theme import STATUS_WORD
from app.views.shared.widgets import due_text, pending_mark, priority_chip, status_chip, tagged

# (title, flex, the sort key its header sorts by, or None)
COLUMNS: tuple[tuple[str, int, SortKey | None], ...] = (
    ("Number", 10, SortKey.NUMBER),
    ("Title", 24, None),
    ("Site", 15, None),
    ("Customer", 14, None),
    ("Assignee", 12, None),
    ("Status", 12, SortKey.STATUS),
    ("Priority", 10, SortKey.PRIORITY),
    ("Due", 13, SortKey.DUE),
    ("Source", 9, None),
)

_SOURCE_ICON: dict[str, ft.IconData] = {
    "manual": ft.Icons.EDIT_NOTE,
    "request": ft.Icons.SUPPORT_AGENT,
    "alert": ft.Icons.NOTIFICATION_IMPORTANT_OUTLINED,
    "schedule": ft.Icons.EVENT_REPEAT,
    "import": ft.Icons.UPLOAD_FILE,
}


def source_word(source: str) -> str:
    return SOURCE_WORD.get(source, source.capitalize() or "Manual")


def row_label(row: OrderRow, *, now: datetime) -> str:
    """What a screen reader says for one order: every column, in words."""
    s = row.summary
    overdue = is_overdue(status=s.status, due_at=s.due_at, now=now)
    parts = [
        s.number,
        s.title,
        s.site_name,
        f"customer {row.customer_name}" if row.customer_name else "",
        f"Assigned to {s.assignee_name}" if s.assignee_name else "Unassigned",
        f"status {STATUS_WORD[s.status]}",
        f"priority {s.priority.value}",
        due_text(s.due_at, now=now) + (", overdue" if overdue else ""),
        f"source {source_word(row.source).lower()}",
    ]
    if s.pending:
        parts.append("waiting to sync")
    if row.snippet:
        parts.append(f"matched: {row.snippet}")
    return ", ".join(p for p in parts if p)


def _cell(content: ft.Control, flex: int) -> ft.Control:
    return ft.Container(content, expand=flex, padding=ft.Padding.symmetric(horizontal=6))


def _small(text: str, **kw: object) -> ft.Text:
    return ft.Text(text, size=13, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS, **kw)  # type: ignore[arg-type]


def _assignee(name: str) -> ft.Control:
    if name:
        return _small(name)
    return ft.Row(
        [
            ft.Icon(ft.Icons.PERSON_OFF_OUTLINED, size=16, color=ft.Colors.AMBER_900),
            ft.Text("Unassigned", size=13, color=ft.Colors.AMBER_900, weight=ft.FontWeight.W_600),
        ],
        spacing=4,
        tight=True,
    )


def _due(row: OrderRow, *, now: datetime) -> ft.Control:
    s = row.summary
    overdue = is_overdue(status=s.status, due_at=s.due_at, now=now)
    words = due_text(s.due_at, now=now).removeprefix("Due ")
    if s.due_at is not None and s.due_at.astimezone().date() == now.date():
        words = f"Today {words}"
    if not overdue:
        return _small(words)
    # Colour and word together: the warning reads the same without colour.
    return ft.Column(
        [
            _small(words, color=ft.Colors.ERROR),
            ft.Text("Overdue", size=12, color=ft.Colors.ERROR, weight=ft.FontWeight.W_700),
        ],
        spacing=0,
        tight=True,
    )


def _source(source: str) -> ft.Control:
    return ft.Row(
        [
            ft.Icon(
                _SOURCE_ICON.get(source, ft.Icons.EDIT_NOTE), size=16, color=ft.Colors.ON_SURFACE_VARIANT
            ),
            _small(source_word(source)),
        ],
        spacing=4,
        tight=True,
    )


def header_row(*, sort: SortKey, descending: bool, on_sort: Callable[[SortKey], None]) -> ft.Control:
    """Column titles; those with a sort key sort the table when clicked (again: the other way)."""
    cells: list[ft.Control] = []
    for title, flex, key in COLUMNS:
        text = ft.Text(title, size=13, weight=ft.FontWeight.W_700, color=ft.Colors.ON_SURFACE_VARIANT)
        if key is None:
            cells.append(_cell(text, flex))
            continue
        active = key is sort
        arrow = ft.Icons.ARROW_DOWNWARD if descending else ft.Icons.ARROW_UPWARD
        words = f"Sort by {title.lower()}" + (", sorted now" if active else "")
        cells.append(
            ft.Container(
                expand=flex,
                content=tagged(
                    f"sort-{key.value}",
                    ft.Container(
                        padding=ft.Padding.symmetric(horizontal=6, vertical=4),
                        border_radius=6,
                        ink=True,
                        on_click=lambda _e, k=key: on_sort(k),
                        content=ft.Row(
                            [text, *([ft.Icon(arrow, size=16)] if active else [])], spacing=2, tight=True
                        ),
                    ),
                    label=words,
                    button=True,
                ),
            )
        )
    return ft.Container(
        content=ft.Row(cells, spacing=0),
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
        border_radius=ft.BorderRadius.only(top_left=8, top_right=8),
        padding=ft.Padding.symmetric(vertical=8, horizontal=4),
    )


def table_row(row: OrderRow, *, now: datetime, on_open: Callable[[str], None], shaded: bool) -> ft.Control:
    s = row.summary
    number: list[ft.Control] = [ft.Text(s.number, size=13, weight=ft.FontWeight.W_700)]
    if s.pending:
        number.append(
            ft.Icon(
                ft.Icons.CLOUD_UPLOAD_OUTLINED, size=14, color=ft.Colors.ORANGE_800, tooltip="Waiting to sync"
            )
        )
    title: list[ft.Control] = [_small(s.title, weight=ft.FontWeight.W_500)]
    if row.snippet:
        title.append(
            ft.Text(
                row.snippet,
                size=12,
                italic=True,
                color=ft.Colors.ON_SURFACE_VARIANT,
                max_lines=1,
                overflow=ft.TextOverflow.ELLIPSIS,
            )
        )
    widths = [flex for _, flex, _ in COLUMNS]
    cells = [
        ft.Row(number, spacing=4, tight=True),
        ft.Column(title, spacing=0, tight=True),
        _small(s.site_name or "—"),
        _small(row.customer_name or "—"),
        _assignee(s.assignee_name),
        ft.Row([status_chip(s.status)], tight=True),
        ft.Row([priority_chip(s.priority)], tight=True),
        _due(row, now=now),
        _source(row.source),
    ]
    return tagged(
        f"order-card-{s.number}",
        ft.Container(
            content=ft.Row(
                [_cell(c, w) for c, w in zip(cells, widths, strict=True)],
                spacing=0,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            padding=ft.Padding.symmetric(vertical=8, horizontal=4),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST if shaded else None,
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
            ink=True,
            on_click=lambda: on_open(s.number),
        ),
        label=row_label(row, now=now),
        button=True,
    )


def phone_card(row: OrderRow, *, now: datetime, on_open: Callable[[str], None]) -> ft.Control:
    """A phone stacks the same facts: number, chips, title, site and customer, who, when, source."""
    s = row.summary
    lines: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(s.number, size=13, weight=ft.FontWeight.W_700),
                priority_chip(s.priority),
                status_chip(s.status),
            ],
            spacing=8,
            wrap=True,
        ),
        ft.Text(s.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, max_lines=2),
    ]
    if row.snippet:
        lines.append(
            ft.Text(row.snippet, size=12, italic=True, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2)
        )
    where = " · ".join(p for p in (s.site_name, row.customer_name) if p) or "No site"
    lines += [
        ft.Row(
            [ft.Icon(ft.Icons.PLACE_OUTLINED, size=16), _small(where, expand=True)],
            spacing=4,
        ),
        ft.Row(
            [_assignee(s.assignee_name), ft.Container(expand=True), _due(row, now=now)],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        _source(row.source),
    ]
    if s.pending:
        lines.append(pending_mark())
    return tagged(
        f"order-card-{s.number}",
        ft.Card(
            margin=ft.Margin.symmetric(vertical=4),
            content=ft.Container(
                padding=ft.Padding.all(12),
                border_radius=12,
                ink=True,
                on_click=lambda: on_open(s.number),
                content=ft.Column(lines, spacing=6),
            ),
        ),
        label=row_label(row, now=now),
        button=True,
    )
