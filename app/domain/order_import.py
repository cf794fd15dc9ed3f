"""Importing orders from CSV: the rules every row is held to, pure, one place for the
server's import (server_stub.imports), its CLI and the desk's check.

The file: at most MAX_ROWS rows and MAX_BYTES bytes; read as `app.domain.import_text`
says (encodings, formula escapes); its header names columns as
`app.domain.order_columns` says. A header without `title`, or naming a column twice, is
refused whole; an unknown column is reported and ignored.

Each row:
- `title` is required; every text within its limit (app.domain.limits);
- `kind` and `priority` are the domain's words (any case); empty: repair, normal;
- `due_at`: see app.domain.import_dates (the zone rule); empty: from the priority;
- `assignee`: a username of an active technician of the organisation; empty: unassigned;
- `requires_signature`: yes/no, true/false, 1/0; empty: no;
- `external_id`: the order's id in the sender's system. Optional: a row without one gets
  one derived from its content ("csv:" and 24 hex digits of a SHA-256 of its title,
  description, kind, priority, customer, site, asset, due time and technician), so the
  same file imported twice makes no duplicates even without ids; two rows alike in all
  of that are one order said twice, and the second is refused.
- two rows naming the same `external_id` or `number` in one file: the later is refused.

Whether an order is already here (its `number` or `external_id`) is the server's to say.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from app.domain import Kind, Priority, Role, limits
from app.domain.import_dates import BadTime, parse_when
from app.domain.import_report import ColumnsReport, ImportMode, ImportReport, RowReport, RowStatus
from app.domain.import_text import UnreadableFile, decode, records
from app.domain.order_columns import IMPORTED, REQUIRED, Column, column_of
from app.domain.relations import parse_role

MAX_ROWS = 50_000
MAX_BYTES = 8 * 1024 * 1024  # the server's default body limit too
DERIVED_PREFIX = "csv:"
_YES = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", ""}
LENGTHS: dict[Column, int] = {
    Column.TITLE: limits.MAX_TITLE,
    Column.DESCRIPTION: limits.MAX_DESCRIPTION,
    Column.CUSTOMER_NAME: limits.MAX_NAME,
    Column.CUSTOMER_CONTACT: limits.MAX_ADDRESS,
    Column.SITE_NAME: limits.MAX_NAME,
    Column.SITE_ADDRESS: limits.MAX_ADDRESS,
    Column.ASSET: limits.MAX_ASSET,
    Column.EXTERNAL_ID: limits.MAX_EXTERNAL_ID,
    Column.NUMBER: 32,
    Column.ASSIGNEE: 150,
}


@dataclass(frozen=True, slots=True)
class Person:
    """What the import needs to know of a user of the organisation."""

    user_id: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class OrderIn:
    """One good row, ready to become an order."""

    row: int
    external_id: str
    number: str | None
    title: str
    description: str
    kind: Kind
    priority: Priority
    assignee_id: str | None
    customer: dict[str, Any]
    site: dict[str, Any]
    asset: str | None
    due_at: datetime | None  # aware; None: from the priority
    requires_signature: bool


@dataclass
class Checked:
    """A file read and checked: the report so far, and the good rows by row number."""

    report: ImportReport
    orders: dict[int, OrderIn] = field(default_factory=dict)


def check_file(
    data: bytes,
    *,
    mode: ImportMode,
    people: Mapping[str, Person],
    zone: tzinfo = UTC,
    zone_name: str = "UTC",
) -> Checked:
    """Read and check every row. `people`: the organisation's users by username, casefolded."""
    report = ImportReport(mode=mode, zone=zone_name)
    if len(data) > MAX_BYTES:
        report.problems.append(f"the file is {len(data):,} bytes; at most {MAX_BYTES:,} are taken: split it")
        return Checked(report)
    if not data.strip():
        report.problems.append("the file is empty")
        return Checked(report)
    try:
        decoded = decode(data)
        report.encoding = decoded.encoding
        rows = records(decoded.text)
        header = next(rows, None)
        if header is None:
            report.problems.append("the file is empty")
            return Checked(report)
        columns = _header(header, report)
        if report.problems:
            return Checked(report)
        checked = Checked(report)
        seen: dict[str, int] = {}
        for index, cells in enumerate(rows, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank line (spreadsheets leave them at the end)
            if report.total >= MAX_ROWS:
                report.problems.append(f"the file has more than {MAX_ROWS:,} rows: split it")
                report.rows.clear()
                return Checked(report.counted())
            report.total += 1
            _one(
                checked, index, cells, columns=columns, width=len(header), people=people, zone=zone, seen=seen
            )
    except UnreadableFile as err:
        report.rows.clear()
        report.problems.append(str(err))
        return Checked(report)
    checked.report = report.counted()
    return checked


def _header(cells: Sequence[str], report: ImportReport) -> dict[Column, int]:
    columns: dict[Column, int] = {}
    seen: ColumnsReport = report.columns
    for at, cell in enumerate(cells):
        column = column_of(cell)
        if column is None:
            if cell.strip():
                seen.unknown.append(cell.strip())
            continue
        if column in columns:
            report.problems.append(
                f"the header names {column.value!r} twice (columns {columns[column] + 1} and {at + 1})"
            )
            continue
        columns[column] = at
        (seen.used if column in IMPORTED else seen.not_imported).append(column.value)
    for column in sorted(REQUIRED - columns.keys()):
        known = ", ".join(c.value for c in Column if c in IMPORTED)
        report.problems.append(f"the header has no {column.value!r} column (the columns taken: {known})")
    return columns


def _one(
    checked: Checked,
    row: int,
    cells: Sequence[str],
    *,
    columns: Mapping[Column, int],
    width: int,
    people: Mapping[str, Person],
    zone: tzinfo,
    seen: dict[str, int],
) -> None:
    reasons: list[str] = []

    def cell(column: Column) -> str:
        at = columns.get(column)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    if len(cells) > width and any(c.strip() for c in cells[width:]):
        reasons.append(f"it has {len(cells)} cells, the header {width}")
    for column, most in LENGTHS.items():
        text = cell(column)
        if len(text) > most:
            reasons.append(f"{column.value} is {len(text):,} characters long; at most {most:,}")
    title = cell(Column.TITLE)
    if not title:
        reasons.append("title is empty (it is required)")
    kind = _word(Kind, cell(Column.KIND), Kind.REPAIR, "kind", reasons)
    priority = _word(Priority, cell(Column.PRIORITY), Priority.NORMAL, "priority", reasons)
    due_at = None
    if due_text := cell(Column.DUE_AT):
        try:
            due_at = parse_when(due_text, zone=zone)
        except BadTime as err:
            reasons.append(f"due_at: {err}")
    assignee_id = _assignee(cell(Column.ASSIGNEE), people, reasons)
    signature = cell(Column.REQUIRES_SIGNATURE).casefold()
    if signature not in _YES | _NO:
        reasons.append(f"requires_signature {cell(Column.REQUIRES_SIGNATURE)!r} is not yes or no")
    number = cell(Column.NUMBER) or None
    given = cell(Column.EXTERNAL_ID)
    due_key = due_at.astimezone(UTC).isoformat() if due_at else ""
    external_id = given or _derived(
        title, cell(Column.DESCRIPTION), kind, priority, cell(Column.CUSTOMER_NAME),
        cell(Column.CUSTOMER_CONTACT), cell(Column.SITE_NAME), cell(Column.SITE_ADDRESS),
        cell(Column.ASSET), due_key, cell(Column.ASSIGNEE).casefold(),
    )  # fmt: skip
    keys = [(f"id:{external_id}", "the same external_id" if given else "the same order (same content)")]
    if number:
        keys.append((f"no:{number}", "the same number"))
    for key, same in keys:
        if key in seen:
            reasons.append(f"{same} as row {seen[key]}")
        else:
            seen[key] = row
    report = RowReport(
        row=row,
        status=RowStatus.REFUSED if reasons else RowStatus.OK,
        reasons=reasons,
        external_id=external_id,
        number=number,
        title=title[:120],
    )
    checked.report.rows.append(report)
    if reasons:
        return
    checked.orders[row] = OrderIn(
        row=row,
        external_id=external_id,
        number=number,
        title=title,
        description=cell(Column.DESCRIPTION),
        kind=kind,
        priority=priority,
        assignee_id=assignee_id,
        customer={"name": cell(Column.CUSTOMER_NAME), "contact": cell(Column.CUSTOMER_CONTACT) or None},
        site={
            "name": cell(Column.SITE_NAME),
            "address": cell(Column.SITE_ADDRESS) or None,
            "lat": None,
            "lon": None,
        },
        asset=cell(Column.ASSET) or None,
        due_at=due_at,
        requires_signature=signature in _YES,
    )


def _word(kind: type[Kind] | type[Priority], text: str, default: Any, name: str, reasons: list[str]) -> Any:
    if not text:
        return default
    try:
        return kind(text.casefold())
    except ValueError:
        words = ", ".join(k.value for k in kind)
        reasons.append(f"{name} {text!r} is not one of {words}")
        return default


def _assignee(username: str, people: Mapping[str, Person], reasons: list[str]) -> str | None:
    if not username:
        return None
    person = people.get(username.casefold())
    if person is None:
        reasons.append(f"technician {username!r}: no user of that name in this organisation")
        return None
    if parse_role(person.role) is not Role.TECHNICIAN:
        reasons.append(f"technician {username!r} is not a technician (a {person.role})")
        return None
    if not person.active:
        reasons.append(f"technician {username!r} is disabled")
        return None
    return person.user_id


def _derived(*parts: str) -> str:
    joined = "\x1f".join(p.strip().casefold() for p in parts)
    return DERIVED_PREFIX + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


def mark_already(report: ImportReport, *, rows: Mapping[int, str]) -> ImportReport:
    """The report with `rows` (row number -> the order's number here) already imported."""
    for line in report.rows:
        if line.row in rows and line.status is RowStatus.OK:
            line.status = RowStatus.ALREADY
            line.number = rows[line.row]
            line.reasons = [f"order {rows[line.row]} is already here: nothing done"]
    return report.counted()
