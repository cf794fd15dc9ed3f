"""Refused changes: listed in plain words with what was kept, counted on the sync bar
until dismissed, and the listeners told when one is."""

import uuid

import pytest
from store.kit import T0, change, order_data

from app.domain import Status
from app.services.types import InvalidInput, OrderId, SyncState


def _oid(rig):
    return OrderId(uuid.UUID(rig.order))


def _refuse(rig, *mids_codes):
    rig.server.verdicts = {
        mid: {"status": "rejected", "error": {"code": code, "message": f"developer detail {mid}"}}
        for mid, code in mids_codes
    }
    rig.ordo.sync_blocking()


def test_refusals_are_listed_in_plain_words_with_what_was_kept(signed_in):
    rig = signed_in
    rig.ordo.transition(_oid(rig), Status.IN_PROGRESS)
    rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.optional_item), value=95, done=True)
    rig.ordo.add_note(_oid(rig), "  Replaced the seal and tested it under pressure for an hour. " * 2)
    _refuse(rig, (1, "illegal_transition"), (2, "illegal_state"), (3, "mystery_code"))
    refusals = rig.ordo.list_refusals()
    assert [(r.id, r.order_number, r.what, r.sentence, r.kept) for r in refusals] == [
        (
            3,
            "WO-000001",
            "Note: Replaced the seal and tested it under pressure for an hour.…",
            "The server refused this change.",
            "The note was not added.",
        ),
        (
            2,
            "WO-000001",
            "Checklist: Pressure = 95",
            "The order's state no longer allows this change.",
            "Pressure stays not done.",
        ),
        (
            1,
            "WO-000001",
            "Start work",
            "The order cannot move to that step from where it is now.",
            "The order stays Assigned.",
        ),
    ]
    assert all(r.at == T0 and r.order_id == uuid.UUID(rig.order) for r in refusals)
    assert rig.ordo.get_order(_oid(rig)).refusals == refusals
    assert not any("developer detail" in r.sentence for r in refusals)


def test_the_sync_bar_counts_refusals_until_each_is_dismissed(signed_in):
    rig = signed_in
    rig.ordo.add_note(_oid(rig), "one")
    rig.ordo.add_note(_oid(rig), "two")
    rig.ordo.worker.run_once()  # the worker's own sync publishes the status
    assert rig.ordo.sync_status().state is SyncState.SYNCED
    _refuse(rig)  # nothing refused yet: the scripted server applies both
    rig.ordo.add_note(_oid(rig), "three")
    rig.ordo.add_note(_oid(rig), "four")
    rig.server.verdicts = {
        3: {"status": "rejected", "error": {"code": "forbidden", "message": "x"}},
        4: {"status": "rejected", "error": {"code": "forbidden", "message": "y"}},
    }
    rig.ordo.worker.run_once()
    status = rig.ordo.sync_status()
    assert (status.state, status.refused, status.label()) == (SyncState.SYNCED, 2, "2 changes refused")
    heard = []
    rig.ordo.add_listener(lambda: heard.append(rig.ordo.sync_status().refused))
    rig.ordo.dismiss_refusal(4)
    assert heard and heard[-1] == 1
    assert rig.ordo.sync_status().label() == "1 change refused"
    assert [r.id for r in rig.ordo.list_refusals()] == [3]
    rig.ordo.dismiss_refusal(3)
    assert rig.ordo.sync_status().refused == 0 and rig.ordo.sync_status().label().startswith("Synced at")
    assert rig.ordo.get_order(_oid(rig)).refusals == []
    with pytest.raises(InvalidInput, match="not on this device"):
        rig.ordo.dismiss_refusal(99)


def test_a_blocked_completion_says_what_is_still_open(signed_in):
    rig = signed_in
    rig.ordo.transition(_oid(rig), Status.IN_PROGRESS)
    rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.item), done=True)
    rig.ordo.transition(_oid(rig), Status.COMPLETED)
    # The server started the work (mid 1) and sends the order back in progress.
    rig.server.pages.append(
        {
            "changes": [change("work_order", order_data(rig.order, status="in_progress"), 20)],
            "cursor": "20",
            "has_more": False,
        }
    )
    _refuse(rig, (2, "write_conflict"), (3, "completion_blocked"))
    # The tick lost to someone else's value, so the server found required work open.
    [completion, tick] = rig.ordo.list_refusals()
    assert completion.what == "Complete"
    assert completion.sentence == (
        "The order cannot be completed yet: required work is still open."
        " Still open: required checklist item not done: Check seal."
    )
    assert completion.kept == "The order stays In progress."
    assert tick.what == "Checklist: Check seal = done"


def test_a_refusal_stays_after_its_order_left_the_device(signed_in):
    rig = signed_in
    rig.ordo.add_note(_oid(rig), "for an order taken away")
    rig.server.verdicts = {1: {"status": "rejected", "error": {"code": "forbidden", "message": "x"}}}
    rig.server.pages.append(
        {
            "changes": [
                {
                    "entity": "work_order",
                    "id": rig.order,
                    "seq": 90,
                    "deleted": True,
                    "reason": "out_of_scope",
                }
            ],
            "cursor": "90",
            "has_more": False,
        }
    )
    rig.ordo.sync_blocking()
    assert rig.ordo.get_order(_oid(rig)) is None
    [refusal] = rig.ordo.list_refusals()
    assert (refusal.order_number, refusal.kept) == ("WO-000001", "The order is no longer on this device.")
    assert rig.ordo.sync_status().refused == 1
