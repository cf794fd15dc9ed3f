"""The dispatcher's board through the real web view against a real seeded server: the queue of
unassigned work and a lane per technician at 1280×800 (and stacked on a phone), the app's own
"no such screen" with a way home for every role, and assigning from the top suggestion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from server_stub.seeding.data import TECHNICIANS
from server_stub.testing import ServerProcess, read_order

from .desk_kit import card_in, open_card, picture, reveal_in_lane, sign_in_desk, sign_in_field, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, pull_everything, user_ids

pytestmark = pytest.mark.ui

NAMES = {username: name for username, name, _skills in TECHNICIANS}
MISSING = ("/board", "/reports", "/orders/WO-999999/nonsense")


def orders_of(server: ServerProcess) -> list[dict[str, Any]]:
    """Every order as the server holds it now (a pull may carry an order more than once: the last wins)."""
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return list({c["id"]: c["data"] for c in changes if c["entity"] == "work_order"}.values())


def due_today(order: dict[str, Any]) -> bool:
    due = order["due_at"]
    return bool(due) and datetime.fromisoformat(due).astimezone().date() <= datetime.now().astimezone().date()


def test_the_board_shows_the_queue_and_a_lane_per_technician(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    orders = orders_of(server)
    new = [o for o in orders if o["status"] == "new" and o["assignee_id"] is None]
    assert new, "the demo data has unassigned orders"
    tech1 = user_ids(server_url=server.url)["tech1"]
    in_lane = [
        o
        for o in orders
        if o["assignee_id"] == tech1
        and o["status"] in ("assigned", "en_route", "in_progress")
        and due_today(o)
    ]
    assert in_lane, "tech1 has open work for today in the demo data"

    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.wait_id("desk-lane-tech1")
    picture(ui, SCREENSHOTS / "desk-board-desktop.png")

    # The navigation: three places, the board the current one.
    for ident in ("nav-desk", "nav-orders", "nav-conflicts"):
        ui.wait_id(ident)
    assert "current screen" in ui.label("nav-desk")
    assert "conflict" in ui.label("nav-conflicts")

    # The queue: every unassigned order, marked as such.
    ui.wait_id("desk-unassigned")
    number = new[0]["number"]
    ui.reveal(f"order-card-{number}", within="desk-unassigned", max_steps=80)
    assert card_in(ui, number=number, container="desk-unassigned")
    label = ui.label(f"order-card-{number}")
    assert "Unassigned" in label and "priority" in label and "status New" in label, label

    # A lane per technician, with their open work for today: who, how many, how loaded, synced when.
    for username in NAMES:
        ui.reveal(f"desk-lane-{username}", within="desk-lanes", max_steps=80)
        words = ui.label(f"desk-lane-{username}")
        assert NAMES[username] in words, words
        assert "open today" in words or "Nothing open today" in words, words
        assert "synced" in words.lower(), words
    ui.reveal("desk-lane-tech1", within="desk-lanes", max_steps=80)
    first = min(in_lane, key=lambda o: o["due_at"])["number"]
    ui.reveal(f"order-card-{first}", within="desk-lanes", max_steps=80)
    assert card_in(ui, number=first, container="desk-lane-tech1")
    assert f"Assigned to {NAMES['tech1']}" in ui.label(f"order-card-{first}")
    # A busy lane shows a row of cards, the earliest due first; the rest on request.
    last = max(in_lane, key=lambda o: o["due_at"])["number"]
    if len(in_lane) > 3 and not ui.has(f"order-card-{last}"):
        ui.click("desk-lane-tech1-more", within="desk-lanes")
        ui.reveal(f"order-card-{last}", within="desk-lanes", max_steps=80)
        assert card_in(ui, number=last, container="desk-lane-tech1")
        ui.reveal(f"order-card-{first}", within="desk-lanes", max_steps=80)

    # A card opens its order.
    open_card(ui, number=first, within="desk-lanes")
    ui.wait_path(f"/orders/{first}")

    # The same board stacked on a phone: the queue first, then the lanes, and the bottom bar.
    small = open_ui(desk.url, path="/desk", viewport=PHONE)
    small.wait_id("desk-unassigned", timeout_ms=30_000)
    small.wait_id("nav-conflicts")
    picture(small, SCREENSHOTS / "desk-board-phone.png")
    small.reveal("desk-lane-tech1", max_steps=80)


def _expect_missing(ui: FlutterPage, *, path: str, home: str, words: str) -> None:
    ui.open(path)
    ui.wait_id("screen-missing", timeout_ms=30_000)
    assert path in ui.label("screen-missing")
    assert words in ui.label("screen-missing-home")
    ui.settle()
    ui.click("screen-missing-home")
    ui.wait_path(home)


def test_an_unknown_screen_says_so_and_leads_home_for_every_role(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    # Signed out: the way home is the sign-in.
    _expect_missing(ui, path="/reports", home="/login", words="sign in")
    sign_in_desk(ui)
    for path in MISSING:
        _expect_missing(ui, path=path, home="/desk", words="board")
    ui.open("/board")
    ui.wait_id("screen-missing")
    picture(ui, SCREENSHOTS / "screen-missing-desktop.png")

    phone = start_client(server.url)
    tech = open_ui(phone.url, viewport=PHONE)
    sign_in_field(tech, username="tech1")
    for path in MISSING:
        _expect_missing(tech, path=path, home="/orders", words="my orders")
    # The board is not a technician's screen: it says so rather than showing someone else's work.
    tech.open("/desk")
    tech.wait_id("desk-not-offered", timeout_ms=30_000)
    # Nor is the dashboard (every technician's figures): never offered, and refused here.
    tech.open("/dashboard")
    tech.wait_id("dashboard-not-offered", timeout_ms=30_000)


def test_the_dispatcher_assigns_from_the_top_suggestion(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    new = sorted(
        (o for o in orders_of(server) if o["status"] == "new" and o["assignee_id"] is None),
        key=lambda o: (not due_today(o), o["number"]),
    )
    assert new, "the demo data has unassigned orders"
    number = new[0]["number"]

    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.reveal(f"order-card-{number}", within="desk-unassigned", max_steps=80)
    ui.click(f"board-assign-{number}", within="desk-unassigned")
    ui.wait_path(f"/orders/{number}/assign")

    # The top three, each with its reasons in words, above the picker.
    for rank in (1, 2, 3):
        ui.wait_id(f"assign-suggestion-{rank}", timeout_ms=30_000)
    top = ui.label("assign-suggestion-1")
    assert top.startswith("Suggestion 1: "), top
    assert "open today" in top or "no open" in top.lower(), top
    assert "km away" in top or "no location" in top.lower(), top
    chosen = next(u for u, name in NAMES.items() if f"Suggestion 1: {name}," in top)
    ui.wait_id("assign-search")
    ui.wait_id(f"assign-choose-{chosen}")
    picture(ui, SCREENSHOTS / "assign-suggestion-desktop.png")

    # One tap assigns, and the board is where the dispatcher returns.
    ui.click("assign-suggestion-1")
    ui.wait_path("/desk")
    ui.wait_id("desk-unassigned")
    wait_until(
        ui,
        lambda: not card_in(ui, number=number, container="desk-unassigned"),
        what=f"{number} leaving the unassigned queue",
    )
    ids = user_ids(server_url=server.url)
    wait_until(
        ui,
        lambda: desk.local("SELECT assignee_id FROM orders WHERE number = ?", number) == [(ids[chosen],)],
        what=f"{number} assigned to {chosen} on the desk's device",
    )
    if due_today(new[0]):  # today's work: it shows in the technician's lane
        reveal_in_lane(ui, number=number, username=chosen)
        assert card_in(ui, number=number, container=f"desk-lane-{chosen}")
    ui.click("sync-now")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at") and "waiting" not in t, timeout_s=30)
    held = read_order(database_url=server.database_url, number=number)
    assert held is not None and held["assignee_id"] == ids[chosen] and held["status"] == "assigned"
