"""Every mutation type through push and pull against a MockTransport answering per the protocol."""

import uuid
from datetime import timedelta

import pytest
from store.kit import (
    T0,
    TECH,
    change,
    dispatcher_device,
    new_id,
    order_data,
    synced_with_one_order,
    wire,
)

from app.services import dispatch, entries, writes
from app.store.models import Conflict, Note, Order, PartUsage, Rejection, TimeLog
from app.store.outbox import queued


@pytest.fixture
def tech(tmp_path):
    return synced_with_one_order(tmp_path)


def test_each_technician_type_is_pushed_and_settled_by_the_pull(tech):
    store, server, engine, order = tech
    oid = uuid.UUID(order)
    conflict_id = new_id()
    conflict = {
        "id": conflict_id,
        "order_id": order,
        # A technician settles an overlap of their own time (a status conflict is a dispatcher's).
        "entity": "time_log",
        "entity_id": new_id(),
        "field": "overlap",
        "mine": None,
        "theirs": None,
        "mid": 1,
        "device_id": new_id(),
        "status": "open",
        "resolution": None,
    }
    server.pages.append({"changes": [change("conflict", conflict, 6)], "cursor": "c6", "has_more": False})
    engine.sync_once()
    with store.transaction() as s:
        note = writes.add_note(s, order_id=oid, text="wrong", now=T0).args["id"]
        entries.void_entry(
            s,
            order_id=oid,
            entity="note",
            entry_id=uuid.UUID(note),
            reason="typo",
            now=T0,
        )
        time = entries.log_time(
            s,
            order_id=oid,
            kind="work",
            started_at=T0 - timedelta(hours=1),
            ended_at=T0,
            now=T0,
        ).args
        part = entries.use_part(s, order_id=oid, sku="NOPE", quantity=1, now=T0).args
        follow = dispatch.create_follow_up(
            s, from_order_id=oid, title="Valve", description="", priority="low", kind="repair", now=T0
        ).entity_id
        dispatch.resolve_conflict(s, conflict_id=uuid.UUID(conflict_id), choice="mine", value=None, now=T0)
    server.verdicts = {
        4: {"status": "rejected", "error": {"code": "unknown_part", "message": "No part NOPE."}}
    }
    server.pages.append(
        {
            "changes": [
                change(
                    "note",
                    {
                        "id": note,
                        "order_id": order,
                        "author_id": TECH["id"],
                        "text": "wrong",
                        "at": wire(T0),
                        "voided": True,
                    },
                    7,
                ),
                change(
                    "time_log",
                    {**time, "order_id": order, "user_id": TECH["id"], "voided": False},
                    8,
                ),
                change(
                    "work_order", order_data(follow, number="WO-000099", status="new", assignee_id=None), 9
                ),
                change("conflict", {**conflict, "status": "resolved", "resolution": {"choice": "mine"}}, 10),
            ],
            "cursor": "c10",
            "has_more": False,
        }
    )
    report = engine.sync_once()
    assert [m["type"] for m in server.pushed[-1]["mutations"]] == [
        "note.add",
        "entry.void",
        "time.add",
        "part.use",
        "order.create",
        "note.add",  # the follow-up's link, written on its source order
        "conflict.resolve",
    ]
    assert report.results == {"applied": 6, "rejected": 1}
    with store.read() as s:
        assert queued(s) == []
        assert s.get(Note, note).voided is True and s.get(Note, note).seq == 7
        assert s.get(TimeLog, time["id"]).server_data is not None
        assert s.get(PartUsage, part["id"]) is None  # refused: undone, and the refusal kept
        assert s.get(Rejection, 4).message == "No part NOPE."
        assert s.get(Order, follow).number == "WO-000099"
        assert s.get(Conflict, conflict_id).status == "resolved"


def test_a_dispatchers_update_in_conflict_shows_the_kept_value_and_the_conflict(tmp_path):
    store, server, engine = dispatcher_device(tmp_path)
    order = new_id()
    server.pages.append(
        {"changes": [change("work_order", order_data(order), 5)], "cursor": "c5", "has_more": False}
    )
    engine.sync_once()
    with store.transaction() as s:
        dispatch.update_order(
            s,
            order_id=uuid.UUID(order),
            fields={"title": "Mine", "priority": "urgent"},
            now=T0,
        )
    cid = new_id()
    server.verdicts = {1: {"status": "conflict", "seq": 7, "conflict_ids": [cid]}}
    server.pages.append(
        {
            "changes": [
                change("work_order", order_data(order, title="Theirs", priority="urgent"), 6),
                change(
                    "conflict",
                    {
                        "id": cid,
                        "order_id": order,
                        "entity": "work_order",
                        "entity_id": order,
                        "field": "title",
                        "mine": "Mine",
                        "theirs": "Theirs",
                        "mid": 1,
                        "device_id": new_id(),
                        "status": "open",
                        "resolution": None,
                    },
                    7,
                ),
            ],
            "cursor": "c7",
            "has_more": False,
        }
    )
    engine.sync_once()
    assert server.pushed[-1]["mutations"][0]["base_seq"] == 5
    with store.read() as s:
        o = s.get(Order, order)
        assert (o.title, o.priority) == ("Theirs", "urgent") and queued(s) == []
        assert (s.get(Conflict, cid).mine, s.get(Conflict, cid).status) == ("Mine", "open")
