"""Small building blocks shared by the screens: stable test ids, chips, due times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import flet as ft

from app.domain import Priority, Status
from app.views.shared.theme import (
    MIN_TOUCH,
    PRIORITY_ICON,
    PRIORITY_TONE,
    READABLE,
    STATUS_WORD,
    Tone,
    status_tone,
)


def tagged(identifier: str, content: ft.Control, *, label: str | None = None, **kw: object) -> ft.Control:
    """Wrap `content` so it appears as `flt-semantics-identifier="<identifier>"`.

    The id is the stable handle UI tests and assistive tools use; it never
    changes with wording or layout.
    """
    return ft.Semantics(identifier=identifier, label=label, content=content, **kw)


def loading(words: str) -> ft.Control:
    """A spinner and what is being waited for, as a semantics node of its own. Without one
    its words become the label of the tagged node around it, and when the real content
    replaced them Flutter's web engine was seen to drop that node's identifier (the board's:
    1 sign-in in 30; none in 170 since)."""
    return ft.Semantics(
        container=True,
        content=ft.Row([ft.ProgressRing(width=20, height=20), ft.Text(words)], spacing=12),
    )


def _chip(*, text: str, tone: Tone, icon: ft.IconData | None, label: str) -> ft.Control:
    row: list[ft.Control] = []
    if icon is not None:
        row.append(ft.Icon(icon, size=14, color=tone.fg))
    row.append(ft.Text(text, size=12, weight=ft.FontWeight.W_600, color=tone.fg))
    return ft.Semantics(
        label=label,
        container=True,
        exclude_semantics=True,
        content=ft.Container(
            content=ft.Row(row, spacing=4, tight=True),
            bgcolor=tone.bg,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=8, vertical=3),
        ),
    )


def priority_chip(priority: Priority) -> ft.Control:
    word = priority.value.capitalize()
    return _chip(
        text=word,
        tone=PRIORITY_TONE[priority],
        icon=PRIORITY_ICON[priority],
        label=f"Priority {priority.value}",
    )


def status_chip(status: Status) -> ft.Control:
    word = STATUS_WORD[status]
    return _chip(text=word, tone=status_tone(status), icon=None, label=f"Status {word}")


def pending_mark() -> ft.Control:
    return ft.Semantics(
        label="Waiting to sync",
        exclude_semantics=True,
        content=ft.Row(
            [
                ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, size=16, color=ft.Colors.ORANGE_800),
                ft.Text("Waiting to sync", size=12, color=ft.Colors.ORANGE_900),
            ],
            spacing=4,
            tight=True,
        ),
    )


def due_text(due_at: datetime | None, *, now: datetime, bare: bool = False) -> str:
    """'Due 14:30' today, 'Due Tue 26 Nov 09:00' otherwise, in local time. `bare` for a
    place whose own label already says "Due" (the order's facts): `due_when`'s words."""
    if bare:
        return due_when(due_at, now=now)
    if due_at is None:
        return "No due time"
    local = due_at.astimezone()
    today = now.astimezone().date()
    if local.date() == today:
        return f"Due {local:%H:%M}"
    if local.year == today.year:
        return f"Due {local:%a %d %b %H:%M}"
    return f"Due {local:%d %b %Y %H:%M}"


def due_when(due_at: datetime | None, *, now: datetime) -> str:
    """When an order is due, in local time, to follow a "Due" label: 'today 14:30',
    'tomorrow 09:00', 'yesterday 17:00', 'Tue 26 Nov 09:00', '26 Nov 2027 09:00'; 'not set'."""
    if due_at is None:
        return "not set"
    local = due_at.astimezone()
    today = now.astimezone().date()
    day = {today: "today", today + timedelta(days=1): "tomorrow", today - timedelta(days=1): "yesterday"}
    if local.date() in day:
        return f"{day[local.date()]} {local:%H:%M}"
    if local.year == today.year:
        return f"{local:%a %d %b %H:%M}"
    return f"{local:%d %b %Y %H:%M}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 photo', '0 photos', '3 photos'; `many` for a word that does not just take an s."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def section_header(*, title: str, count: int, tone: str | None = None) -> ft.Control:
    return ft.Semantics(
        header=True,
        label=f"{title}, {plural(count, 'order')}",
        exclude_semantics=True,
        content=ft.Container(
            padding=ft.Padding.only(left=4, top=12, bottom=4),
            content=ft.Row(
                [
                    ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, color=tone),
                    ft.Container(
                        content=ft.Text(str(count), size=12, weight=ft.FontWeight.BOLD),
                        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                        border_radius=10,
                        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                    ),
                ],
                spacing=8,
            ),
        ),
    )


def message_box(*, identifier: str, text: str, error: bool = True) -> ft.Control:
    """A clear message in words, with an icon; `identifier` lets tests read it."""
    fg = ft.Colors.ERROR if error else ft.Colors.ON_SURFACE_VARIANT
    icon = ft.Icons.ERROR_OUTLINE if error else ft.Icons.INFO_OUTLINE
    return ft.Container(
        padding=ft.Padding.symmetric(vertical=4),
        content=ft.Row(
            [
                ft.Icon(icon, color=fg, size=18),
                tagged(identifier, ft.Text(text, color=fg), live_region=True, expand=True),
            ],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.START,
            wrap=False,
        ),
    )


def side_padding(width: float, *, least: float = 12) -> float:
    """Horizontal padding that keeps content READABLE px wide on big windows, `least` on phones."""
    return max(least, (width - READABLE) / 2)


def callout(
    *, identifier: str, title: str, lines: list[str], icon: ft.IconData, bg: str, fg: str
) -> ft.Control:
    """A tinted box with a heading and bullet lines: what blocks a move, what the server refused."""
    return tagged(
        identifier,
        ft.Container(
            bgcolor=bg,
            border_radius=8,
            padding=ft.Padding.all(12),
            content=ft.Column(
                [
                    ft.Row(
                        [ft.Icon(icon, color=fg, size=18), ft.Text(title, weight=ft.FontWeight.W_600)],
                        spacing=8,
                    ),
                    *[ft.Text(f"•  {line[:1].upper()}{line[1:]}") for line in lines],
                ],
                spacing=4,
            ),
        ),
        label=f"{title} " + "; ".join(lines),
    )


def reason_dialog(
    *,
    prefix: str,
    title: str,
    reason: str,
    on_reason: Callable[[str], None],
    error: str,
    confirm_label: str,
    cancel_label: str,
    on_confirm: Callable[[], None],
    on_cancel: Callable[[], None],
) -> ft.AlertDialog:
    """A modal asking why (a status move, voiding an entry): one reason field, Back and confirm.

    Controls are tagged `<prefix>-input`, `-error`, `-cancel`, `-confirm` for the browser tests.
    """
    return ft.AlertDialog(
        modal=True,
        title=ft.Text(title),
        content=ft.Column(
            [
                tagged(
                    f"{prefix}-input",
                    ft.TextField(
                        label="Reason",
                        value=reason,
                        autofocus=True,
                        multiline=True,
                        min_lines=2,
                        on_change=lambda e: on_reason(e.control.value),
                    ),
                ),
                *([message_box(identifier=f"{prefix}-error", text=error)] if error else []),
            ],
            tight=True,
            width=360,
        ),
        actions=[
            tagged(
                f"{prefix}-cancel",
                ft.TextButton("Back", on_click=on_cancel, height=MIN_TOUCH),
                label=cancel_label,
                button=True,
            ),
            tagged(
                f"{prefix}-confirm",
                ft.FilledButton(confirm_label, on_click=on_confirm, height=MIN_TOUCH),
                button=True,
            ),
        ],
        on_dismiss=lambda: on_cancel(),
    )


def form_view(*, route: str, fields: list[ft.Control]) -> ft.View:
    """A screen that is one short form (sign-in, the access code): a column of fields at most
    440 px wide, centred, scrolling when the text is large."""
    return ft.View(
        route=route,
        padding=ft.Padding.all(20),
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        controls=[
            ft.Container(
                alignment=ft.Alignment.TOP_CENTER,
                content=ft.Container(
                    width=440,
                    padding=ft.Padding.only(top=24),
                    content=ft.Column(
                        fields, spacing=16, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
                    ),
                ),
            )
        ],
    )
