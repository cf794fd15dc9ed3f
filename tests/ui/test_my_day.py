"""A technician's "My day" on a phone, through the real web view against a real seeded server:
the groups, the order to go to next, the work done today folded away, a search by a word of
one order's title, and the status filter. Nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from zones import local_zone, morning_zone

from server_stub.testing import ServerProcess, running_server

from .desk_kit import wait_until
from .flutter import STEP_MS, FlutterPage
from .kit import PHONE, SCREENSHOTS, ClientProcess, pull_everything

pytestmark = pytest.mark.ui

TECH = ("tech3", "demo-tech")  # the seed gives tech3 ten assigned orders and one completed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # The seed, the server and the client all where it is mid-morning (tests/zones.py): the
    # seed's "due later today" orders are today on the phone too, and the order completed
    # minutes ago was completed today, whatever the hour of the run.
    with (
        local_zone(morning_zone(datetime.now(UTC))),
        running_server(data_dir=tmp_path_factory.mktemp("server")) as proc,
    ):
        yield proc


def orders_of(server_url: str, username: str) -> list[dict[str, Any]]:
    changes = pull_everything(server_url=server_url, username="dispatcher", password="demo-dispatcher")
    users = {c["data"]["username"]: c["id"] for c in changes if c["entity"] == "user"}
    return [
        c["data"]
        for c in changes
        if c["entity"] == "work_order" and c["data"]["assignee_id"] == users[username]
    ]


def words_of(order: dict[str, Any]) -> set[str]:
    text = " ".join(
        [
            order["number"],
            order["title"],
            order.get("description") or "",
            *(str(v) for v in (order.get("site") or {}).values() if v),
            *(str(v) for v in (order.get("customer") or {}).values() if v),
        ]
    )
    return {w.casefold() for w in re.findall(r"\w+", text)}


def unique_title_word(orders: list[dict[str, Any]]) -> tuple[str, str]:
    """A word of one order's title that no other order's text starts a word with (the search
    matches prefixes); the word and that order's number."""
    for order in sorted(orders, key=lambda o: o["number"]):
        others = set().union(*(words_of(o) for o in orders if o is not order))
        for word in re.findall(r"[^\W\d_]{5,}", order["title"]):
            if not any(w.startswith(word.casefold()) for w in others):
                return word, order["number"]
    raise AssertionError("no title word of tech3's is unique to one order")


def pick(ui: FlutterPage, identifier: str, option: str) -> None:
    """Open a dropdown and choose the option whose words start with `option`."""
    ui.click(identifier)
    starts = re.compile(r"^\s*" + re.escape(option))
    menu = ui.page.locator('flt-semantics-host [role="button"]').filter(has_text=starts)
    wait_until(ui, lambda: menu.count() > 0, what=f"the option {option!r} of {identifier}", timeout_s=10)
    ui.settle()  # a tap while the menu still opens is lost
    menu.last.click()
    wait_until(ui, lambda: menu.count() == 0, what=f"the menu of {identifier} closing", timeout_s=10)
    ui.settle()


def cards(ui: FlutterPage) -> list[str]:
    return [i.removeprefix("order-card-") for i in ui.ids_with_prefix("order-card-")]


def test_my_day_groups_next_search_and_filter(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    mine = orders_of(server.url, TECH[0])
    (done,) = [o for o in mine if o["status"] == "completed"]
    assigned = [o for o in mine if o["status"] == "assigned"]
    # The earliest due of them all is overdue (the seed makes three of each technician's so).
    first = min(assigned, key=lambda o: o["due_at"])
    word, found = unique_title_word(mine)

    client = start_client(server.url)
    ui = open_ui(client.url, viewport=PHONE)
    ui.wait_id("login-username")
    ui.fill("login-username", TECH[0])
    ui.fill("login-password", TECH[1])
    ui.click("login-submit")
    ui.wait_path("/orders")
    ui.wait_id(f"order-card-{first['number']}", timeout_ms=30_000)  # the first sync has pulled them

    # The next order, called out at the top; the groups below it, the completed order under
    # none of them but folded away in "Done today".
    label = ui.label("next-order")
    assert label.startswith(f"Go next: {first['number']}, {first['title']}"), label
    ui.wait_for_words("Overdue, 3 orders")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"))
    ui.stable_screenshot(SCREENSHOTS / "myday-phone.png")
    ui.reveal_words("Today, 3 orders")
    ui.reveal_words("Upcoming, 4 orders")
    ui.reveal("done-today", within="order-list", max_steps=60)  # at the bottom of the day
    assert ui.label("done-today") == "Done today, 1 order, hidden, tap to show"
    assert done["number"] not in cards(ui)
    ui.click("done-today", within="order-list")
    ui.wait_id(f"order-card-{done['number']}")
    assert "shown" in ui.label("done-today")

    # A word of one order's title finds that order alone, as the list's own card.
    ui.fill("search-input", word)
    ui.wait_text("search-count", lambda t: t == "1 result")
    ui.wait_id(f"order-card-{found}")
    wait_until(ui, lambda: cards(ui) == [found], what="the search's one card alone")
    assert not ui.has("next-order")
    ui.stable_screenshot(SCREENSHOTS / "myday-search-phone.png")

    # With the status filter at Completed too, nothing matches (unless that order is the done one).
    pick(ui, "filter-status", "Completed")
    if found == done["number"]:
        ui.wait_text("search-count", lambda t: t == "1 result")
    else:
        assert "No orders on this device match" in ui.text("search-empty")

    # Back to the day, then the filter alone: the order completed today, and only it.
    ui.click("search-clear")
    ui.wait_id("next-order")
    pick(ui, "filter-status", "Completed")
    ui.wait_text("search-count", lambda t: t == "1 result")
    wait_until(ui, lambda: cards(ui) == [done["number"]], what="the completed order alone")
    pick(ui, "filter-status", "Assigned")
    ui.wait_text("search-count", lambda t: t == f"{len(assigned)} results")

    ui.page.wait_for_timeout(STEP_MS)
    assert client.local("SELECT count(*) FROM outbox") == [(0,)]  # nothing was written
