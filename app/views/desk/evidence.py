"""An order on the dispatcher's desk: all its evidence on one screen, to close with confidence.

The order screen (app.views.order.screen) builds the same parts for everyone: facts, next
steps, checklist, notes, photos, signature. A technician's phone stacks them; here a dispatcher
gets them in columns on a desktop, with what the phone does not show: time logs, parts, and who
did what when (from the order's history, fetched off the UI event). A completed order opens
with a summary of its evidence above Close (`order-close`), Reopen and Cancel, which the
rulebook offers through `OrderDetail.next_statuses`. Photos and signatures made on other
devices are fetched once, so their thumbnails show instead of placeholders.
Ids: `evidence-summary`, `evidence-time`, `evidence-parts`, `evidence-activity`,
`activity-entry-<n>`, `evidence-full-history`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from app.domain import Status
from app.services.types import BlobState, OrderDetail, PartUsageView, SyncState, TimeLogView
from app.views.desk.customer_link import customer_section
from app.views.desk.evidence_words import completed_by, evidence_summary, part_line, parts_words
from app.views.desk.history import HistoryLoad, arrowed, loading_row, use_history
from app.views.desk.history_words import byline, result_word, spoken, stale_text
from app.views.desk.shell import content_width
from app.views.shared.state import Session
from app.views.shared.theme import STATUS_WORD
from app.views.shared.time_words import time_line, time_totals, time_words
from app.views.shared.widgets import message_box, pending_mark, tagged

THREE_COLUMNS = 1000  # px of content width: order | checklist and signature | field record
TWO_COLUMNS = 680
ACTIVITY_SHOWN = 8  # latest entries of the history shown beside the evidence

_TIME_ICON = {"travel": ft.Icons.DIRECTIONS_CAR, "work": ft.Icons.BUILD, "break": ft.Icons.COFFEE}


@dataclass(frozen=True, slots=True)
class OrderParts:
    """The order screen's parts, built once, laid out by whoever shows them."""

    facts: ft.Control
    steps: ft.Control  # the body of "Next step"
    checklist: ft.Control
    notes: ft.Control
    photos: ft.Control
    refusals: ft.Control | None = None
    error: ft.Control | None = None
    signature: ft.Control | None = None


def columns_for(width: float) -> int:
    if width >= THREE_COLUMNS:
        return 3
    return 2 if width >= TWO_COLUMNS else 1


# --- drawing -----------------------------------------------------------------------------


def panel(
    title: str, body: ft.Control, *, identifier: str | None = None, label: str | None = None
) -> ft.Control:
    """A titled, outlined block: the desk's unit of evidence. With `identifier` its body is one
    semantics node saying `label` (what a screen reader and a test read at once)."""
    if identifier:
        body = tagged(identifier, body, label=label, container=True, exclude_semantics=label is not None)
    return ft.Container(
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=12,
        padding=ft.Padding.all(16),
        content=ft.Column(
            [
                ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)),
                body,
            ],
            spacing=10,
        ),
    )


def _time_body(logs: list[TimeLogView]) -> ft.Control:
    if not logs:
        return ft.Text("No time logged.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT)
    rows: list[ft.Control] = [ft.Text(time_totals(logs), weight=ft.FontWeight.W_600)]
    for log in logs:
        line: list[ft.Control] = [
            ft.Icon(
                _TIME_ICON.get(log.kind, ft.Icons.TIMER_OUTLINED), size=18, color=ft.Colors.ON_SURFACE_VARIANT
            ),
            ft.Text(time_line(log), size=13, expand=True),
        ]
        if log.pending:
            line.append(pending_mark())
        rows.append(ft.Row(line, spacing=8, vertical_alignment=ft.CrossAxisAlignment.START))
    return ft.Column(rows, spacing=6)


def _parts_body(parts: list[PartUsageView]) -> ft.Control:
    if not parts:
        return ft.Text("No parts used.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT)
    rows: list[ft.Control] = []
    for part in parts:
        line: list[ft.Control] = [
            ft.Icon(ft.Icons.INVENTORY_2_OUTLINED, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(part_line(part), size=13, expand=True),
        ]
        if part.pending:
            line.append(pending_mark())
        rows.append(ft.Row(line, spacing=8))
    return ft.Column(rows, spacing=6)


def _activity_body(load: HistoryLoad, *, offline: bool, on_full: Callable[[], None]) -> ft.Control:
    rows: list[ft.Control] = []
    if load.busy:
        rows.append(loading_row("Fetching who did what…"))
    if load.problem:
        rows.append(message_box(identifier="activity-error", text=load.problem, error=False))
    view = load.view
    if view is not None:
        if not view.live:
            rows.append(
                ft.Text(
                    stale_text(view, offline=offline),
                    size=12,
                    italic=True,
                    color=ft.Colors.ON_SURFACE_VARIANT,
                )
            )
        shown = view.entries[-ACTIVITY_SHOWN:]
        first = len(view.entries) - len(shown) + 1
        for n, entry in enumerate(shown, start=first):
            words = f"{entry.summary} · {result_word(entry)}" if entry.result != "applied" else entry.summary
            rows.append(
                tagged(
                    f"activity-entry-{n}",
                    ft.Column(
                        [
                            arrowed(words, size=13, weight=ft.FontWeight.W_600),
                            ft.Text(byline(entry), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                        ],
                        spacing=0,
                    ),
                    label=spoken(f"{words}. {byline(entry)}"),
                    container=True,
                    exclude_semantics=True,
                )
            )
        if not view.entries and not load.busy:
            rows.append(ft.Text("Nothing recorded yet.", italic=True))
    rows.append(
        tagged(
            "evidence-full-history",
            ft.TextButton("See the full history", icon=ft.Icons.HISTORY, on_click=on_full),
            label="See the full history",
            button=True,
        )
    )
    return ft.Column(rows, spacing=8)


def _summary_banner(detail: OrderDetail, *, by: str) -> ft.Control:
    said = [
        "Completed: check the evidence, then close it, or reopen it with a reason.",
        evidence_summary(detail),
        *([by] if by else []),
    ]
    lines: list[ft.Control] = [ft.Text(said[0], weight=ft.FontWeight.W_600, color=ft.Colors.GREEN_900)]
    lines.append(ft.Text(said[1], color=ft.Colors.GREEN_900))
    lines += [ft.Text(line, size=12, color=ft.Colors.GREEN_900) for line in said[2:]]
    words = " ".join(said)
    return tagged(
        "evidence-summary",
        ft.Container(
            bgcolor=ft.Colors.GREEN_50,
            border_radius=12,
            padding=ft.Padding.symmetric(horizontal=16, vertical=12),
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.FACT_CHECK_OUTLINED, color=ft.Colors.GREEN_900),
                    ft.Column(lines, spacing=2, expand=True),
                ],
                spacing=12,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ),
        label=words,
        container=True,
        exclude_semantics=True,
    )


def _conflicts_link(count: int, *, on_open: Callable[[], None]) -> ft.Control:
    words = "1 open conflict waits" if count == 1 else f"{count} open conflicts wait"
    words += " for a decision on this order."
    return tagged(
        "order-conflicts",
        ft.Container(
            bgcolor=ft.Colors.AMBER_50,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=12, vertical=4),
            # The whole callout opens them (one target, as a screen reader announces it).
            on_click=on_open,
            ink=True,
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.CALL_SPLIT, color=ft.Colors.AMBER_900, size=18),
                    ft.Text(words, color=ft.Colors.AMBER_900, expand=True),
                    ft.TextButton("Decide", on_click=on_open),
                ],
                spacing=8,
            ),
        ),
        label=f"{words} Decide on the conflicts desk, showing this order's",
        button=True,
    )


def _use_missing_pictures(session: Session, detail: OrderDetail) -> None:
    """Fetch, off the UI event and once each, the photos and signatures made elsewhere that this
    device does not hold yet; the services say when they land, and the thumbnails show."""
    asked = ft.use_ref(None)  # set[str] of hashes asked for already
    missing = tuple(
        [p.sha256 for p in detail.photos if p.thumbnail is None and p.state is BlobState.ON_SERVER]
        + [s.sha256 for s in detail.signatures if s.image is None and s.state is BlobState.ON_SERVER]
    )

    async def fetch() -> None:
        if asked.current is None:
            asked.current = set()
        for sha in missing:
            if sha in asked.current:
                continue
            asked.current.add(sha)
            try:
                await asyncio.to_thread(session.services.photo_bytes, sha)
            except Exception:  # the tile keeps its placeholder; opening the photo says why
                continue

    ft.use_effect(fetch, [missing])


@ft.component
def EvidenceLayout(*, parts: OrderParts, detail: OrderDetail, session: Session) -> ft.Control:
    page = ft.context.page
    number = detail.summary.number
    status = detail.summary.status
    _use_missing_pictures(session, detail)
    # Again after a move (closed, reopened): the history has a new entry.
    activity = use_history(session, detail.summary.id, again=list(Status).index(status))

    def full_history() -> None:
        page.navigate(f"/orders/{number}/history")

    order_col: list[ft.Control] = [parts.facts]
    if detail.open_conflicts:
        order_col.append(
            _conflicts_link(detail.open_conflicts, on_open=lambda: page.navigate(f"/conflicts/{number}"))
        )
    if parts.refusals is not None:
        order_col.append(parts.refusals)
    order_col.append(panel("Next step", parts.steps))
    customer = customer_section(detail=detail, session=session)
    if customer is not None:
        order_col.append(panel("Customer", customer))
    if parts.error is not None:
        order_col.append(parts.error)
    activity_panel = panel(
        "Who did what",
        _activity_body(activity, offline=session.sync.state is SyncState.OFFLINE, on_full=full_history),
        identifier="evidence-activity",
    )
    checklist_col: list[ft.Control] = [panel("Checklist", parts.checklist, identifier="evidence-checklist")]
    if parts.signature is not None:
        checklist_col.append(panel("Signature", parts.signature))
    record_col: list[ft.Control] = [
        panel("Notes", parts.notes),
        panel("Photos", parts.photos),
        panel(
            "Time",
            _time_body(list(detail.time_logs)),
            identifier="evidence-time",
            label=time_words(list(detail.time_logs)),
        ),
        panel(
            "Parts",
            _parts_body(list(detail.parts)),
            identifier="evidence-parts",
            label=parts_words(list(detail.parts)),
        ),
    ]

    columns = columns_for(content_width(session) - 24)
    # Balanced by height: who did what goes under the order's short column on a wide desk.
    if columns == 3:
        stacks = [[*order_col, activity_panel], checklist_col, record_col]
    elif columns == 2:
        stacks = [order_col + checklist_col, [*record_col, activity_panel]]
    else:  # the phone's order: the checklist before the field's record
        stacks = [
            order_col
            + checklist_col[:1]
            + record_col[:2]
            + checklist_col[1:]
            + record_col[2:]
            + [activity_panel]
        ]
    laid: ft.Control = (
        ft.Row(
            [
                ft.Column(stack, spacing=16, expand=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
                for stack in stacks
            ],
            spacing=16,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        if len(stacks) > 1
        else ft.Column(stacks[0], spacing=16, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    )
    top: list[ft.Control] = []
    if status is Status.COMPLETED:
        top.append(_summary_banner(detail, by=completed_by(activity)))
    elif status in (Status.CLOSED, Status.CANCELLED):
        top.append(
            message_box(
                identifier="evidence-final",
                text=f"{STATUS_WORD[status]}: the order is on record as it is below.",
                error=False,
            )
        )
    return ft.Column([*top, laid], spacing=16)
