"""The desk's `/templates`, through the real web view against a real server: a dispatcher makes
a template with two items (a check and a number with its unit), sees it listed, and starts a
new order's checklist from it in the create form; the server holds the template after a sync.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .desk_kit import picture, sign_in_desk, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, SCREENSHOTS, ClientProcess, pull_everything
from .test_desk_orders import open_orders, pick, tap, type_into, value_of

pytestmark = pytest.mark.ui

NAME = "Valve swap"  # in no seeded template
FIRST = "Isolate and drain the section"
SECOND = "Test pressure after refill"


def template_labels(ui: FlutterPage) -> list[str]:
    return [ui.label(i) for i in ui.ids_with_prefix("template-row-")]


def server_templates(server: ServerProcess) -> list[dict[str, object]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return [c["data"] for c in changes if c["entity"] == "checklist_template" and not c["deleted"]]


def test_a_template_made_on_the_desk_starts_a_new_orders_checklist(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.click("nav-templates")
    ui.wait_path("/templates")
    ui.wait_id("template-new")
    ui.settle()

    # A new repair template: a required check, then a number with its unit and limits.
    ui.click("template-new")
    ui.wait_id("template-name")
    type_into(ui, "template-name", NAME)
    tap(ui, "template-item-add-check")
    type_into(ui, "template-item-1-label", FIRST)
    tap(ui, "template-item-1-required")
    tap(ui, "template-item-add-number")
    type_into(ui, "template-item-2-label", SECOND)
    type_into(ui, "template-item-2-unit", "bar")
    type_into(ui, "template-item-2-min", "1")
    type_into(ui, "template-item-2-max", "2,5")
    tap(ui, "template-save")
    ui.wait_id("template-message")
    wait_until(
        ui,
        lambda: any(label.startswith(f"{NAME}, Repair · 2 items") for label in template_labels(ui)),
        what="the new template listed",
    )
    picture(ui, SCREENSHOTS / "desk-templates-desktop.png")

    # After a sync the server holds it, with both items.
    ui.click("sync-now")
    held = wait_until(
        ui,
        lambda: next((t for t in server_templates(server) if t["name"] == NAME), None),
        what="the server holding the template",
    )
    items = held["items"]
    assert isinstance(items, list) and [i["label"] for i in items] == [FIRST, SECOND], items
    assert (items[1]["unit"], items[1]["min"], items[1]["max"]) == ("bar", 1, 2.5)

    # The create form offers it for a repair, and the checklist starts from it.
    open_orders(ui)
    ui.click("order-create")
    ui.wait_path("/orders/new")
    ui.wait_id("order-form-title")
    ui.settle()
    pick(ui, "order-form-template", NAME)
    ui.wait_text("order-form-template-note", lambda t: NAME in t)
    assert value_of(ui, "checklist-edit-1-label") == FIRST
    assert value_of(ui, "checklist-edit-2-label") == SECOND
    assert value_of(ui, "checklist-edit-2-unit") == "bar"
