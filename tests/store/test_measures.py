"""The dashboard's order facts on the device: pulled with the order, and kept by the
optimistic local apply by the same rule as the server (app.domain.measures)."""

from datetime import timedelta

from sqlalchemy import select

from app.domain.protocol import Change
from app.store.apply import apply_local
from app.store.bulk import apply_changes
from app.store.models import Order
from app.store.outbox import enqueue
from app.store.rows import apply_change
from store.kit import DISPATCHER, T0, TECH, change, new_id, open_store, order_data, sign_in_locally, wire

TECH2 = "44444444-4444-4444-8444-444444444444"


def _device(tmp_path, *, user=DISPATCHER, **fields):
    store, order = open_store(tmp_path), new_id()
    sign_in_locally(store, user=user)
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", order_data(order, **fields), 10)))
    return store, order


def _write(store, type_, order, args, *, at=T0):
    with store.transaction() as s:
        entry = enqueue(s, type=type_, entity_id=order, args=args, base_seq=10, created_at=at)
        apply_local(s, entry)
        apply_local(s, entry)  # the re-base applies it again: the same state


def _row(store, order):
    with store.read() as s:
        return s.execute(select(Order).where(Order.id == order)).scalar_one()


def test_pulled_rows_carry_the_facts_through_both_write_paths(tmp_path) -> None:
    store, order = _device(tmp_path)
    first = T0 - timedelta(days=2)
    data = order_data(order, first_assigned_at=wire(first), reopen_count=3, follow_up_of="src-id")
    with store.transaction() as s:
        apply_changes(s, [Change.model_validate(change("work_order", data, 11))])  # bulk
    row = _row(store, order)
    assert (row.first_assigned_at, row.reopen_count, row.follow_up_of) == (first, 3, "src-id")
    older = order_data(order)  # a server from before the facts sends none of them
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", older, 12)))  # one by one
    row = _row(store, order)
    assert (row.first_assigned_at, row.reopen_count, row.follow_up_of) == (None, 0, None)


def test_a_local_assignment_sets_first_assigned_at_once(tmp_path) -> None:
    store, order = _device(tmp_path, status="new", assignee_id=None)
    _write(store, "order.update", order, {"fields": {"assignee_id": TECH["id"]}})
    assert _row(store, order).first_assigned_at == T0
    _write(store, "order.update", order, {"fields": {"assignee_id": None}}, at=T0 + timedelta(hours=1))
    _write(store, "order.update", order, {"fields": {"assignee_id": TECH2}}, at=T0 + timedelta(hours=2))
    row = _row(store, order)
    assert (row.status, row.first_assigned_at, row.assigned_at) == ("assigned", T0, T0 + timedelta(hours=2))


def test_a_local_reopen_counts_once_however_often_applied(tmp_path) -> None:
    store, order = _device(tmp_path, status="completed", completed_at=wire(T0 - timedelta(hours=1)))
    _write(store, "order.transition", order, {"from": "completed", "to": "in_progress", "at": wire(T0)})
    row = _row(store, order)
    assert (row.status, row.reopen_count) == ("in_progress", 1)


def test_a_technicians_follow_up_create_keeps_its_source(tmp_path) -> None:
    store, source = _device(tmp_path, user=TECH)
    made = new_id()
    args = {"id": made, "title": "More work", "status": "new", "assignee_id": None, "follow_up_of": source}
    _write(store, "order.create", made, args)
    row = _row(store, made)
    assert (row.follow_up_of, row.first_assigned_at, row.reopen_count) == (source, None, 0)
