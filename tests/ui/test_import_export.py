"""Orders out and in as CSV on the desk, through the real web view against a real server:
the table's filter exported (a browser download), the exported file imported back (every
order already here: no duplicates), a hostile file's report row by row, then its good rows
imported; the report on a phone too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.domain.csv_cells import FORMULA_STARTS
from server_stub.testing import ServerProcess

from .desk_kit import picture, sign_in_desk, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, pull_everything
from .test_desk_orders import open_orders, pick

pytestmark = pytest.mark.ui

INJECTION = "=cmd|' /C calc'!A0"
BAD = (
    "Title,Priority,Technician,Due at,Colour,External ID\r\n"
    f'"{INJECTION}",urgent,tech1,2026-12-24 09:00,red,UI-1\r\n'
    "Replace filter bank,high,,31/12/2026,,UI-2\r\n"
    "Ghost visit,normal,nobody,,,UI-3\r\n"
    ",low,,,,UI-4\r\n"
    "Annual gas check,maintenance,tech2,2027-01-15,,UI-5\r\n"
    "Roof drain,normal,,2027-01-20,,UI-6\r\n"
)


def seeded(server: ServerProcess) -> list[dict[str, Any]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return [c["data"] for c in changes if c["entity"] == "work_order"]


def choose_file(ui: FlutterPage, path: Path) -> None:
    with ui.page.expect_file_chooser() as chooser:
        ui.click("orders-import")
    chooser.value.set_files(str(path))


def test_export_the_table_import_it_back_and_a_bad_file(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    tmp_path: Path,
) -> None:
    seeded_rows = seeded(server)
    urgent = [o for o in seeded_rows if o["priority"] == "urgent"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    open_orders(ui)

    # Export: the table's filter, every matching order, as a browser download.
    pick(ui, "filter-priority", "Urgent")
    ui.wait_text("orders-count", lambda t: t == f"{len(urgent)} orders")
    with ui.page.expect_download(timeout=30_000) as download:
        ui.click("orders-export")
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name.startswith("orders-") and exported.suffix == ".csv"
    rows = list(csv.reader(io.StringIO(exported.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["number", "external_id", "title"]
    assert sorted(r[0] for r in rows[1:]) == sorted(o["number"] for o in urgent)
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    ui.wait_text("export-message", lambda t: "Download started" in t)

    # The exported file back in: every order is already here; nothing to import.
    choose_file(ui, exported)
    summary = ui.wait_text("import-summary", lambda t: "already here" in t, timeout_s=60)
    assert f"{len(urgent)} rows, 0 good, {len(urgent)} already here" in summary, summary
    assert not ui.has("import-run")
    ui.click("import-cancel")
    ui.wait_id("order-list")

    # A hostile file: the report row by row, then the good rows only.
    bad = tmp_path / "visits.csv"
    bad.write_bytes(BAD.encode("cp1252"))
    choose_file(ui, bad)
    summary = ui.wait_text("import-summary", lambda t: "refused" in t, timeout_s=60)
    assert "6 rows, 2 good, 4 refused" in summary, summary
    assert "ambiguous" in ui.label("import-row-3")
    assert "no user of that name" in ui.label("import-row-4")
    assert "title is empty" in ui.label("import-row-5")
    assert "maintenance" in ui.label("import-row-6")  # not a priority word
    assert "Colour" in ui.screen_words()
    assert ui.text("import-run") == "Import the 2 good rows"
    picture(ui, SCREENSHOTS / "import-report-desktop.png")
    before = client.local_counts()["orders"]
    ui.click("import-run")
    ui.wait_text("import-summary", lambda t: t.startswith("Imported 2 orders"), timeout_s=60)
    ui.click("import-cancel")
    ui.click("filters-clear")
    ui.fill("search-input", "Roof drain")
    wait_until(ui, lambda: client.local_counts()["orders"] == before + 2, what="the imported orders pulled")
    wait_until(ui, lambda: ui.ids_with_prefix("order-card-") != [], what="the imported order listed")
    titles = [o["title"] for o in seeded(server) if o["source"] == "import"]
    assert sorted(titles) == sorted([INJECTION, "Roof drain"])  # the formula kept as text

    # The same report on a phone.
    phone = open_ui(client.url, viewport=PHONE)
    open_orders(phone)
    choose_file(phone, bad)
    summary = phone.wait_text("import-summary", lambda t: "refused" in t, timeout_s=60)
    assert "2 already here" in summary, summary
    picture(phone, SCREENSHOTS / "import-report-phone.png")

    # Offline: the export still works from this device's rows; the import says it needs the server.
    server.stop()
    try:
        for _ in range(6):  # a press made while the bar re-renders can be lost
            phone.click("sync-now")
            try:
                phone.wait_text("sync-status", lambda t: t.startswith("Offline"), timeout_s=5)
                break
            except AssertionError:
                continue
        phone.wait_text("orders-import", lambda t: "needs the server" in t, timeout_s=15)
        assert "you're offline" in phone.label("orders-import")
        phone.click("import-cancel")
        with phone.page.expect_download(timeout=30_000) as offline_download:
            phone.click("orders-export")
        offline_file = tmp_path / "offline.csv"
        offline_download.value.save_as(offline_file)
        assert offline_file.read_bytes().count(b"\r\n") == len(seeded_rows) + 2 + 1  # + header
    finally:
        server.start()
