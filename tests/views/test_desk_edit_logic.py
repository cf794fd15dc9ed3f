"""Editing an order on the desk, its pure decisions: the form filled from the services' draft,
an untouched form changing nothing, what changed said in words and required skills typed or
chosen."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from app.services.desk_types import ChecklistDraftItem, OrderDraft
from app.views.desk.checklist_rows import items_from_rows, new_row
from app.views.desk.order_draft import build_draft
from app.views.desk.order_edit import changed_fields, changes_text, form_from_draft, keep_unshown
from app.views.desk.skills import MAX_SKILL, MAX_SKILLS, add_skill, offered_skills, remove_skill

ITEM_A = "7b1f0d3c-0000-4000-8000-000000000001"
ITEM_B = "7b1f0d3c-0000-4000-8000-000000000002"


def _order() -> OrderDraft:
    return OrderDraft(
        title="Boiler pressure drops overnight",
        description="Top up and find the leak.",
        kind="repair",
        priority="high",
        due_at=datetime(2025, 11, 27, 9, 30, 42, tzinfo=UTC),  # seconds the form does not show
        customer={"name": "Harbour Properties Ltd", "contact": "Maya Chen", "phone": "+44 1234"},
        site={"name": "Harbour View Offices", "address": "12 Quay Street", "lat": 51.5, "lon": -0.1},
        asset="Boiler 1",
        requires_signature=True,
        checklist=[
            ChecklistDraftItem(label="Isolate", kind="check", required=True, id=ITEM_A),
            ChecklistDraftItem(label="Pressure", kind="number", unit="bar", min=1.0, max=2.5, id=ITEM_B),
        ],
        assignee_id=uuid.UUID("00000000-0000-4000-8000-0000000000aa"),
        required_skills=("gas-safe",),
    )


def _rebuilt(base: OrderDraft, **changes: object) -> OrderDraft:
    form = replace(form_from_draft(base), **changes)
    draft, errors = build_draft(form)
    assert draft is not None, errors
    return keep_unshown(draft, base=base)


# --- the edit form -----------------------------------------------------------------------------


def test_an_untouched_form_changes_nothing() -> None:
    base = _order()
    form = form_from_draft(base)
    assert form.due_set and form.title == base.title and form.skills == ("gas-safe",)
    assert [r.item_id for r in form.rows] == [ITEM_A, ITEM_B]
    again = _rebuilt(base)
    assert changed_fields(base, again) == []
    # What the form has no field for rides along: the phone, the seconds, the assignee.
    assert again.customer["phone"] == "+44 1234"
    assert again.due_at == base.due_at
    assert again.assignee_id == base.assignee_id
    assert changes_text([]) == "Nothing changed yet."


def test_what_changed_is_said_in_the_forms_order() -> None:
    base = _order()
    form = form_from_draft(base)
    rows = (*form.rows, replace(new_row("text"), label="Commissioning notes"))
    after = _rebuilt(base, title="Boiler loses pressure", skills=("gas-safe", "confined_space"), rows=rows)
    changed = changed_fields(base, after)
    assert changed == ["title", "required skills", "checklist"]
    assert changes_text(changed) == "Changed: title, required skills and checklist."
    assert changes_text(["title"]) == "Changed: title."
    # The new item has no id; the kept ones keep theirs (the services tell them apart by it).
    assert [i.id for i in after.checklist] == [ITEM_A, ITEM_B, None]


def test_a_due_time_moved_by_a_minute_is_a_change() -> None:
    base = _order()
    form = form_from_draft(base)
    hours, minutes = form.due_time.split(":")
    later = f"{hours}:{int(minutes) + 1:02d}"
    after = _rebuilt(base, due_time=later)
    assert changed_fields(base, after) == ["due time"]
    assert after.due_at is not None and after.due_at.second == 0


def test_a_removed_customer_contact_is_a_change_and_other_keys_stay() -> None:
    base = _order()
    after = _rebuilt(base, customer_contact="")
    assert changed_fields(base, after) == ["customer"]
    assert after.customer == {"name": "Harbour Properties Ltd", "phone": "+44 1234"}


def test_rows_keep_the_item_they_edit_through_a_reword() -> None:
    base = _order()
    form = form_from_draft(base)
    reworded = (replace(form.rows[0], label="Isolate and lock off"), form.rows[1])
    items, errors = items_from_rows(reworded)
    assert not errors
    assert [(i.id, i.label) for i in items] == [(ITEM_A, "Isolate and lock off"), (ITEM_B, "Pressure")]


# --- required skills ----------------------------------------------------------------------------


def test_a_typed_skill_becomes_a_tag_once() -> None:
    skills, wrong = add_skill((), "  Confined   Space ")
    assert (skills, wrong) == (("confined_space",), "")
    assert add_skill(skills, "confined space") == (skills, "")  # already there: no change, no error
    assert add_skill(skills, "gas-safe") == (("confined_space", "gas-safe"), "")
    assert remove_skill(("a", "b", "c"), "b") == ("a", "c")


def test_a_bad_skill_is_said_and_nothing_is_added() -> None:
    assert add_skill(("a",), "   ") == (("a",), "Type a skill first, or choose one below.")
    skills, wrong = add_skill((), "x" * (MAX_SKILL + 1))
    assert skills == () and f"at most {MAX_SKILL} characters" in wrong
    full = tuple(f"s{n}" for n in range(MAX_SKILLS))
    skills, wrong = add_skill(full, "one more")
    assert skills == full and f"at most {MAX_SKILLS} skills" in wrong


def test_known_skills_offered_are_those_not_chosen_that_hold_the_words() -> None:
    known = ["electrical", "Gas-safe", "gas_meter", "refrigeration", "legionella_gas"]
    assert offered_skills(known, chosen=(), typed="") == [
        "electrical",
        "gas-safe",
        "gas_meter",
        "legionella_gas",
        "refrigeration",
    ]
    # Those starting with the words first, then those holding them.
    assert offered_skills(known, chosen=("gas_meter",), typed="Gas") == ["gas-safe", "legionella_gas"]
    assert offered_skills(known, chosen=(), typed="plumbing") == []


def test_empty_keys_the_order_had_are_no_change() -> None:
    base = replace(_order(), site={"name": "Harbour View Offices", "address": "", "lat": None, "lon": None})
    again = _rebuilt(base)
    assert changed_fields(base, again) == []
    assert again.site == base.site
