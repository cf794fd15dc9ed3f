"""The import's rules (app.domain.order_import and its parts), on hand-made files."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain import Kind, Priority, limits
from app.domain.csv_cells import csv_bytes
from app.domain.import_dates import BadTime, parse_when
from app.domain.import_report import ImportMode, RowStatus
from app.domain.import_text import decode, unescape
from app.domain.order_columns import EXPORT_COLUMNS, Column, column_of
from app.domain.order_import import DERIVED_PREFIX, MAX_ROWS, Person, check_file, mark_already

PEOPLE = {
    "tech1": Person(user_id="u-tech1", role="technician", active=True),
    "gone": Person(user_id="u-gone", role="technician", active=False),
    "disp": Person(user_id="u-disp", role="dispatcher", active=True),
}
PARIS = ZoneInfo("Europe/Paris")
INJECTION = "=cmd|' /C calc'!A0"


def check(text: str | bytes, *, mode: ImportMode = ImportMode.CHECK, zone: ZoneInfo | None = None):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return check_file(data, mode=mode, people=PEOPLE, zone=zone or UTC, zone_name=str(zone or "UTC"))


def reasons(text: str) -> list[str]:
    checked = check(text)
    assert checked.report.total == 1, checked.report
    return checked.report.rows[0].reasons


# --- the header -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("title", Column.TITLE),
        (" Due At ", Column.DUE_AT),
        ("DUE-AT", Column.DUE_AT),
        ("External ID", Column.EXTERNAL_ID),
        ("Technician", Column.ASSIGNEE),
        ("customer", Column.CUSTOMER_NAME),
        ("\ufeffnumber", Column.NUMBER),
        ("colour", None),
    ],
)
def test_header_names(cell: str, column: Column | None) -> None:
    assert column_of(cell) is column


def test_every_export_column_is_known() -> None:
    assert all(column_of(c.value) is c for c in EXPORT_COLUMNS)


def test_unknown_columns_are_reported_and_read_only_ones_said() -> None:
    report = check("Title,Colour,Status,created_at\r\nBoiler,red,new,2026-01-01\r\n").report
    assert report.columns.used == ["title"]
    assert report.columns.unknown == ["Colour"]
    assert report.columns.not_imported == ["status", "created_at"]
    assert report.ok == 1 and not report.problems


def test_no_title_column_or_a_column_twice_refuses_the_file() -> None:
    assert "no 'title' column" in check("name\r\nx\r\n").report.problems[0]
    twice = check("title,Title\r\nx,y\r\n").report
    assert twice.problems == ["the header names 'title' twice (columns 1 and 2)"] and twice.rows == []


# --- encodings ------------------------------------------------------------------

TEXT = "title,customer_name\r\nChaudière,Zoë Müller\r\n"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (TEXT.encode("utf-8"), "UTF-8"),
        (TEXT.encode("utf-8-sig"), "UTF-8 (with BOM)"),
        (TEXT.encode("utf-16"), "UTF-16"),
        (TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16"),
        (TEXT.encode("cp1252"), "Windows-1252"),
        (TEXT.encode("cp1252") + "x\x81\r\n".encode("latin-1"), "Latin-1 (ISO-8859-1)"),
    ],
)
def test_encodings(data: bytes, said: str) -> None:
    checked = check(data)
    assert checked.report.encoding == said
    order = checked.orders[2]
    assert (order.title, order.customer["name"]) == ("Chaudière", "Zoë Müller")


def test_a_bom_that_lies_refuses_the_file() -> None:
    report = check(b"\xef\xbb\xbftitle\r\n\xff\xfe\r\n").report
    assert "says it is UTF-8" in report.problems[0]


def test_semicolons_and_tabs() -> None:
    assert check("title;priority\r\nBoiler;high\r\n").orders[2].priority is Priority.HIGH
    assert check("title\tpriority\r\nBoiler\thigh\r\n").orders[2].priority is Priority.HIGH


def test_broken_csv_and_nul_refuse_the_file() -> None:
    assert "line 2 is not valid CSV" in check('title\r\n"a"b\r\n').report.problems[0]
    assert "NUL" in check("title\r\nab\x00c\r\n").report.problems[0]


def test_decode_never_fails_on_odd_bytes() -> None:
    assert decode(bytes(range(256))).encoding == "Latin-1 (ISO-8859-1)"


# --- cells ----------------------------------------------------------------------


def test_formula_cells_are_text_and_export_escapes_come_off() -> None:
    assert unescape("'=1+1") == "=1+1"
    assert unescape("'-5") == "-5"
    assert unescape("'quoted'") == "'quoted'"
    data = csv_bytes(header=["title", "description"], rows=[[INJECTION, "@SUM(A1)"], ["-1", "+x"]])
    assert b"'=cmd" in data  # the export wrote it escaped
    checked = check(data)
    assert checked.orders[2].title == INJECTION and checked.orders[2].description == "@SUM(A1)"
    assert (checked.orders[3].title, checked.orders[3].description) == ("-1", "+x")
    raw = check(f'title\r\n"{INJECTION}"\r\n')  # unescaped: the same text, never evaluated
    assert raw.orders[2].title == INJECTION


def test_lengths_per_the_limits() -> None:
    long_title = "x" * (limits.MAX_TITLE + 1)
    assert reasons(f"title\r\n{long_title}\r\n") == [
        f"title is {limits.MAX_TITLE + 1} characters long; at most {limits.MAX_TITLE}"
    ]
    assert check(f"title\r\n{'x' * limits.MAX_TITLE}\r\n").report.ok == 1
    too_long_asset = "a" * (limits.MAX_ASSET + 1)
    assert "asset is" in reasons(f"title,asset\r\nA,{too_long_asset}\r\n")[0]


def test_words_defaults_and_signature() -> None:
    checked = check("title,kind,priority,requires_signature\r\nA,,,\r\nB,Inspection,URGENT,yes\r\n")
    a, b = checked.orders[2], checked.orders[3]
    assert (a.kind, a.priority, a.requires_signature) == (Kind.REPAIR, Priority.NORMAL, False)
    assert (b.kind, b.priority, b.requires_signature) == (Kind.INSPECTION, Priority.URGENT, True)
    assert reasons("title,requires_signature\r\nA,perhaps\r\n") == [
        "requires_signature 'perhaps' is not yes or no"
    ]


def test_technicians_must_be_active_technicians_of_the_organisation() -> None:
    assert check("title,technician\r\nA,TECH1\r\n").orders[2].assignee_id == "u-tech1"
    assert "no user of that name" in reasons("title,technician\r\nA,bob\r\n")[0]
    assert "is disabled" in reasons("title,technician\r\nA,gone\r\n")[0]
    assert "is not a technician (a dispatcher)" in reasons("title,technician\r\nA,disp\r\n")[0]


def test_too_many_cells_and_blank_lines() -> None:
    assert reasons("title\r\nA,extra\r\n") == ["it has 2 cells, the header 1"]
    report = check("title,asset\r\nA\r\n\r\n,\r\n").report  # short rows are fine; blank ones skipped
    assert report.total == 1 and report.ok == 1


# --- ids and duplicates ---------------------------------------------------------


def test_external_ids_given_or_derived_and_duplicates() -> None:
    checked = check(
        "title,external_id,customer_name\r\nA,X-1,Acme\r\nA,,Acme\r\nB,X-1,Acme\r\nA,,acme\r\nA,,Other\r\n"
    )
    rows = {r.row: r for r in checked.report.rows}
    assert rows[2].external_id == "X-1" and rows[2].status is RowStatus.OK
    assert rows[3].external_id.startswith(DERIVED_PREFIX) and len(rows[3].external_id) == 28
    assert rows[4].reasons == ["the same external_id as row 2"]
    assert rows[5].reasons == ["the same order (same content) as row 3"]  # case does not make it another
    assert rows[6].status is RowStatus.OK and rows[6].external_id != rows[3].external_id
    again = check("title,customer_name\r\nA,Acme\r\n")
    assert again.orders[2].external_id == rows[3].external_id  # stable: the same file twice is recognised


def test_the_same_number_twice() -> None:
    assert reasons_of_row("number,title\r\nWO-000001,A\r\nWO-000001,B\r\n", 3) == ["the same number as row 2"]


def reasons_of_row(text: str, row: int) -> list[str]:
    return next(r.reasons for r in check(text).report.rows if r.row == row)


def test_mark_already() -> None:
    report = mark_already(check("title\r\nA\r\nB\r\n").report, rows={3: "WO-000007"})
    assert (report.ok, report.already) == (1, 1)
    assert report.rows[1].reasons == ["order WO-000007 is already here: nothing done"]


# --- dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-07T14:30:00+01:00", datetime(2026, 12, 7, 13, 30, tzinfo=UTC)),
        ("2026-12-07T13:30Z", datetime(2026, 12, 7, 13, 30, tzinfo=UTC)),
        ("2026-12-07 14:30", datetime(2026, 12, 7, 13, 30, tzinfo=UTC)),  # Paris, winter
        ("2026-07-07 14:30", datetime(2026, 7, 7, 12, 30, tzinfo=UTC)),  # Paris, summer
        ("2026-12-07", datetime(2026, 12, 7, 16, 0, tzinfo=UTC)),  # a date alone: 17:00
        ("2026/12/07", datetime(2026, 12, 7, 16, 0, tzinfo=UTC)),
        ("07.12.2026", datetime(2026, 12, 7, 16, 0, tzinfo=UTC)),
        ("7.12.2026 8:05", datetime(2026, 12, 7, 7, 5, tzinfo=UTC)),
        ("2026-03-29 02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # in the DST gap: fold 0
    ],
)
def test_times_and_the_zone_rule(text: str, expected: datetime) -> None:
    # Compared in UTC: a time in a DST gap never equals one of another zone (PEP 495).
    assert parse_when(text, zone=PARIS).astimezone(UTC) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("07/12/2026", "ambiguous"),
        ("12/7/26", "ambiguous"),
        ("tomorrow", "not a date or time"),
        ("2026-02-30", "not a real date"),
        ("31.02.2026", "not a real date"),
        ("1999-12-31", "out of range"),
        ("3026-01-01T00:00:00", "out of range"),
        ("07.12.2026 25:00", "not a real time"),
    ],
)
def test_bad_times(text: str, why: str) -> None:
    with pytest.raises(BadTime, match=why):
        parse_when(text, zone=UTC)


def test_a_bad_date_is_a_row_reason() -> None:
    assert reasons("title,due_at\r\nA,31/12/2026\r\n")[0].startswith("due_at: '31/12/2026' is ambiguous")


# --- the limits -----------------------------------------------------------------


def test_row_limit_and_size_limit() -> None:
    started = time.perf_counter()
    exactly = check("title\r\n" + "".join(f"Order {n}\r\n" for n in range(MAX_ROWS)))
    took = time.perf_counter() - started
    assert exactly.report.total == MAX_ROWS and exactly.report.ok == MAX_ROWS
    assert took < 10, f"checking {MAX_ROWS} rows took {took:.1f} s"
    over = check("title\r\n" + "".join(f"Order {n}\r\n" for n in range(MAX_ROWS + 1))).report
    assert over.problems == ["the file has more than 50,000 rows: split it"] and over.rows == []
    huge = check(b"title\r\n" + b"x" * (8 * 1024 * 1024)).report
    assert "at most 8,388,608 are taken" in huge.problems[0]
    assert check(b"").report.problems == ["the file is empty"]


def test_summary_words() -> None:
    report = check("title\r\nA\r\n,\r\nB,x\r\n").report
    assert report.summary() == "2 rows, 1 good, 1 refused. Nothing was imported yet (a check)."
