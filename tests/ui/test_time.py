"""The work clock and time typed by hand, on a phone, through the real web view and server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server_stub.testing import ServerProcess

from .flutter import FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pick_order, pull_everything
from .test_happy_path import sign_in

pytestmark = pytest.mark.ui


def _ran_a_second(label: str) -> bool:
    # "Travel clock running, 0:00:02": past the first second, the stop writes a log.
    return "clock running" in label and not label.endswith("0:00:00") and not label.endswith("0:00:01")


def _see(ui: FlutterPage, identifier: str, predicate: Callable[[str], bool]) -> str:
    ui.reveal(identifier)
    return ui.wait_text(identifier, predicate)


def _type_entry(ui: FlutterPage, *, start: str, end: str, then_rows: int) -> None:
    # The list above may still be growing by the last entry: a tap aimed before it moved
    # the button lands beside it (a CI run on a slow machine lost one here).
    ui.settle()
    ui.click("time-add")
    ui.wait_id("time-from")
    ui.settle()  # the dialog has finished opening: a field tapped while it animates loses the typing
    ui.fill("time-day", "yesterday")
    ui.fill("time-from", start)
    ui.fill("time-to", end)
    ui.click("time-save")
    ui.page.wait_for_selector('[flt-semantics-identifier="time-from"]', state="detached", timeout=15_000)
    ui.reveal(f"time-log-{then_rows}")  # the entry is listed: the form is gone for good
    ui.settle()


def test_the_clock_follows_the_work_and_typed_time_is_kept_and_synced(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order = pick_order(server_url=server.url, technician="tech2")
    number = order["number"]
    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    sign_in(ui, username="tech2", password="demo-tech")
    ui.click(f"order-card-{number}", within="order-list")
    ui.wait_path(f"/orders/{number}")
    _see(ui, "time-total", lambda t: "No time logged" in t)

    # Setting off starts the travel clock by itself; it is stored when it starts.
    ui.click("status-action-en_route")
    _see(ui, "time-clock", _ran_a_second)
    assert "Travel" in ui.label("time-clock")
    assert client.local("SELECT kind FROM running_clocks") == [("travel",)]

    # Arriving and starting work writes the travel and runs the work clock.
    ui.click("status-action-in_progress")
    _see(ui, "time-clock", lambda t: t.startswith("Work clock running"))
    _see(ui, "time-total", lambda t: t.startswith("Logged: Travel"))
    _see(ui, "time-clock", _ran_a_second)
    ui.stable_screenshot(SCREENSHOTS / "time-running-phone.png")

    # Stop by hand: the work is written, and Start is offered again.
    ui.click("time-stop")
    ui.reveal("time-start")
    _see(ui, "time-total", lambda t: "Work" in t and "Travel" in t)
    assert client.local("SELECT count(*) FROM running_clocks") == [(0,)]

    # Time typed by hand, and a second entry overlapping it: both kept, both flagged.
    _type_entry(ui, start="07:00", end="07:30", then_rows=3)
    _type_entry(ui, start="07:15", end="07:45", then_rows=4)
    flagged = [
        n for n in range(1, 5) if ui.reveal(f"time-log-{n}") and "Overlaps" in ui.label(f"time-log-{n}")
    ]
    assert flagged == [1, 2], flagged

    # A bad entry is refused in words, and the form keeps what was typed.
    ui.click("time-add")
    ui.wait_id("time-from")
    ui.fill("time-from", "25:00")
    ui.fill("time-to", "10:00")
    ui.click("time-save")
    assert "not a time of day" in ui.text("time-error")
    ui.click("time-cancel")
    ui.stable_screenshot(SCREENSHOTS / "time-logged-phone.png")

    ui.reveal("sync-now")
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    logs = sorted(
        c["data"]["kind"]
        for c in changes
        if c["entity"] == "time_log" and c["data"]["order_id"] == order["id"]
    )
    assert logs == ["travel", "work", "work", "work"]
    overlaps = [
        c
        for c in changes
        if c["entity"] == "conflict"
        and c["data"]["field"] == "overlap"
        and c["data"]["order_id"] == order["id"]
    ]
    assert len(overlaps) == 1
