"""entry.void (never deletes) and conflict.resolve (applies the chosen side)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from server_stub.db import Database
from server_stub.testing import read_order

from .conftest import Device, World, sign_in
from .kit import AT, codes, move, new_id, photo_args, pulled, seq_of, statuses, time_args, update

T9, T10, T11 = (f"2026-11-25T{h:02d}:00:00Z" for h in (9, 10, 11))


def void(dev: Device, order: str, entity: str, row_id: str, reason: str = "Wrong order") -> dict[str, Any]:
    return dev.mutation("entry.void", order, {"entity": entity, "id": row_id, "reason": reason})


def resolve(dev: Device, order: str, conflict_id: str, choice: str, **value: Any) -> dict[str, Any]:
    return dev.mutation("conflict.resolve", order, {"conflict_id": conflict_id, "choice": choice, **value})


def _entries(tech: Device, order: str) -> dict[str, str]:
    ids = {"note": new_id(), "photo": new_id(), "time_log": new_id(), "part_usage": new_id()}
    result = tech.push(
        [
            tech.mutation("note.add", order, {"id": ids["note"], "text": "x", "at": AT}),
            tech.mutation("photo.add", order, photo_args(id_=ids["photo"])),
            tech.mutation("time.add", order, time_args(T9, T10, id_=ids["time_log"])),
            tech.mutation("part.use", order, {"id": ids["part_usage"], "sku": "FUSE-10A", "quantity": 1}),
        ]
    )
    assert statuses(result) == ["applied"] * 4
    return ids


def test_author_voids_each_kind_of_entry_and_it_stays(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    ids = _entries(tech, a)
    result = tech.push([void(tech, a, entity, row_id) for entity, row_id in ids.items()])
    assert statuses(result) == ["applied"] * 4
    for entity, row_id in ids.items():
        assert pulled(tech, entity)[row_id]["voided"] is True  # still there, voided
    again = tech.push([void(tech, a, "note", ids["note"], "other reason")])
    assert again["results"][0]["seq"] == result["results"][0]["seq"]
    # A voided log no longer counts for overlaps.
    assert statuses(tech.push([tech.mutation("time.add", a, time_args(T9, T10))])) == ["applied"]


def test_dispatcher_voids_anything_others_only_their_own(
    client: TestClient, world: World, db: Database
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a = world.orders["a"]
    ids = _entries(tech1, a)
    office_note = new_id()
    disp.push([disp.mutation("note.add", a, {"id": office_note, "text": "Call first", "at": AT})])
    assert codes(tech1.push([void(tech1, a, "note", office_note)])) == ["forbidden"]
    assert statuses(disp.push([void(disp, a, "photo", ids["photo"])])) == ["applied"]
    # After a reassignment the former assignee may still void their own entries.
    disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"])])
    assert statuses(tech1.push([void(tech1, a, "note", ids["note"])])) == ["applied"]
    tech2 = sign_in(client, "tech2")
    assert codes(tech2.push([void(tech2, a, "time_log", ids["time_log"])])) == ["forbidden"]


def test_void_rejections(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    ids = _entries(tech, a)
    result = tech.push(
        [
            void(tech, a, "photo", ids["note"]),  # a note's id given as a photo
            void(tech, world.orders["sig"], "note", ids["note"]),  # on another order
            void(tech, a, "signature", ids["note"]),  # signatures are not voided
            void(tech, a, "note", ids["note"], reason=""),
        ]
    )
    assert codes(result) == ["not_found", "not_found", "invalid_args", "invalid_args"]


# --- conflict.resolve ----------------------------------------------------------------


def _title_conflict(client: TestClient, world: World, *, round_: int = 1) -> tuple[Device, str]:
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a = world.orders["a"]
    base = seq_of(laptop, a)
    desk.push([update(desk, a, base, title=f"Desk {round_}")])
    result = laptop.push([update(laptop, a, base, title=f"Laptop {round_}")])
    return laptop, result["results"][0]["conflict_ids"][0]


def test_resolve_mine_theirs_and_value(client: TestClient, world: World, database_url: str) -> None:
    a = world.orders["a"]
    disp, conflict_id = _title_conflict(client, world)
    before = seq_of(disp, a)
    result = disp.push([resolve(disp, a, conflict_id, "mine")])
    assert statuses(result) == ["applied"]
    assert read_order(database_url=database_url, order_id=a)["title"] == "Laptop 1"  # type: ignore[index]
    assert seq_of(disp, a) > before  # the field changed with a new seq
    row = pulled(disp, "conflict")[conflict_id]
    assert row["status"] == "resolved"
    assert row["resolution"] == {"choice": "mine", "value": "Laptop 1", "by": disp.user_id}
    # The same decision again is harmless; another one is refused.
    assert statuses(disp.push([resolve(disp, a, conflict_id, "mine")])) == ["applied"]
    assert codes(disp.push([resolve(disp, a, conflict_id, "theirs")])) == ["already_resolved"]
    disp, second = _title_conflict(client, world, round_=2)
    assert statuses(disp.push([resolve(disp, a, second, "theirs")])) == ["applied"]
    assert read_order(database_url=database_url, order_id=a)["title"] == "Desk 2"  # type: ignore[index]
    disp, third = _title_conflict(client, world, round_=3)
    result = disp.push(
        [
            resolve(disp, a, third, "value"),
            resolve(disp, a, third, "value", value=""),
            resolve(disp, a, third, "value", value="Both"),
        ]
    )
    assert codes(result) == ["invalid_args", "invalid_args", None]
    assert read_order(database_url=database_url, order_id=a)["title"] == "Both"  # type: ignore[index]


def test_technician_resolves_their_own_checklist_conflict_only(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet, tech2 = sign_in(client, "tech1"), sign_in(client, "tech1"), sign_in(client, "tech2")
    a, findings = world.orders["a"], world.items["a"][2]
    base = seq_of(tablet, findings)
    phone.push([phone.mutation("checklist.set", a, {"item_id": findings, "value": "Seal", "done": True})])
    lost = tablet.push(
        [
            tablet.mutation(
                "checklist.set", a, {"item_id": findings, "value": "Fine", "done": True}, base_seq=base
            )
        ]
    )
    conflict_id = lost["results"][0]["conflict_ids"][0]
    assert codes(tech2.push([resolve(tech2, a, conflict_id, "mine")])) == ["forbidden"]
    assert statuses(tablet.push([resolve(tablet, a, conflict_id, "mine")])) == ["applied"]
    item = read_order(database_url=database_url, order_id=a)["checklist"][2]  # type: ignore[index]
    assert (item["value"], item["done"]) == ("Fine", True)
    # A technician never settles a dispatcher field.
    title = tablet.push([update(tablet, a, seq_of(tablet, a), title="Mine")])["results"][0]["conflict_ids"][0]
    assert codes(tablet.push([resolve(tablet, a, title, "mine")])) == ["forbidden"]


def test_resolving_a_status_conflict_goes_through_the_state_table(
    client: TestClient, world: World, database_url: str
) -> None:
    phone, tablet, disp = sign_in(client, "tech1"), sign_in(client, "tech1"), sign_in(client, "disp")
    a = world.orders["a"]
    phone.push([move(phone, a, "assigned", "in_progress")])
    lost = tablet.push([move(tablet, a, "assigned", "en_route")])  # in_progress -> en_route is illegal
    conflict_id = lost["results"][0]["conflict_ids"][0]
    assert codes(tablet.push([resolve(tablet, a, conflict_id, "mine")])) == ["forbidden"]
    assert codes(disp.push([resolve(disp, a, conflict_id, "mine")])) == ["illegal_transition"]
    assert statuses(disp.push([resolve(disp, a, conflict_id, "value", value="on_hold")])) == ["applied"]
    assert read_order(database_url=database_url, order_id=a)["status"] == "on_hold"  # type: ignore[index]


def test_resolving_an_overlap_theirs_voids_the_flagged_log(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    first, second = time_args(T9, T11), time_args(T10, T11)
    tech.push([tech.mutation("time.add", a, first)])
    conflict_id = tech.push([tech.mutation("time.add", a, second)])["results"][0]["conflict_ids"][0]
    assert codes(tech.push([resolve(tech, a, conflict_id, "value", value=1)])) == ["invalid_args"]
    assert statuses(tech.push([resolve(tech, a, conflict_id, "theirs")])) == ["applied"]
    logs = pulled(tech, "time_log")
    assert (logs[first["id"]]["voided"], logs[second["id"]]["voided"]) == (False, True)


def test_resolve_rejections(client: TestClient, world: World) -> None:
    disp, conflict_id = _title_conflict(client, world)
    result = disp.push(
        [
            resolve(disp, world.orders["a"], new_id(), "mine"),
            resolve(disp, world.orders["b"], conflict_id, "mine"),  # not this order's
            resolve(disp, world.orders["a"], conflict_id, "both"),
        ]
    )
    assert codes(result) == ["not_found", "not_found", "invalid_args"]
