"""Light and dark, on a phone and a tablet: the header's switch, remembered by the browser."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, TABLET, ClientProcess, pick_order
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui


def test_dark_theme_is_switched_remembered_and_drawn_everywhere(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order = pick_order(server_url=server.url, technician="tech5")
    number = order["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech5", password="demo-tech")
    ui.click("nav-settings")
    ui.wait_path("/settings")
    assert ui.label("theme-toggle").startswith("Theme: as the system says")
    ui.click("theme-toggle")
    ui.wait_text("theme-toggle", lambda t: t.startswith("Theme: light"))
    ui.click("theme-toggle")
    ui.wait_text("theme-toggle", lambda t: t.startswith("Theme: dark"))
    ui.stable_screenshot(SCREENSHOTS / "settings-phone-dark.png")
    ui.page.go_back()
    ui.wait_path("/orders")
    ui.wait_id("order-list")
    ui.stable_screenshot(SCREENSHOTS / "list-phone-dark.png")
    _wait_dark(ui)  # drawn dark: the page's background is dark

    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.wait_id("status-action-en_route")
    ui.stable_screenshot(SCREENSHOTS / "order-phone-dark.png")

    # The browser remembers it: a new tab of the same browser opens dark, here at tablet size,
    # list and order side by side.
    tab = ui.page.context.new_page()
    tab.set_viewport_size(TABLET)
    wide = FlutterPage(tab, base_url=client.url)
    wide.open(f"/orders/{number}")
    wide.wait_id("status-action-en_route")
    _wait_dark(wide)  # the saved choice is read once the app is up
    wide.stable_screenshot(SCREENSHOTS / "order-tablet-dark.png")
    wide.click("nav-settings")
    wide.wait_path("/settings")
    wide.wait_text("theme-toggle", lambda t: t.startswith("Theme: dark"))
    wide.click("theme-toggle")  # back to following the system
    wide.wait_text("theme-toggle", lambda t: t.startswith("Theme: as the system says"))
    wide.page.go_back()
    wide.wait_id("status-action-en_route")
    wide.stable_screenshot(SCREENSHOTS / "order-tablet.png")


def _wait_dark(ui: FlutterPage, *, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not _dark(ui):
        if time.monotonic() > deadline:
            raise AssertionError("the page was never drawn dark")
        ui.page.wait_for_timeout(150)


def _dark(ui: FlutterPage) -> bool:
    """The top-left pixel row's brightness: Flutter paints the scaffold there."""
    from io import BytesIO

    from PIL import Image

    shot = Image.open(BytesIO(ui.page.screenshot())).convert("L")
    width, height = shot.size
    sample = [shot.getpixel((x, height - 3)) for x in range(0, width, max(1, width // 20))]
    return sum(sample) / len(sample) < 80
