"""Push: the merge rules of each mutation type, the ledger and last_mid."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from server_stub.db import Database
from server_stub.models import WorkOrder
from server_stub.testing import read_order

from .conftest import Device, World, sign_in

AT = "2026-11-25T10:00:00Z"


def move(dev: Device, order: str, frm: str, to: str, **extra: Any) -> dict[str, Any]:
    return dev.mutation("order.transition", order, {"from": frm, "to": to, "at": AT, **extra})


def statuses(result: dict[str, Any]) -> list[str]:
    return [r["status"] for r in result["results"]]


# --- order.transition -------------------------------------------------------


def test_transition_applied_sets_status_and_lifecycle_time(
    client: TestClient, world: World, database_url: str
) -> None:
    tech = sign_in(client, "tech1")
    result = tech.push([move(tech, world.orders["a"], "assigned", "en_route")])
    assert result["results"] == [{"mid": 1, "status": "applied", "seq": result["results"][0]["seq"]}]
    assert result["last_mid"] == 1
    row = read_order(database_url=database_url, order_id=world.orders["a"])
    assert row is not None
    assert (row["status"], row["en_route_at"], row["seq"]) == ("en_route", AT, result["results"][0]["seq"])


def test_transition_merged_when_to_is_legal_from_the_current_status(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    phone.push([move(phone, world.orders["a"], "assigned", "en_route")])
    # The tablet still thought the order was assigned; en_route -> in_progress is legal.
    result = tablet.push([move(tablet, world.orders["a"], "assigned", "in_progress")])
    assert statuses(result) == ["merged"]
    assert read_order(database_url=database_url, order_id=world.orders["a"])["status"] == "in_progress"  # type: ignore[index]


def test_transition_conflict_keeps_server_status_and_a_conflict_row(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    phone.push([move(phone, world.orders["a"], "assigned", "in_progress")])
    result = tablet.push([move(tablet, world.orders["a"], "assigned", "en_route")])
    assert statuses(result) == ["conflict"]
    [conflict_id] = result["results"][0]["conflict_ids"]
    assert read_order(database_url=database_url, order_id=world.orders["a"])["status"] == "in_progress"  # type: ignore[index]
    changes, _ = tablet.pull_all()
    [conflict] = [c["data"] for c in changes if c["entity"] == "conflict"]
    assert conflict["id"] == conflict_id
    assert (conflict["field"], conflict["mine"], conflict["theirs"]) == ("status", "en_route", "in_progress")
    assert (conflict["mid"], conflict["device_id"], conflict["status"]) == (1, tablet.device_id, "open")


def test_same_move_twice_from_two_devices_is_merged_not_conflict(client: TestClient, world: World) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    phone.push([move(phone, world.orders["a"], "assigned", "en_route")])
    assert statuses(tablet.push([move(tablet, world.orders["a"], "assigned", "en_route")])) == ["merged"]


def test_transition_rejections(client: TestClient, world: World, database_url: str) -> None:
    tech1, tech2, disp = sign_in(client, "tech1"), sign_in(client, "tech2"), sign_in(client, "disp")
    a = world.orders["a"]
    result = tech1.push(
        [
            move(tech1, a, "assigned", "cancelled"),  # only dispatchers cancel
            move(tech1, a, "assigned", "completed"),  # not in the state table
            move(tech1, a, "assigned", "on_hold"),  # needs a reason
            move(tech1, str(uuid.uuid4()), "assigned", "en_route"),  # unknown order
        ]
    )
    assert statuses(result) == ["rejected"] * 4
    codes = [r["error"]["code"] for r in result["results"]]
    assert codes == ["forbidden", "illegal_transition", "reason_required", "not_found"]
    assert result["last_mid"] == 4
    # tech2 was never assigned order a.
    result = tech2.push([move(tech2, a, "assigned", "en_route")])
    assert result["results"][0]["error"]["code"] == "forbidden"
    # A dispatcher cannot "assign" by a transition without an assignee.
    result = disp.push([move(disp, world.orders["new"], "new", "assigned")])
    assert result["results"][0]["error"]["code"] == "no_assignee"
    assert read_order(database_url=database_url, order_id=a)["status"] == "assigned"  # type: ignore[index]


def test_on_hold_with_reason_applies(client: TestClient, world: World, database_url: str) -> None:
    tech = sign_in(client, "tech1")
    result = tech.push([move(tech, world.orders["a"], "assigned", "on_hold", reason="Waiting for parts")])
    assert statuses(result) == ["applied"]
    row = read_order(database_url=database_url, order_id=world.orders["a"])
    assert (row["status"], row["status_reason"]) == ("on_hold", "Waiting for parts")  # type: ignore[index]


def test_a_dispatcher_makes_no_field_moves_but_may_put_on_hold(
    client: TestClient, world: World, database_url: str
) -> None:
    disp, tech1 = sign_in(client, "disp"), sign_in(client, "tech1")
    a, sig = world.orders["a"], world.orders["sig"]
    result = disp.push(
        [
            move(disp, a, "assigned", "en_route"),
            move(disp, a, "assigned", "in_progress"),
            move(disp, sig, "in_progress", "completed"),  # sig could complete but for its signature
            move(disp, sig, "in_progress", "cannot_complete", reason="No access"),
            move(disp, a, "assigned", "on_hold", reason="Customer postponed"),
            move(disp, a, "on_hold", "in_progress"),
            move(disp, a, "on_hold", "en_route"),
        ]
    )
    codes = [r.get("error", {}).get("code") for r in result["results"]]
    assert codes == ["forbidden"] * 4 + [None] + ["forbidden"] * 2
    row = read_order(database_url=database_url, order_id=a)
    assert (row["status"], row["status_reason"]) == ("on_hold", "Customer postponed")  # type: ignore[index]
    assert read_order(database_url=database_url, order_id=sig)["status"] == "in_progress"  # type: ignore[index]
    # Resuming is the technician's.
    assert statuses(tech1.push([move(tech1, a, "on_hold", "in_progress")])) == ["applied"]


def test_dispatcher_cancels_and_other_organisation_cannot_see(
    client: TestClient, world: World, database_url: str
) -> None:
    outsider = sign_in(client, "outsider")
    result = outsider.push([move(outsider, world.orders["new"], "new", "cancelled")])
    assert result["results"][0]["error"]["code"] == "not_found"
    disp = sign_in(client, "disp")
    assert statuses(disp.push([move(disp, world.orders["new"], "new", "cancelled")])) == ["applied"]
    assert read_order(database_url=database_url, order_id=world.orders["new"])["status"] == "cancelled"  # type: ignore[index]


def test_completing_needs_required_items_then_applies(
    client: TestClient, world: World, database_url: str
) -> None:
    tech = sign_in(client, "tech1")
    a, (isolate, _pressure, findings, _test) = world.orders["a"], world.items["a"]
    result = tech.push([move(tech, a, "assigned", "in_progress"), move(tech, a, "in_progress", "completed")])
    assert statuses(result) == ["applied", "rejected"]
    error = result["results"][1]["error"]
    assert error["code"] == "completion_blocked"
    assert "Isolate supply" in error["message"] and "Findings" in error["message"]
    result = tech.push(
        [
            tech.mutation("checklist.set", a, {"item_id": isolate, "value": True, "done": True}),
            tech.mutation("checklist.set", a, {"item_id": findings, "value": "Worn seal", "done": True}),
            move(tech, a, "in_progress", "completed"),
        ]
    )
    assert statuses(result) == ["applied", "applied", "applied"]
    row = read_order(database_url=database_url, order_id=a)
    assert (row["status"], row["completed_at"]) == ("completed", AT)  # type: ignore[index]


def test_order_needing_a_signature_cannot_complete_yet(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    result = tech.push([move(tech, world.orders["sig"], "in_progress", "completed")])
    assert result["results"][0]["status"] == "rejected"
    assert "signature" in result["results"][0]["error"]["message"]


def _reassign_a_to_tech2(db: Database, world: World) -> None:
    with db.write() as session, session.begin():
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == world.orders["a"])
            .values(
                assignee_id=world.users["tech2"], past_assignees=[world.users["tech1"], world.users["tech2"]]
            )
        )


def test_former_assignee_evidence_applies_but_status_moves_conflict(
    client: TestClient, world: World, db: Database, database_url: str
) -> None:
    tech1 = sign_in(client, "tech1")
    _reassign_a_to_tech2(db, world)
    a, item = world.orders["a"], world.items["a"][0]
    result = tech1.push(
        [
            move(tech1, a, "assigned", "en_route"),
            tech1.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": "Was here", "at": AT}),
            tech1.mutation("checklist.set", a, {"item_id": item, "value": True, "done": True}),
        ]
    )
    assert statuses(result) == ["conflict", "applied", "applied"]
    row = read_order(database_url=database_url, order_id=a)
    assert row["status"] == "assigned"  # type: ignore[index]
    assert [n["text"] for n in row["notes"]] == ["Was here"]  # type: ignore[index]
    assert row["checklist"][0]["done"] is True  # type: ignore[index]


# --- checklist.set ------------------------------------------------------------


def _item_seq(dev: Device, item_id: str) -> int:
    changes, _ = dev.pull_all()
    return next(c["seq"] for c in changes if c["id"] == item_id)


def test_checklist_set_applies_and_validates_values(
    client: TestClient, world: World, database_url: str
) -> None:
    tech = sign_in(client, "tech1")
    a, (isolate, pressure, findings, test) = world.orders["a"], world.items["a"]
    result = tech.push(
        [
            tech.mutation("checklist.set", a, {"item_id": pressure, "value": 1.8, "done": True}),
            tech.mutation("checklist.set", a, {"item_id": test, "value": "pass", "done": True}),
            tech.mutation("checklist.set", a, {"item_id": pressure, "value": "high", "done": True}),
            tech.mutation("checklist.set", a, {"item_id": test, "value": "maybe", "done": True}),
            tech.mutation("checklist.set", a, {"item_id": isolate, "value": 1, "done": True}),
            tech.mutation("checklist.set", a, {"item_id": world.items["b"][0], "value": True, "done": True}),
        ]
    )
    assert statuses(result) == ["applied", "applied", "rejected", "rejected", "rejected", "rejected"]
    assert [r["error"]["code"] for r in result["results"][2:]] == ["invalid_args"] * 3 + ["not_found"]
    row = read_order(database_url=database_url, order_id=a)
    assert [(i["value"], i["done"]) for i in row["checklist"]] == [  # type: ignore[index]
        (None, False),
        (1.8, True),
        (None, False),
        ("pass", True),
    ]
    del findings


def test_checklist_set_on_someone_elses_order_is_forbidden(client: TestClient, world: World) -> None:
    tech2 = sign_in(client, "tech2")
    result = tech2.push(
        [
            tech2.mutation(
                "checklist.set",
                world.orders["a"],
                {"item_id": world.items["a"][0], "value": True, "done": True},
            )
        ]
    )
    assert result["results"][0]["error"]["code"] == "forbidden"


def test_checklist_conflict_between_two_devices_keeps_server_value(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    a, findings = world.orders["a"], world.items["a"][2]
    base = _item_seq(tablet, findings)
    phone.push(
        [phone.mutation("checklist.set", a, {"item_id": findings, "value": "Seal worn", "done": True})]
    )
    stale = {"item_id": findings, "value": "All fine", "done": True}
    result = tablet.push([tablet.mutation("checklist.set", a, stale, base_seq=base)])
    assert statuses(result) == ["conflict"]
    item = read_order(database_url=database_url, order_id=a)["checklist"][2]  # type: ignore[index]
    assert item["value"] == "Seal worn"
    changes, _ = tablet.pull_all()
    [conflict] = [c["data"] for c in changes if c["entity"] == "conflict"]
    assert conflict["mine"] == {"value": "All fine", "done": True}
    assert conflict["theirs"] == {"value": "Seal worn", "done": True}
    assert (conflict["entity"], conflict["entity_id"]) == ("checklist_item", findings)


def test_checklist_no_conflict_for_own_device_equal_value_or_no_base_seq(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    a, findings = world.orders["a"], world.items["a"][2]
    base = _item_seq(phone, findings)
    phone.push([phone.mutation("checklist.set", a, {"item_id": findings, "value": "one", "done": True})])
    # The same device's own newer change is not a conflict with itself.
    same_device = phone.mutation(
        "checklist.set", a, {"item_id": findings, "value": "two", "done": True}, base_seq=base
    )
    assert statuses(phone.push([same_device])) == ["applied"]
    # Another device sending the value the server already holds: never a conflict.
    equal = tablet.mutation(
        "checklist.set", a, {"item_id": findings, "value": "two", "done": True}, base_seq=base
    )
    # Without base_seq: apply.
    blind = tablet.mutation("checklist.set", a, {"item_id": findings, "value": "three", "done": True})
    assert statuses(tablet.push([equal, blind])) == ["applied", "applied"]
    assert read_order(database_url=database_url, order_id=a)["checklist"][2]["value"] == "three"  # type: ignore[index]


# --- note.add -------------------------------------------------------------------


def test_note_add_is_a_union_idempotent_on_note_id(
    client: TestClient, world: World, database_url: str
) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, note_id = world.orders["a"], str(uuid.uuid4())
    first = tech.push([tech.mutation("note.add", a, {"id": note_id, "text": "Gate code 1234", "at": AT})])
    # The same note again under a new mid (say, re-queued after a crash): still one note.
    again = tech.push([tech.mutation("note.add", a, {"id": note_id, "text": "Gate code 1234", "at": AT})])
    assert statuses(first) == statuses(again) == ["applied"]
    assert first["results"][0]["seq"] == again["results"][0]["seq"]
    assert statuses(
        disp.push([disp.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": "Call", "at": AT})])
    ) == ["applied"]
    notes = read_order(database_url=database_url, order_id=a)["notes"]  # type: ignore[index]
    assert [(n["text"], n["author_id"]) for n in notes] == [
        ("Gate code 1234", world.users["tech1"]),
        ("Call", world.users["disp"]),
    ]


def test_note_add_rejections(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    note_id = str(uuid.uuid4())
    tech1.push([tech1.mutation("note.add", world.orders["a"], {"id": note_id, "text": "x", "at": AT})])
    result = tech1.push(
        [
            tech1.mutation("note.add", world.orders["sig"], {"id": note_id, "text": "x", "at": AT}),
            tech1.mutation("note.add", world.orders["b"], {"id": str(uuid.uuid4()), "text": "x", "at": AT}),
        ]
    )
    assert [r["error"]["code"] for r in result["results"]] == ["id_conflict", "forbidden"]
    result = tech2.push(
        [tech2.mutation("note.add", world.orders["a"], {"id": str(uuid.uuid4()), "text": "x", "at": AT})]
    )
    assert result["results"][0]["error"]["code"] == "forbidden"
