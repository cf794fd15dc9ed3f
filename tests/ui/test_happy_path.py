"""A technician's normal morning, through the real web view against a real server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, pick_order

pytestmark = pytest.mark.ui

NOTE = "Replaced the pressure relief valve; customer informed."


def sign_in(ui: FlutterPage, *, username: str, password: str) -> None:
    ui.wait_id("login-username")
    ui.fill("login-username", username)
    ui.fill("login-password", password)
    ui.click("login-submit")
    ui.wait_path("/orders")
    ui.wait_id("order-list")


def test_start_work_tick_note_and_sync(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order = pick_order(server_url=server.url, technician="tech1")
    number = order["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)

    # Signed out, any address lands on sign-in. The server field is pre-filled from --server:
    # sign_in() below never types it, and would fail without it.
    ui.wait_path("/login")
    ui.wait_id("login-server")
    ui.stable_screenshot(SCREENSHOTS / "login-phone.png")

    sign_in(ui, username="tech1", password="demo-tech")
    ui.wait_id(f"order-card-{number}", timeout_ms=30_000)  # the first sync has pulled the orders
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"))
    ui.stable_screenshot(SCREENSHOTS / "list-phone.png")

    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.click("status-action-in_progress")
    # in_progress offers completing next; its button appearing proves the move was made
    ui.wait_id("status-action-completed")

    ui.click("checklist-item-1")
    ui.wait_text("checklist-item-1", lambda t: "not done" not in t)
    ui.fill("note-input", NOTE)
    ui.click("note-add")
    ui.wait_for_words(NOTE)
    assert client.local("SELECT count(*) FROM notes WHERE text = ?", NOTE) == [(1,)]

    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None
    assert held["status"] == "in_progress"
    assert held["checklist"][0]["done"] is True
    assert NOTE in [n["text"] for n in held["notes"]]
    assert client.local("SELECT count(*) FROM outbox") == [(0,)]

    ui.stable_screenshot(SCREENSHOTS / "order-phone-work.png")

    # The browser's back button returns from the order to the list.
    ui.page.go_back()
    ui.wait_path("/orders")
    ui.wait_id("order-list")

    # Same device, a wide window: deep links work for list and order.
    wide = open_ui(client.url, path="/orders", viewport=DESKTOP)
    wide.wait_id(f"order-card-{number}")
    wide.stable_screenshot(SCREENSHOTS / "list-desktop.png")
    wide = open_ui(client.url, path=f"/orders/{number}", viewport=DESKTOP)
    wide.wait_id("status-action-on_hold")
    wide.stable_screenshot(SCREENSHOTS / "order-desktop.png")

    top = open_ui(client.url, path=f"/orders/{number}", viewport=PHONE)
    top.wait_id("status-action-on_hold")
    top.stable_screenshot(SCREENSHOTS / "order-phone.png")

    # A link to an order this device does not hold says so in words.
    missing = open_ui(client.url, path="/orders/WO-999999", viewport=PHONE)
    assert "not on this device" in missing.text("order-missing")
