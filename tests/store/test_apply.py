from datetime import timedelta

from app.domain.protocol import Change, Mutation
from app.store.apply import apply_local
from app.store.models import ChecklistItem, Note, Order
from app.store.rows import apply_change
from store.kit import T0, TECH, change, item_data, new_id, open_store, order_data, sign_in_locally, wire


def _seed(store, order_id, item_id):
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", order_data(order_id), 10)))
        apply_change(s, Change.model_validate(change("checklist_item", item_data(item_id, order_id), 11)))


def _m(type_, entity_id, args, mid=1):
    return Mutation(mid=mid, type=type_, entity_id=entity_id, args=args)


def test_transition_sets_status_lifecycle_time_and_reason(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store)
    _seed(store, order, item)
    at = T0 + timedelta(minutes=5)
    with store.transaction() as s:
        effect = apply_local(
            s,
            _m(
                "order.transition",
                order,
                {"from": "assigned", "to": "on_hold", "at": wire(at), "reason": "no parts"},
            ),
        )
        assert effect is not None and effect.table == "orders"
    with store.read() as s:
        o = s.get(Order, order)
        assert (o.status, o.status_reason, o.on_hold_at, o.updated_at) == ("on_hold", "no parts", at, at)
        assert o.seq == 10  # a local change never pretends to be a server version


def test_checklist_set_and_idempotence(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store)
    _seed(store, order, item)
    m = _m("checklist.set", order, {"item_id": item, "value": None, "done": True})
    for _ in range(2):
        with store.transaction() as s:
            apply_local(s, m)
    with store.read() as s:
        assert s.get(ChecklistItem, item).done is True


def test_checklist_set_for_an_item_of_another_order_does_nothing(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    _seed(store, order, item)
    with store.transaction() as s:
        assert (
            apply_local(s, _m("checklist.set", new_id(), {"item_id": item, "value": None, "done": True}))
            is None
        )
    with store.read() as s:
        assert s.get(ChecklistItem, item).done is False


def test_note_add_creates_one_note_by_the_signed_in_user(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store)
    _seed(store, order, item)
    note = new_id()
    m = _m("note.add", order, {"id": note, "text": "Seal replaced", "at": wire(T0)})
    for _ in range(2):
        with store.transaction() as s:
            apply_local(s, m)
    with store.read() as s:
        n = s.get(Note, note)
        assert (n.text, n.author_id, n.order_id, n.at, n.server_data) == (
            "Seal replaced",
            TECH["id"],
            order,
            T0,
            None,
        )


def test_unknown_target_is_not_an_error(tmp_path):
    store = open_store(tmp_path)
    with store.transaction() as s:
        assert (
            apply_local(
                s, _m("order.transition", new_id(), {"from": "a", "to": "in_progress", "at": wire(T0)})
            )
            is None
        )
