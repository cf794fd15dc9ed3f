"""The truth about what is synced, on a phone and a tablet: what waits by order, and signing out with
unsent work warns first and keeps it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, TABLET, ClientProcess, pick_order
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

NOTE = "Valve seized; needs a new actuator."


@pytest.mark.parametrize(
    ("viewport", "technician"), [(PHONE, "tech3"), (TABLET, "tech2")], ids=["phone", "tablet"]
)
def test_sync_screen_lists_what_waits_and_sign_out_warns_and_keeps_it(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    viewport: dict[str, int],
    technician: str,
) -> None:
    size = "phone" if viewport is PHONE else "tablet"
    order = pick_order(server_url=server.url, technician=technician)
    number = order["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=viewport)
    sign_in(ui, username=technician, password="demo-tech")

    # Everything on the server: the screen says so.
    ui.click("nav-sync")
    ui.wait_path("/sync")
    ui.wait_text("sync-summary", lambda t: "Nothing is waiting" in t, timeout_s=30)
    ui.page.go_back()
    ui.wait_path("/orders")
    ui.wait_id("order-list")

    # Offline work: a move and a note wait, by order, in words.
    server.stop()
    try:
        ui.reveal(f"order-card-{number}", within="order-list")
        ui.click(f"order-card-{number}", within="order-list")
        ui.wait_path(f"/orders/{number}")
        ui.settle()
        ui.click("status-action-en_route")
        ui.reveal("note-input")
        ui.fill("note-input", NOTE)
        ui.click("note-add")
        ui.wait_for_words(NOTE)
        ui.click("nav-sync")
        ui.wait_path("/sync")
        row = ui.wait_text(f"sync-waiting-{number}", lambda t: "1 note" in t and "1 status move" in t)
        assert row.startswith(number)
        assert "kept on this device" in ui.text("sync-summary")
        ui.stable_screenshot(SCREENSHOTS / f"sync-{size}.png")

        # The row opens its order.
        ui.click(f"sync-waiting-{number}")
        ui.wait_path(f"/orders/{number}")
        ui.page.go_back()
        ui.wait_path("/sync")
        ui.page.go_back()
        ui.wait_path(f"/orders/{number}")
        ui.page.go_back()
        ui.wait_path("/orders")

        # Signing out with unsent work asks first; Back keeps the user signed in.
        ui.wait_id("order-list")
        ui.settle()  # a tap while the route still animates is lost
        ui.click("signout")
        ui.wait_for_words("2 changes are not on the server yet.")
        ui.stable_screenshot(SCREENSHOTS / f"signout-warning-{size}.png")
        ui.click("confirm-cancel")
        ui.wait_id("order-list")
        assert ui.path == "/orders"
        ui.click("signout")
        ui.click("confirm-ok")
        ui.wait_path("/login")
        # Nothing was deleted: the outbox still holds it all.
        assert client.local("SELECT count(*) FROM outbox") == [(2,)]
    finally:
        server.start()
