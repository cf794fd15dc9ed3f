"""Saving bytes (a CSV, a PDF) as a file the user keeps: the one way the client does it.

Flet 1.0.5's `FilePicker.save_file(file_name=..., src_bytes=...)` behaves differently by
where the client runs, and this module hides that:

- Web view (how Ordo runs here, in Chromium): the Flutter client wraps the bytes in a
  Blob and clicks an `<a download=name>`; the browser puts the file in its downloads
  (or asks where, if the user set it so). The call returns None and nothing tells us
  whether the user kept it, so success reads "Download started". The file name must
  carry an extension (the client refuses one without).
- Desktop window: a native "Save as" dialog (zenity on Linux); the client writes the
  bytes to the chosen path and returns it, None when the user cancelled. Python runs on
  the same machine there, so the bytes are checked and written again if the client did
  not (older file_picker builds only returned the path).

Failures (no dialog program, a timeout, a full disk) come back as a `SaveResult` with
words a screen can show; nothing here raises to the caller.

Use from an event handler of a mounted component (it needs the current page):

    result = await save_bytes(name="orders-2026-12-07.csv", data=data, mime=CSV_MIME)
    set_message((result.message, not result.ok))
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import flet as ft

CSV_MIME = "text/csv"
PDF_MIME = "application/pdf"

_log = logging.getLogger(__name__)


class SaveOutcome(StrEnum):
    DOWNLOADED = "downloaded"  # web: the browser was handed the file
    SAVED = "saved"  # desktop: written at `path`
    CANCELLED = "cancelled"  # desktop: the user closed the dialog
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SaveResult:
    outcome: SaveOutcome
    name: str
    message: str  # one line for the user, ready to show
    path: str | None = None  # desktop only

    @property
    def ok(self) -> bool:
        return self.outcome in (SaveOutcome.DOWNLOADED, SaveOutcome.SAVED)


def _extension(name: str) -> str:
    return Path(name).suffix.lstrip(".").lower()


def _size_words(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _write_if_missing(path: Path, data: bytes) -> None:
    if not path.is_file() or path.stat().st_size != len(data):
        path.write_bytes(data)


async def save_bytes(
    *,
    name: str,
    data: bytes,
    mime: str,
    page: ft.Page | None = None,
    picker: ft.FilePicker | None = None,
) -> SaveResult:
    """Offer `data` as the file `name`; `mime` says what it is (kept for the desktop
    dialog's filter and for callers' logs: the web client's Blob carries no type).

    `page` defaults to the current one (`ft.context.page`); `picker` to a FilePicker made
    for this call (it registers itself with the page and is dropped afterwards).
    """
    ext = _extension(name)
    if not ext:
        words = f"Cannot save {name!r}: the file name needs an extension."
        return SaveResult(SaveOutcome.FAILED, name, words)
    if not data:
        return SaveResult(SaveOutcome.FAILED, name, "There is nothing to save: the file is empty.")
    try:
        page = page or ft.context.page
        picker = picker or ft.FilePicker()
        web = bool(page.web)
        path = await picker.save_file(
            dialog_title=f"Save {name}",
            file_name=name,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=[ext],
            src_bytes=data,
        )
        if web:
            return SaveResult(
                SaveOutcome.DOWNLOADED,
                name,
                f"Download started: {name} ({_size_words(len(data))}). "
                "The browser keeps it in its downloads.",
            )
        if not path:
            return SaveResult(SaveOutcome.CANCELLED, name, "Not saved: the save dialog was closed.")
        await asyncio.to_thread(_write_if_missing, Path(path), data)
        where = Path(path)
        words = f"Saved {where.name} ({_size_words(len(data))}) in {where.parent}."
        return SaveResult(SaveOutcome.SAVED, name, words, path=path)
    except Exception as err:  # a dialog program missing, a timeout, a disk error: said, never raised
        _log.warning("saving %s (%s) failed: %s", name, mime, err)
        return SaveResult(SaveOutcome.FAILED, name, f"{name} could not be saved: {err}")
