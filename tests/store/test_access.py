"""The device user's relation to an order held here: the client's one input to the rulebook."""

import pytest

from app.domain.rules import Relation
from app.store.access import OrderFacts, device_user, gates_of, order_facts, relation_of, relation_to
from app.store.models import ChecklistItem, Order
from store.kit import DISPATCHER, TECH, open_store, sign_in_locally

OTHER = "33333333-3333-4333-8333-333333333333"


def _order(*, assignee=TECH["id"], out_of_scope=False):
    return Order(id="o", number="WO-1", status="assigned", assignee_id=assignee, out_of_scope=out_of_scope)


@pytest.mark.parametrize(
    ("role", "order", "expected"),
    [
        ("dispatcher", _order(), Relation.DISPATCH),
        ("admin", _order(assignee=None), Relation.DISPATCH),
        ("technician", _order(), Relation.ASSIGNEE),
        # An unassigned order on a technician's device is their own follow-up.
        ("technician", _order(assignee=None), Relation.CREATOR),
        ("technician", _order(assignee=OTHER), Relation.OTHER_TECHNICIAN),
        # Left the device's scope, waiting only for its queued work: it was theirs.
        ("technician", _order(out_of_scope=True), Relation.FORMER_ASSIGNEE),
        ("integration", _order(), Relation.OUTSIDER),
        (None, _order(), Relation.OUTSIDER),
        ("pilot", _order(), Relation.OUTSIDER),
    ],
)
def test_relation_of_the_device_user(role, order, expected):
    assert relation_to(order, user_id=TECH["id"], role=role) is expected


def test_relation_reads_the_signed_in_user_and_gates_read_the_rows(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user=DISPATCHER)
    with store.transaction() as s:
        order = Order(id="o", number="WO-1", status="in_progress", assignee_id=None, requires_signature=True)
        s.add(order)
        s.add(ChecklistItem(id="i", order_id="o", label="Seal", required=True, done=False))
        s.flush()
        assert device_user(s).dispatcher and relation_of(s, order) is Relation.DISPATCH
        gates = gates_of(s, order)
        assert gates.has_assignee is False
        assert list(gates.completion_blockers) == [
            "required checklist item not done: Seal",
            "a signature is required",
        ]


def test_nobody_signed_in_is_an_outsider(tmp_path):
    store = open_store(tmp_path)
    with store.transaction() as s:
        assert device_user(s).role is None
        assert relation_of(s, _order()) is Relation.OUTSIDER


def test_order_facts_are_the_columns_read_or_the_object_the_session_holds(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user=TECH)
    with store.transaction() as s:
        assert order_facts(s, "o") is None
        s.add(_order(assignee=OTHER))  # added, not flushed: found as a query would find it
        facts = order_facts(s, "o")
        assert facts is not None and facts.assignee_id == OTHER
    with store.transaction() as s:
        facts = order_facts(s, "o")
        assert facts == OrderFacts(id="o", number="WO-1", seq=0, assignee_id=OTHER, out_of_scope=False)
        assert relation_of(s, facts) is Relation.OTHER_TECHNICIAN
        held = s.get(Order, "o")
        held.assignee_id = TECH["id"]  # changed, not flushed: the held object is the truth
        assert order_facts(s, "o") is held
        assert relation_of(s, held) is Relation.ASSIGNEE
