"""The orders table's bulk actions in words: when import is offered, what the report lists
and offers (app.views.desk.orders_bulk, app.views.desk.import_report)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.domain.csv_cells import FORMULA_STARTS
from app.domain.import_report import ImportMode, ImportReport, RowReport, RowStatus
from app.services.types import SyncState, SyncStatus
from app.views.desk.import_report import SHOWN_ROWS, report_csv, rows_to_show, run_words
from app.views.desk.orders_bulk import import_blocked


class _Session:
    def __init__(self, sync: SyncStatus) -> None:
        self.sync = sync


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (SyncStatus(state=SyncState.SYNCED, waiting=0), ""),
        (SyncStatus(state=SyncState.NEVER, waiting=0), ""),
        (SyncStatus(state=SyncState.OFFLINE, waiting=0), "Import needs the server: you're offline"),
        (
            SyncStatus(state=SyncState.OFFLINE, waiting=0, needs_sign_in=True),
            "Import needs the server: sign in with the server first",
        ),
    ],
)
def test_import_is_not_offered_offline(status: SyncStatus, words: str) -> None:
    session: Any = _Session(status)
    assert import_blocked(session) == words


def report(*statuses: RowStatus, mode: ImportMode = ImportMode.CHECK) -> ImportReport:
    rows = [
        RowReport(row=n, status=s, reasons=["why"] if s is not RowStatus.OK else [], title="=1+1")
        for n, s in enumerate(statuses, start=2)
    ]
    return ImportReport(mode=mode, rows=rows).counted()


def test_refused_rows_first_and_never_50000_controls() -> None:
    big = report(*([RowStatus.OK] * 10 + [RowStatus.ALREADY] * 5 + [RowStatus.REFUSED] * 50_000))
    shown, more = rows_to_show(big)
    assert len(shown) == SHOWN_ROWS and more == 50_005 - SHOWN_ROWS
    assert all(r.status is RowStatus.REFUSED for r in shown)
    small = report(RowStatus.ALREADY, RowStatus.REFUSED, RowStatus.OK)
    assert [r.status for r in rows_to_show(small)[0]] == [RowStatus.REFUSED, RowStatus.ALREADY]


def test_what_the_import_button_offers() -> None:
    assert run_words(report(RowStatus.OK, RowStatus.OK)) == ("Import 2 orders", ImportMode.ALL)
    assert run_words(report(RowStatus.OK)) == ("Import 1 order", ImportMode.ALL)
    assert run_words(report(RowStatus.OK, RowStatus.REFUSED)) == ("Import the good row", ImportMode.GOOD)
    many = report(*([RowStatus.OK] * 1200 + [RowStatus.REFUSED]))
    assert run_words(many) == ("Import the 1,200 good rows", ImportMode.GOOD)
    assert run_words(report(RowStatus.REFUSED, RowStatus.ALREADY)) is None
    refused_file = ImportReport(mode=ImportMode.CHECK, problems=["the file is empty"])
    assert run_words(refused_file) is None


def test_the_saved_report_is_safe_csv() -> None:
    rows = list(csv.reader(io.StringIO(report_csv(report(RowStatus.REFUSED)).decode("utf-8-sig"))))
    assert rows[0] == ["row", "status", "number", "external_id", "title", "reasons"]
    assert rows[1][1] == "Refused" and rows[1][4] == "'=1+1"
    assert all(not c.startswith(FORMULA_STARTS) for row in rows for c in row)
