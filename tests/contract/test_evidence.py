"""Checklist values and notes, alike on the double and the facade: a checklist is written
by the assignee while the work is open; a reading outside its limits is kept and flagged;
a note must say something, within its limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.limits import MAX_CHECKLIST_TEXT, MAX_NOTE
from app.services.types import ChecklistItemView, InvalidInput, OrderDetail

from .kit import Side


def _item(detail: OrderDetail, label: str) -> ChecklistItemView:
    return next(i for i in detail.checklist if i.label == label)


# (user, order): completed, closed and cancelled orders' checklists are the record; a
# dispatcher never ticks one (sync-protocol.md: checklist.set is the assignee's).
LOCKED = [
    ("tech1", "WO-000007"),  # completed
    ("tech1", "WO-000009"),  # closed
    ("tech2", "WO-000008"),  # cancelled
    ("dispatcher", "WO-000003"),  # in progress, but not the dispatcher's to fill in
    ("dispatcher", "WO-000007"),
]


@pytest.mark.parametrize(("user", "number"), LOCKED)
def test_a_checklist_write_is_refused_where_it_is_not_offered(
    open_as: Callable[[str], Side], user: str, number: str
) -> None:
    side = open_as(user)
    detail = side.order(number)
    assert not detail.offers.checklist
    leak = _item(detail, "Leak test")
    with pytest.raises(InvalidInput):
        side.services.set_checklist(detail.summary.id, leak.id, value="fail", done=True)
    assert side.waiting() == 0
    assert _item(side.order(number), "Leak test") == leak


def test_the_assignee_ticks_an_open_orders_checklist(open_as: Callable[[str], Side]) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    assert detail.offers.checklist
    power = _item(detail, "Isolate power")
    after = side.services.set_checklist(detail.summary.id, power.id, value=True, done=True)
    assert _item(after, "Isolate power").done
    assert not any("Isolate power" in b for b in after.blockers)
    assert side.waiting() == 1 and after.summary.pending


def test_a_reading_outside_its_limits_is_kept_and_flagged(open_as: Callable[[str], Side]) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    flue = _item(detail, "Flue temperature")
    assert (flue.min, flue.max, flue.unit) == (55.0, 80.0, "°C")
    hot = side.services.set_checklist(detail.summary.id, flue.id, value=95, done=True)
    kept = _item(hot, "Flue temperature")
    assert kept.value == 95 and kept.done and kept.out_of_range
    assert hot.out_of_range == ["Flue temperature"]
    inside = side.services.set_checklist(detail.summary.id, flue.id, value=70.5, done=True)
    assert not _item(inside, "Flue temperature").out_of_range and inside.out_of_range == []
    assert side.waiting() == 2


def test_a_completed_orders_out_of_range_reading_stays_flagged(open_as: Callable[[str], Side]) -> None:
    for user in ("tech1", "dispatcher"):
        done = open_as(user).order("WO-000007")
        assert done.out_of_range == ["Flue temperature"]
        assert _item(done, "Flue temperature").value == 95


@pytest.mark.parametrize(
    ("label", "value", "done"),
    [
        ("Flue temperature", "hot", True),  # not a number
        ("Flue temperature", None, True),  # done needs a value
        ("Leak test", "maybe", True),  # pass or fail only
        ("Replace filter", "x" * (MAX_CHECKLIST_TEXT + 1), True),  # beyond the text limit
    ],
)
def test_a_value_that_does_not_fit_the_item_is_refused(
    open_as: Callable[[str], Side], label: str, value: object, done: bool
) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    with pytest.raises(InvalidInput):
        side.services.set_checklist(detail.summary.id, _item(detail, label).id, value=value, done=done)
    assert side.waiting() == 0


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (MAX_NOTE + 1)])
def test_an_empty_or_too_long_note_is_refused(open_as: Callable[[str], Side], text: str) -> None:
    side = open_as("tech1")
    detail = side.order("WO-000003")
    with pytest.raises(InvalidInput):
        side.services.add_note(detail.summary.id, text)
    assert side.waiting() == 0 and side.order("WO-000003").notes == []


@pytest.mark.parametrize(("user", "number"), [("tech1", "WO-000003"), ("dispatcher", "WO-000005")])
def test_a_note_is_added_trimmed(open_as: Callable[[str], Side], user: str, number: str) -> None:
    side = open_as(user)
    detail = side.order(number)
    assert detail.offers.note
    after = side.services.add_note(detail.summary.id, "  Gasket is cracked \n")
    # The author's name is left out: the facade says "You", the double its user's name.
    assert [(n.text, n.pending) for n in after.notes] == [("Gasket is cracked", True)]
    assert side.waiting() == 1
