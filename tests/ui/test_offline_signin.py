"""Signing back in with the server down, on a phone and a tablet: the device's own check lets its user in,
work goes on, and "Sign in to sync" sends it all once the server is back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, TABLET, ClientProcess, pick_order
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

NOTE = "Signed in with no signal at the pump house."


@pytest.mark.parametrize(
    ("viewport", "technician"), [(PHONE, "tech4"), (TABLET, "tech5")], ids=["phone", "tablet"]
)
def test_sign_in_again_with_the_server_down_then_sign_in_to_sync(
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
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    ui.reveal(f"order-card-{number}", within="order-list")
    ui.click("signout")
    ui.wait_path("/login")

    server.stop()
    try:
        # A wrong password is refused by the device itself.
        ui.fill("login-username", technician)
        ui.fill("login-password", "not-it")
        ui.click("login-submit")
        assert ui.wait_text("login-error", lambda t: "Wrong username or password" in t)
        # The right one lets the user in, to the orders this device holds.
        ui.fill("login-password", "demo-tech")
        ui.click("login-submit")
        ui.wait_path("/orders")
        ui.wait_text("sync-status", lambda t: t.startswith("Sign in to sync"))
        ui.stable_screenshot(SCREENSHOTS / f"offline-signin-{size}.png")

        ui.click(f"order-card-{number}", within="order-list")  # the orders held here
        ui.wait_path(f"/orders/{number}")
        ui.reveal("note-input")
        ui.fill("note-input", NOTE)
        ui.click("note-add")
        ui.wait_for_words(NOTE)
    finally:
        server.start()

    # The server is back: the bar's "Sign in" asks for the password only, then syncs.
    ui.click("sync-signin")
    ui.wait_id("resign-password")
    ui.fill("resign-password", "wrong-again")
    ui.click("resign-submit")
    assert ui.wait_text("resign-error", lambda t: "Wrong username or password" in t)
    ui.fill("resign-password", "demo-tech")
    ui.click("resign-submit")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None and NOTE in [n["text"] for n in held["notes"]]
