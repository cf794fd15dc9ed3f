"""CSV written for people who open it in a spreadsheet: one rule for every export (the
desk's orders, the dashboard's tables, the server's import report).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP "CSV injection"); it is written with a leading
apostrophe, which those programs show as text and hide. Files carry a UTF-8 BOM so Excel
reads accents right, and CRLF line ends as RFC 4180 says.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """`value` as the text of one cell, never read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, int | float):
        # A negative number is a number, not a formula: written as is.
        return str(value)
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(*, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file as text, BOM first, every cell through `safe_cell`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """`csv_text` encoded as UTF-8, ready to save or send."""
    return csv_text(header=header, rows=rows).encode("utf-8")
