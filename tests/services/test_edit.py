"""Editing an order on the desk (no network: the scripted server): the order as a draft and
back, ONE order.update of only what changed (checklist definition and required skills
included), applied here at once the way the server applies it, undone when the server
does not take it; which items may be removed or change kind; who may edit."""

import dataclasses
import uuid

import pytest
from store.kit import TECH, change, item_data, new_id, order_data

from app.services.desk_types import ChecklistDraftItem, OrderDraft
from app.services.types import InvalidInput, OrderId
from app.store.apply import apply_local
from app.store.models import ChecklistItem
from app.store.outbox import enqueue
from services.edit_kit import (
    desk_fixture,  # noqa: F401 (the `desk` fixture)
    items,
    oid,
    outbox,
    pull,
)


def test_the_draft_is_the_order_and_saving_it_unchanged_queues_nothing(desk):
    heard = []
    desk.ordo.add_listener(lambda: heard.append(1))
    edit = desk.ordo.edit_draft(oid(desk))
    d = edit.draft
    assert (edit.order_id, edit.number, edit.may_edit, edit.why_not) == (oid(desk), "WO-000001", True, None)
    assert (d.title, d.description, d.kind, d.priority, d.asset, d.requires_signature) == (
        "Fix pump",
        "Pump 3 leaks",
        "repair",
        "normal",
        None,
        False,
    )
    assert d.customer == {"name": "ACME", "contact": "555-0100"} and d.site["name"] == "Plant 1"
    assert d.assignee_id == uuid.UUID(TECH["id"]) and d.required_skills == ()
    assert [(i.id, i.label, i.kind, i.unit) for i in d.checklist] == [
        (desk.item, "Check seal", "check", None),
        (desk.optional_item, "Pressure", "number", "bar"),
    ]
    # Every saved item stays (the server never deletes one); none holds a value yet.
    assert edit.fixed_items == {desk.item, desk.optional_item} and edit.kind_fixed_items == frozenset()
    detail = desk.ordo.save_edit(oid(desk), d)
    assert detail.summary.title == "Fix pump" and outbox(desk) == [] and heard == []


def test_only_the_changed_fields_go_in_one_order_update_applied_at_once(desk):
    heard = []
    desk.ordo.add_listener(lambda: heard.append(1))
    d = desk.ordo.edit_draft(oid(desk)).draft
    seal, pressure = d.checklist
    draft = dataclasses.replace(
        d,
        title="Fix pump 3",
        required_skills=("Gas safe", "gas_safe", " Boilers "),
        checklist=[
            dataclasses.replace(seal, label="Check seal and gasket"),
            pressure,
            ChecklistDraftItem(label="Photo of the plate", required=True),
        ],
    )
    detail = desk.ordo.save_edit(oid(desk), draft)
    [(kind, entity, args, base_seq)] = outbox(desk)
    assert (kind, entity, base_seq) == ("order.update", desk.order, 1)
    assert set(args["fields"]) == {"title", "required_skills", "checklist"}
    assert args["fields"]["required_skills"] == ["gas_safe", "boilers"]
    new_id_ = args["fields"]["checklist"][2]["id"]
    assert uuid.UUID(new_id_).version == 4
    assert args["fields"]["checklist"] == [
        {
            "id": desk.item,
            "position": 1,
            "label": "Check seal and gasket",
            "kind": "check",
            "required": True,
            "unit": None,
            "min": None,
            "max": None,
        },
        {
            "id": desk.optional_item,
            "position": 2,
            "label": "Pressure",
            "kind": "number",
            "required": False,
            "unit": "bar",
            "min": None,
            "max": None,
        },
        {
            "id": new_id_,
            "position": 3,
            "label": "Photo of the plate",
            "kind": "check",
            "required": True,
            "unit": None,
            "min": None,
            "max": None,
        },
    ]
    assert detail.summary.title == "Fix pump 3" and detail.required_skills == ("gas_safe", "boilers")
    assert [i.label for i in detail.checklist] == ["Check seal and gasket", "Pressure", "Photo of the plate"]
    assert detail.summary.pending and heard
    # The form opened again shows the edit, the new item now saved (so fixed) with its id.
    again = desk.ordo.edit_draft(oid(desk))
    assert [i.id for i in again.draft.checklist] == [desk.item, desk.optional_item, new_id_]
    assert new_id_ in again.fixed_items
    assert desk.ordo.save_edit(oid(desk), again.draft) and len(outbox(desk)) == 1  # no change: no second


def test_a_due_time_left_empty_stays_and_a_changed_one_is_sent(desk):
    d = desk.ordo.edit_draft(oid(desk)).draft
    desk.ordo.save_edit(oid(desk), dataclasses.replace(d, due_at=None, priority="high"))
    [(_, _, args, _)] = outbox(desk)
    assert args["fields"] == {"priority": "high"}


@pytest.mark.parametrize(
    ("change_", "says"),
    [
        ({"checklist": [ChecklistDraftItem(label="  ")]}, "Checklist item 3 needs a label"),
        (
            {"checklist": [ChecklistDraftItem(label="Temp", kind="text", unit="°C")]},
            "Checklist item 3: only number",
        ),
        (
            {"checklist": [ChecklistDraftItem(label="Temp", kind="gauge")]},
            "Checklist item 3: unknown kind 'gauge'",
        ),
        ({"required_skills": ("gas-safe", "x" * 41)}, "Required skills: skill 2: at most 40 characters"),
        ({"required_skills": tuple(f"s{n}" for n in range(11))}, "Required skills: at most 10 skills"),
        ({"title": " "}, "The title cannot be empty"),
        ({"site": {"name": "Plant 1", "lat": 51.0}}, "latitude and longitude both"),
    ],
)
def test_a_bad_draft_is_refused_whole_naming_the_field_or_item(desk, change_, says):
    d = desk.ordo.edit_draft(oid(desk)).draft
    if "checklist" in change_:
        change_ = {"checklist": [*d.checklist, *change_["checklist"]], "title": "Changed too"}
    with pytest.raises(InvalidInput, match=says):
        desk.ordo.save_edit(oid(desk), dataclasses.replace(d, **change_))
    assert outbox(desk) == [] and desk.ordo.get_order(oid(desk)).summary.title == "Fix pump"


def test_a_saved_item_cannot_be_removed_an_unsaved_one_can(desk):
    d = desk.ordo.edit_draft(oid(desk)).draft
    with pytest.raises(InvalidInput, match="“Pressure” cannot be removed: once saved"):
        desk.ordo.save_edit(oid(desk), dataclasses.replace(d, checklist=[d.checklist[0]]))
    # Reordering is fine; an item added in the form and dropped again never existed.
    desk.ordo.save_edit(oid(desk), dataclasses.replace(d, checklist=[d.checklist[1], d.checklist[0]]))
    [(_, _, args, _)] = outbox(desk)
    assert [(i["id"], i["position"]) for i in args["fields"]["checklist"]] == [
        (desk.optional_item, 1),
        (desk.item, 2),
    ]
    assert [row[0] for row in items(desk)] == [desk.optional_item, desk.item]


def test_an_order_made_here_keeps_its_items_too(desk):
    """Its order.create is pushed at once, and a push whose answer was lost may have reached
    the server, which never deletes an item: removing one here could never converge."""
    made = desk.ordo.create_order(
        OrderDraft(title="New job", checklist=[ChecklistDraftItem(label="A"), ChecklistDraftItem(label="B")])
    )
    edit = desk.ordo.edit_draft(OrderId(made.summary.id))
    assert edit.number.startswith("NEW-") and edit.may_edit
    assert edit.fixed_items == {i.id for i in edit.draft.checklist} and len(edit.fixed_items) == 2
    with pytest.raises(InvalidInput, match="“B” cannot be removed"):
        desk.ordo.save_edit(
            OrderId(made.summary.id), dataclasses.replace(edit.draft, checklist=edit.draft.checklist[:1])
        )
    # Editing it before it is sent is an order.update after its order.create.
    desk.ordo.save_edit(OrderId(made.summary.id), dataclasses.replace(edit.draft, required_skills=("hvac",)))
    assert [(t, a.get("fields")) for t, _, a, _ in outbox(desk)][-1] == (
        "order.update",
        {"required_skills": ["hvac"]},
    )


def test_an_item_holding_a_value_keeps_its_kind(desk):
    pull(
        desk,
        change(
            "checklist_item",
            item_data(
                desk.optional_item,
                desk.order,
                position=2,
                label="Pressure",
                kind="number",
                unit="bar",
                value=2.5,
                done=True,
            ),
            50,
        ),
    )
    edit = desk.ordo.edit_draft(oid(desk))
    assert edit.kind_fixed_items == {desk.optional_item}
    seal, pressure = edit.draft.checklist
    with pytest.raises(
        InvalidInput, match=r"Checklist item 2 \(“Pressure”\) already holds a value: its kind stays number"
    ):
        desk.ordo.save_edit(
            oid(desk),
            dataclasses.replace(
                edit.draft, checklist=[seal, dataclasses.replace(pressure, kind="text", unit=None)]
            ),
        )
    # Its label may change, and the value stays with it.
    desk.ordo.save_edit(
        oid(desk),
        dataclasses.replace(
            edit.draft, checklist=[seal, dataclasses.replace(pressure, label="Pressure (bar)")]
        ),
    )
    assert items(desk)[1] == (desk.optional_item, 2, "Pressure (bar)", "number", 2.5)


def test_the_local_apply_keeps_a_kind_under_a_value_and_left_out_items_as_the_server_does(desk):
    """A definition from elsewhere (another desk's order.update replayed here, or raw fields):
    the same rules as server_stub/sync/apply/checklist_def.py."""
    pull(desk, change("checklist_item", item_data(desk.item, desk.order, value=True, done=True), 50))
    fresh = new_id()
    with desk.ordo._store.transaction() as s:
        entry = enqueue(
            s,
            type="order.update",
            entity_id=desk.order,
            base_seq=1,
            created_at=desk.clock(),
            args={
                "fields": {
                    "checklist": [
                        {"id": desk.item, "position": 1, "label": "Seal", "kind": "text", "required": True},
                        {"id": fresh, "position": 2, "label": "New", "kind": "check", "required": False},
                    ]
                }
            },
        )
        assert apply_local(s, entry) is not None
    assert set(items(desk)) == {
        (desk.item, 1, "Seal", "check", True),  # its kind stays: it holds a value
        (fresh, 2, "New", "check", None),
        (desk.optional_item, 2, "Pressure", "number", None),  # left out: it stays
    }


def test_an_edit_the_server_turns_into_a_conflict_is_undone_on_the_rebase(desk):
    d = desk.ordo.edit_draft(oid(desk)).draft
    seal, pressure = d.checklist
    desk.ordo.save_edit(
        oid(desk),
        dataclasses.replace(
            d,
            title="Mine",
            checklist=[dataclasses.replace(seal, label="Seal!"), pressure, ChecklistDraftItem(label="Extra")],
        ),
    )
    [(_, _, args, _)] = outbox(desk)
    extra = args["fields"]["checklist"][2]["id"]
    # A pull before the answer re-sends the server's rows: the queued edit is replayed over them.
    pull(
        desk,
        change("work_order", order_data(desk.order, title="Theirs"), 60),
        change("checklist_item", item_data(desk.item, desk.order), 61),
    )
    with desk.ordo._store.transaction() as s:
        from app.store.rebase import rebase

        rebase(s, dropped=[])
    assert desk.ordo.get_order(oid(desk)).summary.title == "Mine"
    assert [r[2] for r in items(desk)] == ["Seal!", "Pressure", "Extra"]
    # The server makes it a conflict: the pull that acknowledges it puts its rows back.
    cid = new_id()
    desk.server.verdicts[1] = {"status": "conflict", "seq": 62, "conflict_ids": [cid]}
    desk.server.pages.append(
        {
            "changes": [
                change(
                    "conflict",
                    {
                        "id": cid,
                        "order_id": desk.order,
                        "entity": "work_order",
                        "entity_id": desk.order,
                        "field": "title",
                        "mine": "Mine",
                        "theirs": "Theirs",
                        "mid": 1,
                        "device_id": new_id(),
                        "status": "open",
                        "resolution": None,
                    },
                    62,
                )
            ],
            "cursor": "62",
            "has_more": False,
        }
    )
    desk.ordo.sync_blocking()
    assert outbox(desk) == []
    assert desk.ordo.get_order(oid(desk)).summary.title == "Theirs"
    assert [r[2] for r in items(desk)] == ["Check seal", "Pressure"]
    with desk.ordo._store.read() as s:
        assert s.get(ChecklistItem, extra) is None
    [row] = desk.ordo.list_open_conflicts(order_id=oid(desk))
    assert (row.order_id, row.mine_words, row.theirs_words) == (uuid.UUID(desk.order), "Mine", "Theirs")


def test_a_technician_may_not_edit(signed_in):
    edit = signed_in.ordo.edit_draft(oid(signed_in))
    assert (edit.may_edit, edit.why_not) == (False, "Only a dispatcher can change an order's details.")
    with pytest.raises(InvalidInput, match="Only a dispatcher"):
        signed_in.ordo.save_edit(oid(signed_in), dataclasses.replace(edit.draft, title="Mine"))
    assert outbox(signed_in) == []
