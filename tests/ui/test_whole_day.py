"""A technician's whole job with no signal, on a phone and on a tablet: on the road, at work,
a pause with its reason, back to work, every kind of checklist item, the clock, time typed by
hand, a part, follow-up work, Complete; then the signal comes back and all of it reaches the
server."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from server_stub.db import open_database
from server_stub.models import PartUsage, TimeLog, WorkOrder
from server_stub.testing import ServerProcess, read_order

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, TABLET, ClientProcess, Desk, create_order, relay_to, user_ids
from .test_happy_path import sign_in
from .test_reconnect import notice_offline
from .test_time import _ran_a_second, _see, _type_entry

pytestmark = pytest.mark.ui

HOLD_REASON = "Waiting for the customer to open the plant room"
FOLLOW_UP = "Replace the corroded flange"


def _items() -> list[dict[str, Any]]:
    def item(position: int, label: str, kind: str, **more: Any) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "position": position,
            "label": label,
            "kind": kind,
            "required": True,
            **more,
        }

    return [
        item(1, "Isolation valves closed", "check"),
        item(2, "System pressure", "number", unit="bar", min=1, max=3),
        item(3, "Seal batch number", "text"),
        item(4, "Leak test", "pass_fail"),
    ]


def _done(ui: FlutterPage, identifier: str, *, timeout_s: float = 20.0) -> None:
    """The item's accessible label says it is done (its value is in its field, and the server's
    copy is checked at the end)."""
    deadline = time.monotonic() + timeout_s
    while not (
        ui.has(identifier) and ", done" in ui.label(identifier) and "not done" not in ui.label(identifier)
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"{identifier!r} never said done: {ui.label(identifier)!r}")
        ui.page.wait_for_timeout(150)


def _move(ui: FlutterPage, to: str, *, then: str) -> None:
    """Tap a status move once the frame is still, and wait for what the new state offers."""
    ui.reveal(f"status-action-{to}")
    ui.settle()
    ui.click(f"status-action-{to}")
    ui.wait_id(then, timeout_ms=20_000)


def _server_rows(
    server: ServerProcess, order_id: str, *, follow_up: str
) -> tuple[list[str], list[tuple[str, float]], list[WorkOrder]]:
    db = open_database(server.database_url)
    try:
        with db.read() as s:
            logs = [t.kind for t in s.scalars(select(TimeLog).where(TimeLog.order_id == order_id))]
            parts = [
                (p.sku, p.quantity)
                for p in s.scalars(select(PartUsage).where(PartUsage.order_id == order_id))
            ]
            follow = list(s.scalars(select(WorkOrder).where(WorkOrder.title == follow_up)))
            s.expunge_all()
            return sorted(logs), parts, follow
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("viewport", "technician"), [(PHONE, "tech3"), (TABLET, "tech5")], ids=["phone", "tablet"]
)
def test_a_whole_job_done_offline_reaches_the_server_when_the_signal_returns(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
    viewport: dict[str, int],
    technician: str,
) -> None:
    size = "phone" if viewport is PHONE else "tablet"
    order_id = create_order(
        Desk(server_url=server.url),
        title=f"Boiler overhaul ({size})",
        assignee_id=user_ids(server_url=server.url)[technician],
        checklist=_items(),
        kind="repair",
    )
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    number = held["number"]

    with relay_to(server.url) as network:
        client = start_client(network.url)
        ui = open_ui(client.url, viewport=viewport)
        sign_in(ui, username=technician, password="demo-tech")
        ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)
        ui.reveal(f"order-card-{number}", within="order-list")
        ui.click(f"order-card-{number}", within="order-list")
        ui.wait_path(f"/orders/{number}")

        # No signal from here on.
        network.cut()
        notice_offline(ui)
        ui.settle()

        # On the road, at work, a pause with its reason, and back to work: the clock follows.
        _move(ui, "en_route", then="status-action-in_progress")
        _see(ui, "time-clock", _ran_a_second)
        _move(ui, "in_progress", then="status-action-on_hold")
        _see(ui, "time-clock", lambda t: t.startswith("Work clock running") and _ran_a_second(t))
        ui.reveal("status-action-on_hold")
        ui.settle()
        ui.click("status-action-on_hold")
        ui.wait_id("reason-input")
        ui.fill("reason-input", HOLD_REASON)
        ui.click("reason-confirm")
        ui.wait_id("status-action-in_progress", timeout_ms=20_000)  # "Resume work"
        ui.reveal_words(f"On hold: {HOLD_REASON}", step=-300)  # said at the top, to everyone
        _move(ui, "in_progress", then="status-action-completed")
        _see(ui, "time-clock", _ran_a_second)

        # Every kind of checklist item.
        ui.reveal("checklist-item-1")
        ui.click("checklist-item-1")
        ui.wait_text("checklist-item-1", lambda t: "not done" not in t)
        ui.reveal("checklist-item-2")
        ui.fill("checklist-item-2", "2.4")
        ui.page.keyboard.press("Enter")
        _done(ui, "checklist-item-2")
        ui.reveal("checklist-item-3")
        ui.fill("checklist-item-3", "B-2291")
        ui.page.keyboard.press("Enter")
        _done(ui, "checklist-item-3")
        ui.reveal("checklist-item-4")
        ui.settle()  # item 3's "Done" line moves this one down: a tap aimed before it lands above
        ui.by_id("checklist-item-4").get_by_role("button", name=re.compile("Pass")).first.click()
        _done(ui, "checklist-item-4")

        # Time typed by hand (yesterday's drive to the depot), and a part from the catalogue.
        _type_entry(ui, start="07:00", end="07:40", then_rows=3)
        ui.reveal("part-add")
        ui.settle()
        ui.click("part-add")
        ui.wait_id("part-search")
        ui.fill("part-search", "copper")
        ui.wait_id("part-choose-PIPE-CU-15")
        ui.click("part-choose-PIPE-CU-15")
        ui.wait_id("part-quantity")
        ui.fill("part-quantity", "3")
        ui.click("part-save")
        ui.page.wait_for_selector(
            '[flt-semantics-identifier="part-search"]', state="detached", timeout=15_000
        )
        ui.reveal("part-row-1")

        # Work found on the way: a follow-up order, made here under a provisional number.
        ui.reveal("followup-open")
        ui.settle()
        ui.click("followup-open")
        ui.wait_id("followup-title")
        ui.fill("followup-title", f"{FOLLOW_UP} ({size})")
        ui.fill("followup-description", "Flange on the return pipe is corroded through.")
        ui.click("followup-save")
        ui.wait_path_prefix("/orders/NEW-", timeout_s=20)
        ui.page.go_back()
        ui.wait_path(f"/orders/{number}")

        # Complete asks first; the clock stops with it.
        _move(ui, "completed", then="confirm-ok")
        ui.click("confirm-ok")
        ui.wait_text("sync-status", lambda t: "waiting" in t)
        ui.reveal_words("Status Completed", step=-300)
        ui.stable_screenshot(SCREENSHOTS / f"whole-day-done-{size}.png")
        assert client.local("SELECT count(*) FROM running_clocks") == [(0,)]

        # The signal returns: everything reaches the server.
        network.restore()
        ui.click("sync-now")
        ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=45)

    done = read_order(database_url=server.database_url, order_id=order_id)
    assert done is not None and done["status"] == "completed"
    assert [(i["done"], i["value"]) for i in done["checklist"]] == [
        (True, True),
        (True, 2.4),
        (True, "B-2291"),
        (True, "pass"),
    ]
    logs, parts, follow = _server_rows(server, order_id, follow_up=f"{FOLLOW_UP} ({size})")
    # Travel, work before the pause, work after it, and the drive typed by hand.
    assert logs == ["travel", "work", "work", "work"], logs
    assert parts == [("PIPE-CU-15", 3.0)]
    assert len(follow) == 1 and follow[0].status == "new" and follow[0].assignee_id is None
    assert number in follow[0].description
