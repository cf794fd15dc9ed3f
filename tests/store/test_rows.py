"""Pulled changes of every entity, deletes, out-of-scope orders and resets."""

import pytest

from app.domain.protocol import Change
from app.store.models import (
    ChecklistItem,
    Conflict,
    Note,
    Order,
    Part,
    PartUsage,
    Photo,
    Rejection,
    Signature,
    TimeLog,
    User,
)
from app.store.outbox import enqueue, queued
from app.store.rows import apply_change, reset_server_rows, sweep_departed
from store.kit import T0, TECH, change, item_data, new_id, open_store, order_data, wire

SHA = "a" * 64


def children(order_id):
    """One pulled row of every child entity of `order_id`, with its model and a field to check."""
    return [
        (
            "photo",
            Photo,
            {
                "id": new_id(),
                "order_id": order_id,
                "author_id": TECH["id"],
                "sha256": SHA,
                "size": 1234,
                "content_type": "image/jpeg",
                "width": 640,
                "height": 480,
                "caption": "leak",
                "taken_at": wire(T0),
                "blob_status": "complete",
                "voided": False,
            },
            ("caption", "leak"),
        ),
        (
            "time_log",
            TimeLog,
            {
                "id": new_id(),
                "order_id": order_id,
                "user_id": TECH["id"],
                "kind": "travel",
                "started_at": wire(T0),
                "ended_at": wire(T0.replace(hour=10)),
                "voided": False,
            },
            ("ended_at", T0.replace(hour=10)),
        ),
        (
            "part_usage",
            PartUsage,
            {
                "id": new_id(),
                "order_id": order_id,
                "user_id": TECH["id"],
                "sku": "SEAL-10",
                "quantity": 2,
                "voided": False,
            },
            ("quantity", 2.0),
        ),
        (
            "signature",
            Signature,
            {
                "id": new_id(),
                "order_id": order_id,
                "signer_name": "Ann",
                "sha256": SHA,
                "signed_at": wire(T0),
            },
            ("signer_name", "Ann"),
        ),
        (
            "conflict",
            Conflict,
            {
                "id": new_id(),
                "order_id": order_id,
                "entity": "work_order",
                "entity_id": order_id,
                "field": "title",
                "mine": "A",
                "theirs": "B",
                "mid": 3,
                "device_id": new_id(),
                "status": "open",
                "resolution": None,
            },
            ("theirs", "B"),
        ),
        (
            "note",
            Note,
            {"id": new_id(), "order_id": order_id, "author_id": None, "text": "hi", "at": wire(T0)},
            ("text", "hi"),
        ),
    ]


def _apply(s, *changes):
    for c in changes:
        apply_change(s, Change.model_validate(c))


def _seeded(tmp_path):
    store, order = open_store(tmp_path), new_id()
    rows = children(order)
    with store.transaction() as s:
        _apply(
            s,
            change("work_order", order_data(order), 10),
            change("checklist_item", item_data(new_id(), order), 11),
        )
        _apply(s, *(change(entity, data, 20 + i) for i, (entity, _m, data, _f) in enumerate(rows)))
    return store, order, rows


def test_every_child_entity_is_written_with_its_server_copy(tmp_path):
    store, _order, rows = _seeded(tmp_path)
    with store.read() as s:
        for i, (_entity, model, data, (name, value)) in enumerate(rows):
            row = s.get(model, data["id"])
            assert getattr(row, name) == value and row.seq == 20 + i
            assert row.server_data == data


@pytest.mark.parametrize("index", range(6))
def test_a_newer_version_wins_an_older_one_does_not_and_a_delete_removes(tmp_path, index):
    store, _order, rows = _seeded(tmp_path)
    entity, model, data, _ = rows[index]
    with store.transaction() as s:
        _apply(s, change(entity, {**data, "voided": True, "status": "resolved"}, 5))  # older: ignored
        assert s.get(model, data["id"]).seq == 20 + index
        _apply(s, {"entity": entity, "id": data["id"], "seq": 40, "deleted": True})
    with store.read() as s:
        assert s.get(model, data["id"]) is None


def test_directory_and_parts_catalogue(tmp_path):
    store = open_store(tmp_path)
    part_id = new_id()
    with store.transaction() as s:
        _apply(
            s,
            change("user", {**TECH, "skills": ["pumps"]}, 1),
            change("part", {"id": part_id, "sku": "SEAL-10", "name": "Seal 10 mm", "unit": "pcs"}, 2),
        )
    with store.read() as s:
        assert s.get(User, TECH["id"]).skills == ["pumps"]
        assert s.get(User, TECH["id"]).active is True  # a server that sends no flag: active
        assert (s.get(Part, part_id).sku, s.get(Part, part_id).unit) == ("SEAL-10", "pcs")
    with store.transaction() as s:
        _apply(s, change("user", {**TECH, "skills": [], "active": False}, 3))
    with store.read() as s:
        assert s.get(User, TECH["id"]).active is False


def test_out_of_scope_removes_the_order_and_every_child(tmp_path):
    store, order, _rows = _seeded(tmp_path)
    with store.transaction() as s:
        s.add(Rejection(mid=1, order_id=order, type="note.add", code="x", message="no", at=T0))
        _apply(s, {"entity": "work_order", "id": order, "seq": 50, "deleted": True, "reason": "out_of_scope"})
    with store.read() as s:
        assert s.get(Order, order) is None
        for model in (ChecklistItem, Photo, TimeLog, PartUsage, Signature, Note):
            assert s.query(model).count() == 0, model
        # The conflict stays: the server keeps sending a technician the conflicts they lost.
        assert s.query(Conflict).count() == 1
        # So does the refusal: a change refused because the order went is what the user must learn.
        assert s.query(Rejection).count() == 1


def test_out_of_scope_with_queued_work_keeps_the_order_until_it_is_acknowledged(tmp_path):
    store, order, rows = _seeded(tmp_path)
    with store.transaction() as s:
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=10, created_at=T0)
        _apply(s, {"entity": "work_order", "id": order, "seq": 50, "deleted": True, "reason": "out_of_scope"})
        assert sweep_departed(s) == []
    with store.read() as s:
        assert s.get(Order, order).out_of_scope is True
        assert s.get(Photo, rows[0][2]["id"]) is not None
    with store.transaction() as s:
        s.delete(queued(s)[0])  # acknowledged by a pull
        s.flush()
        assert sweep_departed(s) == [order]
    with store.read() as s:
        assert s.get(Order, order) is None and s.query(Photo).count() == 0


def test_an_order_sent_again_is_back_in_scope(tmp_path):
    store, order, _rows = _seeded(tmp_path)
    with store.transaction() as s:
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=10, created_at=T0)
        _apply(s, {"entity": "work_order", "id": order, "seq": 50, "deleted": True, "reason": "out_of_scope"})
        _apply(s, change("work_order", order_data(order, title="back"), 60))
        s.delete(queued(s)[0])
        s.flush()
        assert sweep_departed(s) == []
    with store.read() as s:
        assert (s.get(Order, order).title, s.get(Order, order).out_of_scope) == ("back", False)


def test_reset_keeps_orders_with_unsent_work_and_drops_the_rest(tmp_path):
    store, order, rows = _seeded(tmp_path)
    other = new_id()
    with store.transaction() as s:
        _apply(s, change("work_order", order_data(other), 70), change("user", {**TECH}, 71))
        s.add(Rejection(mid=1, order_id=other, type="note.add", code="x", message="no", at=T0))
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=10, created_at=T0)
        reset_server_rows(s)
    with store.read() as s:
        assert s.get(Order, other) is None and s.query(User).count() == 0
        assert s.query(Rejection).count() == 1  # not a pulled row: kept until dismissed
        assert s.get(Order, order).out_of_scope is True
        assert s.get(Photo, rows[0][2]["id"]) is not None  # its children stay with it
        assert len(queued(s)) == 1


def test_an_orders_required_skills_come_with_it_and_none_from_an_older_server(tmp_path):
    store = open_store(tmp_path)
    named, older = new_id(), new_id()
    with store.transaction() as s:
        apply_change(
            s, Change.model_validate(change("work_order", order_data(named, required_skills=["gas-safe"]), 1))
        )
        apply_change(s, Change.model_validate(change("work_order", order_data(older), 2)))
    with store.read() as s:
        assert s.get(Order, named).required_skills == ["gas-safe"]
        assert s.get(Order, older).required_skills == []
