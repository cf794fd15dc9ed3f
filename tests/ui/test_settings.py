"""Settings, through the real web view against a real server: the storage on this device.

A photo taken here and synced is a cached copy the server also holds; the settings screen
counts it as such, and "Free space" removes its bytes from the device (the thumbnail stays,
so the gallery still shows it) and says what it freed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server_stub.testing import ServerProcess, read_order

from .desk_kit import sign_in_desk
from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pick_order
from .test_happy_path import sign_in
from .test_photos import make_jpeg, wait_for_server

pytestmark = pytest.mark.ui


def test_settings_show_the_storage_and_free_the_cached_photos(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    tmp_path: Path,
) -> None:
    number = pick_order(server_url=server.url, technician="tech1")["number"]
    photo = make_jpeg(tmp_path / "IMG_0100.jpg", size=(1600, 1200))
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech1", password="demo-tech")

    # --- a photo taken here, then uploaded: from then on a cached copy -----------------------
    ui.wait_id(f"order-card-{number}", timeout_ms=30_000)
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.settle()
    with ui.page.expect_file_chooser() as chooser:
        ui.click("photo-add")
    chooser.value.set_files([str(photo)])
    ui.wait_text("photo-outcome", lambda t: t.startswith("Added"), timeout_s=60)
    ((sha256,),) = client.local("SELECT sha256 FROM photos")
    ui.click("sync-now")

    def stored() -> dict[str, Any] | None:
        held = read_order(database_url=server.database_url, number=number)
        found = [p for p in (held or {}).get("photos", []) if p["sha256"] == sha256]
        return found[0] if found and found[0]["blob_status"] == "stored" else None

    wait_for_server(stored, what="the photo's bytes", ui=ui)
    wait_for_server(
        lambda: client.local("SELECT 1 FROM blob_uploads WHERE sha256 = ? AND state = 'done'", sha256),
        what="the upload recorded as done on the device",
        ui=ui,
    )
    blob = client.data_dir / "blobs" / sha256[:2] / sha256
    thumb = client.data_dir / "blobs" / "thumbs" / f"{sha256}.jpg"
    assert blob.is_file() and thumb.is_file()

    # --- the gear in the header opens the settings; the figures say what is where --------------
    ui.click("nav-settings")
    ui.wait_path("/settings")
    used = ui.wait_text("storage-used", lambda t: "Cached, already on the server: 1 photo" in t, timeout_s=30)
    assert "Waiting to upload: none" in used, used
    assert "Database: " in used and "Total on this device: " in used, used
    assert ui.text("storage-cap").startswith("Photo cache limit: 500 MB"), ui.text("storage-cap")

    # --- Free space: the cached copy goes, the thumbnail stays, the screen says so ------------
    ui.click("storage-free")
    freed = ui.wait_text("storage-freed", lambda t: t.startswith("Freed"), timeout_s=30)
    assert freed.endswith("(1 photo). Photos still to upload are kept."), freed
    assert not blob.exists(), "the cached copy should be gone from the device"
    assert thumb.is_file(), "the thumbnail stays, so the gallery still shows the photo"
    ui.wait_text("storage-used", lambda t: "Cached, already on the server: none" in t)
    ui.stable_screenshot(SCREENSHOTS / "settings-phone.png")

    # --- back to the work; opening the photo downloads it from the server again ---------------
    ui.click("settings-back")
    ui.wait_path("/orders")
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.settle()
    ui.click("photo-tile-1")
    ui.wait_path_prefix(f"/orders/{number}/photos/")
    ui.wait_id("photo-full", timeout_ms=30_000)
    assert blob.is_file(), "viewed again: downloaded and cached"


def test_a_dispatcher_reaches_the_settings_from_the_desk(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in_desk(ui)
    ui.click("nav-settings")
    ui.wait_path("/settings")
    used = ui.wait_text("storage-used", lambda t: "Database: " in t, timeout_s=30)
    assert "Waiting to upload: none" in used and "Cached, already on the server: none" in used, used
    ui.click("settings-back")
    ui.wait_path("/desk")
