"""The desk's `/orders` table and `/orders/new` form, through the real web view against a real
server: search by a word of an order's notes and by a prefix, a filter narrows the table, an
order made from a template with a hand-added number item is saved and shows in the table and
in the board's unassigned queue, and an empty title is explained without losing what was typed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Locator

from server_stub.testing import ServerProcess, read_order

from .desk_kit import picture, sign_in_desk, synced, wait_until
from .flutter import STEP_MS, FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, Desk, pull_everything

pytestmark = pytest.mark.ui

NOTE_WORD = "gurgling"  # in no seeded text: only the note below has it
NOTE = f"Tenant reports a {NOTE_WORD} noise from the riser when the heating starts."
TEMPLATE = "Pump replacement"
TITLE = "Replace condensate pump in plant room 2"
DESCRIPTION = "Pump hums but does not lift; replace like for like and test."
SAVE_BAR_PX = 140  # the form's Save bar covers the bottom of the page: controls must sit above it


# --- helpers ------------------------------------------------------------------------------------


def seeded_orders(server: ServerProcess) -> list[dict[str, Any]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return [c["data"] for c in changes if c["entity"] == "work_order"]


def add_note(desk: Desk, *, order_id: str, text: str) -> None:
    at = datetime.now(UTC).isoformat()
    result = desk.push(
        type="note.add", entity_id=order_id, args={"id": str(uuid.uuid4()), "text": text, "at": at}
    )
    assert result["status"] == "applied", result


def add_template(desk: Desk) -> None:
    """A dispatcher's repair template, saved from another desk: this device pulls it."""
    items = [
        {"position": 1, "label": "Isolate and lock off", "kind": "check", "required": True},
        {"position": 2, "label": "Old pump condition", "kind": "pass_fail", "required": False},
        {"position": 3, "label": "Commissioning notes", "kind": "text", "required": False},
    ]
    args = {"name": TEMPLATE, "kind": "repair", "items": items, "archived": False}
    result = desk.push(type="template.save", entity_id=str(uuid.uuid4()), args=args)
    assert result["status"] == "applied", result


def clear_of_bar(ui: FlutterPage, identifier: str) -> Locator:
    """Scroll until the control is on screen and above the form's Save bar (where a tap lands)."""
    loc = ui.reveal(identifier)
    size = ui.page.viewport_size or DESKTOP
    for _ in range(20):
        box = loc.bounding_box()
        if box is not None and box["y"] >= 100 and box["y"] + box["height"] <= size["height"] - SAVE_BAR_PX:
            return loc
        below = box is None or box["y"] + box["height"] > size["height"] - SAVE_BAR_PX
        ui.page.mouse.move(size["width"] * 0.6, size["height"] * 0.5)
        ui.page.mouse.wheel(0, 150 if below else -150)
        ui.page.wait_for_timeout(STEP_MS)
        loc = ui.by_id(identifier)
    return loc


def type_into(ui: FlutterPage, identifier: str, text: str) -> None:
    """Type into a field and check the app took the text: read back after the field has lost
    focus and got it again (text typed before Flutter has taken over a freshly focused input
    stays in the DOM for a moment but never reaches the app)."""
    for _ in range(3):
        field = ui.editing(clear_of_bar(ui, identifier))
        field.fill(text)
        ui.page.wait_for_timeout(STEP_MS)
        ui.page.keyboard.press("Tab")  # wherever the focus is now, as a person's Tab would
        ui.page.wait_for_timeout(STEP_MS)
        if value_of(ui, identifier) == text:
            return
    raise AssertionError(f"{identifier} did not take {text!r}")


def tap(ui: FlutterPage, identifier: str) -> None:
    clear_of_bar(ui, identifier).click()
    ui.page.wait_for_timeout(STEP_MS)


def pick(ui: FlutterPage, identifier: str, option: str) -> None:
    """Open a dropdown and choose the option whose words start with `option`."""
    tap(ui, identifier)
    # The menu's options are buttons whose words start with the option's (rows mention it later on).
    starts = re.compile(r"^\s*" + re.escape(option))
    menu = ui.page.locator('flt-semantics-host [role="button"]').filter(has_text=starts)
    wait_until(ui, lambda: menu.count() > 0, what=f"the option {option!r} of {identifier}", timeout_s=10)
    ui.settle()  # a tap while the menu still opens is lost
    menu.last.click()
    wait_until(ui, lambda: menu.count() == 0, what=f"the menu of {identifier} closing", timeout_s=10)
    ui.settle()


def value_of(ui: FlutterPage, identifier: str) -> str:
    """What a text field holds. Flutter puts the text in the DOM input only while it has focus."""
    return str(ui.editing(clear_of_bar(ui, identifier)).input_value())


def within_box(inner: Locator, outer: Locator) -> bool:
    """Whether `inner` is drawn inside `outer` (semantics nodes need not nest in the DOM)."""
    a, b = inner.bounding_box(), outer.bounding_box()
    if a is None or b is None:
        return False
    return (
        b["x"] <= a["x"]
        and a["x"] + a["width"] <= b["x"] + b["width"] + 1
        and b["y"] <= a["y"]
        and a["y"] + a["height"] <= b["y"] + b["height"] + 1
    )


def shown_numbers(ui: FlutterPage) -> list[str]:
    return [i.removeprefix("order-card-") for i in ui.ids_with_prefix("order-card-")]


def labels_of_rows(ui: FlutterPage) -> list[str]:
    """Every row's words, read at one instant (the table may be redrawing under a filter)."""
    return [
        str(v)
        for v in ui.page.eval_on_selector_all(
            '[flt-semantics-identifier^="order-card-"]',
            "els => els.map(e => (e.getAttribute('aria-label') || e.innerText || ''))",
        )
    ]


def open_orders(ui: FlutterPage) -> None:
    ui.click("nav-orders")
    ui.wait_path("/orders")
    ui.wait_id("order-list")
    ui.settle()


def search(ui: FlutterPage, words: str) -> None:
    ui.fill("search-input", words)


# --- the table ------------------------------------------------------------------------------------


def test_search_by_note_word_and_prefix_and_a_filter_narrows(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    orders = seeded_orders(server)
    noted = min(orders, key=lambda o: o["number"])
    add_note(Desk(server_url=server.url), order_id=noted["id"], text=NOTE)
    urgent = sum(1 for o in orders if o["priority"] == "urgent")
    assert 0 < urgent < len(orders), "the demo data has urgent orders and others"

    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    open_orders(ui)
    ui.wait_text("orders-count", lambda t: f"of {len(orders)} orders" in t)
    picture(ui, SCREENSHOTS / "desk-orders-desktop.png")

    # A word that is only in a note finds its order, and says where it matched.
    search(ui, NOTE_WORD)
    wait_until(ui, lambda: shown_numbers(ui) == [noted["number"]], what=f"only {noted['number']} listed")
    said = ui.label(f"order-card-{noted['number']}")
    assert "matched: Notes:" in said and f"{NOTE_WORD} noise" in said, said
    # So does the start of the word, as it is being typed.
    search(ui, NOTE_WORD[:5])
    wait_until(ui, lambda: shown_numbers(ui) == [noted["number"]], what="the prefix finding the same order")
    # Nothing matches: said in words, with a way back.
    search(ui, "qzxv nothing like this")
    assert "No orders match" in ui.text("orders-empty")
    ui.click("orders-empty-clear")
    ui.wait_text("orders-count", lambda t: f"of {len(orders)} orders" in t)
    assert value_of(ui, "search-input") == ""

    # A filter narrows the table to what it says.
    pick(ui, "filter-priority", "Urgent")
    ui.wait_text("orders-count", lambda t: t == f"{urgent} orders")
    labels = labels_of_rows(ui)
    assert labels and all("priority urgent" in label for label in labels), labels
    pick(ui, "filter-assignee", "Unassigned")
    wait_until(
        ui,
        lambda: (
            all("Unassigned" in label and "priority urgent" in label for label in labels_of_rows(ui))
            or ui.has("orders-empty")
        ),
        what="the table narrowed to unassigned urgent orders",
    )
    unassigned_urgent = sum(1 for o in orders if o["priority"] == "urgent" and o["assignee_id"] is None)
    if unassigned_urgent:
        ui.wait_text("orders-count", lambda t: t.startswith(f"{unassigned_urgent} order"))
    else:
        assert "No orders match these filters" in ui.text("orders-empty")

    # A row opens its order. Which way back is shown follows from the rows, not from what a
    # screen caught mid-redraw happens to hold (a sync's redraw once hid both for a moment).
    ui.click("filters-clear" if unassigned_urgent else "orders-empty-clear")
    ui.wait_text("orders-count", lambda t: f"of {len(orders)} orders" in t)

    # A column header sorts by it; a second click turns it around.
    numbers = sorted(o["number"] for o in orders)
    ui.click("sort-number")
    wait_until(ui, lambda: shown_numbers(ui)[:1] == numbers[:1], what="the lowest number first")
    ui.click("sort-number")
    wait_until(ui, lambda: shown_numbers(ui)[:1] == numbers[-1:], what="the highest number first")

    first = shown_numbers(ui)[0]
    ui.click(f"order-card-{first}", within="order-list")
    ui.wait_path(f"/orders/{first}")


# --- the form ---------------------------------------------------------------------------------


def test_create_from_a_template_with_a_number_item_and_an_empty_title_is_explained(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    add_template(Desk(server_url=server.url))
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    open_orders(ui)
    ui.click("order-create")
    ui.wait_path("/orders/new")
    ui.wait_id("order-form-title")
    ui.settle()
    # Until the user sets one, the due time follows the priority, and says so.
    assert "Default for normal priority: 3 days" in ui.text("order-form-due-note")
    tap(ui, "order-form-priority-urgent")
    ui.wait_text("order-form-due-note", lambda t: "Default for urgent priority: 4 hours" in t)

    # Bad input: no title. Said next to the form; everything typed stays; nothing is saved.
    before = client.local_counts()
    type_into(ui, "order-form-description", DESCRIPTION)
    pick(ui, "order-form-site-known", "Harbour View Offices")
    tap(ui, "order-form-save")
    assert "title" in ui.text("order-form-error").lower()
    assert ui.path == "/orders/new"
    assert value_of(ui, "order-form-description") == DESCRIPTION
    assert value_of(ui, "order-form-site") == "Harbour View Offices"
    assert value_of(ui, "order-form-site-address") == "12 Quay Street, Harbourside"
    assert client.local_counts() == before

    # The checklist from the template, plus a number item added by hand.
    type_into(ui, "order-form-title", TITLE)
    pick(ui, "order-form-template", TEMPLATE)
    ui.wait_text("order-form-template-note", lambda t: TEMPLATE in t)
    assert value_of(ui, "checklist-edit-1-label") == "Isolate and lock off"
    tap(ui, "checklist-edit-add-number")
    type_into(ui, "checklist-edit-4-label", "Discharge pressure")
    type_into(ui, "checklist-edit-4-unit", "bar")
    type_into(ui, "checklist-edit-4-min", "1,5")
    type_into(ui, "checklist-edit-4-max", "3.5")
    tap(ui, "checklist-edit-4-required")
    pick(ui, "order-form-customer-known", "Harbour Properties Ltd")
    wait_until(
        ui,
        lambda: value_of(ui, "order-form-customer-contact").startswith("Maya Chen"),
        what="the customer's contact filled in",
        timeout_s=10,
    )
    ui.page.mouse.move(DESKTOP["width"] * 0.6, DESKTOP["height"] * 0.5)
    ui.page.mouse.wheel(0, -5000)  # the top of the form in the picture
    picture(ui, SCREENSHOTS / "order-form-desktop.png")

    # Saved on this device at once, under a provisional number, and opened.
    tap(ui, "order-form-save")
    path = ui.wait_path_prefix("/orders/NEW-")
    assert path.removeprefix("/orders/")
    rows = client.local(
        "SELECT c.position, c.label, c.kind, c.required, c.unit, c.min, c.max FROM checklist_items c "
        "JOIN orders o ON o.id = c.order_id WHERE o.title = ? ORDER BY c.position",
        TITLE,
    )
    assert [r[1] for r in rows] == [
        "Isolate and lock off",
        "Old pump condition",
        "Commissioning notes",
        "Discharge pressure",
    ]
    assert rows[3][2:] == ("number", 1, "bar", 1.5, 3.5)

    # The server gives it its number; it is in the table and in the board's unassigned queue.
    ui.click("sync-now")
    number = wait_until(
        ui,
        lambda: next(
            (
                n
                for (n,) in client.local("SELECT number FROM orders WHERE title = ?", TITLE)
                if n.startswith("WO-")
            ),
            None,
        ),
        what="the server numbering the new order",
    )
    # The order's screen, opened on the provisional number, still shows it once renumbered.
    ui.wait_for_words(TITLE)
    assert not ui.has("order-missing")
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None and held["status"] == "new" and held["priority"] == "urgent"
    assert [i["label"] for i in held["checklist"]][-1] == "Discharge pressure"
    open_orders(ui)
    search(ui, "condensate")
    wait_until(ui, lambda: shown_numbers(ui) == [number], what=f"{number} found in the table")
    assert "Unassigned" in ui.label(f"order-card-{number}")
    ui.click("nav-desk")
    ui.wait_path("/desk")
    ui.wait_id("desk-unassigned")
    ui.settle()  # the table's screen has gone (its rows carry the same ids)
    card = ui.reveal(f"order-card-{number}", within="desk-unassigned", max_steps=60)
    assert within_box(card, ui.by_id("desk-unassigned")), "the new order is in the unassigned queue"
    assert "Unassigned" in ui.label(f"order-card-{number}")

    # The form on a phone: the same fields, stacked.
    phone = open_ui(client.url, path="/orders/new", viewport=PHONE)
    phone.wait_id("order-form-title", timeout_ms=30_000)
    synced(phone)
    picture(phone, SCREENSHOTS / "order-form-phone.png")
