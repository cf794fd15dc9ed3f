"""Reading what an edit made on the desk: the skills to offer, the suggestion, an order's
conflicts (one read with the desk's), the history and conflicts in words."""

import dataclasses
import uuid

import httpx
from servicekit import conflicts_of
from store.kit import change, new_id, order_data

from app.services.desk_types import ChecklistDraftItem
from app.store.models import Order
from services.edit_kit import (
    desk_fixture,  # noqa: F401 (the `desk` fixture)
    items,
    oid,
    pull,
)


def test_known_skills_are_the_technicians_and_the_orders_as_tags(desk):
    pull(
        desk,
        change(
            "work_order", order_data(new_id(), number="WO-000002", required_skills=["ladder", "gas-safe"]), 70
        ),
    )
    pull(
        desk,
        change(
            "user",
            {
                "id": new_id(),
                "username": "gone",
                "display_name": "Gone",
                "role": "technician",
                "skills": ["asbestos"],
                "active": False,
            },
            71,
        ),
    )
    assert desk.ordo.known_skills() == ["boilers", "fire_safety", "gas-safe", "ladder"]


def test_the_suggestion_reads_the_required_skills_edited_here(desk):
    d = desk.ordo.edit_draft(oid(desk)).draft
    desk.ordo.save_edit(oid(desk), dataclasses.replace(d, required_skills=("Fire safety",)))
    [ana] = desk.ordo.suggest_technicians(oid(desk))  # the assignee (tech1) is left out
    assert ana.technician.username == "ana" and "has fire safety" in ana.reasons


def test_open_conflicts_of_one_order_and_all_of_its_conflicts_are_one_read(desk):
    other = new_id()
    pull(desk, change("work_order", order_data(other, number="WO-000002"), 80))
    base = {
        "entity": "work_order",
        "field": "title",
        "mine": "a",
        "theirs": "b",
        "mid": 1,
        "device_id": new_id(),
    }
    mine, decided, elsewhere = new_id(), new_id(), new_id()
    pull(
        desk,
        change(
            "conflict",
            {"id": mine, "order_id": desk.order, "entity_id": desk.order, "status": "open", **base},
            81,
        ),
        change(
            "conflict",
            {
                "id": decided,
                "order_id": desk.order,
                "entity_id": desk.order,
                "status": "resolved",
                "resolution": {"choice": "theirs", "value": None},
                **base,
            },
            82,
        ),
        change(
            "conflict", {"id": elsewhere, "order_id": other, "entity_id": other, "status": "open", **base}, 83
        ),
    )
    assert [str(r.conflict.id) for r in desk.ordo.list_open_conflicts(order_id=oid(desk))] == [mine]
    assert {str(r.conflict.id) for r in desk.ordo.list_open_conflicts()} == {mine, elsewhere}
    views = conflicts_of(desk.ordo, oid(desk))
    assert [(str(v.id), v.status) for v in views] == [(mine, "open"), (decided, "resolved")]
    [row] = desk.ordo.list_open_conflicts(order_id=oid(desk))
    assert row.conflict == views[0]  # one read model
    with desk.ordo._store.read() as s:
        assert s.get(Order, desk.order) is not None


def test_an_unsent_checklist_edit_shows_in_the_history_by_labels(desk):
    d = desk.ordo.edit_draft(oid(desk)).draft
    seal, pressure = d.checklist
    edited = [dataclasses.replace(seal, label="Seal"), pressure, ChecklistDraftItem(label="Plate")]
    desk.ordo.save_edit(oid(desk), dataclasses.replace(d, checklist=edited))
    desk.server.fault = lambda request: (_ for _ in ()).throw(httpx.ConnectError("offline", request=request))
    [entry] = [e for e in desk.ordo.order_history(oid(desk)).entries if e.unsent]
    assert entry.summary == "Change checklist"
    assert entry.fields["checklist"] == (["Check seal", "Pressure"], ["Seal", "Pressure", "Plate"])


def test_a_checklist_or_skills_conflict_is_in_words(desk):
    base = {
        "order_id": desk.order,
        "entity": "work_order",
        "entity_id": desk.order,
        "mid": 1,
        "status": "open",
    }
    defs = [{"id": desk.item, "position": 1, "label": "Seal", "kind": "check", "required": True}]
    pull(
        desk,
        change("conflict", {"id": new_id(), "field": "checklist", "mine": defs, "theirs": [], **base}, 90),
        change(
            "conflict",
            {"id": new_id(), "field": "required_skills", "mine": ["gas_safe"], "theirs": [], **base},
            91,
        ),
    )
    words = {r.conflict.field: (r.mine_words, r.theirs_words) for r in desk.ordo.list_open_conflicts()}
    assert words == {"checklist": ("Seal", "No items"), "required_skills": ("Gas safe", "None")}


def test_a_checklist_conflict_decided_for_mine_shows_that_definition_at_once(desk):
    fresh = new_id()
    defs = [
        {"id": desk.item, "position": 1, "label": "Seal", "kind": "check", "required": True},
        {"id": desk.optional_item, "position": 2, "label": "Pressure", "kind": "number", "required": False,
         "unit": "bar"},
        {"id": fresh, "position": 3, "label": "Plate", "kind": "check", "required": False},
    ]  # fmt: skip
    cid = new_id()
    base = {
        "order_id": desk.order,
        "entity": "work_order",
        "entity_id": desk.order,
        "mid": 1,
        "status": "open",
    }
    pull(desk, change("conflict", {"id": cid, "field": "checklist", "mine": defs, "theirs": [], **base}, 90))
    desk.ordo.resolve_conflict(uuid.UUID(cid), choice="mine")
    assert [(r[0], r[2]) for r in items(desk)] == [
        (desk.item, "Seal"),
        (desk.optional_item, "Pressure"),
        (fresh, "Plate"),
    ]
    # Refused by the server: the re-base puts the pulled rows back and drops the local-only item.
    desk.server.verdicts[1] = {"status": "rejected", "error": {"code": "forbidden", "message": "no"}}
    desk.ordo.sync_blocking()
    assert [(r[0], r[2]) for r in items(desk)] == [
        (desk.item, "Check seal"),
        (desk.optional_item, "Pressure"),
    ]
