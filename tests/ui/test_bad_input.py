"""Bad input through the real web view: clear words on screen, and nothing on the device lost."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import PHONE, ClientProcess, closed_port_url, garbage_server, pick_order

pytestmark = pytest.mark.ui

OFFLINE_NOTE = "Valve seized; needs a new actuator (written offline)."


def try_sign_in(ui: FlutterPage, *, server_url: str, username: str, password: str) -> None:
    ui.fill("login-server", server_url)
    ui.fill("login-username", username)
    ui.fill("login-password", password)
    ui.click("login-submit")


def test_bad_input_is_explained_and_loses_nothing(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    number = pick_order(server_url=server.url, technician="tech2")["number"]
    client = start_client(server.url)
    # A deep link while signed out lands on sign-in, not on an empty order.
    ui = open_ui(client.url, path=f"/orders/{number}", viewport=PHONE)
    ui.wait_path("/login")

    # A device with real data on it: signed in, synced, one order open.
    ui.wait_id("login-username")
    try_sign_in(ui, server_url=server.url, username="tech2", password="demo-tech")
    ui.wait_id(f"order-card-{number}", timeout_ms=30_000)
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")

    # An empty note: a clear message, and nothing is added, locally or to the queue.
    before = client.local_counts()
    ui.fill("note-input", "   ")
    ui.click("note-add")
    assert "empty note" in ui.text("note-error")
    assert client.local_counts() == before

    # Putting on hold needs a reason: an empty one is explained, and going back changes nothing.
    ui.click("status-action-on_hold")
    ui.wait_id("reason-input")
    ui.click("reason-confirm")
    assert "Say why" in ui.text("reason-error")
    ui.click("reason-cancel")
    ui.wait_id("status-action-in_progress")
    assert client.local_counts() == before

    # Work done offline stays queued on the device.
    server.stop()
    ui.fill("note-input", OFFLINE_NOTE)
    ui.click("note-add")
    ui.wait_for_words(OFFLINE_NOTE)
    ui.wait_text("sync-status", lambda t: "1 waiting" in t, timeout_s=30)
    held = client.local_counts()
    assert held["outbox"] == 1

    # Sign out (the device keeps its data; signed out, nothing syncs), then fail to sign in three ways.
    ui.page.go_back()
    ui.click("signout")  # with unsent work it asks first, and says the work stays here
    ui.wait_for_words("1 change is not on the server yet.")
    ui.click("confirm-ok")
    ui.wait_path("/login")
    server.start()

    try_sign_in(ui, server_url=server.url, username="tech2", password="not-the-password")
    assert "Wrong username or password" in ui.text("login-error")
    assert client.local_counts() == held

    unreachable = closed_port_url()
    try_sign_in(ui, server_url=unreachable, username="tech2", password="demo-tech")
    ui.wait_text("login-error", lambda t: t.startswith(f"Cannot reach {unreachable}"))
    assert client.local_counts() == held

    with garbage_server() as garbage:
        try_sign_in(ui, server_url=garbage, username="tech2", password="demo-tech")
        ui.wait_text("login-error", lambda t: "did not answer like an Ordo server" in t)
    assert client.local_counts() == held

    # The right server and password: the change made offline reaches the server.
    try_sign_in(ui, server_url=server.url, username="tech2", password="demo-tech")
    ui.wait_path("/orders")
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    on_server = read_order(database_url=server.database_url, number=number)
    assert on_server is not None
    assert OFFLINE_NOTE in [n["text"] for n in on_server["notes"]]
    assert client.local("SELECT count(*) FROM outbox") == [(0,)]
