"""order.create: dispatcher orders, technician follow-up work, numbers, due times, idempotency."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from server_stub.testing import read_order

from .conftest import Device, World, sign_in
from .kit import AT, codes, new_id, pulled, statuses


def _checklist() -> list[dict[str, Any]]:
    return [
        {"id": new_id(), "position": 1, "label": "Isolate", "kind": "check", "required": True},
        {
            "id": new_id(),
            "position": 2,
            "label": "Flow",
            "kind": "number",
            "unit": "l/min",
            "min": 0,
            "max": 9,
        },
    ]


def create(dev: Device, order_id: str, **fields: Any) -> dict[str, Any]:
    args = {"id": order_id, "title": "Follow-up", "kind": "repair", "priority": "normal", **fields}
    return dev.mutation("order.create", order_id, args)


def test_dispatcher_creates_an_order_with_its_checklist(
    client: TestClient, world: World, database_url: str
) -> None:
    disp = sign_in(client, "disp")
    order_id, checklist = new_id(), _checklist()
    result = disp.push([create(disp, order_id, priority="urgent", checklist=checklist, number="PROV-1")])
    assert statuses(result) == ["applied"]
    row = read_order(database_url=database_url, order_id=order_id)
    assert row is not None
    # The server numbers it (after the world's four) and dates it from priority on its own clock.
    assert (row["number"], row["status"], row["assignee_id"]) == ("WO-000005", "new", None)
    assert (row["created_at"], row["due_at"]) == ("2026-11-25T09:00:00Z", "2026-11-25T13:00:00Z")
    assert row["seq"] == result["results"][0]["seq"]
    items = {i["id"]: i for i in row["checklist"]}
    assert [items[c["id"]]["position"] for c in checklist] == [1, 2]
    assert items[checklist[1]["id"]]["unit"] == "l/min"
    assert {i["order_id"] for i in pulled(disp, "checklist_item").values() if i["id"] in items} == {order_id}


def test_dispatcher_creates_an_assigned_order_with_a_due_time(
    client: TestClient, world: World, database_url: str
) -> None:
    disp, tech2 = sign_in(client, "disp"), sign_in(client, "tech2")
    order_id = new_id()
    due = "2026-12-01T08:00:00Z"
    result = disp.push([create(disp, order_id, assignee_id=world.users["tech2"], due_at=due)])
    assert statuses(result) == ["applied"]
    order = pulled(tech2, "work_order")[order_id]
    assert (order["status"], order["due_at"], order["assigned_at"]) == (
        "assigned",
        due,
        "2026-11-25T09:00:00Z",
    )


def test_technician_follow_up_is_new_unassigned_and_seen_by_its_creator_until_assigned(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, tech2, disp = sign_in(client, "tech1"), sign_in(client, "tech2"), sign_in(client, "disp")
    order_id = new_id()
    result = tech1.push(
        [
            create(tech1, order_id, checklist=_checklist()),
            tech1.mutation("note.add", order_id, {"id": new_id(), "text": "Found a second leak", "at": AT}),
        ]
    )
    assert statuses(result) == ["applied", "applied"]
    mine = pulled(tech1, "work_order")
    assert (mine[order_id]["status"], mine[order_id]["assignee_id"]) == ("new", None)
    assert order_id not in pulled(tech2, "work_order")
    assert order_id in pulled(disp, "work_order")
    changes, _ = disp.pull_all()
    seq = max(c["seq"] for c in changes if c["id"] == order_id)
    disp.push(
        [disp.mutation("order.update", order_id, {"fields": {"assignee_id": tech2.user_id}}, base_seq=seq)]
    )
    assert order_id not in pulled(tech1, "work_order")
    assert pulled(tech2, "work_order")[order_id]["status"] == "assigned"


def test_technician_may_not_create_assigned_work(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    result = tech.push(
        [
            create(tech, new_id(), assignee_id=world.users["tech1"]),
            create(tech, new_id(), status="assigned"),
        ]
    )
    assert codes(result) == ["forbidden", "invalid_args"]


def test_create_is_idempotent_on_the_order_id(client: TestClient, world: World, database_url: str) -> None:
    disp, other_desk, tech = sign_in(client, "disp"), sign_in(client, "disp"), sign_in(client, "tech1")
    order_id, checklist = new_id(), _checklist()
    first = disp.push([create(disp, order_id, checklist=checklist)])
    # The same create re-queued under a new mid: the stored result, nothing new.
    again = disp.push([create(disp, order_id, checklist=checklist)])
    assert statuses(again) == ["applied"] and again["results"][0]["seq"] == first["results"][0]["seq"]
    assert read_order(database_url=database_url, order_id=order_id)["number"] == "WO-000005"  # type: ignore[index]
    # The same id with other content, or from another device's user, or a seeded order's id.
    result = disp.push([create(disp, order_id, title="Other", checklist=checklist)])
    assert codes(result) == ["id_conflict"]
    assert codes(tech.push([create(tech, order_id, checklist=checklist)])) == ["id_conflict"]
    assert codes(other_desk.push([create(other_desk, world.orders["a"])])) == ["id_conflict"]
    # A checklist item id that exists already.
    taken = [{**checklist[0], "id": world.items["a"][0]}]
    assert codes(disp.push([create(disp, new_id(), checklist=taken)])) == ["id_conflict"]


def test_create_invalid_args(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    item = {"id": new_id(), "position": 1, "label": "X", "kind": "check"}
    bad: list[dict[str, Any]] = [
        {"title": ""},
        {"kind": "demolition"},
        {"priority": 7},
        {"due_at": "soon"},
        {"checklist": [{**item, "kind": "colour"}]},
        {"checklist": [item, {**item, "id": new_id()}]},  # two items at position 1
        {"checklist": [{**item, "kind": "number", "min": 5, "max": 1}]},
        {"site": {"lat": 200}},
        {"id": new_id()},  # not the entity_id
    ]
    result = disp.push([create(disp, new_id(), **fields) for fields in bad])
    assert codes(result) == ["invalid_args"] * len(bad)
    assert codes(disp.push([disp.mutation("order.create", new_id(), {})])) == ["invalid_args"]
