"""Text at 200% on a phone: the browser's own text size doubled, every screen still usable."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pick_order
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

# Flutter's web engine takes its text scale from the page's root font size (16 px is 100%).
DOUBLE_TEXT = "document.documentElement.style.fontSize = '32px';"


def test_text_at_twice_the_size_keeps_every_control_reachable(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order = pick_order(server_url=server.url, technician="tech1")
    number = order["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    ui.page.add_init_script(f"addEventListener('DOMContentLoaded', () => {{ {DOUBLE_TEXT} }});")
    ui.open("/login")
    ui.stable_screenshot(SCREENSHOTS / "login-phone-200.png")
    sign_in(ui, username="tech1", password="demo-tech")
    ui.stable_screenshot(SCREENSHOTS / "list-phone-200.png")
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.click("status-action-in_progress")
    ui.reveal("time-clock")
    ui.stable_screenshot(SCREENSHOTS / "order-phone-200.png")
    for identifier in ("time-stop", "checklist-item-1", "note-input", "part-add", "signout", "nav-sync"):
        ui.reveal(identifier)
