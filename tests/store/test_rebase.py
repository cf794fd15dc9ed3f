"""After a pull, server rows win, and still-queued local work is replayed on top."""

import uuid

from app.domain.protocol import Change
from app.services import writes
from app.store.models import ChecklistItem, Note, Order
from app.store.outbox import drop_acknowledged, queued
from app.store.rebase import rebase
from app.store.rows import apply_change
from store.kit import T0, change, item_data, new_id, open_store, order_data, sign_in_locally


def _pull(s, *changes, last_mid):
    for c in changes:
        apply_change(s, Change.model_validate(c))
    gone = drop_acknowledged(s, last_mid=last_mid)
    rebase(s, dropped=gone)
    return gone


def _setup(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store)
    with store.transaction() as s:
        _pull(
            s,
            change("work_order", order_data(order), 10),
            change("checklist_item", item_data(item, order), 11),
            last_mid=0,
        )
    return store, order, item


def test_queued_work_stays_visible_over_a_newer_server_row(tmp_path):
    store, order, item = _setup(tmp_path)
    with store.transaction() as s:
        writes.transition(s, order_id=uuid.UUID(order), to="in_progress", reason=None, now=T0)
        writes.set_checklist(
            s, order_id=uuid.UUID(order), item_id=uuid.UUID(item), value=None, done=True, now=T0
        )
    # A dispatcher changed the title meanwhile; the server has none of our mutations yet.
    with store.transaction() as s:
        _pull(
            s,
            change("work_order", order_data(order, title="Fix pump 3"), 12),
            change("checklist_item", item_data(item, order, label="Check seal (new)"), 13),
            last_mid=0,
        )
    with store.read() as s:
        o, i = s.get(Order, order), s.get(ChecklistItem, item)
        assert (o.title, o.status, o.seq) == ("Fix pump 3", "in_progress", 12)
        assert (i.label, i.done) == ("Check seal (new)", True)
        assert [e.mid for e in queued(s)] == [1, 2]


def test_acknowledged_mutations_are_dropped_and_server_truth_shows(tmp_path):
    store, order, _item = _setup(tmp_path)
    with store.transaction() as s:
        writes.transition(s, order_id=uuid.UUID(order), to="in_progress", reason=None, now=T0)
        writes.add_note(s, order_id=uuid.UUID(order), text="pending note", now=T0)
    with store.transaction() as s:
        gone = _pull(s, change("work_order", order_data(order, status="in_progress"), 14), last_mid=1)
    assert [e.mid for e in gone] == [1]
    with store.read() as s:
        assert [e.mid for e in queued(s)] == [2]
        assert s.get(Order, order).status == "in_progress"
        assert [n.text for n in s.query(Note)] == ["pending note"]


def test_a_rejected_change_is_undone_when_acknowledged(tmp_path):
    store, order, _item = _setup(tmp_path)
    with store.transaction() as s:
        writes.transition(s, order_id=uuid.UUID(order), to="in_progress", reason=None, now=T0)
        writes.add_note(s, order_id=uuid.UUID(order), text="doomed", now=T0)
        for e in queued(s):
            e.result_status = "rejected"
    # The server changed nothing, so the pull brings no new order row: only last_mid.
    with store.transaction() as s:
        _pull(s, last_mid=2)
    with store.read() as s:
        assert s.get(Order, order).status == "assigned"
        assert s.query(Note).count() == 0
        assert queued(s) == []


def test_a_later_queued_change_is_replayed_after_an_earlier_one_is_undone(tmp_path):
    store, order, item = _setup(tmp_path)
    with store.transaction() as s:
        writes.set_checklist(
            s, order_id=uuid.UUID(order), item_id=uuid.UUID(item), value=None, done=True, now=T0
        )
        writes.transition(s, order_id=uuid.UUID(order), to="in_progress", reason=None, now=T0)
        queued(s)[0].result_status = "conflict"
    with store.transaction() as s:
        _pull(s, last_mid=1)
    with store.read() as s:
        assert s.get(ChecklistItem, item).done is False  # the server kept its value
        assert s.get(Order, order).status == "in_progress"  # still queued: still shown


def test_an_older_server_version_never_replaces_a_newer_one(tmp_path):
    store, order, _ = _setup(tmp_path)
    with store.transaction() as s:
        _pull(s, change("work_order", order_data(order, title="old"), 5), last_mid=0)
    with store.read() as s:
        assert s.get(Order, order).title == "Fix pump"


def test_out_of_scope_delete_removes_the_order_and_its_children(tmp_path):
    store, order, item = _setup(tmp_path)
    with store.transaction() as s:
        _pull(
            s,
            {"entity": "work_order", "id": order, "seq": 20, "deleted": True, "reason": "out_of_scope"},
            last_mid=0,
        )
    with store.read() as s:
        assert s.get(Order, order) is None and s.get(ChecklistItem, item) is None
