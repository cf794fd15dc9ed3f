"""The orders table's bulk actions: `orders-export` (the table's current search, filters
and sort, every matching order, as CSV, from this device's rows, offline) and
`orders-import` (pick a CSV file; the server checks it; its report, then the import).

The file picker opens from a client action inside the tap (`ft.PickFiles`, with the
file's bytes): browsers refuse to open one once the tap has gone to Python and back.
Import needs the server: while offline (or signed in on this device only) its button is
off and says so. The report itself is `app.views.desk.import_report`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

import flet as ft

from app.services.types import SyncState
from app.views.desk.order_filters import TableAsk, to_query
from app.views.shared.save_file import CSV_MIME, save_bytes
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

if TYPE_CHECKING:
    from app.services.bulk_api import BulkApi

PROGRESS_EVERY = 2000  # orders between two progress words (a page of the export is 1,000)


@dataclass(frozen=True, slots=True)
class PickedFile:
    name: str
    data: bytes


def import_blocked(session: Session) -> str:
    """Why the import cannot run now, in words; "" when it can."""
    sync = session.sync
    if sync.needs_sign_in:
        return "Import needs the server: sign in with the server first"
    if sync.state is SyncState.OFFLINE:
        return "Import needs the server: you're offline"
    return ""


def _file_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, list):  # some clients send the bytes as a list of ints
        return bytes(value)
    return None


@ft.component
def BulkActions(*, session: Session, ask: TableAsk, on_picked: Callable[[PickedFile], None]) -> ft.Control:
    services = cast("BulkApi", session.services)
    busy, set_busy = ft.use_state(False)
    message, set_message = ft.use_state(("", False))  # (words, is an error)
    handlers = ft.use_ref(None)

    async def export(_e: ft.Event[ft.Button]) -> None:
        page = ft.context.page
        set_busy(True)
        set_message(("Exporting…", False))

        async def show(done: int, total: int) -> None:
            set_message((f"Exporting {done:,} of {total:,} orders…", False))

        def progress(done: int, total: int) -> None:
            if total >= PROGRESS_EVERY and (done % PROGRESS_EVERY < 1000 or done == total):
                page.run_task(show, done, total)  # from the worker thread onto the session's loop

        query = to_query(ask, now=datetime.now().astimezone())
        try:
            made = await asyncio.to_thread(services.export_orders, query, progress=progress)
        except Exception as err:  # a broken local read is said, never raised into the UI
            set_busy(False)
            set_message((f"The orders could not be exported: {err}", True))
            return
        result = await save_bytes(name=made.name, data=made.data, mime=CSV_MIME)
        set_busy(False)
        count = "1 order" if made.rows == 1 else f"{made.rows:,} orders"
        set_message((f"{count}. {result.message}" if result.ok else result.message, not result.ok))

    async def picked(e: ft.FilePickerResultEvent) -> None:
        files = list(e.files or [])
        if not files:
            return  # cancelled
        data = _file_bytes(files[0].bytes)
        if data is None:
            set_message((f"{files[0].name} could not be read on this device.", True))
            return
        set_message(("", False))
        on_picked(PickedFile(name=files[0].name, data=data))

    handlers.current = picked

    async def on_result(e: ft.FilePickerResultEvent) -> None:
        await handlers.current(e)

    picker: ft.FilePicker = ft.use_memo(lambda: ft.FilePicker(on_result=on_result), [])
    blocked = import_blocked(session)
    import_words = "Import CSV" if not blocked else "Import (needs the server)"
    row: list[ft.Control] = [
        tagged(
            "orders-export",
            ft.OutlinedButton(
                "Export CSV",
                icon=ft.Icons.DOWNLOAD,
                on_click=export,
                disabled=busy,
                height=MIN_TOUCH,
                tooltip="Every order matching the search and filters, as a CSV file",
            ),
            label="Export the orders matching the search and filters as CSV",
            button=True,
        ),
        tagged(
            "orders-import",
            ft.OutlinedButton(
                import_words,
                icon=ft.Icons.UPLOAD_FILE if not blocked else ft.Icons.CLOUD_OFF,
                disabled=bool(blocked) or busy,
                height=MIN_TOUCH,
                tooltip=blocked or "Import orders from a CSV file: checked first, row by row",
                action=ft.PickFiles(
                    picker,
                    file_type=ft.FilePickerFileType.CUSTOM,
                    allowed_extensions=["csv", "txt"],
                    with_data=True,
                    cancel_upload_on_window_blur=False,
                ),
            ),
            label=blocked or "Import orders from a CSV file",
            button=True,
        ),
    ]
    buttons = ft.Row(row, spacing=8, tight=True)
    if not message[0]:
        return buttons
    tone = ft.Colors.ERROR if message[1] else ft.Colors.ON_SURFACE_VARIANT
    said = tagged(
        "export-message",
        ft.Text(message[0], size=12, color=tone, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS, width=320),
        label=message[0],
        live_region=True,
    )
    return ft.Column([buttons, said], spacing=2, tight=True)
