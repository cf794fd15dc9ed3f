"""Status moves, alike on the double and the facade: every move offered is accepted, every
other is refused with InvalidInput and queues nothing; reasons are kept for all to read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain import Status
from app.services.types import InvalidInput

from .kit import NUMBERS, USERS, Opener, Side, view

CELLS = [(user, number) for user in USERS for number in NUMBERS]


@pytest.mark.parametrize(("user", "number"), CELLS)
def test_every_offered_move_is_accepted_and_every_other_refused(
    open_as: Callable[[str], Side], user: str, number: str
) -> None:
    side = open_as(user)
    detail = side.services.get_order_by_number(number)
    if detail is None:
        return  # not on this user's device (test_reading checks which are)
    current = detail.summary.status
    order_id = detail.summary.id
    accepted = [to for to in detail.next_statuses if not (to is Status.COMPLETED and detail.blockers)]
    for to in Status:
        if to in accepted:
            continue
        # Refused: a move the table or the role forbids, Complete while blocked, or a move to
        # the status the order has (not in the table).
        with pytest.raises(InvalidInput):
            side.services.transition(order_id, to, reason="because")
        assert side.waiting() == 0, to
        assert side.order(number).summary.status is current, to
    for to in accepted:
        fresh = open_as(user)  # each accepted move on its own copy of the device
        moved = fresh.services.transition(order_id, to, reason="because")
        assert moved.summary.status is to
        assert moved.summary.pending
        assert fresh.waiting() == 1, to


def test_completing_with_required_items_open_is_refused(open_as: Callable[[str], Side]) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    assert Status.COMPLETED in detail.next_statuses  # shown, disabled with its blockers
    assert "a signature is required" in detail.blockers
    assert any("Isolate power" in b for b in detail.blockers)
    with pytest.raises(InvalidInput):
        side.services.transition(detail.summary.id, Status.COMPLETED)
    assert side.waiting() == 0


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_hold_needs_a_reason(open_as: Callable[[str], Side], reason: str | None) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    with pytest.raises(InvalidInput):
        side.services.transition(detail.summary.id, Status.ON_HOLD, reason=reason)
    assert side.waiting() == 0 and side.order("WO-000003").summary.status is Status.IN_PROGRESS


def test_the_reason_of_a_hold_is_shown_until_work_resumes(open_as: Callable[[str], Side]) -> None:
    tech = open_as("tech1")
    order_id = tech.order("WO-000003").summary.id
    held = tech.services.transition(order_id, Status.ON_HOLD, reason="  waiting for a part ")
    assert held.summary.status is Status.ON_HOLD
    assert held.status_reason == "waiting for a part"
    resumed = tech.services.transition(order_id, Status.IN_PROGRESS)
    assert resumed.status_reason is None  # back at work: the hold's reason no longer applies
    assert tech.waiting() == 2


def test_reasons_pulled_with_an_order_are_shown_to_everyone(open_as: Callable[[str], Side]) -> None:
    for user in ("tech2", "dispatcher"):
        side = open_as(user)
        assert side.order("WO-000006").status_reason == "Waiting for a replacement bearing"
        assert side.order("WO-000008").status_reason == "Customer cancelled the visit"
    assert open_as("tech1").order("WO-000011").status_reason == "Panel needs the vendor's code"


def test_a_reopening_keeps_its_reason(open_as: Callable[[str], Side]) -> None:
    desk = open_as("dispatcher")
    done = desk.order("WO-000007")
    reopened = desk.services.transition(done.summary.id, Status.IN_PROGRESS, reason="Seal leaks again")
    assert reopened.summary.status is Status.IN_PROGRESS
    assert reopened.status_reason == "Seal leaks again"


@pytest.mark.parametrize("user", USERS)
def test_after_each_offered_move_the_double_shows_what_the_facade_shows(opener: Opener, user: str) -> None:
    """Every accepted move, made on both over the same orders: the order reads alike after it
    (its new moves and offers, the reason kept, the assignee after unassigning)."""
    for number in NUMBERS:
        detail = opener.fake(user).services.get_order_by_number(number)
        if detail is None:
            continue
        for to in detail.next_statuses:
            if to is Status.COMPLETED and detail.blockers:
                continue
            after = [
                side.services.transition(detail.summary.id, to, reason=" because ")
                for side in (opener.fake(user), opener.facade(user))
            ]
            assert view(after[0]) == view(after[1]), (number, to)
