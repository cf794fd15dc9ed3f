"""Parts used on an order, on a phone: found in the catalogue, counted in its unit, listed,
voided with a reason, and held so by the server, through the real web view."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from server_stub.db import open_database
from server_stub.models import PartUsage
from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pick_order, relay_to
from .test_happy_path import sign_in
from .test_reconnect import notice_offline

pytestmark = pytest.mark.ui

SKU = "PIPE-CU-15"  # "Copper pipe 15 mm", sold by the metre (server_stub/seeding/data.py)
LINE = "2.5 m × Copper pipe 15 mm (PIPE-CU-15)"
REASON = "Logged on the wrong order"


def server_parts(server: ServerProcess, order_id: str) -> list[dict[str, Any]]:
    """The part usages the server holds for the order, voided ones too."""
    db = open_database(server.database_url)
    try:
        with db.read() as session:
            rows = session.execute(select(PartUsage).where(PartUsage.order_id == order_id)).scalars()
            return [
                {"sku": r.sku, "quantity": r.quantity, "voided": r.voided, "void_reason": r.void_reason}
                for r in rows
            ]
    finally:
        db.dispose()


def sync_now(ui: FlutterPage) -> None:
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)


def choices(ui: FlutterPage) -> list[str]:
    return sorted(ui.ids_with_prefix("part-choose-"))


def wait_choices(ui: FlutterPage, want: list[str], *, timeout_s: float = 15.0) -> None:
    """The dialog's results follow the typing (a local search on every change)."""
    deadline = time.monotonic() + timeout_s
    while choices(ui) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected choices {want}, saw {choices(ui)}")
        ui.page.wait_for_timeout(150)


def wait_label(ui: FlutterPage, identifier: str, want: str, *, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not (ui.has(identifier) and ui.label(identifier) == want):
        if time.monotonic() > deadline:
            seen = ui.label(identifier) if ui.has(identifier) else "(not on screen)"
            raise AssertionError(f"{identifier!r} never said {want!r}; it said {seen!r}")
        ui.page.wait_for_timeout(150)


def test_a_part_is_found_counted_listed_voided_and_synced(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order = pick_order(server_url=server.url, technician="tech1")
    number = order["number"]
    with relay_to(server.url) as network:  # the phone reaches the server through it
        client = start_client(network.url)
        ui = open_ui(client.url, viewport=PHONE)
        sign_in(ui, username="tech1", password="demo-tech")
        ui.wait_id(f"order-card-{number}", timeout_ms=30_000)
        ui.click(f"order-card-{number}", within="order-list")
        ui.wait_path(f"/orders/{number}")
        ui.settle()
        ui.click("status-action-in_progress")
        ui.wait_id("status-action-completed")
        sync_now(ui)

        # Parts are recorded where there is no signal: the phone is offline from here.
        network.cut()
        notice_offline(ui)
        ui.settle()  # the offline bar has just redrawn the screen: a tap during that is lost
        ui.reveal("parts-list")  # far down the order: Flutter builds semantics near the screen only
        assert ui.text("parts-list") == "No parts used yet."

        # --- the dialog: search as one types, choose, the quantity in the part's unit -------
        ui.click("part-add")
        ui.wait_id("part-search")
        ui.click("part-save")  # nothing chosen yet: said in words, the dialog stays
        ui.wait_text("part-error", lambda t: t.startswith("Choose a part first"))
        ui.fill("part-search", "mm")
        wait_choices(ui, ["part-choose-CBL-NYM-3X15", f"part-choose-{SKU}", "part-choose-SEAL-EPDM-22"])
        assert not ui.has("part-error")  # it was said of the dialog before the typing
        assert "Copper pipe 15 mm, SKU PIPE-CU-15, unit m" in ui.label(f"part-choose-{SKU}")
        ui.stable_screenshot(SCREENSHOTS / "parts-dialog-phone.png")
        ui.fill("part-search", "copper")
        wait_choices(ui, [f"part-choose-{SKU}"])
        ui.click(f"part-choose-{SKU}")
        ui.wait_text("part-chosen", lambda t: "Copper pipe 15 mm" in t)
        ui.wait_for_words("Quantity (m)")
        ui.fill("part-quantity", "0")
        ui.click("part-save")
        ui.wait_text("part-error", lambda t: "more than zero" in t)
        assert "Copper pipe 15 mm" in ui.text("part-chosen")  # nothing chosen or typed is lost
        ui.fill("part-quantity", "2,5")
        ui.click("part-save")
        ui.page.wait_for_selector(
            '[flt-semantics-identifier="part-search"]', state="detached", timeout=15_000
        )

        # --- listed at once, waiting to sync; held by the server once the phone is back ------
        wait_label(ui, "part-row-1", f"{LINE}, waiting to sync")
        assert client.local("SELECT sku, quantity, voided FROM part_usages") == [(SKU, 2.5, 0)]
        assert client.local("SELECT type FROM outbox ORDER BY mid DESC LIMIT 1") == [("part.use",)]
        ui.reveal("parts-list")
        ui.stable_screenshot(SCREENSHOTS / "parts-phone.png")
        network.restore()
        sync_now(ui)
        assert server_parts(server, order["id"]) == [
            {"sku": SKU, "quantity": 2.5, "voided": False, "void_reason": None}
        ]
        wait_label(ui, "part-row-1", LINE)

        # --- voided with a reason: it leaves the list, the server keeps it, voided ------------
        ui.click("part-void-1")
        ui.wait_id("void-part-input")
        assert f"Void {LINE}: why?" in ui.screen_words()  # the dialog names the part
        ui.click("void-part-confirm")  # no reason: said in words, nothing voided
        ui.wait_text("void-part-error", lambda t: t.startswith("Say why"))
        ui.fill("void-part-input", REASON)
        ui.click("void-part-confirm")
        ui.wait_text("parts-list", lambda t: t == "No parts used yet.")
        assert client.local("SELECT voided FROM part_usages") == [(1,)]
        sync_now(ui)
        assert server_parts(server, order["id"]) == [
            {"sku": SKU, "quantity": 2.5, "voided": True, "void_reason": REASON}
        ]
        assert client.local("SELECT count(*) FROM outbox") == [(0,)]
