"""apply_local for every mutation type, and the re-base that replays or undoes each."""

from datetime import timedelta

import pytest

from app.domain.protocol import Change
from app.store.apply import apply_local, provisional_number
from app.store.models import ChecklistItem, Conflict, Note, Order, PartUsage, Photo, Signature, TimeLog
from app.store.outbox import drop_acknowledged, enqueue, queued
from app.store.rebase import rebase
from app.store.rows import apply_change
from store.kit import (
    DISPATCHER,
    T0,
    TECH,
    change,
    item_data,
    new_id,
    open_store,
    order_data,
    pulled_conflict,
    sign_in_locally,
    wire,
)

SHA = "b" * 64


def _world(tmp_path, *, user=TECH):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store, user=user)
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", order_data(order), 10)))
        apply_change(s, Change.model_validate(change("checklist_item", item_data(item, order), 11)))
    return store, order, item


def _queue(store, type_, order, args, base_seq=None):
    """What a service write does: queue and apply in one transaction."""
    with store.transaction() as s:
        entry = enqueue(s, type=type_, entity_id=order, args=args, base_seq=base_seq, created_at=T0)
        return apply_local(s, entry)


def _adds(order):
    end = wire(T0 + timedelta(hours=1))
    return [
        ("time.add", TimeLog, {"id": new_id(), "kind": "work", "started_at": wire(T0), "ended_at": end}),
        ("part.use", PartUsage, {"id": new_id(), "sku": "SEAL-10", "quantity": 2}),
        ("signature.add", Signature, {"id": new_id(), "signer_name": "Ann", "sha256": SHA, "signed_at": end}),
        (
            "photo.add",
            Photo,
            {
                "id": new_id(),
                "sha256": SHA,
                "size": 10,
                "content_type": "image/jpeg",
                "width": 4,
                "height": 3,
                "caption": "before",
                "taken_at": wire(T0),
            },
        ),
        ("note.add", Note, {"id": new_id(), "text": "hello", "at": wire(T0)}),
    ]


@pytest.mark.parametrize("index", range(5))
def test_each_add_makes_one_local_row_idempotently(tmp_path, index):
    store, order, _ = _world(tmp_path)
    type_, model, args = _adds(order)[index]
    effect = _queue(store, type_, order, args)
    assert effect is not None and effect.row_id == args["id"]
    with store.transaction() as s:
        apply_local(s, queued(s)[0])  # the re-base replays it: still one row
    with store.read() as s:
        rows = s.query(model).all()
        assert [(r.id, r.order_id, r.server_data) for r in rows] == [(args["id"], order, None)]
        if hasattr(model, "user_id"):
            assert rows[0].user_id == TECH["id"]


def test_adds_for_an_order_not_on_this_device_do_nothing(tmp_path):
    store, _order, _ = _world(tmp_path)
    for type_, model, args in _adds(None):
        assert _queue(store, type_, new_id(), args) is None
        with store.read() as s:
            assert s.query(model).count() == 0


@pytest.mark.parametrize("index", range(5))
def test_a_rejected_add_is_undone_and_an_applied_one_is_kept(tmp_path, index):
    store, order, _ = _world(tmp_path)
    type_, model, args = _adds(order)[index]
    _queue(store, type_, order, args)
    _queue(store, type_, order, {**args, "id": new_id()})
    with store.transaction() as s:
        first, second = queued(s)
        first.result_status, second.result_status = "rejected", "applied"
        rebase(s, dropped=drop_acknowledged(s, last_mid=2))
    with store.read() as s:
        assert [r.id for r in s.query(model)] == [second.args["id"]]


def test_order_create_makes_a_provisional_order_with_its_checklist(tmp_path):
    store, _, _ = _world(tmp_path)
    order, item = new_id(), new_id()
    args = {
        "id": order,
        "title": "Follow-up: replace valve",
        "kind": "repair",
        "priority": "high",
        "status": "new",
        "site": {"name": "Plant 1"},
        "due_at": wire(T0 + timedelta(hours=24)),
        "checklist": [{"id": item, "position": 1, "label": "Isolate", "kind": "check", "required": True}],
    }
    _queue(store, "order.create", order, args)
    with store.read() as s:
        o = s.get(Order, order)
        assert (o.number, o.title, o.status, o.priority, o.created_at) == (
            provisional_number(order),
            "Follow-up: replace valve",
            "new",
            "high",
            T0,
        )
        assert o.due_at == T0 + timedelta(hours=24) and o.server_data is None
        assert s.get(ChecklistItem, item).label == "Isolate"
    with store.transaction() as s:
        queued(s)[0].result_status = "rejected"
        rebase(s, dropped=drop_acknowledged(s, last_mid=1))
    with store.read() as s:
        assert s.get(Order, order) is None and s.get(ChecklistItem, item) is None


def test_order_update_sets_fields_assigns_and_is_undone_when_in_conflict(tmp_path):
    store, order, _ = _world(tmp_path, user=DISPATCHER)
    with store.transaction() as s:
        s.get(Order, order).status, s.get(Order, order).assignee_id = "new", None
    _queue(store, "order.update", order, {"fields": {"title": "Urgent pump", "assignee_id": TECH["id"]}}, 10)
    with store.read() as s:
        o = s.get(Order, order)
        assert (o.title, o.assignee_id, o.status, o.assigned_at) == (
            "Urgent pump",
            TECH["id"],
            "assigned",
            T0,
        )
    with store.transaction() as s:
        queued(s)[0].result_status = "conflict"
        rebase(s, dropped=drop_acknowledged(s, last_mid=1))
    with store.read() as s:
        assert (s.get(Order, order).title, s.get(Order, order).status) == ("Fix pump", "assigned")


def test_entry_void_marks_the_entry_and_is_undone_when_rejected(tmp_path):
    store, order, _ = _world(tmp_path)
    note = new_id()
    with store.transaction() as s:
        data = {"id": note, "order_id": order, "author_id": TECH["id"], "text": "x", "at": wire(T0)}
        apply_change(s, Change.model_validate(change("note", data, 12)))
    _queue(store, "entry.void", order, {"entity": "note", "id": note, "reason": "typo"})
    with store.read() as s:
        assert s.get(Note, note).voided is True
    assert _queue(store, "entry.void", new_id(), {"entity": "note", "id": note, "reason": "x"}) is None
    with store.transaction() as s:
        for e in queued(s):
            e.result_status = "rejected"
        rebase(s, dropped=drop_acknowledged(s, last_mid=2))
    with store.read() as s:
        assert s.get(Note, note).voided is False


def test_conflict_resolve_for_mine_shows_the_value_and_is_undone_when_rejected(tmp_path):
    store, order, _ = _world(tmp_path, user=DISPATCHER)
    cid = pulled_conflict(store, order=order)
    _queue(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        c = s.get(Conflict, cid)
        assert (c.status, c.resolution, s.get(Order, order).title) == (
            "resolved",
            {"choice": "mine", "value": None},
            "My title",
        )
    with store.transaction() as s:
        queued(s)[0].result_status = "rejected"
        rebase(s, dropped=drop_acknowledged(s, last_mid=1))
    with store.read() as s:
        assert (s.get(Conflict, cid).status, s.get(Order, order).title) == ("open", "Fix pump")


def test_conflict_resolve_with_a_value_on_a_checklist_item(tmp_path):
    store, order, item = _world(tmp_path)
    cid = pulled_conflict(
        store,
        order=order,
        entity="checklist_item",
        entity_id=item,
        field="value",
        mine={"value": 3, "done": True},
    )
    decided = {"value": 4, "done": True}
    _queue(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "value", "value": decided})
    with store.read() as s:
        assert (s.get(ChecklistItem, item).value, s.get(ChecklistItem, item).done) == (4, True)
    assert _queue(store, "conflict.resolve", new_id(), {"conflict_id": cid, "choice": "theirs"}) is None


def test_replayed_adds_survive_a_pull_that_does_not_have_them_yet(tmp_path):
    store, order, _ = _world(tmp_path)
    for type_, _model, args in _adds(order):
        _queue(store, type_, order, args)
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", order_data(order, title="New"), 30)))
        rebase(s, dropped=drop_acknowledged(s, last_mid=0))
    with store.read() as s:
        assert s.get(Order, order).title == "New"
        for _type, model, _args in _adds(order):
            assert s.query(model).count() == 1, model
