"""A dispatcher dispatches, through the real web view against a real server: the picker assigns a
New order and the technician's own device receives it; on an order, the dispatcher sees the
checklist and the signature as the technician left them, with no control to change them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from server_stub.testing import ServerProcess, read_order

from .desk_kit import card_in, open_card, picture, sign_in_desk
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, pull_everything, user_ids
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui

# tech1, tech2 and tech5 list hvac among their skills (server_stub/seeding/data.py); tech3 and tech4 do not.
HVAC = ("tech1", "tech2", "tech5")
NOT_HVAC = ("tech3", "tech4")


def demo_orders(server: ServerProcess) -> list[dict[str, Any]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    # A pull may carry an order more than once (created, then assigned): the last one wins.
    return list({c["id"]: c["data"] for c in changes if c["entity"] == "work_order"}.values())


def test_dispatcher_assigns_through_the_picker_and_the_technician_receives_it(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    orders = demo_orders(server)
    new = sorted((o for o in orders if o["status"] == "new"), key=lambda o: o["number"])
    assert len(new) >= 2, "the demo data has New orders to dispatch"
    number, other = new[0]["number"], new[1]["number"]

    # The technician's phone, signed in and synced: the New order is not on it.
    phone = start_client(server.url)
    tech = open_ui(phone.url, viewport=PHONE)
    sign_in(tech, username="tech1", password="demo-tech")
    tech.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    assert not phone.local("SELECT count(*) FROM orders WHERE number = ?", number)[0][0]

    # The dispatcher's desktop.
    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)  # the board: the New order waits in the unassigned queue
    ui.reveal(f"order-card-{number}", within="desk-unassigned", max_steps=80)
    assert "Unassigned" in ui.label(f"order-card-{number}")
    open_card(ui, number=number, within="desk-unassigned")
    ui.wait_path(f"/orders/{number}")
    ui.click("assign-open")
    ui.wait_path(f"/orders/{number}/assign")
    for username in (*HVAC, *NOT_HVAC):
        ui.wait_id(f"assign-choose-{username}")

    # Searching by skill leaves the technicians who have it.
    ui.fill("assign-search", "hvac")
    ui.page.wait_for_function(
        "() => !document.querySelector('[flt-semantics-identifier=\"assign-choose-tech3\"]')", timeout=15_000
    )
    assert sorted(ui.ids_with_prefix("assign-choose-")) == [f"assign-choose-{u}" for u in HVAC]
    choice = ui.text("assign-choose-tech1")
    assert "Alex Novak" in choice and "hvac" in choice and "open order" in choice, choice
    picture(ui, SCREENSHOTS / "assign-picker-desktop.png")

    # One tap assigns: back on the order, which says who has it now.
    ui.click("assign-choose-tech1")
    ui.wait_path(f"/orders/{number}")
    ui.wait_text("assignee", lambda t: "Alex Novak" in t)
    ui.wait_for_words("Status Assigned")
    ui.click("nav-desk")
    ui.wait_path("/desk")
    ui.wait_id("desk-unassigned")
    assert not card_in(ui, number=number, container="desk-unassigned")
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None
    assert held["status"] == "assigned"
    assert held["assignee_id"] == user_ids(server_url=server.url)["tech1"]

    # The technician's device receives it after a sync.
    tech.click("sync-now")
    deadline = time.monotonic() + 30
    while not phone.local("SELECT count(*) FROM orders WHERE number = ?", number)[0][0]:
        assert time.monotonic() < deadline, f"{number} never reached the technician's device"
        tech.page.wait_for_timeout(250)
    tech.click(f"order-card-{number}", within="order-list")
    tech.wait_path(f"/orders/{number}")
    tech.wait_id("status-action-en_route")

    # The picker on a phone-sized window (another New order, nothing chosen).
    small = open_ui(desk.url, path=f"/orders/{other}/assign", viewport=PHONE)
    small.wait_id("assign-choose-tech1", timeout_ms=30_000)
    small.wait_id("assign-search")
    picture(small, SCREENSHOTS / "assign-picker-phone.png")


def test_dispatcher_sees_the_checklist_and_signature_without_controls(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    signed = [o for o in demo_orders(server) if o["status"] == "assigned" and o["requires_signature"]]
    assert signed, "the demo data has an assigned order that needs a signature"
    number = min(signed, key=lambda o: o["number"])["number"]
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None
    items = held["checklist"]

    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)
    wide = open_ui(desk.url, path=f"/orders/{number}", viewport=DESKTOP)
    wide.wait_id("assign-open")

    # The checklist is shown, read-only, with the reason; no item can be ticked or typed into.
    readonly = wide.reveal("checklist-readonly")
    assert "technician fills in the checklist" in (
        readonly.inner_text() or readonly.get_attribute("aria-label") or ""
    )
    for item in items:
        identifier = f"checklist-item-{item['position']}"
        wide.reveal(identifier)
        assert item["label"] in wide.text(identifier)
        assert wide.inputs_in(identifier) == 0, f"{identifier} of {number} offers a control to a dispatcher"

    # The signature section says one is needed, and offers no "Get signature".
    wide.reveal_words("A signature is required before completing.")
    assert not wide.has("signature-get")
    # The technician's moves are not offered either; the dispatcher's own are.
    assert not wide.has("status-action-en_route")
    assert not wide.has("status-action-in_progress")
