"""Every screen of a technician's day at phone and tablet size, light and dark: drawn, reachable,
and saved for anyone to look at (docs/screenshots/tour-<screen>-<size>-<theme>.png)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, TABLET, ClientProcess, pick_order
from .test_happy_path import sign_in
from .test_themes import _wait_dark

pytestmark = pytest.mark.ui


def _set_theme(ui: FlutterPage, *, dark: bool) -> None:
    """Settings → Appearance, tapped until it says the theme wanted."""
    want = "Theme: dark" if dark else "Theme: light"
    ui.click("nav-settings")
    ui.wait_path("/settings")
    for _ in range(3):
        if ui.label("theme-toggle").startswith(want):
            break
        ui.click("theme-toggle")
        ui.page.wait_for_timeout(300)
    assert ui.label("theme-toggle").startswith(want)
    if dark:
        _wait_dark(ui)
    ui.page.go_back()


@pytest.mark.parametrize(
    ("viewport", "technician"), [(PHONE, "tech1"), (TABLET, "tech2")], ids=["phone", "tablet"]
)
def test_every_field_screen_at_its_size_in_both_themes(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    viewport: dict[str, int],
    technician: str,
) -> None:
    size = "phone" if viewport is PHONE else "tablet"
    number = pick_order(server_url=server.url, technician=technician)["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=viewport)
    sign_in(ui, username=technician, password="demo-tech")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    for theme in ("light", "dark"):
        _set_theme(ui, dark=theme == "dark")
        ui.wait_path("/orders")
        ui.wait_id("order-list")
        ui.stable_screenshot(SCREENSHOTS / f"tour-myday-{size}-{theme}.png")
        if theme == "light":
            # Search, as the technician types the order's number: that order alone.
            ui.fill("search-input", number)
            ui.wait_text("search-count", lambda t: t == "1 result")
            ui.wait_id(f"order-card-{number}")
            ui.stable_screenshot(SCREENSHOTS / f"tour-search-{size}-{theme}.png")
            ui.click("search-clear")
            ui.wait_id("next-order")
        ui.reveal(f"order-card-{number}", within="order-list")
        ui.click(f"order-card-{number}", within="order-list")
        ui.wait_path(f"/orders/{number}")
        ui.wait_id("status-action-en_route")
        ui.stable_screenshot(SCREENSHOTS / f"tour-order-{size}-{theme}.png")
        ui.reveal("time-total")
        ui.reveal("parts-list")
        ui.stable_screenshot(SCREENSHOTS / f"tour-order-work-{size}-{theme}.png")
        ui.click("nav-sync")
        ui.wait_path("/sync")
        ui.wait_id("sync-summary")
        ui.stable_screenshot(SCREENSHOTS / f"tour-sync-{size}-{theme}.png")
        ui.click("nav-settings")
        ui.wait_path("/settings")
        ui.wait_id("storage-free", timeout_ms=30_000)
        ui.stable_screenshot(SCREENSHOTS / f"tour-settings-{size}-{theme}.png")
        ui.open("/orders")
