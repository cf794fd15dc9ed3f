"""The desk's `/schedules` through the real web view against a real server: a dispatcher
makes a monthly schedule (a missing title is refused in words first), it syncs, the
server's generator (`ordo-server schedules run`, as cron would) makes its order, and the
order shows on the desk's orders table, assigned to the schedule's technician."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .desk_kit import picture, sign_in_desk, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, pull_everything
from .test_desk_orders import labels_of_rows, open_orders, pick, search, tap, type_into

pytestmark = pytest.mark.ui

NAME = "Chiller check, roof"
TITLE = "Monthly chiller check"
ITEM = "Refrigerant pressure noted"


def schedule_labels(ui: FlutterPage) -> list[str]:
    return [ui.label(i) for i in ui.ids_with_prefix("schedule-row-")]


def server_schedules(server: ServerProcess) -> list[dict[str, object]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return [c["data"] for c in changes if c["entity"] == "schedule" and not c["deleted"]]


def run_generator(server: ServerProcess) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "server_stub.cli", "schedules", "run", "--database-url", server.database_url,
         "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def test_a_schedule_made_on_the_desk_produces_its_order(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.click("nav-schedules")
    ui.wait_path("/schedules")
    ui.wait_id("schedule-list")
    ui.wait_id("schedule-create")
    ui.settle()

    ui.click("schedule-create")
    ui.wait_id("schedule-name")
    type_into(ui, "schedule-name", NAME)
    type_into(ui, "schedule-site", "North warehouse")
    type_into(ui, "schedule-asset", "CHILLER-2")
    # Starts today (the form's default), monthly, made 7 days ahead: due now, so made now.
    tap(ui, "schedule-item-add-check")
    type_into(ui, "schedule-item-1-label", ITEM)
    tap(ui, "schedule-save")
    said = ui.wait_text("schedule-error", lambda t: "title" in t)
    assert "Give the orders a title" in said, said

    type_into(ui, "schedule-title", TITLE)
    pick(ui, "schedule-technician", "Alex Novak")
    tap(ui, "schedule-save")
    ui.wait_id("schedule-message")
    wait_until(
        ui,
        lambda: any(NAME in label and "Every month" in label for label in schedule_labels(ui)),
        what="the new schedule listed",
    )

    (label,) = [label for label in schedule_labels(ui) if NAME in label]
    assert "North warehouse · CHILLER-2" in label and "Alex Novak" in label, label

    # It syncs: the server holds it and the desk shows its next due date from the server.
    ui.click("sync-now")
    held = wait_until(
        ui,
        lambda: next((s for s in server_schedules(server) if s["name"] == NAME), None),
        what="the server holding the schedule",
    )
    assert held["every"] == {"n": 1, "unit": "month"} and held["lead_days"] == 7, held
    template = held["template"]
    assert isinstance(template, dict) and template["title"] == TITLE
    ui.page.mouse.move(900, 400)  # the editor, scrolled back to its top
    ui.page.mouse.wheel(0, -4000)
    ui.settle()
    picture(ui, SCREENSHOTS / "schedules-desktop.png")

    # The generator makes its order once; the desk gets it and lists it.
    out = run_generator(server)
    assert f"made {held['id']}/" in out, out
    assert f"made {held['id']}/" not in run_generator(server)  # a second run makes nothing
    open_orders(ui)
    search(ui, "chiller")
    rows = wait_until(
        ui,
        lambda: [label for label in labels_of_rows(ui) if TITLE in label],
        what="the scheduled order listed on the desk",
        timeout_s=60,
    )
    assert len(rows) == 1 and "Alex Novak" in rows[0], rows

    # The same screen on a phone (a fresh page of the same signed-in device): the list alone.
    phone = open_ui(client.url, viewport=PHONE)
    phone.wait_id("nav-schedules", timeout_ms=60_000)
    phone.settle()
    phone.click("nav-schedules")
    phone.wait_path("/schedules")
    phone.wait_id("schedule-row-1")
    phone.settle()
    assert not phone.has("schedule-name")
    picture(phone, SCREENSHOTS / "schedules-phone.png")
