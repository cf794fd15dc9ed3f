"""checklist.set against the order's state and the item's kind (issue 9): a completed
or closed checklist is the record (refused `illegal_state`), a value measured for a
cancelled order is kept in a conflict row and never written, `done` needs a value on
items that hold one, and conflict.resolve obeys the same lock."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from server_stub.testing import read_order

from .conftest import Device, World, sign_in
from .kit import codes, move, pulled, seq_of, statuses


def tick(dev: Device, order: str, item: str, value: Any, *, done: bool = True, **kw: Any) -> dict[str, Any]:
    return dev.mutation("checklist.set", order, {"item_id": item, "value": value, "done": done}, **kw)


def resolve(dev: Device, order: str, conflict_id: str, choice: str, **value: Any) -> dict[str, Any]:
    return dev.mutation("conflict.resolve", order, {"conflict_id": conflict_id, "choice": choice, **value})


def _checklist(database_url: str, order: str) -> list[tuple[Any, bool]]:
    row = read_order(database_url=database_url, order_id=order)
    assert row is not None
    return [(i["value"], i["done"]) for i in row["checklist"]]


def _complete_a(tech1: Device, world: World) -> None:
    a, (isolate, _pressure, findings, _test) = world.orders["a"], world.items["a"]
    result = tech1.push(
        [
            move(tech1, a, "assigned", "in_progress"),
            tick(tech1, a, isolate, True),
            tick(tech1, a, findings, "Seal worn"),
            move(tech1, a, "in_progress", "completed"),
        ]
    )
    assert statuses(result) == ["applied"] * 4


def test_a_completed_or_closed_checklist_is_read_only(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, (isolate, pressure, findings, _test) = world.orders["a"], world.items["a"]
    _complete_a(tech1, world)
    before = _checklist(database_url, a)
    result = tech1.push(
        [
            tick(tech1, a, pressure, 1.8),  # a new value
            tick(tech1, a, isolate, False, done=False),  # undoing required work
            tick(tech1, a, findings, "Seal worn"),  # the stored value again: changes nothing
        ]
    )
    assert codes(result) == ["illegal_state", "illegal_state", None]
    assert statuses(result)[2] == "applied"
    assert _checklist(database_url, a) == before
    assert statuses(disp.push([move(disp, a, "completed", "closed")])) == ["applied"]
    assert codes(tech1.push([tick(tech1, a, pressure, 1.8)])) == ["illegal_state"]
    assert _checklist(database_url, a) == before


def test_a_reopened_order_takes_values_again(client: TestClient, world: World, database_url: str) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, pressure = world.orders["a"], world.items["a"][1]
    _complete_a(tech1, world)
    assert statuses(disp.push([move(disp, a, "completed", "in_progress")])) == ["applied"]
    assert statuses(tech1.push([tick(tech1, a, pressure, 1.8)])) == ["applied"]
    assert _checklist(database_url, a)[1] == (1.8, True)


def test_a_value_for_a_cancelled_order_is_kept_in_a_conflict(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, pressure = world.orders["a"], world.items["a"][1]
    assert statuses(disp.push([move(disp, a, "assigned", "cancelled")])) == ["applied"]
    result = tech1.push([tick(tech1, a, pressure, 1.9)])
    assert statuses(result) == ["conflict"]
    [conflict_id] = result["results"][0]["conflict_ids"]
    assert _checklist(database_url, a)[1] == (None, False)
    conflict = pulled(disp, "conflict")[conflict_id]
    assert (conflict["entity"], conflict["entity_id"], conflict["field"]) == (
        "checklist_item",
        pressure,
        "value",
    )
    assert (conflict["mine"], conflict["theirs"]) == (
        {"value": 1.9, "done": True},
        {"value": None, "done": False},
    )
    assert conflict_id in pulled(tech1, "conflict")
    # Resolving it for the sent value would write a cancelled checklist: refused, by anyone.
    assert codes(tech1.push([resolve(tech1, a, conflict_id, "mine")])) == ["illegal_state"]
    assert codes(disp.push([resolve(disp, a, conflict_id, "mine")])) == ["illegal_state"]
    assert statuses(disp.push([resolve(disp, a, conflict_id, "theirs")])) == ["applied"]
    assert _checklist(database_url, a)[1] == (None, False)


def test_resolving_a_checklist_conflict_onto_a_completed_order_is_refused(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet, disp = sign_in(client, "tech1"), sign_in(client, "tech1"), sign_in(client, "disp")
    a, findings = world.orders["a"], world.items["a"][2]
    base = seq_of(tablet, findings)
    assert statuses(phone.push([tick(phone, a, findings, "Seal")])) == ["applied"]
    lost = tablet.push([tick(tablet, a, findings, "Fine", base_seq=base)])
    [conflict_id] = lost["results"][0]["conflict_ids"]
    _complete_a(phone, world)  # findings re-ticked "Seal worn" by the phone
    assert codes(tablet.push([resolve(tablet, a, conflict_id, "mine")])) == ["illegal_state"]
    value = {"value": {"value": "Both", "done": True}}
    assert codes(disp.push([resolve(disp, a, conflict_id, "value", **value)])) == ["illegal_state"]
    assert _checklist(database_url, a)[2] == ("Seal worn", True)
    # Keeping the stored value is always possible.
    assert statuses(disp.push([resolve(disp, a, conflict_id, "theirs")])) == ["applied"]


def test_done_needs_a_value_on_items_that_hold_one(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1 = sign_in(client, "tech1")
    a, (isolate, pressure, findings, test) = world.orders["a"], world.items["a"]
    result = tech1.push(
        [
            tick(tech1, a, pressure, None),
            tick(tech1, a, findings, None),
            tick(tech1, a, test, None),
            tick(tech1, a, isolate, None),  # a tick is its own value
            tick(tech1, a, pressure, 3.7),  # out of its 1.0-2.5 bar: kept as measured
            tick(tech1, a, findings, None, done=False),  # clearing is not done
        ]
    )
    assert codes(result) == ["invalid_args"] * 3 + [None] * 3
    assert _checklist(database_url, a) == [(None, True), (3.7, True), (None, False), (None, False)]


def test_a_dispatcher_does_not_measure(client: TestClient, world: World, database_url: str) -> None:
    disp = sign_in(client, "disp")
    a, isolate = world.orders["a"], world.items["a"][0]
    assert codes(disp.push([tick(disp, a, isolate, True)])) == ["forbidden"]
    assert _checklist(database_url, a)[0] == (None, False)
