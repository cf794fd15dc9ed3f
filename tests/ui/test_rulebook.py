"""A technician's order under the rulebook, through the real web view against a real server:
an out-of-range reading is flagged in words, the hold reason is shown on the order, Complete
asks first (Back keeps the order as it was), and a completed order's checklist is read-only."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess, read_order

from .flutter import STEP_MS, FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, Desk, create_order, user_ids
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

HOLD_REASON = "Waiting for a spare pump seal from the supplier"


def local_status(client: ClientProcess, number: str) -> str | None:
    rows = client.local("SELECT status FROM orders WHERE number = ?", number)
    return str(rows[0][0]) if rows else None


def wait_local_status(ui: FlutterPage, client: ClientProcess, number: str, status: str) -> None:
    """The device holds the order in `status` (the write went through), within a deadline."""
    deadline = time.monotonic() + 15
    while local_status(client, number) != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"{number} is {local_status(client, number)} on the device, not {status}")
        ui.page.wait_for_timeout(STEP_MS)


def open_order(ui: FlutterPage, number: str) -> None:
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.settle()  # taps during the route's animation are lost


def step(ui: FlutterPage, client: ClientProcess, number: str, *, to: str) -> None:
    """Press the status button to `to` (a move that asks nothing) and wait until it is made.

    A tap that lands while the screen redraws (the sync bar or a pull re-rendering the order
    under a loaded machine) can be lost; the button is still there then, so it is pressed
    again. A pressed one is gone once the local write has been made, so the move is never
    asked for twice."""
    button = f"status-action-{to}"
    ui.settle()
    ui.click(button)
    deadline = time.monotonic() + 15
    while local_status(client, number) != to:
        if time.monotonic() > deadline:
            raise AssertionError(f"{number} is {local_status(client, number)} on the device, not {to}")
        ui.page.wait_for_timeout(1_000)
        if local_status(client, number) != to and ui.has(button):
            ui.click(button)


def test_out_of_range_hold_reason_and_confirmed_complete(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    desk = Desk(server_url=server.url)
    order_id = create_order(
        desk,
        title="Annual boiler service — browser test",
        assignee_id=user_ids(server_url=server.url)["tech2"],
        checklist=[
            {
                "id": "6f1d3c2e-9a4b-4c1e-8f00-000000000001",
                "position": 1,
                "label": "Flow temperature",
                "kind": "number",
                "required": False,
                "unit": "°C",
                "min": 55,
                "max": 80,
            },
            {
                "id": "6f1d3c2e-9a4b-4c1e-8f00-000000000002",
                "position": 2,
                "label": "Filters replaced",
                "kind": "check",
                "required": True,
            },
        ],
    )
    created = read_order(database_url=server.database_url, order_id=order_id)
    assert created is not None
    number = created["number"]

    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech2", password="demo-tech")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    open_order(ui, number)
    step(ui, client, number, to="en_route")
    step(ui, client, number, to="in_progress")
    ui.wait_id("status-action-completed")

    # --- a reading outside 55–80 °C is kept as measured and flagged in words ----------------------
    ui.reveal("checklist-item-1")  # below the order's time
    assert ui.inputs_in("checklist-item-1") > 0, "the assignee can type the reading"
    ui.fill("checklist-item-1", "95")
    ui.page.keyboard.press("Enter")
    flag = ui.wait_text("checklist-range-1", lambda t: "Out of range" in t)
    assert "55–80 °C" in flag and "kept as measured" in flag, flag
    assert "out of range" in ui.label("checklist-item-1")
    assert ui.inputs_in("checklist-item-2") > 0, "the assignee can tick the box"
    ui.click("checklist-item-2")
    ui.wait_text("checklist-item-2", lambda t: "not done" not in t)
    ui.reveal("checklist-range-1")
    ui.stable_screenshot(SCREENSHOTS / "out-of-range-phone.png")
    [(value,)] = client.local(
        "SELECT value FROM checklist_items WHERE id = ?", "6f1d3c2e-9a4b-4c1e-8f00-000000000001"
    )
    assert "95" in str(value), value

    # --- on hold with a reason: the order says why --------------------------------------------
    ui.click("status-action-on_hold")
    ui.fill("reason-input", HOLD_REASON)
    ui.click("reason-confirm")
    wait_local_status(ui, client, number, "on_hold")
    ui.reveal_words(f"On hold: {HOLD_REASON}", step=-300)  # at the top of the order, for everyone
    shown = ui.wait_text("status-reason", lambda t: HOLD_REASON in t)
    assert shown.startswith("On hold"), shown
    step(ui, client, number, to="in_progress")  # Resume work
    ui.wait_id("status-action-completed")

    # --- Complete asks first, names the flagged reading; Back keeps the order -----------------
    ui.click("status-action-completed")
    ui.wait_id("confirm-ok")
    warning = ui.label("confirm-warning")
    assert "Flow temperature" in warning and "out of range" in warning, warning
    ui.stable_screenshot(SCREENSHOTS / "complete-confirm-phone.png")
    ui.click("confirm-cancel")
    ui.page.wait_for_selector('[flt-semantics-identifier="confirm-ok"]', state="detached", timeout=15_000)
    assert local_status(client, number) == "in_progress"
    ui.wait_id("status-action-completed")

    ui.click("status-action-completed")
    ui.click("confirm-ok")
    wait_local_status(ui, client, number, "completed")
    ui.reveal_words("Status Completed", step=-300)  # the status chip, at the top

    # --- completed: the checklist is the record, shown read-only with the flag ---------------
    assert "completed" in ui.label("checklist-readonly").lower()
    ui.reveal("checklist-item-1")
    assert ui.inputs_in("checklist-item-1") == 0
    assert ui.inputs_in("checklist-item-2") == 0
    assert "Out of range" in ui.text("checklist-range-1")

    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None
    assert held["status"] == "completed"
    assert held["checklist"][0]["value"] == 95 and held["checklist"][0]["done"] is True
    assert held["checklist"][1]["done"] is True
