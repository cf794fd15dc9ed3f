"""Creating an order on the desk: every field checked, one transaction makes the order
(provisional number), its checklist and the queued order.create (and the assign after it)."""

import uuid
from datetime import datetime, timedelta

import pytest
from store.kit import DISPATCHER, T0, TECH, change, new_id, order_data, wire

from app.domain import Status
from app.domain.protocol import Change, OrderCreateArgs
from app.services import create
from app.services.desk_types import ChecklistDraftItem, OrderDraft
from app.services.types import InvalidInput
from app.store.models import Order
from app.store.outbox import queued
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}
GONE = {"id": "c0000000-0000-4000-8000-000000000003", "username": "cy", "display_name": "Cy Gone"}
SITE = {"name": "Harbour View Offices", "address": "12 Quay Street", "lat": 51.4545, "lon": -2.597}
CHECKLIST = [
    ChecklistDraftItem(label=" Isolate power ", required=True),
    ChecklistDraftItem(label="Flue temperature", kind="number", required=True, unit="°C", min=55, max=80),
    ChecklistDraftItem(label="Remarks", kind="text"),
    ChecklistDraftItem(label="Gas tightness", kind="pass_fail", required=True),
]


def pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


@pytest.fixture
def desk(dispatcher):
    pull(
        dispatcher,
        change("user", {**TECH, "skills": []}, 100),
        change("user", {**ANA, "role": "technician", "skills": ["hvac"]}, 101),
        change("user", {**GONE, "role": "technician", "skills": [], "active": False}, 102),
        change("user", {**DISPATCHER, "skills": []}, 103),
    )
    return dispatcher


def outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.entity_id, e.args, e.base_seq) for e in queued(s)]


def order_count(rig):
    with rig.ordo._store.read() as s:
        return len(list(s.scalars(Order.__table__.select())))


def test_a_full_order_with_checklist_and_assignee(desk):
    rig = desk
    draft = OrderDraft(
        title="  Install heat pump ",
        description="Replace the old boiler",
        kind="installation",
        priority="high",
        customer={"name": "Harbour Properties Ltd", "contact": " Maya Chen "},
        site=SITE,
        asset="HP-1",
        requires_signature=True,
        checklist=CHECKLIST,
        assignee_id=uuid.UUID(ANA["id"]),
    )
    detail = rig.ordo.create_order(draft)
    s = detail.summary
    assert (s.title, s.priority.value, s.status, s.due_at) == (
        "Install heat pump",
        "high",
        Status.ASSIGNED,
        T0 + timedelta(hours=24),
    )
    assert s.number == "NEW-" + str(s.id)[:6].upper() and s.pending
    assert (detail.assignee_name, detail.kind, detail.requires_signature) == (
        "Ana Alvarez",
        "installation",
        True,
    )
    assert detail.customer == {"name": "Harbour Properties Ltd", "contact": "Maya Chen"}
    assert detail.site == {**SITE, "address": "12 Quay Street"}
    assert [(i.position, i.label, i.kind, i.required, i.unit, i.min, i.max) for i in detail.checklist] == [
        (1, "Isolate power", "check", True, None, None, None),
        (2, "Flue temperature", "number", True, "°C", 55.0, 80.0),
        (3, "Remarks", "text", False, None, None, None),
        (4, "Gas tightness", "pass_fail", True, None, None, None),
    ]
    [(t1, e1, a1, b1), (t2, e2, a2, b2)] = outbox(rig)
    oid = str(s.id)
    assert (t1, e1, b1, a1["id"], a1["status"], a1["assignee_id"], a1["source"]) == (
        "order.create", oid, None, oid, "new", None, "manual",
    )  # fmt: skip
    assert a1["due_at"] == "2026-11-26T09:00:00Z" and a1["asset"] == "HP-1"
    assert [i["id"] for i in a1["checklist"]] == [str(i.id) for i in detail.checklist]
    # The assign follows, as its own order.update on the version made here.
    assert (t2, e2, a2, b2) == ("order.update", oid, {"fields": {"assignee_id": ANA["id"]}}, 0)
    # What goes on the wire is what the protocol takes.
    created = OrderCreateArgs.model_validate(a1)
    assert (created.id, len(created.checklist), created.site.lat) == (s.id, 4, 51.4545)


def test_an_unassigned_order_waits_in_the_queue(desk):
    rig = desk
    detail = rig.ordo.create_order(OrderDraft(title="Check lift", priority="urgent"))
    assert detail.summary.status is Status.NEW and detail.summary.due_at == T0 + timedelta(hours=4)
    assert [t for t, *_ in outbox(rig)] == ["order.create"]
    assert [c.summary.number for c in rig.ordo.board().unassigned] == [detail.summary.number]


def test_an_explicit_due_time_is_kept(desk):
    due = T0 + timedelta(days=10)
    detail = desk.ordo.create_order(OrderDraft(title="Paint", priority="urgent", due_at=due))
    assert detail.summary.due_at == due


def test_the_create_is_pushed_and_the_server_number_replaces_the_provisional_one(desk):
    rig = desk
    detail = rig.ordo.create_order(OrderDraft(title="Check lift", site={"name": "Town Hall"}))
    oid = str(detail.summary.id)
    rig.ordo.sync_blocking()
    [body] = [b for b in rig.server.pushed if b["mutations"]]
    assert [(m["type"], m["entity_id"]) for m in body["mutations"]] == [("order.create", oid)]
    rig.server.pages.append(
        {
            "changes": [
                change("work_order", order_data(oid, number="WO-000777", status="new", assignee_id=None), 500)
            ],
            "cursor": "500",
            "has_more": False,
        }
    )
    rig.ordo.sync_blocking()
    assert rig.ordo.get_order(detail.summary.id).summary.number == "WO-000777"


@pytest.mark.parametrize(
    ("change_", "says"),
    [
        ({"title": "  "}, "title cannot be empty"),
        ({"title": "x" * 301}, "title is too long"),
        ({"description": "x" * 10_001}, "description is too long"),
        ({"priority": "asap"}, "Unknown priority 'asap'"),
        ({"kind": "magic"}, "Unknown kind 'magic'"),
        ({"site": {"name": "A", "lat": 91, "lon": 0}}, "latitude must be between -90 and 90"),
        ({"site": {"name": "A", "lat": 0, "lon": -181}}, "longitude must be between -180 and 180"),
        ({"site": {"name": "A", "lat": "north", "lon": 0}}, "latitude must be a number"),
        ({"site": {"name": "A", "lat": 51.0}}, "latitude and longitude both, or neither"),
        ({"site": {"name": "x" * 301}}, "site's name is too long"),
        ({"customer": {"name": "x" * 301}}, "customer's name is too long"),
        ({"customer": "ACME"}, "customer must be a set of fields"),
        ({"asset": "x" * 201}, "asset is too long"),
        ({"due_at": datetime(2026, 12, 1, 9, 0)}, "due time needs a date, a time and a time zone"),
        ({"requires_signature": "yes"}, "yes or no to requiring a signature"),
        ({"assignee_id": uuid.UUID(GONE["id"])}, "Cy Gone is not an active technician"),
        ({"assignee_id": uuid.UUID(DISPATCHER["id"])}, "Dee Spatch is not an active technician"),
        ({"assignee_id": uuid.uuid4()}, "no such user in the directory"),
        ({"checklist": [ChecklistDraftItem(label=" ")]}, "Checklist item 1 needs a label"),
        (
            {"checklist": [*CHECKLIST, ChecklistDraftItem(label="x" * 301)]},
            "Checklist item 5: the label is too long",
        ),
        (
            {"checklist": [ChecklistDraftItem(label="A", kind="photo")]},
            "Checklist item 1: unknown kind 'photo'",
        ),
        (
            {"checklist": [ChecklistDraftItem(label="A", unit="bar")]},
            "only number items have a unit or limits",
        ),
        ({"checklist": [ChecklistDraftItem(label="A", kind="text", min=1)]}, "only number items have a unit"),
        (
            {"checklist": [ChecklistDraftItem(label="A", kind="number", min=5, max=1)]},
            "Checklist item 1: the minimum is above the maximum",
        ),
        (
            {"checklist": [ChecklistDraftItem(label="A", kind="number", max=float("nan"))]},
            "the maximum must be a number",
        ),
        (
            {"checklist": [ChecklistDraftItem(label="A", kind="number", unit="u" * 31)]},
            "the unit is too long \\(at most 30",
        ),
        ({"checklist": [ChecklistDraftItem(label="A", required="yes")]}, "yes or no to required"),
        ({"checklist": [ChecklistDraftItem(label=f"{n}") for n in range(201)]}, "at most 200 items"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(desk, change_, says):
    rig = desk
    before = order_count(rig)
    fields = {"title": "Fix it", **change_}
    with pytest.raises(InvalidInput, match=says):
        rig.ordo.create_order(OrderDraft(**fields))
    assert outbox(rig) == [] and order_count(rig) == before


def test_the_rulebook_decides_who_creates(signed_in, tmp_path):
    rig = signed_in
    with pytest.raises(InvalidInput, match="Only a dispatcher creates an order for someone"):
        rig.ordo.create_order(OrderDraft(title="Mine", assignee_id=uuid.UUID(TECH["id"])))
    # Unassigned work, as follow-ups are: a technician may (the server keeps it in their scope).
    detail = rig.ordo.create_order(OrderDraft(title="Found a leak"))
    assert detail.summary.status is Status.NEW
    with rig.ordo._store.transaction() as s, pytest.raises(InvalidInput, match="not allowed"):
        create.create_order(s, OrderDraft(title="x"), user_id=new_id(), role="integration", now=T0)


def test_known_places_most_used_first_with_their_latest_details(desk):
    rig = desk
    rows = []
    for n, (customer, site, days_ago) in enumerate(
        [
            ({"name": "ACME", "contact": "old"}, {"name": "Plant 1", "address": "1 Main St"}, 5),
            ({"name": "acme ", "contact": "555-0100"}, {**SITE, "address": "12 Quay Street"}, 1),
            (
                {"name": "Beta", "contact": None},
                {"name": "Plant 1", "address": "1 Main St", "lat": 1.5, "lon": 2},
                3,
            ),
            ({"name": "Beta"}, {"name": "plant 1", "address": "1 main st", "lat": None, "lon": None}, 0),
            ({"name": "Gamma"}, {"name": ""}, 2),
            ({}, {}, 2),
        ]
    ):
        at = wire(T0 - timedelta(days=days_ago))
        data = order_data(new_id(), number=f"WO-0001{n:02d}", customer=customer, site=site, updated_at=at)
        rows.append(change("work_order", data, 300 + n))
    pull(rig, *rows)
    places = rig.ordo.known_places()
    # The rig's own order is at ACME, Plant 1 too (a day old).
    assert places.customers == [
        {"name": "acme", "contact": "555-0100"},
        {"name": "Beta", "contact": None},
        {"name": "Gamma", "contact": None},
    ]
    assert places.sites == [
        {"name": "Plant 1", "address": "1 Main St", "lat": 1.5, "lon": 2},
        {"name": "Harbour View Offices", "address": "12 Quay Street", "lat": 51.4545, "lon": -2.597},
    ]


def test_required_skills_go_as_tags_and_bad_ones_are_refused_before_anything_is_queued(desk):
    detail = desk.ordo.create_order(
        OrderDraft(title="Gas job", required_skills=(" Gas safe ", "GAS_SAFE", "Boilers"))
    )
    [(kind, _, args, _)] = outbox(desk)
    assert kind == "order.create" and args["required_skills"] == ["gas_safe", "boilers"]
    assert OrderCreateArgs.model_validate(args).required_skills == ["gas_safe", "boilers"]
    assert detail.required_skills == ("gas_safe", "boilers")
    with pytest.raises(InvalidInput, match="Required skills: skill 1: empty"):
        desk.ordo.create_order(OrderDraft(title="Other", required_skills=("  ",)))
    desk.ordo.create_order(OrderDraft(title="No skills"))
    assert "required_skills" not in outbox(desk)[-1][2]  # none: left out of the create
    assert len(outbox(desk)) == 2
