"""Photos and a signature, through the real web view against a real server, bytes and all.

The photo goes the whole way a technician's would: the browser's file chooser,
Flet's upload into the client's incoming folder, the Pillow pipeline, the
gallery, then Sync now pushes the metadata and uploads the blob, and the
server ends up holding a file named by the photo's SHA-256.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pick_order
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

CAPTION = "Corroded flange, pump 3"
SIGNER = "Ada Customer"


def make_jpeg(path: Path, *, size: tuple[int, int]) -> Path:
    """A real photo-like JPEG: a gradient, so it compresses like a picture and not like a flat colour."""
    width, height = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    img.paste((180, 60, 30), (width // 4, height // 4, width // 2, height // 2))
    img.save(path, format="JPEG", quality=90)
    return path


def server_blob(server: ServerProcess, sha256: str) -> Path | None:
    """The complete blob the server holds under that name (partial uploads do not count)."""
    root = server.data_dir / "blobs"
    found = [p for p in root.rglob(sha256) if p.is_file() and p.parent.name != "partial"]
    return found[0] if found else None


def wait_for_server(check: Callable[[], Any], *, what: str, timeout_s: float = 60.0, ui: FlutterPage) -> Any:
    """Poll the server's database with a deadline (the upload runs in the client's worker)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        ui.page.wait_for_timeout(250)
    raise AssertionError(f"the server never got {what} within {timeout_s}s")


def test_attach_a_photo_sync_it_and_get_a_signature(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    tmp_path: Path,
) -> None:
    order = pick_order(server_url=server.url, technician="tech1")
    number = order["number"]
    photo = make_jpeg(tmp_path / "IMG_0042.jpg", size=(1600, 1200))
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("a text file with a .jpg name")

    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech1", password="demo-tech")
    ui.wait_id(f"order-card-{number}", timeout_ms=30_000)
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    ui.settle()  # a loaded machine draws the route's animation slowly: scrolls during it are lost

    # --- capture: the file chooser, several files at once, one of them not a photo ------------
    ui.fill("photo-caption", CAPTION)
    with ui.page.expect_file_chooser() as chooser:
        ui.click("photo-add")
    assert chooser.value.is_multiple()
    chooser.value.set_files([str(photo), str(not_a_photo)])
    outcome = ui.wait_text("photo-outcome", lambda t: t.startswith("Added"), timeout_s=60)
    assert outcome == "Added 1 photo; 1 file could not be used:"
    problem = ui.text("photo-problem-1")
    assert "notes.jpg" in problem and "image" in problem, problem

    tile = ui.wait_text("photo-tile-1", lambda t: "Photo 1" in t)
    assert CAPTION in tile
    ((sha256, caption),) = client.local("SELECT sha256, caption FROM photos")
    assert caption == CAPTION and len(sha256) == 64
    # The picked file was only passing through: nothing is left in the incoming folder.
    assert not [p for p in (client.data_dir / "incoming").rglob("*") if p.is_file()]
    ui.reveal("photo-tile-1")
    ui.reveal("photo-problem-1")  # the gallery and what became of each file, in one picture
    ui.stable_screenshot(SCREENSHOTS / "order-phone-photos.png")

    # --- sync: the metadata, then the bytes ---------------------------------------------------
    ui.click("sync-now")

    def stored_photo() -> dict[str, Any] | None:
        held = read_order(database_url=server.database_url, number=number)
        photos = [p for p in (held or {}).get("photos", []) if p["sha256"] == sha256]
        return photos[0] if photos and photos[0]["blob_status"] == "stored" else None

    row = wait_for_server(stored_photo, what="the photo's bytes", ui=ui)
    assert row["caption"] == CAPTION
    blob = server_blob(server, sha256)
    assert blob is not None, f"no blob named {sha256} under {server.data_dir / 'blobs'}"
    assert blob.stat().st_size == row["size"]
    ui.wait_text("photo-tile-1", lambda t: "On server" in t, timeout_s=30)

    # --- the full view, its own route -------------------------------------------------------
    ui.click("photo-tile-1")
    ui.wait_path_prefix(f"/orders/{number}/photos/")
    ui.wait_id("photo-full", timeout_ms=30_000)
    ui.page.go_back()
    ui.wait_path(f"/orders/{number}")

    # --- a signature drawn with the mouse ---------------------------------------------------
    ui.click("signature-get")
    ui.wait_path(f"/orders/{number}/signature")
    pad = ui.wait_id("signature-pad").bounding_box()
    assert pad is not None and pad["width"] > 300
    mouse = ui.page.mouse
    left, mid = pad["x"] + 30, pad["y"] + pad["height"] / 2
    mouse.move(left, mid)
    mouse.down()
    for step in range(1, 25):
        mouse.move(left + step * 11, mid + (30 if step % 4 < 2 else -30), steps=3)
    mouse.up()
    ui.wait_text("signature-pad", lambda t: "signed" in t)
    ui.fill("signature-name", SIGNER)
    ui.stable_screenshot(SCREENSHOTS / "signature-phone.png")
    ui.click("signature-save")
    ui.wait_path(f"/orders/{number}")
    assert SIGNER in ui.wait_text("signature-1", lambda t: SIGNER in t)

    ui.click("sync-now")

    def stored_signature() -> dict[str, Any] | None:
        held = read_order(database_url=server.database_url, number=number)
        signed = [s for s in (held or {}).get("signatures", []) if s["signer_name"] == SIGNER]
        return signed[0] if signed and server_blob(server, signed[0]["sha256"]) else None

    signature = wait_for_server(stored_signature, what="the signature and its image", ui=ui)
    with Image.open(server_blob(server, signature["sha256"])) as png:  # type: ignore[arg-type]
        assert png.format == "PNG"

    # --- bytes only on the server: offline says so in words, and shows it once back online ------
    ((photo_id,),) = client.local("SELECT id FROM photos")
    cached = [p for p in (client.data_dir / "blobs").rglob(sha256) if p.is_file()]
    assert cached, "the photo's bytes should be on the device that took it"
    for path in cached:  # as if another device had taken it: this one never held the bytes
        path.unlink()
    server.stop()
    try:
        away = open_ui(client.url, path=f"/orders/{number}/photos/{photo_id}", viewport=PHONE)
        message = away.text("photo-error", timeout_ms=30_000)
        assert "cannot be reached" in message, message
    finally:
        server.start()
    away.click("sync-now")
    away.wait_id("photo-full", timeout_ms=60_000)  # retried after the sync, downloaded, shown
    assert [p for p in (client.data_dir / "blobs").rglob(sha256) if p.is_file()], "downloaded and cached"
