"""Security as a user meets it, through the real web view: plain HTTP to another machine
needs consent before any password leaves, and a device an administrator wiped says so."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, REPO, SCREENSHOTS, ClientProcess, pick_order
from .test_bad_input import try_sign_in

pytestmark = pytest.mark.ui


def test_plain_http_needs_consent_and_a_wiped_device_says_what_happened(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    number = pick_order(server_url=server.url, technician="tech4")["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, path="/login", viewport=PHONE)
    ui.wait_id("login-username")

    # Another machine over plain http: a consent box appears, and without it nothing is sent.
    assert not ui.has("login-insecure")  # the loopback default needs none
    try_sign_in(ui, server_url="http://192.0.2.10:8000", username="tech4", password="demo-tech")
    ui.wait_id("login-insecure")
    assert "not encrypted" in ui.wait_text("login-error", lambda t: "encrypted" in t)

    # The real server is on loopback: no consent needed.
    try_sign_in(ui, server_url=server.url, username="tech4", password="demo-tech")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    ui.reveal(f"order-card-{number}", within="order-list")
    assert client.local("SELECT count(*) FROM orders")[0][0] > 0

    # An administrator wipes the device (a lost phone); its next sync erases it and says so.
    [(device_id,)] = client.local("SELECT device_id FROM sync_state")
    revoke = [sys.executable, "-m", "server_stub.cli", "device", "revoke", device_id, "--wipe"]
    done = subprocess.run(
        [*revoke, "--database-url", server.database_url], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    ui.click("sync-now")
    ui.wait_path("/login", timeout_s=30)
    assert "erased" in ui.wait_text("login-notice", lambda t: "administrator" in t)
    assert client.local("SELECT count(*) FROM orders")[0][0] == 0
    assert client.local("SELECT access_token FROM sync_state") == [(None,)]
    ui.stable_screenshot(SCREENSHOTS / "login-wiped-phone.png")
