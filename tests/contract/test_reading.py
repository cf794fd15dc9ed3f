"""What each user reads, alike on the double and the facade: which orders a device holds,
and for every order and user the moves and controls offered (app.services.types.Offers)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

import pytest

from app.domain import Status
from app.services.types import OrderGroups, OrderId

from .kit import NUMBERS, USERS, Opener, Side, view

S = Status
ALL = set(NUMBERS)
# Written by hand from the scenario (kit.SCENARIO): a technician's device holds the orders
# assigned to them (sync-protocol.md, "Pull"), a dispatcher's every order.
HOLDS = {
    "tech1": {"WO-000001", "WO-000002", "WO-000003", "WO-000004", "WO-000007", "WO-000009", "WO-000011"},
    "tech2": {"WO-000006", "WO-000008", "WO-000010"},
    "dispatcher": ALL,
}


def _groups(groups: OrderGroups) -> dict[str, list[str]]:
    return {name: [o.number for o in getattr(groups, name)] for name in ("overdue", "today", "upcoming")}


# Held but not listed on "My day" (app.domain.my_day): finished before today, or cancelled.
# WO-000007 (completed) and WO-000009 (closed) were not completed today; WO-000008 is cancelled.
NOT_LISTED = {"WO-000007", "WO-000008", "WO-000009"}


@pytest.mark.parametrize("user", USERS)
def test_each_users_list_holds_their_orders(open_as: Callable[[str], Side], user: str) -> None:
    side = open_as(user)
    assert set(side.numbers()) == HOLDS[user] - NOT_LISTED
    for number in sorted(HOLDS[user]):  # held, listed or not: found by number (a deep link)
        assert side.services.get_order_by_number(number) is not None, number
    for number in sorted(ALL - HOLDS[user]):
        assert side.services.get_order_by_number(number) is None, number


def test_late_work_is_overdue_but_a_late_completed_or_closed_order_is_not(
    open_as: Callable[[str], Side],
) -> None:
    groups = _groups(open_as("dispatcher").services.list_orders())
    # Due 3 h and 1 h ago, still to do; WO-000007 (completed) and WO-000009 (closed) are late but done.
    assert groups["overdue"] == ["WO-000001", "WO-000011"]
    assert {"WO-000007", "WO-000009"}.isdisjoint(groups["overdue"])


def test_the_dispatchers_cards_name_the_assignee(open_as: Callable[[str], Side]) -> None:
    groups = open_as("dispatcher").services.list_orders()
    cards = {o.number: o.assignee_name for o in groups.overdue + groups.today + groups.upcoming}
    assert cards["WO-000005"] == ""  # nobody yet
    assert cards["WO-000006"] == "Theo Tran"
    assert cards["WO-000001"] == "Tess Tech"


def test_an_unknown_order_is_none(open_as: Callable[[str], Side]) -> None:
    side = open_as("tech1")
    assert side.services.get_order_by_number("WO-999999") is None
    assert side.services.get_order_by_number("") is None
    assert side.services.get_order(OrderId(uuid.uuid4())) is None


# (user, order) -> (next_statuses, offered controls), by hand from design.md's state table and
# sync-protocol.md's "who" column: dispatchers alone assign, unassign, cancel, close and
# reopen; the field's moves are the assignee's; on hold is both sides'. Assigning a new order
# goes through the picker (no bare "assigned" move). Evidence (note, photo, signature, time and
# parts) is append-only in every state; the checklist only while the work is open.
FIELD = {"checklist", "note", "photo", "signature", "time_and_parts", "follow_up"}
DESK = {"note", "photo", "assign", "follow_up"}
KEY_CELLS: dict[tuple[str, str], tuple[list[Status], set[str]]] = {
    ("tech1", "WO-000001"): ([S.EN_ROUTE, S.IN_PROGRESS, S.ON_HOLD], FIELD),
    ("dispatcher", "WO-000001"): ([S.NEW, S.ON_HOLD, S.CANCELLED], DESK),
    # In progress with required items open: Complete stays offered (shown disabled with why).
    ("tech1", "WO-000003"): ([S.ON_HOLD, S.COMPLETED, S.CANNOT_COMPLETE], FIELD),
    ("dispatcher", "WO-000003"): ([S.ON_HOLD], DESK | {"reassign_needs_confirmation"}),
    ("dispatcher", "WO-000005"): ([S.CANCELLED], DESK),
    ("tech2", "WO-000006"): ([S.EN_ROUTE, S.IN_PROGRESS], FIELD),
    ("dispatcher", "WO-000006"): ([S.CANCELLED], DESK | {"reassign_needs_confirmation"}),
    ("tech1", "WO-000007"): ([], FIELD - {"checklist"}),
    ("dispatcher", "WO-000007"): ([S.IN_PROGRESS, S.CLOSED], DESK - {"assign"}),
    ("tech2", "WO-000008"): ([], FIELD - {"checklist"}),
    ("dispatcher", "WO-000008"): ([], DESK - {"assign"}),
    ("tech1", "WO-000009"): ([], FIELD - {"checklist"}),
    ("tech2", "WO-000010"): ([S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD], FIELD),
    ("tech1", "WO-000011"): ([], FIELD),
    ("dispatcher", "WO-000011"): ([S.ASSIGNED, S.CLOSED, S.CANCELLED], DESK),
}


@pytest.mark.parametrize(("user", "number"), sorted(KEY_CELLS))
def test_key_cells_offer_what_the_rules_allow(open_as: Callable[[str], Side], user: str, number: str) -> None:
    moves, controls = KEY_CELLS[(user, number)]
    detail = open_as(user).order(number)
    assert detail.next_statuses == moves
    offered = {name for name, on in dataclasses.asdict(detail.offers).items() if on}
    assert offered == controls


@pytest.mark.parametrize("user", USERS)
def test_the_double_shows_every_order_as_the_facade_does(opener: Opener, user: str) -> None:
    """Every cell: each order each user holds, read alike (moves, offers, blockers, checklist
    flags, reasons, assignee, list groups)."""
    fake, facade = opener.fake(user), opener.facade(user)
    assert _groups(fake.services.list_orders()) == _groups(facade.services.list_orders())
    for number in NUMBERS:
        mine, real = fake.services.get_order_by_number(number), facade.services.get_order_by_number(number)
        assert (mine is None) == (real is None), number
        if mine is not None and real is not None:
            assert view(mine) == view(real), number
