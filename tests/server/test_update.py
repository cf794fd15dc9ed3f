"""order.update: per-field merge of dispatcher-owned fields, and assigning."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from server_stub.db import Database
from server_stub.models import WorkOrder
from server_stub.testing import read_order

from .conftest import World, sign_in
from .kit import codes, move, pulled, seq_of, statuses, update


def _order(database_url: str, order_id: str) -> dict:  # type: ignore[type-arg]
    row = read_order(database_url=database_url, order_id=order_id)
    assert row is not None
    return row


def test_dispatcher_update_applies_every_field(client: TestClient, world: World, database_url: str) -> None:
    disp = sign_in(client, "disp")
    a = world.orders["a"]
    base = seq_of(disp, a)
    fields = {
        "title": "Boiler B2", "description": "Loud", "kind": "maintenance", "priority": "urgent",
        "site": {"name": "Depot", "address": "1 Road", "lat": 52.5, "lon": 13.4},
        "customer": {"name": "ACME", "contact": "+49 1"}, "asset": "BLR-2",
        "due_at": "2026-11-30T12:00:00Z", "requires_signature": True,
    }  # fmt: skip
    result = disp.push([update(disp, a, base, **fields)])
    assert statuses(result) == ["applied"] and result["results"][0]["seq"] > base
    row = _order(database_url, a)
    assert {k: row[k] for k in fields} == fields
    assert row["seq"] == result["results"][0]["seq"]


def test_update_without_base_seq_is_rejected(client: TestClient, world: World, database_url: str) -> None:
    disp = sign_in(client, "disp")
    result = disp.push([update(disp, world.orders["a"], None, title="X")])
    assert codes(result) == ["base_seq_required"]
    assert _order(database_url, world.orders["a"])["title"] == "A"


def test_stale_field_conflicts_and_the_other_fields_apply(
    client: TestClient, world: World, database_url: str
) -> None:
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a = world.orders["a"]
    base = seq_of(laptop, a)
    desk.push([update(desk, a, base, title="From desk")])
    result = laptop.push([update(laptop, a, base, title="From laptop", priority="urgent")])
    assert statuses(result) == ["conflict"]
    [conflict_id] = result["results"][0]["conflict_ids"]
    row = _order(database_url, a)
    assert (row["title"], row["priority"]) == ("From desk", "urgent")
    conflict = pulled(laptop, "conflict")[conflict_id]
    assert (conflict["entity"], conflict["entity_id"], conflict["field"]) == ("work_order", a, "title")
    assert (conflict["mine"], conflict["theirs"], conflict["status"]) == ("From laptop", "From desk", "open")
    assert conflict_id in pulled(sign_in(client, "disp"), "conflict")


def test_one_conflict_per_field_and_equal_values_never_conflict(client: TestClient, world: World) -> None:
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a = world.orders["a"]
    base = seq_of(laptop, a)
    desk.push([update(desk, a, base, title="T", asset="X-1", priority="high")])
    two = laptop.push([update(laptop, a, base, title="T2", asset="X-2")])
    assert statuses(two) == ["conflict"] and len(two["results"][0]["conflict_ids"]) == 2
    same = laptop.push([update(laptop, a, base, title="T", priority="high")])
    assert statuses(same) == ["applied"]
    fresh = laptop.push([update(laptop, a, seq_of(laptop, a), title="T3")])
    assert statuses(fresh) == ["applied"]


def test_technician_edit_is_a_conflict_never_an_overwrite(
    client: TestClient, world: World, database_url: str
) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    result = tech.push([update(tech, a, seq_of(tech, a), title="Mine now", description="")])
    assert statuses(result) == ["conflict"]
    assert len(result["results"][0]["conflict_ids"]) == 1  # description equal: not a conflict
    assert _order(database_url, a)["title"] == "A"
    [conflict] = pulled(sign_in(client, "disp"), "conflict").values()
    assert (conflict["mine"], conflict["theirs"]) == ("Mine now", "A")


def test_update_rejections(client: TestClient, world: World) -> None:
    disp, tech2, outsider = sign_in(client, "disp"), sign_in(client, "tech2"), sign_in(client, "outsider")
    a = world.orders["a"]
    result = disp.push(
        [
            update(disp, a, 0, status="closed"),
            update(disp, a, 0, priority="whenever"),
            update(disp, a, 0, title="x" * 301),
            update(disp, a, 0, due_at="tomorrow"),
            update(disp, a, 0, requires_signature="yes"),
            disp.mutation("order.update", a, {"fields": {}}, base_seq=0),
            disp.mutation("order.update", a, {"fields": ["title"]}, base_seq=0),
        ]
    )
    assert codes(result) == ["invalid_args"] * 7
    assert codes(tech2.push([update(tech2, a, 0, title="x")])) == ["forbidden"]
    assert codes(outsider.push([update(outsider, a, 0, title="x")])) == ["not_found"]


# --- assigning ------------------------------------------------------------------


def test_assigning_a_new_order_moves_it_to_assigned(
    client: TestClient, world: World, database_url: str, db: Database
) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    new = world.orders["new"]
    assert new not in pulled(tech1, "work_order")
    result = disp.push([update(disp, new, seq_of(disp, new), assignee_id=world.users["tech1"])])
    assert statuses(result) == ["applied"]
    row = _order(database_url, new)
    assert (row["status"], row["assignee_id"]) == ("assigned", world.users["tech1"])
    assert row["assigned_at"] == "2026-11-25T09:00:00Z"  # the server's clock, not a device's
    assert pulled(tech1, "work_order")[new]["status"] == "assigned"
    # Clearing it moves it back to new; the history keeps tech1.
    result = disp.push([update(disp, new, seq_of(disp, new), assignee_id=None)])
    assert statuses(result) == ["applied"]
    row = _order(database_url, new)
    assert (row["status"], row["assignee_id"]) == ("new", None)
    with db.read() as session:
        history = session.execute(select(WorkOrder.past_assignees).where(WorkOrder.id == new)).scalar_one()
    assert history == [world.users["tech1"]]


def test_reassigning_keeps_the_status_and_the_history(
    client: TestClient, world: World, database_url: str, db: Database
) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    a = world.orders["a"]
    tech1.push([move(tech1, a, "assigned", "en_route")])
    result = disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"])])
    assert statuses(result) == ["applied"]
    row = _order(database_url, a)
    assert (row["status"], row["assignee_id"]) == ("en_route", world.users["tech2"])
    with db.read() as session:
        history = session.execute(select(WorkOrder.past_assignees).where(WorkOrder.id == a)).scalar_one()
    assert history == [world.users["tech1"], world.users["tech2"]]
    assert a in pulled(sign_in(client, "tech2"), "work_order")


def test_assigning_refusals(client: TestClient, world: World, database_url: str) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    a, sig, new = world.orders["a"], world.orders["sig"], world.orders["new"]
    # sig is in progress: it cannot be unassigned.
    result = disp.push([update(disp, sig, seq_of(disp, sig), assignee_id=None)])
    assert codes(result) == ["unassign_refused"]
    # Only a technician of the organisation can be the assignee.
    for someone in (world.users["disp"], world.users["outsider"], str(uuid.uuid4())):
        result = disp.push([update(disp, new, seq_of(disp, new), assignee_id=someone)])
        assert codes(result) == ["unknown_assignee"]
    # A cancelled (or completed, closed) order cannot be reassigned; the whole update is refused.
    disp.push([move(disp, a, "assigned", "cancelled")])
    result = disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"], title="Z")])
    assert codes(result) == ["not_reassignable"]
    row = _order(database_url, a)
    assert (row["assignee_id"], row["title"]) == (world.users["tech1"], "A")
    del tech1


# --- the checklist definition ------------------------------------------------------


def _definition(dev, order: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    items = [i for i in pulled(dev, "checklist_item").values() if i["order_id"] == order]
    keys = ("id", "position", "label", "kind", "required", "unit", "min", "max")
    return [{k: i[k] for k in keys} for i in sorted(items, key=lambda i: i["position"])]


def test_checklist_definition_adds_and_changes_items(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    a = world.orders["a"]
    items = _definition(disp, a)
    items[0]["label"] = "Isolate and lock out"
    added = {"id": str(uuid.uuid4()), "position": 5, "label": "Photo of the label", "kind": "check",
             "required": False, "unit": None, "min": None, "max": None}  # fmt: skip
    result = disp.push([update(disp, a, seq_of(disp, a), checklist=[*items, added])])
    assert statuses(result) == ["applied"]
    assert _definition(disp, a) == [*items, added]
    # A technician pulls the new item too, as a child of their order.
    assert added["id"] in pulled(sign_in(client, "tech1"), "checklist_item")


def test_checklist_definition_keeps_evidence_back_as_merged(client: TestClient, world: World) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    a, isolate = world.orders["a"], world.items["a"][0]
    tech.push([tech.mutation("checklist.set", a, {"item_id": isolate, "value": True, "done": True})])
    items = _definition(disp, a)
    items[0]["kind"] = "text"  # it holds a value: the kind stays
    result = disp.push([update(disp, a, seq_of(disp, a), checklist=items[:3])])  # the last one left out
    assert statuses(result) == ["merged"]
    after = _definition(disp, a)
    assert len(after) == 4 and after[0]["kind"] == "check"


def test_checklist_definition_conflict_and_invalid(client: TestClient, world: World) -> None:
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a = world.orders["a"]
    base, items = seq_of(laptop, a), _definition(laptop, a)
    desk.push([update(desk, a, base, checklist=[{**items[0], "label": "Desk"}, *items[1:]])])
    result = laptop.push([update(laptop, a, base, checklist=[{**items[0], "label": "Laptop"}, *items[1:]])])
    assert statuses(result) == ["conflict"]
    [conflict] = pulled(laptop, "conflict").values()
    assert (conflict["field"], conflict["mine"][0]["label"], conflict["theirs"][0]["label"]) == (
        "checklist", "Laptop", "Desk",
    )  # fmt: skip
    fresh = seq_of(laptop, a)
    bad = [
        [{**items[0], "kind": "colour"}],
        [items[0], {**items[1], "position": items[0]["position"]}],
        "all of them",
    ]
    result = laptop.push([update(laptop, a, fresh, checklist=value) for value in bad])
    assert codes(result) == ["invalid_args"] * 3
    taken = {**items[0], "id": world.items["b"][0], "position": 9}
    assert codes(laptop.push([update(laptop, a, fresh, checklist=[*items, taken])])) == ["id_conflict"]
