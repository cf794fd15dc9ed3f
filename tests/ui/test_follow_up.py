"""Follow-up work from a technician's phone, through the real web view against a real server.

A failed pass/fail item raises a follow-up in one tap (the form prefilled from the item, the
order's photo ticked); "Needs more work" raises one from scratch. Each is a new order made
on the device under a provisional number, linked to its source in words both ways; after
Sync now the server holds it new, unassigned and made by hand.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, Desk, create_order, user_ids
from .test_happy_path import sign_in
from .test_photos import make_jpeg

pytestmark = pytest.mark.ui

SOURCE_TITLE = "Boiler repair, plant room B"
ITEM = "Function test after repair"
PLAIN_TITLE = "Replace the expansion vessel"
PLAIN_TEXT = "Vessel pressure drops overnight; needs a new one."


def _assigned_order(server: ServerProcess) -> tuple[str, str]:
    """An order assigned to tech1 whose first item is pass/fail; returns (id, number)."""
    items: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "position": 1, "label": ITEM, "kind": "pass_fail", "required": True},
        {
            "id": str(uuid.uuid4()),
            "position": 2,
            "label": "Site left tidy",
            "kind": "check",
            "required": False,
        },
    ]
    order_id = create_order(
        Desk(server_url=server.url),
        title=SOURCE_TITLE,
        assignee_id=user_ids(server_url=server.url)["tech1"],
        checklist=items,
        kind="repair",
    )
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    return order_id, held["number"]


def _value(ui: FlutterPage, identifier: str) -> str:
    """What a text field holds. Flutter puts the text in the DOM input only while it has focus."""
    return str(ui.editing(ui.wait_id(identifier)).input_value())


def _new_order_opened(ui: FlutterPage) -> str:
    """Save opens the new order under its provisional number; returns that number."""
    path = ui.wait_path_prefix("/orders/NEW-", timeout_s=20)
    return path.rsplit("/", 1)[-1]


def _tap(ui: FlutterPage, identifier: str) -> None:
    """Scroll to the control and tap it once the frame is still: a background sync redraws the
    order (the photo's chip, the sync bar), and a tap aimed at a moving frame misses."""
    ui.reveal(identifier)
    ui.settle()
    ui.click(identifier)


def _to_top(ui: FlutterPage) -> None:
    """Scroll the order back to its top (the new order opens where the last one was scrolled)."""
    ui.page.mouse.move(195, 500)
    for _ in range(12):
        ui.page.mouse.wheel(0, -600)
        ui.page.wait_for_timeout(50)
    ui.settle()


def _sync(ui: FlutterPage) -> None:
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=60)


def _made_here(client: ClientProcess, title: str) -> tuple[str, str, str | None, str]:
    ((order_id, status, assignee, description),) = client.local(
        "SELECT id, status, assignee_id, description FROM orders WHERE title = ?", title
    )
    return order_id, status, assignee, description


def test_a_failed_item_and_needs_more_work_raise_linked_follow_ups(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    tmp_path: Path,
) -> None:
    source_id, number = _assigned_order(server)
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech1", password="demo-tech")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
    ui.open(f"/orders/{number}")  # a deep link: the order may sit far down the list
    ui.wait_path(f"/orders/{number}")
    ui.settle()
    ui.click("status-action-in_progress")
    ui.wait_id("status-action-completed")

    # A photo of the fault on the order, then the item fails: its row offers the follow-up.
    with ui.page.expect_file_chooser() as chooser:
        ui.click("photo-add")
    chooser.value.set_files([str(make_jpeg(tmp_path / "IMG_0101.jpg", size=(1200, 900)))])
    ui.wait_text("photo-outcome", lambda t: t.startswith("Added 1 photo"), timeout_s=60)
    ((photo_sha,),) = client.local("SELECT sha256 FROM photos")
    ui.reveal("checklist-item-1")
    ui.settle()
    assert not ui.has("checklist-followup-1")  # not failed (not filled in yet): nothing to follow up
    ui.by_id("checklist-item-1").get_by_role("button", name=re.compile("Fail")).first.click()
    ui.wait_id("checklist-followup-1")
    ui.reveal("checklist-followup-1")
    ui.stable_screenshot(tmp_path / "failed-item.png")  # for whoever looks at a failed run
    _tap(ui, "checklist-followup-1")

    # One tap: the form is prefilled from the item, the order's photo ticked.
    title = f"Follow-up: {ITEM}"
    assert _value(ui, "followup-title") == title
    assert _value(ui, "followup-description") == f"Failed on {number}: checklist item 1, “{ITEM}”."
    assert "1 of 1 chosen" in ui.screen_words()
    assert "chosen" in ui.label("followup-priority-normal")
    ui.stable_screenshot(SCREENSHOTS / "followup-dialog-phone.png")
    ui.click("followup-save")

    # The new order opens at once, made on the device: new, nobody's yet, linked both ways.
    provisional = _new_order_opened(ui)
    _to_top(ui)
    ui.wait_for_words(f"Follow-up of {number}: {SOURCE_TITLE}")
    new_id, status, assignee, description = _made_here(client, title)
    assert (status, assignee) == ("new", None)
    assert description.startswith(f"Follow-up of {number}: {SOURCE_TITLE}\n\nFailed on {number}")
    assert client.local("SELECT sha256 FROM photos WHERE order_id = ?", new_id) == [(photo_sha,)]
    assert client.local("SELECT text FROM notes WHERE order_id = ?", source_id) == [
        (f"Follow-up work raised: {title}",)
    ]
    ui.reveal("photo-add")  # its creator may add more photos to it, offline too
    _to_top(ui)
    ui.stable_screenshot(SCREENSHOTS / "followup-new-order-phone.png")

    _sync(ui)
    held = read_order(database_url=server.database_url, order_id=new_id)
    assert held is not None and held["number"].startswith("WO-")
    assert (held["status"], held["assignee_id"], held["source"]) == ("new", None, "manual")
    assert held["title"] == title and held["description"] == description
    assert [p["sha256"] for p in held["photos"]] == [photo_sha]
    source = read_order(database_url=server.database_url, order_id=source_id)
    assert source is not None and f"Follow-up work raised: {title}" in [n["text"] for n in source["notes"]]
    assert source["checklist"][0]["value"] == "fail"
    # The screen opened under the provisional number keeps its order once renumbered.
    assert client.local("SELECT number FROM orders WHERE id = ?", new_id) == [(held["number"],)]
    _to_top(ui)
    ui.wait_for_words(title)
    assert ui.path == f"/orders/{provisional}" and not ui.has("order-missing")

    # --- "Needs more work" from scratch, back on the source order ---------------------------
    ui.page.go_back()
    ui.wait_path(f"/orders/{number}")
    ui.settle()
    _tap(ui, "followup-open")
    assert _value(ui, "followup-title") == ""
    ui.click("followup-cancel")  # Cancel makes nothing
    ui.page.wait_for_selector('[flt-semantics-identifier="followup-title"]', state="detached")
    _tap(ui, "followup-open")
    ui.click("followup-save")  # no title: said in words, in the form
    assert "title cannot be empty" in ui.wait_text("followup-error", lambda t: "title" in t)
    ui.fill("followup-title", PLAIN_TITLE)
    ui.fill("followup-description", PLAIN_TEXT)
    ui.click("followup-priority-high")
    ui.wait_text("followup-priority-high", lambda t: "chosen" in t)
    assert "not added" in ui.label("followup-photo-1")  # from scratch, no photo is ticked
    _tap(ui, "followup-photo-1")  # the whole row ticks it
    ui.wait_text("followup-photo-1", lambda t: "added to the new order" in t)
    assert not ui.has("followup-error")  # answered by the title typed
    ui.stable_screenshot(tmp_path / "plain-form.png")
    ui.click("followup-save")
    _new_order_opened(ui)
    _to_top(ui)
    ui.wait_for_words(PLAIN_TITLE)
    plain_id, status, assignee, description = _made_here(client, PLAIN_TITLE)
    assert (status, assignee) == ("new", None)
    assert description == f"Follow-up of {number}: {SOURCE_TITLE}\n\n{PLAIN_TEXT}"
    assert client.local("SELECT sha256 FROM photos WHERE order_id = ?", plain_id) == [(photo_sha,)]

    _sync(ui)
    held = read_order(database_url=server.database_url, order_id=plain_id)
    assert held is not None
    assert (held["status"], held["assignee_id"], held["source"]) == ("new", None, "manual")
    assert (held["priority"], held["kind"], held["description"]) == ("high", "repair", description)
    source = read_order(database_url=server.database_url, order_id=source_id)
    assert source is not None
    assert [n["text"] for n in source["notes"]] == [
        f"Follow-up work raised: {title}",
        f"Follow-up work raised: {PLAIN_TITLE}",
    ]
