"""Writes through the facade: validated by app.domain, one local transaction, queued, shown at once."""

import sqlite3
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from store.kit import T0

from app.domain import Status
from app.services.desk_types import OrderQuery
from app.services.types import InvalidInput
from app.store import search as store_search
from app.store.outbox import queued
from app.store.search import is_behind
from app.sync import AuthExpired, SyncError


def _ids(rig):
    return uuid.UUID(rig.order), uuid.UUID(rig.item), uuid.UUID(rig.optional_item)


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.mid, e.type, e.base_seq) for e in queued(s)]


def test_start_tick_note_complete_all_show_at_once_as_pending(signed_in):
    rig = signed_in
    order, item, _ = _ids(rig)
    detail = rig.ordo.transition(order, Status.IN_PROGRESS)
    assert detail.summary.status is Status.IN_PROGRESS and detail.summary.pending
    assert Status.COMPLETED in detail.next_statuses
    assert detail.blockers == ["required checklist item not done: Check seal"]
    detail = rig.ordo.set_checklist(order, item, done=True)
    assert detail.blockers == [] and detail.checklist[0].done
    detail = rig.ordo.add_note(order, "  Seal replaced  ")
    assert [(n.text, n.pending, n.author_name) for n in detail.notes] == [("Seal replaced", True, "You")]
    detail = rig.ordo.transition(order, Status.COMPLETED)
    assert detail.summary.status is Status.COMPLETED
    assert _outbox(rig) == [
        (1, "order.transition", 1),
        (2, "checklist.set", 2),
        (3, "note.add", 1),
        (4, "order.transition", 1),
    ]
    groups = rig.ordo.list_orders()
    assert groups.today == [] and [s.pending for s in groups.done_today] == [True]  # done, not "today"
    assert rig.ordo.sync_status().waiting == 4


@pytest.mark.parametrize(
    ("to", "reason", "says"),
    [
        (Status.COMPLETED, None, "WO-000001 cannot move from Assigned to Completed"),
        (Status.CANCELLED, None, "Only a dispatcher"),
        (Status.NEW, None, "Only a dispatcher"),
        (Status.ON_HOLD, None, "A reason is required for on hold"),
        (Status.ON_HOLD, "   ", "A reason is required"),
        ("flying", None, "Unknown status"),
    ],
)
def test_illegal_transitions_are_refused_and_nothing_is_queued(signed_in, to, reason, says):
    order, _, _ = _ids(signed_in)
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.transition(order, to, reason=reason)
    assert _outbox(signed_in) == []
    assert signed_in.ordo.get_order(order).summary.status is Status.ASSIGNED


def test_completing_with_a_required_item_open_is_refused(signed_in):
    order, _, _ = _ids(signed_in)
    signed_in.ordo.transition(order, Status.IN_PROGRESS)
    with pytest.raises(
        InvalidInput, match="Cannot complete yet: required checklist item not done: Check seal"
    ):
        signed_in.ordo.transition(order, Status.COMPLETED)
    assert len(_outbox(signed_in)) == 1


def test_on_hold_with_a_reason_keeps_it(signed_in):
    order, _, _ = _ids(signed_in)
    signed_in.ordo.transition(order, Status.ON_HOLD, reason=" waiting for parts ")
    with signed_in.ordo._store.read() as s:
        assert queued(s)[0].args["reason"] == "waiting for parts"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "x" * 10_001])
def test_empty_or_huge_notes_are_refused(signed_in, text):
    order, _, _ = _ids(signed_in)
    with pytest.raises(InvalidInput, match="note"):
        signed_in.ordo.add_note(order, text)
    assert _outbox(signed_in) == []


@pytest.mark.parametrize(
    ("value", "done", "says"),
    [("abc", True, "is not a number"), (True, True, "enter a number"), (None, True, "enter a value")],
)
def test_number_items_need_numbers(signed_in, value, done, says):
    order, _, number_item = _ids(signed_in)
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.set_checklist(order, number_item, value=value, done=done)


def test_number_item_accepts_a_typed_reading(signed_in):
    order, _, number_item = _ids(signed_in)
    detail = signed_in.ordo.set_checklist(order, number_item, value="2,5", done=True)
    assert detail.checklist[1].value == 2.5 and detail.checklist[1].done


def test_unknown_order_or_item(signed_in):
    order, _, _ = _ids(signed_in)
    with pytest.raises(InvalidInput, match="not on this device"):
        signed_in.ordo.add_note(uuid.uuid4(), "hello")
    with pytest.raises(InvalidInput, match="not part of the order"):
        signed_in.ordo.set_checklist(order, uuid.uuid4(), done=True)


def test_writes_need_a_signed_in_user(rig):
    with pytest.raises(InvalidInput, match="Sign in first"):
        rig.ordo.add_note(uuid.UUID(rig.order), "hello")


def test_writes_work_offline_and_never_touch_the_network(signed_in):
    rig = signed_in
    rig.server.requests.clear()

    def cut(request):
        raise httpx.ConnectError("offline", request=request)

    rig.server.fault = cut
    rig.ordo.add_note(uuid.UUID(rig.order), "offline note")
    assert rig.server.requests == []


def _behind(rig):
    with rig.ordo._store.read() as s:
        return is_behind(s)


def test_a_note_is_searchable_at_once_though_the_write_leaves_the_index_to_catch_up(signed_in):
    rig = signed_in
    order, _, _ = _ids(rig)
    rig.ordo.add_note(order, "Thermostat swapped")
    assert _behind(rig)  # the write named the order; it did not re-index it
    found = rig.ordo.search_orders(OrderQuery(text="thermostat"))
    assert [row.summary.id for row in found.rows] == [order] and not _behind(rig)
    # The worker's sync catches it up after a write, even when the server is out of reach.
    rig.ordo.add_note(order, "Flue cleaned")

    def cut(request):
        raise httpx.ConnectError("offline", request=request)

    rig.server.fault = cut
    with pytest.raises(SyncError):
        rig.ordo.sync_blocking()
    assert not _behind(rig)


def test_a_search_index_that_cannot_catch_up_never_stops_a_sync(signed_in, monkeypatch):
    rig = signed_in
    order, _, _ = _ids(rig)
    rig.ordo.add_note(order, "Thermostat swapped")

    def locked(_session):
        raise OperationalError("UPDATE orders", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(store_search, "catch_up", locked)
    rig.ordo.sync_blocking()  # pushed all the same
    assert _outbox(rig) == [] and _behind(rig)
    monkeypatch.undo()
    assert [row.summary.id for row in rig.ordo.search_orders(OrderQuery(text="thermostat")).rows] == [order]


def test_listeners_hear_writes_until_they_unsubscribe(signed_in):
    order, _, _ = _ids(signed_in)
    heard = []
    unsubscribe = signed_in.ordo.add_listener(lambda: heard.append(1))
    signed_in.ordo.add_note(order, "one")
    assert heard == [1]
    unsubscribe()
    signed_in.ordo.add_note(order, "two")
    assert heard == [1]


def test_a_rejected_change_shows_on_the_order_and_is_undone(signed_in):
    rig = signed_in
    order, _, _ = _ids(rig)
    rig.ordo.transition(order, Status.IN_PROGRESS)
    rig.server.verdicts = {
        1: {"status": "rejected", "error": {"code": "forbidden", "message": "order 123 access NONE"}}
    }
    rig.ordo.sync_blocking()
    detail = rig.ordo.get_order(order)
    [refusal] = detail.refusals
    # The user reads the code's plain sentence, never the server's developer message.
    assert (refusal.what, refusal.sentence, refusal.kept) == (
        "Start work",
        "You are not allowed to make this change.",
        "The order stays Assigned.",
    )
    assert detail.summary.status is Status.ASSIGNED and not detail.summary.pending
    rig.clock.advance(days=30)
    assert rig.ordo.get_order(order).refusals == [refusal]  # until the user dismisses it


def test_sync_acknowledges_and_empties_the_outbox(signed_in):
    rig = signed_in
    order, item, _ = _ids(rig)
    rig.ordo.transition(order, Status.IN_PROGRESS)
    rig.ordo.set_checklist(order, item, done=True)
    rig.ordo.sync_blocking()
    assert _outbox(rig) == []
    assert rig.ordo.sync_status().waiting == 0
    assert rig.ordo.get_order(order).summary.pending is False


def test_garbage_or_500_during_sync_loses_nothing(signed_in):
    rig = signed_in
    order, _item, _ = _ids(rig)
    rig.ordo.transition(order, Status.IN_PROGRESS)
    rig.ordo.add_note(order, "precious")
    before = rig.ordo.get_order(order)
    for answer in (
        httpx.Response(500, text="boom"),
        httpx.Response(200, text="{not json"),
        httpx.Response(200, json={"results": "?"}),
    ):
        rig.server.fault = lambda _r, a=answer: a
        with pytest.raises(SyncError, match=r"unavailable|Ordo server"):
            rig.ordo.sync_blocking()
        assert rig.ordo.get_order(order) == before
        assert len(_outbox(rig)) == 2


def test_expired_session_keeps_working_here_and_keeps_everything(signed_in):
    rig = signed_in
    order, _, _ = _ids(rig)
    rig.ordo.add_note(order, "keep me")
    rig.server.fault = lambda _r: httpx.Response(
        401, json={"error": {"code": "unauthorized", "message": "x"}}
    )
    with pytest.raises(AuthExpired, match="sign in again"):
        rig.ordo.sync_blocking()
    user = rig.ordo.current_user()
    assert user is not None and not user.server_session  # local work goes on
    rig.ordo.add_note(order, "and me")
    assert rig.ordo.sync_status().label().startswith("Sign in to sync")
    assert len(_outbox(rig)) == 2
    rig.server.fault = None
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    assert _outbox(rig) == []


def test_lookup_by_number_and_grouping_by_clock(signed_in):
    rig = signed_in
    assert rig.ordo.get_order_by_number("WO-000001").summary.id == uuid.UUID(rig.order)
    assert rig.ordo.get_order_by_number("WO-999999") is None
    assert [s.number for s in rig.ordo.list_orders().today] == ["WO-000001"]  # due T0 + 6 h
    rig.clock.now = T0 + timedelta(days=1)
    assert [s.number for s in rig.ordo.list_orders().overdue] == ["WO-000001"]
