"""A dispatcher edits an order that exists, through the real web view against a real server:
Edit on the order opens the form filled in, items the server has show a lock instead of
Remove, a changed title, a required skill typed new and a checklist item added are saved on
this device, shown on the order, and held by the server after a sync. An order with open
conflicts links to the conflicts desk showing only its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess, read_order

from .desk_kit import picture, sign_in_desk, wait_until
from .flutter import STEP_MS, FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, Desk, check_item, create_order
from .test_desk_close import order_with_conflicts
from .test_desk_orders import tap, type_into, value_of

pytestmark = pytest.mark.ui

TITLE = "Leaking valve in plant room 3 — edit test"
NEW_TITLE = "Replace leaking valve in plant room 3"
SKILL_TYPED = "Confined space"
SKILL = "confined_space"  # the tag the typed words become
NEW_ITEM = "Check the valve seats"
CARD = re.compile(r"^conflict-[0-9a-f-]{36}$")  # a conflict's card, not its buttons


def new_order(server: ServerProcess, *, title: str, labels: list[str]) -> tuple[str, str]:
    """An unassigned order with check items, made on another desk; returns (id, number)."""
    items = [check_item(position=n, label=label) for n, label in enumerate(labels, start=1)]
    order_id = create_order(Desk(server_url=server.url), title=title, assignee_id=None, checklist=items)
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    return order_id, str(held["number"])


def open_order(ui: FlutterPage, number: str) -> None:
    """Open the order's screen as a deep link would (the browser's address bar)."""
    ui.open(f"/orders/{number}")
    ui.wait_id("order-edit", timeout_ms=30_000)
    ui.settle()


def test_a_dispatcher_edits_the_title_a_skill_and_the_checklist_and_the_server_holds_them(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order_id, number = new_order(server, title=TITLE, labels=["Isolate the valve", "Drain"])
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    open_order(ui, number)
    assert ui.label("order-edit") == f"Edit {number}"
    ui.click("order-edit")
    ui.wait_path(f"/orders/{number}/edit")
    ui.wait_id("order-form-title")
    ui.settle()

    # The form starts as the order is; items the server has cannot be removed, and say why.
    assert value_of(ui, "order-form-title") == TITLE
    assert value_of(ui, "checklist-edit-1-label") == "Isolate the valve"
    assert ui.has("checklist-edit-1-kept") and not ui.has("checklist-edit-1-remove")
    assert "Sent items stay on the order" in ui.label("checklist-edit-1-kept")
    assert not ui.has("order-form-assignee"), "the technician is changed from Assign, not here"

    tap(ui, "checklist-edit-add-check")
    type_into(ui, "checklist-edit-3-label", NEW_ITEM)
    assert ui.has("checklist-edit-3-remove"), "an item added here can still be removed"
    type_into(ui, "order-form-skills", SKILL_TYPED)
    tap(ui, "order-form-skills-add")
    ui.wait_id(f"order-form-skill-{SKILL}")
    type_into(ui, "order-form-title", NEW_TITLE)
    ui.wait_text("order-form-note", lambda t: "Changed: title, required skills and checklist." in t)
    ui.page.mouse.move(DESKTOP["width"] * 0.6, DESKTOP["height"] * 0.5)
    ui.page.mouse.wheel(0, -5000)
    ui.page.wait_for_timeout(STEP_MS)
    ui.page.mouse.wheel(0, 500)  # the skills and the checklist in the picture, under the work
    picture(ui, SCREENSHOTS / "desk-edit-desktop.png")

    # Saved on this device at once; back on the order, which shows the change.
    tap(ui, "order-form-save")
    ui.wait_path(f"/orders/{number}")
    ui.wait_for_words(NEW_TITLE)
    assert "confined space" in ui.label("order-skills")
    assert client.local("SELECT title FROM orders WHERE id = ?", order_id) == [(NEW_TITLE,)]

    # After a sync the server holds all three.
    ui.click("sync-now")

    def server_has_it() -> dict[str, object] | None:
        now = read_order(database_url=server.database_url, order_id=order_id)
        return now if now is not None and now["title"] == NEW_TITLE else None

    saved = wait_until(ui, server_has_it, what="the server taking the edit")
    assert SKILL in saved["required_skills"], saved["required_skills"]  # type: ignore[operator]
    labels = [i["label"] for i in saved["checklist"]]  # type: ignore[union-attr]
    assert labels == ["Isolate the valve", "Drain", NEW_ITEM], labels
    picture(ui, SCREENSHOTS / "desk-edited-order-desktop.png")


def test_cancel_on_a_phone_leaves_the_order_as_it_was(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    _order_id, number = new_order(server, title=TITLE + " (cancel)", labels=["Isolate the valve"])
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)  # the same form, stacked
    sign_in_desk(ui)
    ui.open(f"/orders/{number}/edit")
    ui.wait_id("order-form-title", timeout_ms=30_000)
    ui.settle()
    picture(ui, SCREENSHOTS / "desk-edit-phone.png")
    before = client.local_counts()
    type_into(ui, "order-form-title", "Not this title")
    tap(ui, "order-form-cancel")
    ui.wait_path(f"/orders/{number}")
    ui.wait_for_words(TITLE + " (cancel)")
    assert client.local_counts() == before


def test_an_order_with_open_conflicts_links_to_its_own_on_the_conflicts_desk(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    _order_id, number = order_with_conflicts(server)
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.open(f"/orders/{number}")
    ui.wait_id("order-conflicts", timeout_ms=30_000)
    ui.settle()
    ui.click("order-conflicts")
    ui.wait_path(f"/conflicts/{number}")
    ui.wait_id("conflict-scope")
    cards = wait_until(
        ui,
        lambda: [i for i in ui.ids_with_prefix("conflict-") if CARD.match(i)],
        what="the order's conflicts listed",
    )
    for card in cards:
        assert number in ui.label(card), ui.label(card)
    picture(ui, SCREENSHOTS / "desk-order-conflicts-desktop.png")
    ui.click("conflict-show-all")
    ui.wait_path("/conflicts")
