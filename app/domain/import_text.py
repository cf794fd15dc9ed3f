"""A CSV file's bytes as rows of text: the encoding worked out, the records read, and
each cell as its writer meant it.

Encodings, in this order (the first that fits is said in the report):
1. a byte-order mark: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE or BE (Excel's "Unicode text");
2. UTF-8 without a mark, if every byte fits;
3. Windows-1252 (what Excel writes as "CSV" on Western Windows), which reads any byte but
   five; a file with one of those five is read as Latin-1, which reads every byte.

A cell that starts with an apostrophe before a formula character (`'=`, `'+`, `'-`, `'@`)
is what `app.domain.csv_cells` writes for a cell that starts with that character: the
apostrophe goes, the text stays. A cell that starts with `=` without one is taken as the
text it is: nothing here, or anywhere in Ordo, evaluates a cell.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from app.domain.csv_cells import FORMULA_STARTS

# The longest cell a row may have (a description's limit is 10,000 characters; more
# is refused by the row's checks with its limit named, up to this).
MAX_CELL = 100_000


class UnreadableFile(ValueError):
    """The file cannot be read as CSV at all; the message says why, for people."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # as said in the report: "UTF-8 (with BOM)", "UTF-16", "Windows-1252", ...


def decode(data: bytes) -> Decoded:
    """The file's text and the encoding it was read in (see the module's note)."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(data[3:], "utf-8"), "UTF-8 (with BOM)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(_strict(data, "utf-16"), "UTF-16")
    try:
        return Decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252"), "Windows-1252")
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "Latin-1 (ISO-8859-1)")


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            f"the file says it is {encoding.upper()} (its first bytes) but byte {err.start} is not"
        ) from None


def unescape(cell: str) -> str:
    """A cell as its writer meant it: `'=1+1` (escaped by an export) is `=1+1`."""
    if len(cell) >= 2 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """Commas as written by us; semicolons (Excel in many European locales) or tabs when
    the first line has those and no commas."""
    first = sample.split("\n", 1)[0]
    if "," not in first:
        if ";" in first:
            return _Semicolon()
        if "\t" in first:
            return csv.excel_tab
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def records(text: str) -> Iterator[list[str]]:
    """The file's records, each cell unescaped; UnreadableFile for broken CSV."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
    # NUL is not a character any CSV writer means (and PostgreSQL cannot store it).
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise UnreadableFile(f"line {line} holds a NUL character: this is not a text file")
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text[:4096]), strict=True)
    try:
        for record in reader:
            yield [unescape(cell) for cell in record]
    except csv.Error as err:
        raise UnreadableFile(f"line {reader.line_num} is not valid CSV: {err}") from None
