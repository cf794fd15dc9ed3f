"""The assignee picker: active technicians, how loaded each is today, search, one-tap assign."""

import uuid
from datetime import timedelta

import pytest
from store.kit import DISPATCHER, T0, TECH, change, new_id, order_data, wire

from app.domain import Status
from app.domain.protocol import Change
from app.services.types import InvalidInput, OrderId
from app.store.models import Order
from app.store.outbox import queued
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}
BEN = {"id": "b0000000-0000-4000-8000-000000000002", "username": "ben", "display_name": "Ben Brook"}
GONE = {"id": "c0000000-0000-4000-8000-000000000003", "username": "cy", "display_name": "Cy Gone"}


def _pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


@pytest.fixture
def desk(dispatcher):
    """A dispatcher's device: a new order to assign, and a directory of four technicians.
    Tess (the rig's) has the rig's order due today; Ana has two open orders, one overdue and
    one due today, and a completed one; Ben has one due tomorrow; Cy has left."""
    rig = dispatcher
    new_order = new_id()
    rows = [
        change("user", {**TECH, "skills": ["Boilers"]}, 100),
        change("user", {**ANA, "role": "technician", "skills": ["pumps", "HVAC"]}, 101),
        change("user", {**BEN, "role": "technician", "skills": []}, 102),
        change("user", {**GONE, "role": "technician", "skills": ["pumps"], "active": False}, 103),
        change("user", {**DISPATCHER, "skills": []}, 104),
        change("work_order", order_data(new_order, number="WO-000010", status="new", assignee_id=None), 105),
    ]
    for n, (who, due, status) in enumerate(
        [
            (ANA["id"], T0 - timedelta(days=2), "on_hold"),
            (ANA["id"], T0 + timedelta(hours=3), "assigned"),
            (ANA["id"], T0 + timedelta(hours=3), "completed"),
            (BEN["id"], T0 + timedelta(days=1), "assigned"),
        ]
    ):
        data = order_data(new_id(), number=f"WO-00002{n}", status=status, assignee_id=who, due_at=wire(due))
        rows.append(change("work_order", data, 110 + n))
    _pull(rig, *rows)
    rig.new_order = OrderId(uuid.UUID(new_order))
    return rig


def _names(choices):
    return [(c.username, c.open_today, c.current) for c in choices]


def test_active_technicians_fewest_open_today_first(desk):
    choices = desk.ordo.list_technicians(desk.new_order)
    assert _names(choices) == [("ben", 0, False), ("tech1", 1, False), ("ana", 2, False)]
    ana = choices[-1]
    assert (ana.id, ana.display_name, ana.skills) == (uuid.UUID(ANA["id"]), "Ana Alvarez", ["pumps", "HVAC"])


def test_the_current_assignee_is_marked(desk):
    choices = desk.ordo.list_technicians(OrderId(uuid.UUID(desk.order)))
    assert [c.username for c in choices if c.current] == ["tech1"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", ["ben", "tech1", "ana"]),
        ("ANA", ["ana"]),  # display name, any case
        ("brook", ["ben"]),
        ("tech1", ["tech1"]),  # username
        ("hvac", ["ana"]),  # skill
        ("pumps", ["ana"]),  # Cy has the skill but has left
        ("boil tess", ["tech1"]),  # every word must match something
        ("nobody", []),
    ],
)
def test_search_by_name_username_or_skill(desk, query, found):
    assert [c.username for c in desk.ordo.list_technicians(desk.new_order, query=query)] == found


def test_assigning_from_the_picker_queues_one_update_and_shows_at_once(desk):
    rig = desk
    detail = rig.ordo.assign(rig.new_order, uuid.UUID(BEN["id"]))
    assert detail.summary.status is Status.ASSIGNED
    assert (detail.assignee_name, detail.summary.assignee_name) == ("Ben Brook", "Ben Brook")
    with rig.ordo._store.read() as s:
        [entry] = queued(s)
        assert (entry.type, entry.args) == ("order.update", {"fields": {"assignee_id": BEN["id"]}})
    assert [c.username for c in rig.ordo.list_technicians(rig.new_order) if c.current] == ["ben"]
    # Reassigning someone who has started asks first (the screen does); unassigning an
    # order in progress is refused by the rulebook.
    rig.ordo.transition(rig.new_order, Status.ON_HOLD, reason="customer away")
    assert rig.ordo.get_order(rig.new_order).offers.reassign_needs_confirmation
    with pytest.raises(InvalidInput, match="it cannot be unassigned now"):
        rig.ordo.assign(rig.new_order, None)


def test_one_who_left_or_is_no_technician_cannot_be_assigned(desk):
    with pytest.raises(InvalidInput, match="Cy Gone is not an active technician"):
        desk.ordo.assign(desk.new_order, uuid.UUID(GONE["id"]))
    with pytest.raises(InvalidInput, match="Dee Spatch is not an active technician"):
        desk.ordo.assign(desk.new_order, uuid.UUID(DISPATCHER["id"]))


def test_a_completed_order_keeps_its_technician(desk):
    rig = desk
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).status = "completed"
    assert rig.ordo.get_order(OrderId(uuid.UUID(rig.order))).offers.assign is False
    with pytest.raises(InvalidInput, match="is completed: it cannot be reassigned"):
        rig.ordo.assign(OrderId(uuid.UUID(rig.order)), uuid.UUID(ANA["id"]))


def test_only_a_dispatcher_uses_the_picker(signed_in):
    with pytest.raises(InvalidInput, match="Only a dispatcher assigns"):
        signed_in.ordo.list_technicians(OrderId(uuid.UUID(signed_in.order)))
    with pytest.raises(InvalidInput, match="Only a dispatcher"):
        signed_in.ordo.assign(OrderId(uuid.UUID(signed_in.order)), uuid.UUID(ANA["id"]))


def test_the_dispatchers_cards_show_the_assignee(desk):
    groups = desk.ordo.list_orders()
    cards = {s.number: s.assignee_name for s in [*groups.overdue, *groups.today, *groups.upcoming]}
    assert (
        cards["WO-000001"] == "Tess Tech" and cards["WO-000010"] == "" and cards["WO-000020"] == "Ana Alvarez"
    )
