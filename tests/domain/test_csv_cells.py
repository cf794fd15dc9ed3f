from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.domain.csv_cells import csv_bytes, safe_cell


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_plain_values() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(True) == "yes"
    assert safe_cell(-3) == "-3"
    assert safe_cell(2.5) == "2.5"
    assert safe_cell(datetime(2026, 12, 7, 9, 30, tzinfo=UTC)) == "2026-12-07T09:30:00+00:00"
    assert safe_cell("Boiler, 2nd floor") == "Boiler, 2nd floor"


def test_the_file_reads_back_with_every_cell_escaped() -> None:
    data = csv_bytes(
        header=["number", "title"], rows=[["WO-1", '=HYPERLINK("x")'], ["WO-2", 'say "hi"\nbye']]
    )
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["number", "title"], ["WO-1", '\'=HYPERLINK("x")'], ["WO-2", 'say "hi"\nbye']]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@"))
