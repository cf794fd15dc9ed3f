"""Named scenarios of "Sync that loses nothing", across mutation types: work
done offline on an order that was reassigned or cancelled meanwhile, two
technicians on one order, skewed device clocks, replays, malformed args."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain.protocol import MutationType
from server_stub.db import Database
from server_stub.testing import read_order

from .conftest import Device, World, sign_in, snapshot
from .kit import codes, new_id, photo_args, pulled, seq_of, signature_args, statuses, time_args, update

BASE = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def at(minutes: int, shift: timedelta = timedelta(0)) -> str:
    return (BASE + shift + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def offline_job(tech: Device, world: World, *, shift: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    """A whole job done offline on order a: start, tick, note, time, part, photo, sign, complete."""
    a, (isolate, pressure, findings, test) = world.orders["a"], world.items["a"]

    def move(frm: str, to: str, minute: int) -> dict[str, Any]:
        return tech.mutation("order.transition", a, {"from": frm, "to": to, "at": at(minute, shift)})

    def tick(item: str, value: Any) -> dict[str, Any]:
        return tech.mutation("checklist.set", a, {"item_id": item, "value": value, "done": True})

    return [
        move("assigned", "in_progress", 0),
        tick(isolate, True),
        tick(pressure, 1.9),
        tick(findings, "Worn seal replaced"),
        tick(test, "pass"),
        tech.mutation("note.add", a, {"id": new_id(), "text": "Seal replaced", "at": at(30, shift)}),
        tech.mutation("time.add", a, time_args(at(0, shift), at(45, shift))),
        tech.mutation("part.use", a, {"id": new_id(), "sku": "FUSE-10A", "quantity": 1}),
        tech.mutation("photo.add", a, photo_args() | {"taken_at": at(40, shift)}),
        tech.mutation("signature.add", a, signature_args() | {"signed_at": at(44, shift)}),
        move("in_progress", "completed", 45),
    ]


EVIDENCE_APPLIED = ["applied"] * 9


def test_manager_reassigns_while_the_technician_completes_offline(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a = world.orders["a"]
    job = offline_job(tech1, world)  # made offline, against the order as tech1 last pulled it
    disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"])])
    result = tech1.push(job)
    # Evidence is kept; the status moves become conflicts for the dispatcher.
    assert statuses(result) == ["conflict", *EVIDENCE_APPLIED, "conflict"]
    row = read_order(database_url=database_url, order_id=a)
    assert row is not None
    assert (row["status"], row["assignee_id"]) == ("assigned", world.users["tech2"])
    assert all(item["done"] for item in row["checklist"])
    assert [n["text"] for n in row["notes"]] == ["Seal replaced"]
    conflicts = pulled(disp, "conflict")
    assert sorted(c["mine"] for c in conflicts.values()) == ["completed", "in_progress"]
    assert {c["device_id"] for c in conflicts.values()} == {tech1.device_id}
    assert set(conflicts) == set(pulled(tech1, "conflict"))
    for entity in ("time_log", "part_usage", "photo", "signature"):
        assert len(pulled(disp, entity)) == 1, entity


def test_cancelled_while_the_technician_worked_offline(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a = world.orders["a"]
    job = offline_job(tech1, world)
    disp.push([disp.mutation("order.transition", a, {"from": "assigned", "to": "cancelled", "at": at(5)})])
    result = tech1.push(job)
    # The measured values are kept as conflicts (a cancelled checklist is never
    # written); notes, time, parts, photos and the signature apply.
    assert statuses(result) == ["conflict", *["conflict"] * 4, *["applied"] * 5, "conflict"]
    row = read_order(database_url=database_url, order_id=a)
    assert row is not None and row["status"] == "cancelled"
    assert [(i["value"], i["done"]) for i in row["checklist"]] == [(None, False)] * 4
    conflicts = pulled(disp, "conflict")
    measured = [c["mine"] for c in conflicts.values() if c["entity"] == "checklist_item"]
    assert sorted(measured, key=repr) == sorted(
        [{"value": v, "done": True} for v in (True, 1.9, "Worn seal replaced", "pass")], key=repr
    )
    assert set(conflicts) == set(pulled(tech1, "conflict"))
    # Anyone who was never the assignee is refused, evidence or not.
    tech2 = sign_in(client, "tech2")
    note = tech2.mutation("note.add", a, {"id": new_id(), "text": "x", "at": at(1)})
    assert codes(tech2.push([note])) == ["forbidden"]


def test_two_technicians_on_one_order_keep_both_checklist_values(
    client: TestClient, world: World, database_url: str
) -> None:
    tech1, tech2, disp = sign_in(client, "tech1"), sign_in(client, "tech2"), sign_in(client, "disp")
    a, findings = world.orders["a"], world.items["a"][2]
    base = seq_of(tech1, findings)  # tech1 pulled, then went offline
    disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"])])
    set2 = {"item_id": findings, "value": "Pump noisy", "done": True}
    assert statuses(
        tech2.push([tech2.mutation("checklist.set", a, set2, base_seq=seq_of(tech2, findings))])
    ) == ["applied"]
    set1 = {"item_id": findings, "value": "All fine", "done": True}
    result = tech1.push([tech1.mutation("checklist.set", a, set1, base_seq=base)])
    assert statuses(result) == ["conflict"]
    [conflict_id] = result["results"][0]["conflict_ids"]
    assert read_order(database_url=database_url, order_id=a)["checklist"][2]["value"] == "Pump noisy"  # type: ignore[index]
    conflict = pulled(disp, "conflict")[conflict_id]
    assert conflict["mine"] == {"value": "All fine", "done": True}
    assert conflict["theirs"] == {"value": "Pump noisy", "done": True}
    assert conflict_id in pulled(tech1, "conflict")


# --- device clocks are data -------------------------------------------------------


def _mixed_script(
    client: TestClient, world: World, shift: timedelta, *, database_url: str
) -> tuple[list[str], dict[str, Any]]:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a, b, findings = world.orders["a"], world.orders["b"], world.items["a"][2]
    item_base, order_base = seq_of(tablet, findings), seq_of(laptop, a)

    def move(dev: Device, frm: str, to: str, minute: int) -> dict[str, Any]:
        return dev.mutation("order.transition", a, {"from": frm, "to": to, "at": at(minute, shift)})

    out: list[str] = []
    for dev, batch in (
        (phone, [move(phone, "assigned", "en_route", 0), phone.mutation(
            "checklist.set", a, {"item_id": findings, "value": "one", "done": True})]),
        (tablet, [move(tablet, "assigned", "in_progress", -90), move(tablet, "assigned", "en_route", 90),
                  tablet.mutation("checklist.set", a, {"item_id": findings, "value": "two", "done": True},
                                  base_seq=item_base)]),
        (phone, [phone.mutation("time.add", a, time_args(at(0, shift), at(60, shift))),
                 phone.mutation("time.add", a, time_args(at(30, shift), at(90, shift)))]),
        (desk, [update(desk, a, order_base, title="Desk", due_at=at(600, shift))]),
        (laptop, [update(laptop, a, order_base, title="Laptop", priority="high"),
                  update(laptop, b, seq_of(laptop, b), assignee_id=None)]),
    ):  # fmt: skip
        out += statuses(dev.push(batch))
    row = read_order(database_url=database_url, order_id=a)
    assert row is not None
    return out, {k: row[k] for k in ("status", "title", "priority", "assignee_id")} | {
        "checklist": [(i["value"], i["done"]) for i in row["checklist"]]
    }


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(days=1), -timedelta(hours=1)], ids=str)
def test_a_skewed_device_clock_changes_no_merge_outcome(
    client: TestClient, world: World, shift: timedelta, database_url: str
) -> None:
    outcome, state = _mixed_script(client, world, shift, database_url=database_url)
    assert outcome == [
        "applied", "applied",  # phone
        "merged", "conflict", "conflict",  # tablet: legal move, illegal move, stale checklist value
        "applied", "conflict",  # phone: time, overlapping time
        "applied",  # desk
        "conflict", "applied",  # laptop: stale title (priority applies), unassign b
    ]  # fmt: skip
    assert state == {
        "status": "in_progress", "title": "Desk", "priority": "high", "assignee_id": world.users["tech1"],
        "checklist": [(None, False), (None, False), ("one", True), (None, False)],
    }  # fmt: skip


# --- replays and malformed args, for every type ------------------------------------


def test_the_same_push_twice_changes_nothing_for_every_type(
    client: TestClient, world: World, db: Database
) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, new = world.orders["a"], world.orders["new"]
    note_id = new_id()
    tech_batch = [
        *offline_job(tech, world),
        tech.mutation("note.add", a, {"id": note_id, "text": "typo", "at": at(50)}),
        tech.mutation("entry.void", a, {"entity": "note", "id": note_id, "reason": "typo"}),
        tech.mutation("time.add", a, time_args(at(10), at(20))),  # overlaps: a conflict
    ]
    disp_batch = [
        disp.mutation("order.create", new_id(), {"title": "Follow-up", "checklist": []}),
        update(disp, new, seq_of(disp, new), assignee_id=world.users["tech2"]),
        update(disp, a, 0, title="Renamed"),
        disp.mutation("template.save", new_id(), {"name": "Visit", "kind": "repair", "items": []}),
        disp.mutation("schedule.save", new_id(), SCHEDULE),
    ]
    for dev, batch in ((tech, tech_batch), (disp, disp_batch)):
        first = dev.push(batch)
        before = snapshot(db)
        assert dev.push(batch) == first
        assert snapshot(db) == before
    conflicts = pulled(disp, "conflict")
    assert conflicts  # the overlapping time log
    resolve = [
        disp.mutation("conflict.resolve", a, {"conflict_id": cid, "choice": "theirs"}) for cid in conflicts
    ]
    first = disp.push(resolve)
    assert set(statuses(first)) == {"applied"}
    before = snapshot(db)
    assert disp.push(resolve) == first
    assert snapshot(db) == before
    covered = {m["type"] for m in tech_batch + disp_batch + resolve}
    assert covered == {t.value for t in MutationType}


# A maintenance schedule (issue 13), as schedule.save sends it.
SCHEDULE: dict[str, Any] = {
    "name": "Boiler service",
    "site": {"name": "Hall 2"},
    "every": {"n": 3, "unit": "month"},
    "starts_on": "2027-01-31",
    "template": {"title": "Quarterly boiler service"},
}
MALFORMED: dict[str, list[dict[str, Any]]] = {
    "order.create": [{}, {"title": 5}, {"title": "x", "checklist": "none"}, {"title": "x", "site": []}],
    "order.update": [{}, {"fields": None}, {"fields": {"title": None}}, {"fields": {"due_at": 5}}],
    "order.transition": [{}, {"from": "assigned", "to": "warp", "at": "x"}, {"from": 1, "to": 2, "at": 3}],
    "checklist.set": [{}, {"item_id": "x", "done": True}, {"item_id": new_id(), "done": "maybe"}],
    "note.add": [{}, {"id": "x", "text": "t", "at": "now"}, {"id": new_id(), "text": ["t"], "at": "now"}],
    "photo.add": [
        {}, photo_args() | {"size": 2**70}, photo_args() | {"width": 1.5}, photo_args() | {"id": None},
    ],
    "time.add": [{}, time_args("x", "y"), time_args(at(0), at(1)) | {"kind": None}],
    "part.use": [
        {}, {"id": new_id(), "sku": "FUSE-10A", "quantity": 1e300}, {"id": new_id(), "sku": 7, "quantity": 1},
    ],
    "signature.add": [{}, signature_args() | {"signed_at": 1}, signature_args() | {"signer_name": "x" * 201}],
    "entry.void": [
        {}, {"entity": "order", "id": new_id(), "reason": "x"}, {"entity": "note", "id": 1, "reason": "x"},
    ],
    "conflict.resolve": [{}, {"conflict_id": "x", "choice": "mine"}, {"conflict_id": new_id(), "choice": 1}],
    "template.save": [
        {}, {"name": "T", "kind": "repair", "items": [{"position": 1, "label": "x", "kind": "video"}]},
        {"name": "T", "kind": "repair", "archived": None},
    ],
    "schedule.save": [
        {}, SCHEDULE | {"every": {"n": 0, "unit": "month"}}, SCHEDULE | {"starts_on": "2027-02-30"},
        SCHEDULE | {"timezone": "Nowhere/Else"},
    ],
}  # fmt: skip


def test_malformed_args_are_rejected_for_every_type(client: TestClient, world: World, db: Database) -> None:
    assert set(MALFORMED) == {t.value for t in MutationType}
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    for type_, cases in MALFORMED.items():
        dispatched = ("order.create", "order.update", "conflict.resolve", "template.save", "schedule.save")
        dev = disp if type_ in dispatched else tech
        not_an_order = ("order.create", "template.save", "schedule.save")
        entity = new_id() if type_ in not_an_order else world.orders["a"]
        result = dev.push([dev.mutation(type_, entity, args, base_seq=0) for args in cases])
        assert codes(result) == ["invalid_args"] * len(cases), type_
