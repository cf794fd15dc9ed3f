"""The import's report on the orders table (`import-report`): the picked file checked by
the server, counts first, then the rows that need a look (refused first, then those
already here), then the way on: "Import N orders" when every row is good, "Import the N
good rows" when some are refused, nothing to import when none is good. After the import
the same panel says what became of the file.

A file of 50,000 rows must not become 50,000 controls: at most SHOWN_ROWS rows are
listed, with the count of the rest, and the whole report can be saved as CSV.

Ids: `import-report`, `import-summary`, `import-row-<row>`, `import-more`, `import-run`,
`import-cancel`, `import-save-report`, `import-error`, `import-progress`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import flet as ft

from app.domain.csv_cells import csv_bytes
from app.domain.import_report import ImportMode, ImportReport, RowReport, RowStatus
from app.views.desk.orders_bulk import PickedFile
from app.views.shared.save_file import CSV_MIME, save_bytes
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

if TYPE_CHECKING:
    from app.services.bulk_api import BulkApi

SHOWN_ROWS = 200
STATUS_WORDS = {RowStatus.OK: "Good", RowStatus.REFUSED: "Refused", RowStatus.ALREADY: "Already here"}


@dataclass(frozen=True, slots=True)
class _Step:
    phase: str  # checking | checked | importing | imported | failed
    report: ImportReport | None = None
    problem: str = ""


def rows_to_show(report: ImportReport) -> tuple[list[RowReport], int]:
    """The rows worth a look, refused first then already here, at most SHOWN_ROWS; and how
    many more there are."""
    wanted = [r for r in report.rows if r.status is RowStatus.REFUSED]
    wanted += [r for r in report.rows if r.status is RowStatus.ALREADY]
    return wanted[:SHOWN_ROWS], max(0, len(wanted) - SHOWN_ROWS)


def run_words(report: ImportReport) -> tuple[str, ImportMode] | None:
    """The import button's words and mode; None when there is nothing to import."""
    if report.problems or report.ok == 0:
        return None
    orders = "1 order" if report.ok == 1 else f"{report.ok:,} orders"
    if report.refused:
        rows = "the good row" if report.ok == 1 else f"the {report.ok:,} good rows"
        return f"Import {rows}", ImportMode.GOOD
    return f"Import {orders}", ImportMode.ALL


def report_csv(report: ImportReport) -> bytes:
    rows = [
        [r.row, STATUS_WORDS[r.status], r.number or "", r.external_id or "", r.title, "; ".join(r.reasons)]
        for r in report.rows
    ]
    return csv_bytes(header=["row", "status", "number", "external_id", "title", "reasons"], rows=rows)


def _row(line: RowReport) -> ft.Control:
    refused = line.status is RowStatus.REFUSED
    fg = ft.Colors.ERROR if refused else ft.Colors.ON_SURFACE_VARIANT
    words = "; ".join(line.reasons) or STATUS_WORDS[line.status]
    what = f"{line.title}" if line.title else "(no title)"
    label = f"Row {line.row}, {STATUS_WORDS[line.status].lower()}: {words}"
    return tagged(
        f"import-row-{line.row}",
        ft.Container(
            padding=ft.Padding.symmetric(horizontal=8, vertical=6),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
            content=ft.Row(
                [
                    ft.Text(f"Row {line.row}", width=72, weight=ft.FontWeight.W_600),
                    ft.Icon(ft.Icons.BLOCK if refused else ft.Icons.CHECK_CIRCLE_OUTLINE, size=18, color=fg),
                    ft.Column(
                        [
                            ft.Text(what, size=13, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                            ft.Text(words, size=13, color=fg),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                ],
                vertical_alignment=ft.CrossAxisAlignment.START,
                spacing=8,
            ),
        ),
        label=label,
        exclude_semantics=True,
    )


def _counts(report: ImportReport) -> ft.Control:
    chips = [
        ("Rows", report.total, ft.Colors.ON_SURFACE),
        (
            "Imported" if report.committed else "Good",
            report.imported if report.committed else report.ok,
            ft.Colors.GREEN_800,
        ),
        ("Refused", report.refused, ft.Colors.ERROR),
        ("Already here", report.already, ft.Colors.BLUE_GREY_700),
    ]
    return ft.Row(
        [
            ft.Container(
                padding=ft.Padding.symmetric(horizontal=12, vertical=6),
                border_radius=8,
                bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                content=ft.Column(
                    [
                        ft.Text(f"{value:,}", size=20, weight=ft.FontWeight.BOLD, color=fg),
                        ft.Text(word, size=12),
                    ],
                    spacing=0,
                    tight=True,
                ),
            )
            for word, value, fg in chips
        ],
        spacing=8,
        wrap=True,
    )


@ft.component
def ImportPanel(*, session: Session, picked: PickedFile, on_close: Callable[[], None]) -> ft.Control:
    services = cast("BulkApi", session.services)
    step, set_step = ft.use_state(_Step(phase="checking"))
    saved, set_saved = ft.use_state("")

    async def send(mode: ImportMode) -> None:
        set_step(_Step(phase="checking" if mode is ImportMode.CHECK else "importing", report=step.report))
        try:
            report = await asyncio.to_thread(
                services.import_orders, picked.data, mode=mode, file_name=picked.name
            )
        except Exception as err:  # offline, refused, a broken answer: said in words
            set_step(_Step(phase="failed", report=step.report, problem=str(err) or type(err).__name__))
            return
        set_step(_Step(phase="checked" if mode is ImportMode.CHECK else "imported", report=report))

    async def check() -> None:
        await send(ImportMode.CHECK)

    ft.use_effect(check, [picked])

    async def save_report() -> None:
        if step.report is None:
            return
        stem = picked.name.rsplit(".", 1)[0] or "orders"
        result = await save_bytes(
            name=f"{stem}-import-report.csv", data=report_csv(step.report), mime=CSV_MIME
        )
        set_saved(result.message)

    body: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.UPLOAD_FILE),
                ft.Text(f"Import of {picked.name}", size=18, weight=ft.FontWeight.W_600, expand=True),
                tagged(
                    "import-cancel",
                    ft.TextButton(
                        "Close"
                        if step.phase in ("imported", "failed")
                        or (step.report and not run_words(step.report))
                        else "Cancel",
                        icon=ft.Icons.CLOSE,
                        on_click=on_close,
                        height=MIN_TOUCH,
                        disabled=step.phase == "importing",
                    ),
                    button=True,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    ]
    if step.phase in ("checking", "importing"):
        words = f"Checking {picked.name} on the server…" if step.phase == "checking" else "Importing…"
        body.append(
            ft.Row(
                [
                    ft.ProgressRing(width=20, height=20),
                    tagged("import-progress", ft.Text(words), live_region=True),
                ],
                spacing=12,
            )
        )
    if step.problem:
        body.append(message_box(identifier="import-error", text=f"The import did not run: {step.problem}"))
    report = step.report
    if report is not None:
        body += _report(
            report, saved=saved, on_save=save_report, roomy=session.width == 0 or session.width >= 600
        )
        choice = run_words(report)
        if step.phase == "checked" and choice is not None:
            words, mode = choice

            async def run(_e: ft.Event[ft.Button], mode: ImportMode = mode) -> None:
                await send(mode)

            body.append(
                tagged(
                    "import-run",
                    ft.FilledButton(words, icon=ft.Icons.PLAYLIST_ADD_CHECK, on_click=run, height=MIN_TOUCH),
                    label=words,
                    button=True,
                )
            )
    return tagged(
        "import-report",
        ft.Container(
            content=ft.Column(body, spacing=10, expand=True),
            padding=12,
            border_radius=12,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            expand=True,
        ),
        label="Import report",
        container=True,
        expand=True,
    )


def _report(
    report: ImportReport, *, saved: str, on_save: Callable[[], object], roomy: bool
) -> list[ft.Control]:
    """The report's parts; not `roomy` (a phone): no count tiles, the summary says the counts."""
    summary = report.summary()
    if report.committed and report.imported:
        summary = f"Imported {report.imported:,} order{'s' if report.imported != 1 else ''}. " + summary
    parts: list[ft.Control] = [
        tagged(
            "import-summary",
            ft.Text(summary, weight=ft.FontWeight.W_500, color=ft.Colors.ERROR if report.problems else None),
            label=summary,
            live_region=True,
        ),
    ]
    if report.problems:
        return parts
    if roomy:
        parts.append(_counts(report))
    notes = [f"Read as {report.encoding}; times without an offset are in {report.zone}."]
    if report.columns.unknown:
        notes.append("Unknown columns, ignored: " + ", ".join(report.columns.unknown) + ".")
    if report.columns.not_imported:
        notes.append(
            "Read but not imported (the server sets them): " + ", ".join(report.columns.not_imported) + "."
        )
    parts += [ft.Text(n, size=12, color=ft.Colors.ON_SURFACE_VARIANT) for n in notes]
    shown, more = rows_to_show(report)
    if shown:
        lines: list[ft.Control] = [_row(line) for line in shown]
        if more:
            lines.append(
                tagged(
                    "import-more",
                    ft.Text(
                        f"… and {more:,} more rows not shown: save the report to read them all.", italic=True
                    ),
                )
            )
        parts.append(ft.ListView(lines, expand=True, spacing=0))
    elif report.ok:
        parts.append(ft.Text("Every row is good.", color=ft.Colors.GREEN_800))
    parts.append(
        ft.Row(
            [
                tagged(
                    "import-save-report",
                    ft.TextButton(
                        "Save the report as CSV", icon=ft.Icons.DOWNLOAD, on_click=on_save, height=MIN_TOUCH
                    ),
                    button=True,
                ),
                ft.Text(saved, size=12, color=ft.Colors.ON_SURFACE_VARIANT, expand=True),
            ]
        )
    )
    return parts
