"""The managers' dashboard through the real web view, on the demo data with its past
(`seed_demo(history=True)`): the KPI cards and charts at 1280x800, the range and the
tables, a field sync moving it within seconds, and the same dashboard on a phone."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server_stub.testing import ServerProcess, running_server

from .desk_kit import picture, sign_in_desk, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, Desk, pick_order

pytestmark = pytest.mark.ui

KPIS = ("kpi-on-time", "kpi-first-time-fix", "kpi-backlog", "kpi-response")


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(data_dir=tmp_path_factory.mktemp("server"), seed_history=True) as proc:
        yield proc


def _number(label: str, after: str) -> int:
    found = re.search(re.escape(after) + r":\s*(\d+)", label)
    assert found is not None, label
    return int(found.group(1))


def _open_dashboard(ui: FlutterPage) -> None:
    ui.click("nav-dashboard")
    ui.wait_path("/dashboard")
    for ident in KPIS:
        ui.wait_id(ident, timeout_ms=30_000)
    ui.settle()


def test_the_dashboard_measures_the_demo_and_moves_with_a_field_sync(
    history_server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    server = history_server
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    _open_dashboard(ui)

    # Every KPI has a figure from the demo's past: a percentage, a count, a duration.
    assert re.search(r"On time: \d+%", ui.label("kpi-on-time")), ui.label("kpi-on-time")
    assert re.search(r"First-time fix: \d+%", ui.label("kpi-first-time-fix"))
    assert re.search(r"Time to assign: \d+ (min|h)", ui.label("kpi-response")), ui.label("kpi-response")
    backlog = _number(ui.label("kpi-backlog"), "Open backlog")
    assert backlog > 0
    for chart in ("best", "backlog", "per-day", "technicians"):
        ui.wait_id(f"dashboard-chart-{chart}")
    picture(ui, SCREENSHOTS / "dashboard-desktop.png")
    ui.reveal("dashboard-chart-technicians", within="dashboard")
    ui.page.mouse.wheel(0, 3000)  # to the end: the per-technician chart whole
    ui.settle()
    picture(ui, SCREENSHOTS / "dashboard-desktop-charts.png")

    # Each chart reads as a table too.
    ui.reveal("dashboard-tables", within="dashboard").click()
    ui.wait_id("dashboard-table-technicians", timeout_ms=15_000)
    ui.wait_id("dashboard-table-per-day")
    ui.settle()
    ui.reveal("dashboard-table-technicians", within="dashboard")
    ui.settle()
    picture(ui, SCREENSHOTS / "dashboard-desktop-tables.png")
    ui.reveal("dashboard-tables", within="dashboard").click()
    ui.settle()

    # A table exports as CSV (the browser's download), every cell as the table shows it.
    with ui.page.expect_download(timeout=20_000) as started:
        ui.reveal("dashboard-export-technicians", within="dashboard").click()
    download = started.value
    assert re.fullmatch(
        r"dashboard-technicians-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert (
        text.splitlines()[0] == "Technician,Open,Completed,On time,Hours logged,Hours available,Utilisation"
    )
    assert "Alex Novak" in text and len(text.splitlines()) == 6
    ui.wait_id("dashboard-message")

    # Another range: the last 7 days hold fewer completions than the last 90.
    ui.reveal("dashboard-range-90d", within="dashboard").click()
    wait_until(ui, lambda: "Last 90 days, chosen" in ui.label("dashboard-range-90d"), what="90 days chosen")

    # A technician raises follow-up work on their phone (here: its push over HTTP); the
    # dispatcher's device pulls it on the live poke and the backlog moves, untouched.
    source = pick_order(server_url=server.url, technician="tech1")
    phone = Desk(server_url=server.url, username="tech1", password="demo-tech")
    made = str(uuid.uuid4())
    result = phone.push(
        type="order.create",
        entity_id=made,
        args={"id": made, "title": "Replace the second valve", "follow_up_of": source["id"]},
    )
    assert result["status"] == "applied", result
    wait_until(
        ui,
        lambda: _number(ui.label("kpi-backlog"), "Open backlog") == backlog + 1,
        what="the backlog counting the follow-up",
        timeout_s=20,
    )

    # The same dashboard on a phone: one column, the cards first.
    small = open_ui(client.url, path="/dashboard", viewport=PHONE)
    small.wait_id("kpi-on-time", timeout_ms=30_000)
    small.settle()
    picture(small, SCREENSHOTS / "dashboard-phone.png")
