"""`/conflicts`: every open conflict of the organisation, both values in words, decided with one choice.

A conflict is a value the server did not take (sync-protocol.md, "Conflicts are rows"): "Kept"
is what the order holds, "Sent from the field" what the losing change sent, with who sent it,
when and from which device. One button keeps either side (`conflict-<id>-keep-theirs`,
`conflict-<id>-keep-mine`); for text and number fields a new value can be typed instead
(`conflict-<id>-value`, `conflict-<id>-use-value`). Deciding is a local write like any other:
the card says it waits to sync, and leaves the list once the server has it (the decision then
shows in the order's history).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import flet as ft

from app.services.desk_types import ConflictRow
from app.services.types import ConflictView, ServiceError
from app.views.desk.history_words import device_text
from app.views.desk.shell import content_width, desk_view
from app.views.order.checklist import parse_number
from app.views.shared.state import Session, use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import loading, message_box, pending_mark, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi

# (choice, value) -> an error message for the user, or None when decided
ResolveFn = Callable[[str, Any], str | None]

KEPT_TONE = (ft.Colors.GREEN_900, ft.Colors.GREEN_50)
SENT_TONE = (ft.Colors.INDIGO_900, ft.Colors.INDIGO_50)
SIDE_BY_SIDE = 640  # px of content width from which the two values sit side by side
MAX_WIDTH = 960  # px: the widest a conflict card gets

# Dispatcher-owned text fields of an order whose value may be typed afresh.
_TEXT_FIELDS = frozenset({"title", "description", "asset"})
_CHOICES = frozenset({"pass", "fail"})


def count_text(count: int) -> str:
    if count == 0:
        return "No open conflicts"
    return "1 open conflict" if count == 1 else f"{count} open conflicts"


def edit_kind(conflict: ConflictView) -> str | None:
    """'number' or 'text' where typing a third value makes sense; None where only a choice does
    (status, priority, assignee, pass/fail, ticks, overlapping time)."""
    if conflict.entity == "work_order":
        return "text" if conflict.field in _TEXT_FIELDS else None
    if conflict.entity != "checklist_item" or conflict.field != "value":
        return None
    values = [v for v in (conflict.mine, conflict.theirs) if v is not None]
    if any(isinstance(v, bool) for v in values) or any(str(v) in _CHOICES for v in values):
        return None
    if values and all(isinstance(v, int | float) for v in values):
        return "number"
    if values and all(isinstance(v, str) for v in values):
        return "text"
    return None


def parse_edited(kind: str, text: str) -> Any:
    """The typed value as the services take it; ValueError (in words) when it cannot be used."""
    if not text.strip():
        raise ValueError("Type the value to keep first.")
    if kind == "number":
        try:
            return parse_number(text)
        except ValueError:
            raise ValueError(f"“{text.strip()}” is not a number. Use digits, e.g. 12.5") from None
    return text.strip()


def about_text(conflict: ConflictView) -> str:
    label = conflict.label or conflict.field.replace("_", " ")
    return label[:1].upper() + label[1:]


def made_text(row: ConflictRow) -> str:
    """Who sent the losing value, when and from which device: 'Alex Novak · 25 Nov 14:02 · device 3f2a'."""
    parts: list[str] = [row.made_by or "Someone"]
    if row.made_at is not None:
        parts.append(f"{row.made_at.astimezone():%d %b %H:%M}")
    if row.device:
        parts.append(device_text(row.device))
    return " · ".join(parts)


def card_label(row: ConflictRow) -> str:
    """What a screen reader says for one conflict card."""
    return (
        f"Conflict on {row.order_number or 'an order'}"
        + (f" {row.order_title}" if row.order_title else "")
        + f": {about_text(row.conflict)}. Kept: {row.theirs_words}. "
        f"Sent from the field: {row.mine_words}, by {made_text(row)}."
    )


def _side(
    *, title: str, words: str, tone: tuple[str, str], foot: str, button: ft.Control | None
) -> ft.Control:
    fg, bg = tone
    lines: list[ft.Control] = [
        ft.Text(title, size=12, weight=ft.FontWeight.W_600, color=fg),
        ft.Text(words or "—", size=18, weight=ft.FontWeight.W_600, selectable=True),
    ]
    if foot:
        lines.append(ft.Text(foot, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if button is not None:
        lines.append(button)
    return ft.Container(
        bgcolor=bg,
        border_radius=8,
        padding=ft.Padding.all(12),
        content=ft.Column(lines, spacing=6),
    )


@ft.component
def ConflictCard(*, row: ConflictRow, on_resolve: ResolveFn, wide: bool) -> ft.Control:
    page = ft.context.page
    text, set_text = ft.use_state("")
    error, set_error = ft.use_state("")
    c = row.conflict
    cid = str(c.id)
    open_to_me = c.may_resolve and not c.pending
    kind = edit_kind(c) if open_to_me else None

    def decide(choice: str, value: Any = None) -> None:
        set_error(on_resolve(choice, value) or "")

    def use_typed(_e: ft.Event | None = None) -> None:
        if kind is None:
            return
        try:
            value = parse_edited(kind, text)
        except ValueError as err:
            set_error(str(err))
            return
        decide("value", value)

    def choice_button(choice: str, words: str, label: str, *, filled: bool) -> ft.Control | None:
        if not open_to_me:
            return None
        cls = ft.FilledButton if filled else ft.OutlinedButton
        icon = ft.Icons.CHECK if filled else ft.Icons.SWAP_HORIZ
        return tagged(
            f"conflict-{cid}-keep-{choice}",
            cls(words, icon=icon, on_click=lambda: decide(choice), height=MIN_TOUCH),
            label=label,
            button=True,
        )

    kept = _side(
        title="Kept (what the order holds)",
        words=row.theirs_words,
        tone=KEPT_TONE,
        foot="",
        button=choice_button("theirs", "Keep this", f"Keep {row.theirs_words} (the value kept)", filled=True),
    )
    sent = _side(
        title="Sent from the field",
        words=row.mine_words,
        tone=SENT_TONE,
        foot=f"By {made_text(row)}",
        button=choice_button(
            "mine", "Use this instead", f"Use {row.mine_words} (sent from the field)", filled=False
        ),
    )
    sides: ft.Control = (
        ft.Row(
            [ft.Container(kept, expand=True), ft.Container(sent, expand=True)],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        if wide
        else ft.Column([kept, sent], spacing=8)
    )

    number = row.order_number
    order_link: ft.Control = (
        tagged(
            f"conflict-{cid}-order",
            ft.TextButton(
                f"{number} · {row.order_title}" if row.order_title else number,
                icon=ft.Icons.OPEN_IN_NEW,
                on_click=lambda: page.navigate(f"/orders/{number}"),
            ),
            label=f"Open order {number}",
            button=True,
        )
        if number
        else ft.Text("An order that is not on this device", italic=True)
    )
    head: list[ft.Control] = [order_link]
    if c.pending:
        head.append(pending_mark())
    body: list[ft.Control] = [
        ft.Row(head, spacing=8, wrap=True),
        ft.Text(f"About: {about_text(c)}", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        sides,
    ]
    if c.pending:
        body.append(
            ft.Text(
                "Decided on this device: it leaves this list once the server has the decision.",
                italic=True,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    elif not c.may_resolve:
        body.append(ft.Text("You may not decide this one.", italic=True))
    if kind is not None:
        field = tagged(
            f"conflict-{cid}-value",
            ft.TextField(
                label="Or a value of your own",
                value=text,
                keyboard_type=ft.KeyboardType.NUMBER if kind == "number" else ft.KeyboardType.TEXT,
                on_change=lambda e: set_text(e.control.value),
                on_submit=use_typed,
            ),
            expand=wide,
        )
        keep = tagged(
            f"conflict-{cid}-use-value",
            ft.FilledTonalButton("Keep my value", on_click=use_typed, height=MIN_TOUCH),
            label="Keep the value typed here",
            button=True,
        )
        body.append(
            ft.Row([field, keep], vertical_alignment=ft.CrossAxisAlignment.START)
            if wide
            else ft.Column([field, keep], spacing=8, horizontal_alignment=ft.CrossAxisAlignment.START)
        )
    if error:
        body.append(message_box(identifier=f"conflict-{cid}-error", text=error))
    return tagged(
        f"conflict-{cid}",
        ft.Card(
            content=ft.Container(padding=ft.Padding.all(16), content=ft.Column(body, spacing=10)),
        ),
        label=card_label(row),
        container=True,
    )


def _empty() -> ft.Control:
    return tagged(
        "conflict-empty",
        ft.Container(
            padding=ft.Padding.symmetric(vertical=48),
            alignment=ft.Alignment.CENTER,
            content=ft.Column(
                [
                    ft.Icon(ft.Icons.TASK_ALT, size=48, color=ft.Colors.GREEN_800),
                    ft.Text("No open conflicts", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                    ft.Text(
                        "When a change from the field meets a newer one, it waits here for a decision.",
                        color=ft.Colors.ON_SURFACE_VARIANT,
                        text_align=ft.TextAlign.CENTER,
                    ),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                tight=True,
                spacing=8,
            ),
        ),
        label="No open conflicts",
    )


def resolver(session: Session, conflict_id: Any) -> ResolveFn:
    def resolve(choice: str, value: Any) -> str | None:
        try:
            session.services.resolve_conflict(conflict_id, choice=choice, value=value)
        except ServiceError as err:
            return str(err) or "That decision was not allowed."
        except Exception as err:
            return f"Could not save the decision on this device: {err}"
        return None

    return resolve


def _open_conflicts(session: Session, number: str) -> list[ConflictRow]:
    """Every open conflict, or order `number`'s only (none when the order is not here)."""
    services = cast("DeskApi", session.services)
    if not number:
        return services.list_open_conflicts()
    detail = services.get_order_by_number(number)
    return [] if detail is None else services.list_open_conflicts(order_id=detail.summary.id)


def _scope_bar(number: str, *, on_all: Callable[[], None]) -> ft.Control:
    """Above one order's conflicts: whose they are, and the way to all of them."""
    return ft.Row(
        [
            ft.Icon(ft.Icons.FILTER_ALT_OUTLINED, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
            tagged(
                "conflict-scope",
                ft.Text(f"Only order {number}", weight=ft.FontWeight.W_600),
                label=f"Showing only the conflicts of order {number}",
            ),
            tagged(
                "conflict-show-all",
                ft.TextButton("Show all conflicts", on_click=on_all, height=MIN_TOUCH),
                label="Show all conflicts",
                button=True,
            ),
        ],
        spacing=8,
    )


@ft.component
def ConflictsScreen() -> ft.View:
    """`/conflicts`, or `/conflicts/<number>`: only that order's (linked from the order)."""
    session = use_session()
    page = ft.context.page
    number = ft.use_route_params().get("number", "")
    rows, set_rows = ft.use_state(None)  # list[ConflictRow] | None while loading
    problem, set_problem = ft.use_state("")
    signed_in = session.user is not None

    def load() -> None:
        if not signed_in:
            return
        try:
            found = _open_conflicts(session, number)
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_problem(f"Could not read the conflicts on this device: {err}")
            return
        set_problem("")
        set_rows(list(found))

    ft.use_effect(load, [session.revision, signed_in, number])

    wide = content_width(session) >= SIDE_BY_SIDE
    items: list[ft.Control] = []
    if number:
        items.append(_scope_bar(number, on_all=lambda: page.navigate("/conflicts")))
    if problem:
        items.append(message_box(identifier="conflict-error", text=problem))
    if rows is None and not problem:
        items.append(
            tagged(
                "conflict-loading",
                loading("Reading conflicts…"),
                label="Reading conflicts",
            )
        )
    elif rows is not None:
        if rows:
            items.append(
                ft.Text(
                    f"{count_text(len(rows))}: choose which value the order keeps.",
                    color=ft.Colors.ON_SURFACE_VARIANT,
                )
            )
        items += [
            ConflictCard(
                row=r, on_resolve=resolver(session, r.conflict.id), wide=wide, key=str(r.conflict.id)
            )
            for r in rows
        ]
        if not rows:
            items.append(_empty())
    body = tagged(
        "conflict-list",
        ft.ListView(
            # Cards stay a readable width on a wide desk instead of stretching across it.
            [
                ft.Container(
                    alignment=ft.Alignment.TOP_LEFT,
                    content=ft.Container(ft.Column(items, spacing=12), width=MAX_WIDTH),
                )
            ],
            expand=True,
            padding=ft.Padding.symmetric(horizontal=4, vertical=8),
        ),
        label=count_text(len(rows)) if rows is not None else "Conflicts",
        container=True,
        expand=True,
    )
    return desk_view(
        session=session,
        route=f"/conflicts/{number}" if number else "/conflicts",
        selected="/conflicts",
        title=f"Conflicts on {number}" if number else "Conflicts",
        body=body,
    )
