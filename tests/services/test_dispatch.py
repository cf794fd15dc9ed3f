"""Follow-up orders, a dispatcher's edits and conflict decisions through the facade."""

import uuid
from datetime import timedelta

import pytest
from servicekit import conflicts_of, update_fields
from store.kit import DISPATCHER, T0, TECH, change

from app.domain import Status
from app.domain.protocol import Change
from app.services.types import InvalidInput, OrderId
from app.store.models import Order
from app.store.outbox import queued
from app.store.rows import apply_change


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.entity_id, e.args, e.base_seq) for e in queued(s)]


def _pull(rig, entity, data, seq):
    with rig.ordo._store.transaction() as s:
        apply_change(s, Change.model_validate(change(entity, data, seq)))


def test_a_technician_creates_follow_up_work_that_they_keep_seeing(signed_in):
    rig = signed_in
    detail = rig.ordo.create_follow_up(
        OrderId(uuid.UUID(rig.order)),
        title=" Replace valve ",
        description="Valve 2 weeps",
        priority="high",
        kind="repair",
    )
    assert detail.summary.status is Status.NEW and detail.summary.pending
    assert detail.summary.number.startswith("NEW-") and detail.summary.title == "Replace valve"
    assert detail.summary.due_at == T0 + timedelta(hours=24)
    assert detail.site["name"] == "Plant 1" and detail.customer["name"] == "ACME"
    [(type_, entity, args, base_seq), linked] = _outbox(rig)  # and the source order's note
    assert linked[0] == "note.add" and linked[1] == rig.order
    assert (type_, entity, base_seq, args["id"]) == ("order.create", str(detail.summary.id), None, entity)
    assert (args["status"], args["assignee_id"], args["checklist"]) == ("new", None, [])
    groups = rig.ordo.list_orders()
    assert str(detail.summary.id) in {str(s.id) for s in groups.today + groups.upcoming + groups.overdue}


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"title": "  "}, "title cannot be empty"),
        ({"title": "x" * 301}, "title is too long"),
        ({"priority": "asap"}, "Unknown priority 'asap'"),
        ({"kind": "magic"}, "Unknown kind 'magic'"),
    ],
)
def test_bad_follow_ups_are_refused(signed_in, fields, says):
    args = {"title": "Valve", "description": "", "priority": "normal", "kind": "repair", **fields}
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.create_follow_up(OrderId(uuid.UUID(signed_in.order)), **args)
    assert _outbox(signed_in) == []


def test_update_order_sends_only_changed_fields_with_the_orders_seq(dispatcher):
    rig = dispatcher
    oid = OrderId(uuid.UUID(rig.order))
    due = T0 + timedelta(days=2)
    detail = update_fields(rig.ordo, oid, {"title": "Fix pump 3", "priority": "normal", "due_at": due})
    assert detail.summary.title == "Fix pump 3" and detail.summary.due_at == due
    assert _outbox(rig) == [
        ("order.update", rig.order, {"fields": {"title": "Fix pump 3", "due_at": "2026-11-27T09:00:00Z"}}, 1)
    ]
    update_fields(rig.ordo, oid, {"title": "Fix pump 3"})  # nothing differs: nothing queued
    assert len(_outbox(rig)) == 1


def test_assigning_and_unassigning_follow_the_rules(dispatcher):
    rig = dispatcher
    oid = OrderId(uuid.UUID(rig.order))
    detail = update_fields(rig.ordo, oid, {"assignee_id": None})
    assert detail.summary.status is Status.NEW
    detail = update_fields(rig.ordo, oid, {"assignee_id": TECH["id"]})
    assert detail.summary.status is Status.ASSIGNED
    with pytest.raises(InvalidInput, match="no such user"):
        update_fields(rig.ordo, oid, {"assignee_id": str(uuid.uuid4())})
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).status = "in_progress"
    with pytest.raises(InvalidInput, match="cannot be unassigned now"):
        update_fields(rig.ordo, oid, {"assignee_id": None})
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).status = "completed"
    _pull(rig, "user", {**DISPATCHER, "skills": []}, 60)
    with pytest.raises(InvalidInput, match="cannot be reassigned"):
        update_fields(rig.ordo, oid, {"assignee_id": DISPATCHER["id"]})


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({}, "Choose what to change"),
        ({"status": "closed"}, "status cannot be changed here"),
        # The definition is editable (app.services.edit), but a saved item is never removed.
        ({"checklist": []}, "“Check seal” cannot be removed: once saved"),
        ({"checklist": "Check seal"}, "The checklist must be a list of items"),
        ({"required_skills": ["gas-safe", " _ "]}, "Required skills: skill 2: empty"),
        ({"required_skills": "gas-safe"}, "Required skills: a list of skills"),
        ({"site": {"name": "X", "lat": 91}}, "latitude must be between -90 and 90"),
        ({"site": "Plant 2"}, "site must be a set of fields"),
        ({"due_at": T0.replace(tzinfo=None)}, "needs a date, a time and a time zone"),
        ({"requires_signature": "yes"}, "Say yes or no"),
        ({"assignee_id": "bob"}, "'bob' is not a user"),
    ],
)
def test_bad_updates_are_refused(dispatcher, fields, says):
    with pytest.raises(InvalidInput, match=says):
        update_fields(dispatcher.ordo, OrderId(uuid.UUID(dispatcher.order)), fields)
    assert _outbox(dispatcher) == []


def test_a_technician_cannot_edit_dispatcher_fields(signed_in):
    with pytest.raises(InvalidInput, match="Only a dispatcher"):
        update_fields(signed_in.ordo, OrderId(uuid.UUID(signed_in.order)), {"title": "mine"})


def _conflict(rig, **fields):
    cid = str(uuid.uuid4())
    data = {
        "id": cid,
        "order_id": rig.order,
        "entity": "work_order",
        "entity_id": rig.order,
        "field": "title",
        "mine": "Tech title",
        "theirs": "Fix pump",
        "mid": 1,
        "device_id": str(uuid.uuid4()),
        "status": "open",
        "resolution": None,
        **fields,
    }
    _pull(rig, "conflict", data, 50)
    return uuid.UUID(cid)


def test_conflicts_of_an_order_and_who_may_decide_them(signed_in):
    rig = signed_in
    title = _conflict(rig)
    item = _conflict(
        rig,
        entity="checklist_item",
        entity_id=rig.optional_item,
        field="value",
        mine={"value": 3, "done": True},
        theirs={"value": 4, "done": True},
    )
    assert rig.ordo.get_order(OrderId(uuid.UUID(rig.order))).open_conflicts == 2
    views = {v.id: v for v in conflicts_of(rig.ordo, OrderId(uuid.UUID(rig.order)))}
    assert (views[title].label, views[title].may_resolve) == ("title", False)
    assert (views[item].label, views[item].may_resolve) == ("checklist: Pressure", True)
    with pytest.raises(InvalidInput, match="Only a dispatcher can decide the title"):
        rig.ordo.resolve_conflict(title, choice="mine")
    rig.ordo.resolve_conflict(item, choice="value", value=3.5)
    [(type_, entity, args, _)] = _outbox(rig)
    assert (type_, entity, args) == (
        "conflict.resolve",
        rig.order,
        # A checklist conflict is decided with the item's value and done (sync-protocol.md).
        {"conflict_id": str(item), "choice": "value", "value": {"value": 3.5, "done": True}},
    )
    assert rig.ordo.get_order(OrderId(uuid.UUID(rig.order))).checklist[1].value == 3.5
    decided = {v.id: v for v in conflicts_of(rig.ordo, OrderId(uuid.UUID(rig.order)))}[item]
    assert (decided.status, decided.pending, decided.may_resolve) == ("resolved", True, False)
    with pytest.raises(InvalidInput, match="already decided"):
        rig.ordo.resolve_conflict(item, choice="theirs")
    assert rig.ordo.get_order(OrderId(uuid.UUID(rig.order))).open_conflicts == 1


def test_a_dispatcher_decides_a_title_with_a_checked_value(dispatcher):
    rig = dispatcher
    cid = _conflict(rig)
    with pytest.raises(InvalidInput, match="Choose mine, theirs or a new value"):
        rig.ordo.resolve_conflict(cid, choice="both")
    with pytest.raises(InvalidInput, match="Enter the value to keep"):
        rig.ordo.resolve_conflict(cid, choice="value")
    with pytest.raises(InvalidInput, match="title cannot be empty"):
        rig.ordo.resolve_conflict(cid, choice="value", value="  ")
    detail = rig.ordo.resolve_conflict(cid, choice="value", value=" Fix pump 3 ")
    assert detail.summary.title == "Fix pump 3"
    with pytest.raises(InvalidInput, match="not on this device"):
        rig.ordo.resolve_conflict(uuid.uuid4(), choice="mine")
