"""The board's order card: number, priority, status, title, site, due, lateness, source,
whether the change is on the technician's phone, the skills it needs, who has it (and
whether they can still take work), and the way to (re)assign it.

Everything a card shows by colour it also says in words, and its semantics label says all
of it at once. Ids: `order-card-<number>`, `board-assign-<number>`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.domain.skills import skills_words
from app.services.desk_types import BoardCard, Lateness
from app.views.shared.theme import STATUS_WORD, Tone
from app.views.shared.widgets import due_text, pending_mark, priority_chip, status_chip, tagged

CARD_WIDTH = 240  # px: the narrowest a lane's card gets on the desktop (they share a row)

# Intake orders say where they came from; a dispatcher's own ("manual") need not.
SOURCE_WORDS: dict[str, str] = {
    "request": "From a request",
    "alert": "From an alert",
    "schedule": "From a schedule",
    "import": "From an import",
}
SOURCE_ICON: dict[str, ft.IconData] = {
    "request": ft.Icons.MARK_EMAIL_UNREAD_OUTLINED,
    "alert": ft.Icons.NOTIFICATIONS_ACTIVE_OUTLINED,
    "schedule": ft.Icons.EVENT_REPEAT,
    "import": ft.Icons.UPLOAD_FILE,
}

LATE_TONE: dict[Lateness, Tone] = {
    Lateness.OVERDUE: Tone(fg=ft.Colors.RED_900, bg=ft.Colors.RED_50),
    Lateness.AT_RISK: Tone(fg=ft.Colors.BROWN_800, bg=ft.Colors.AMBER_50),
}
LATE_ICON: dict[Lateness, ft.IconData] = {
    Lateness.OVERDUE: ft.Icons.WARNING_AMBER_ROUNDED,
    Lateness.AT_RISK: ft.Icons.HOURGLASS_BOTTOM,
}
# The border that makes a late card stand out in a column of calm ones.
LATE_BORDER: dict[Lateness, str] = {
    Lateness.OVERDUE: ft.Colors.RED_700,
    Lateness.AT_RISK: ft.Colors.AMBER_700,
}

ON_PHONE = "On the phone"
NOT_ON_PHONE = "Not on the phone yet"

# --- words ------------------------------------------------------------------------


def source_words(card: BoardCard) -> str:
    """ "From a request · Asset: Boiler 2"; "" for an order a dispatcher typed in."""
    if card.source not in SOURCE_WORDS:
        return ""
    parts = [SOURCE_WORDS[card.source]]
    if card.asset:
        parts.append(f"Asset: {card.asset}")
    return " · ".join(parts)


def on_device_words(on_device: bool | None) -> str:
    """Whether the assignee's phone holds the order's latest version; "" when nobody's can."""
    if on_device is None:
        return ""
    return ON_PHONE if on_device else NOT_ON_PHONE


def lateness_text(card: BoardCard) -> str:
    """The services' words, or a plain fallback so a late card never relies on colour alone."""
    if card.lateness is Lateness.ON_TIME:
        return ""
    if card.lateness_words:
        return card.lateness_words
    return "Overdue" if card.lateness is Lateness.OVERDUE else "At risk: due soon, not started"


def card_label(card: BoardCard, *, now: datetime) -> str:
    """What a screen reader says for one card: everything the eye gets, in words."""
    s = card.summary
    parts = [
        s.number,
        s.title,
        lateness_text(card),
        s.site_name,
        due_text(s.due_at, now=now),
        f"priority {s.priority.value}",
        f"status {STATUS_WORD[s.status]}",
        f"Assigned to {s.assignee_name}" if s.assignee_name else "Unassigned",
        card.stranded_words,
        source_words(card),
        skills_line_words(card),
        on_device_words(card.on_device),
        "waiting to sync" if s.pending else "",
    ]
    return ", ".join(p for p in parts if p)


def skills_line_words(card: BoardCard) -> str:
    """ "Needs gas safe, electrical"; "" when the order names no skill."""
    return f"Needs {skills_words(card.required_skills)}" if card.required_skills else ""


def assign_words(card: BoardCard) -> str:
    return "Reassign" if card.summary.assignee_name else "Assign"


# --- the card ------------------------------------------------------------------------


def _line(icon: ft.IconData, text: str, *, color: str | None = None, bold: bool = False) -> ft.Control:
    return ft.Row(
        [
            ft.Icon(icon, size=16, color=color or ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(
                text,
                size=13,
                color=color,
                weight=ft.FontWeight.W_600 if bold else None,
                expand=True,
                max_lines=2,
                overflow=ft.TextOverflow.ELLIPSIS,
            ),
        ],
        spacing=6,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


def _late_banner(card: BoardCard) -> ft.Control | None:
    words = lateness_text(card)
    if not words:
        return None
    tone = LATE_TONE[card.lateness]
    return ft.Container(
        bgcolor=tone.bg,
        border_radius=6,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
        content=_line(LATE_ICON[card.lateness], words, color=tone.fg, bold=True),
    )


def _where_and_when(card: BoardCard, *, now: datetime) -> ft.Control:
    """The site (cut short when long) and the due time on one line; a late due time in red."""
    s = card.summary
    overdue = card.lateness is Lateness.OVERDUE
    due_colour = ft.Colors.RED_900 if overdue else None
    return ft.Row(
        [
            ft.Icon(ft.Icons.PLACE_OUTLINED, size=16, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(
                s.site_name or "No site", size=13, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS
            ),
            ft.Icon(ft.Icons.SCHEDULE, size=16, color=due_colour or ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(
                due_text(s.due_at, now=now),
                size=13,
                color=due_colour,
                weight=ft.FontWeight.W_600 if overdue else None,
            ),
        ],
        spacing=4,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


def _source_line(card: BoardCard) -> ft.Control | None:
    words = source_words(card)
    if not words:
        return None
    icon = SOURCE_ICON.get(card.source, ft.Icons.PRECISION_MANUFACTURING_OUTLINED)
    return _line(icon, words, color=ft.Colors.DEEP_PURPLE_800)


def _stranded_line(card: BoardCard) -> ft.Control | None:
    if not card.stranded_words:
        return None
    return ft.Container(
        bgcolor=ft.Colors.DEEP_ORANGE_50,
        border_radius=6,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
        content=_line(
            ft.Icons.PERSON_REMOVE_OUTLINED, card.stranded_words, color=ft.Colors.DEEP_ORANGE_900, bold=True
        ),
    )


def _skills_line(card: BoardCard) -> ft.Control | None:
    words = skills_line_words(card)
    return _line(ft.Icons.VERIFIED_OUTLINED, words) if words else None


def _device_line(card: BoardCard) -> ft.Control | None:
    if card.on_device is None:
        return None
    if card.on_device:
        return _line(ft.Icons.SMARTPHONE, ON_PHONE, color=ft.Colors.GREEN_800)
    return _line(ft.Icons.PHONELINK_ERASE, NOT_ON_PHONE, color=ft.Colors.BLUE_GREY_700, bold=True)


@ft.component
def BoardOrderCard(
    *,
    card: BoardCard,
    now: datetime,
    on_open: Callable[[str], None],
    on_assign: Callable[[str], None] | None,
    width: float | None = CARD_WIDTH,
) -> ft.Control:
    """One order on the board; tapping it opens the order, its button opens the assign screen."""
    s = card.summary
    number = s.number
    unassigned = not s.assignee_name
    body: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(number, weight=ft.FontWeight.BOLD, size=13),
                priority_chip(s.priority),
                status_chip(s.status),
            ],
            spacing=6,
            wrap=True,
        ),
        ft.Text(s.title, weight=ft.FontWeight.W_600, size=15, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
    ]
    for banner in (_stranded_line(card), _late_banner(card)):
        if banner is not None:
            body.append(banner)
    body.append(_where_and_when(card, now=now))
    for extra in (_source_line(card), _skills_line(card), _device_line(card)):
        if extra is not None:
            body.append(extra)
    who = _line(
        ft.Icons.PERSON_OFF_OUTLINED if unassigned else ft.Icons.ENGINEERING_OUTLINED,
        "Unassigned" if unassigned else s.assignee_name,
        color=ft.Colors.AMBER_900 if unassigned else None,
        bold=unassigned,
    )
    if s.pending:
        body.append(pending_mark())
    if on_assign is None:
        body.append(who)
    else:
        # Who has it, and the way to change that, on one line.
        words = assign_words(card)
        button_cls = ft.OutlinedButton if s.assignee_name else ft.FilledTonalButton
        body.append(
            ft.Row(
                [
                    ft.Container(who, expand=True),
                    tagged(
                        f"board-assign-{number}",
                        button_cls(
                            words,
                            icon=ft.Icons.PERSON_SEARCH,
                            height=40,
                            on_click=lambda: on_assign(number),
                        ),
                        label=f"{words} {number}",
                        button=True,
                    ),
                ],
                spacing=6,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    border = LATE_BORDER.get(card.lateness)
    return tagged(
        f"order-card-{number}",
        ft.Card(
            width=width,
            margin=ft.Margin.all(0),
            shape=ft.RoundedRectangleBorder(
                radius=12, side=ft.BorderSide(2, border) if border is not None else None
            ),
            content=ft.Container(
                padding=ft.Padding.all(12),
                border_radius=12,
                ink=True,
                on_click=lambda: on_open(number),
                content=ft.Column(body, spacing=6),
            ),
        ),
        label=card_label(card, now=now),
        button=True,
    )
