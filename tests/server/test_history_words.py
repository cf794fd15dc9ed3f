"""The history's words for every kind of change (server_stub.history.words), on hand-made
ledger details: pure, no database."""

from __future__ import annotations

from typing import Any

import pytest

from server_stub.history.words import brief, summary

NAMES = {"u1": "Alex Novak", "u2": "Bea Lindqvist"}
LABELS = {"i1": "Pressure", "i2": "Isolate supply", "i3": "Findings"}
ABOUT = {"c1": "priority", "c2": "status"}


def words(
    type_: str, args: dict[str, Any], fields: dict[str, list[Any]] | None = None, result: str = "applied"
) -> str:
    return summary(
        type_, result=result, brief=brief(type_, args), fields=fields or {}, names=NAMES, labels=LABELS,
        conflict_fields=ABOUT,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("type_", "args", "fields", "want"),
    [
        ("order.transition", {"from": "assigned", "to": "en_route"}, None, "On the way"),
        ("order.transition", {"from": "en_route", "to": "in_progress"}, None, "Started work"),
        ("order.transition", {"from": "on_hold", "to": "in_progress"}, None, "Resumed work"),
        ("order.transition", {"from": "completed", "to": "in_progress", "reason": "Leak again"}, None,
         "Reopened: Leak again"),
        ("order.transition", {"from": "assigned", "to": "on_hold", "reason": "Waiting for a part"}, None,
         "Put on hold: Waiting for a part"),
        ("order.transition", {"from": "in_progress", "to": "completed"}, None, "Completed"),
        ("order.transition", {"from": "completed", "to": "closed"}, None, "Closed"),
        ("order.transition", {"from": "x", "to": "warp_speed"}, None, "Moved to warp speed"),
        ("order.update", {"fields": {"priority": "urgent"}}, {"priority": ["normal", "urgent"]},
         "Priority: normal → urgent"),
        ("order.update", {"fields": {"assignee_id": "u2"}},
         {"assignee_id": ["u1", "u2"]}, "Reassigned from Alex Novak to Bea Lindqvist"),
        ("order.update", {"fields": {"assignee_id": None}},
         {"status": ["assigned", "new"], "assignee_id": ["u1", None]}, "Unassigned from Alex Novak"),
        ("order.update", {"fields": {"due_at": "x"}},
         {"due_at": ["2026-11-25T09:00:00Z", "2026-11-26T17:30:00Z"]},
         "Due: 2026-11-25 09:00 → 2026-11-26 17:30"),
        ("order.update", {"fields": {"site": {}}},
         {"site": [{"name": "Depot"}, {"name": "Town Hall"}]}, "Site: Depot → Town Hall"),
        ("order.update", {"fields": {"requires_signature": True}}, {"requires_signature": [False, True]},
         "Signature required"),
        ("order.update", {"fields": {"description": "long"}}, {"description": ["a", "b"]},
         "Description changed"),
        ("order.update", {"fields": {"checklist": []}}, {"checklist": [["A"], ["A", "B"]]},
         "Checklist: 1 → 2 items"),
        ("order.update", {"fields": {"required_skills": ["Gas-safe"]}},
         {"required_skills": [["hvac"], ["gas-safe", "fire_safety"]]},
         "Required skills: gas-safe, fire safety"),
        ("order.update", {"fields": {"required_skills": []}}, {"required_skills": [["hvac"], []]},
         "Required skills: none"),
        ("order.update", {"fields": {"required_skills": 3}}, {"required_skills": [[], "odd"]},
         "Required skills: none"),
        ("order.update", {"fields": {"title": "Same"}}, None, "No change to title"),
        ("order.update", {"fields": "garbage"}, None, "Order changed"),
        ("checklist.set", {"item_id": "i1", "value": 1.8, "done": True}, None, "Pressure: 1.8"),
        ("checklist.set", {"item_id": "i2", "value": True, "done": True}, None, "Ticked: Isolate supply"),
        ("checklist.set", {"item_id": "i2", "value": None, "done": False}, None, "Unticked: Isolate supply"),
        ("checklist.set", {"item_id": "i3", "value": "pass", "done": True}, None, "Findings: pass"),
        ("checklist.set", {"item_id": "gone", "value": 2, "done": True}, None, "a checklist item: 2"),
        ("note.add", {"id": "n", "text": "secret", "at": "t"}, None, "Note added"),
        ("photo.add", {"caption": "Leak"}, None, "Photo added"),
        ("time.add", {"kind": "travel", "started_at": "2026-11-25T09:00:00Z",
                      "ended_at": "2026-11-25T09:25:00Z"}, None, "Logged 25 min of travel"),
        ("time.add", {"kind": "work", "started_at": "now", "ended_at": 5}, None, "Logged work"),
        ("part.use", {"sku": "FUSE-10A", "quantity": 2}, None, "Used 2 × FUSE-10A"),
        ("signature.add", {"signer_name": "Pat Customer"}, None, "Signed by Pat Customer"),
        ("entry.void", {"entity": "note", "id": "n", "reason": "Wrong order"}, {"voided": [False, True]},
         "Note voided: Wrong order"),
        ("entry.void", {"entity": "time_log", "id": "t"}, None, "Time entry voided"),
        ("conflict.resolve", {"conflict_id": "c1", "choice": "theirs"}, None,
         "Conflict over priority resolved: kept the value held"),
        ("conflict.resolve", {"conflict_id": "c2", "choice": "value", "value": "assigned"}, None,
         "Conflict over status resolved: set a new value"),
        ("order.create", {"title": "T"}, None, "Created"),
        ("order.create", {"title": "T", "assignee_id": "u1"}, None, "Created and assigned"),
        ("order.delete", {}, None, "order.delete"),
    ],
)  # fmt: skip
def test_each_change_in_words(
    type_: str, args: dict[str, Any], fields: dict[str, list[Any]] | None, want: str
) -> None:
    assert words(type_, args, fields) == want


def test_a_dispatchers_field_a_technician_changed_is_a_proposal() -> None:
    args = {"fields": {"priority": "urgent", "title": "Mine"}}
    assert (
        words("order.update", args, result="conflict") == "Proposed priority, title (kept for a dispatcher)"
    )
    # Part applied, part kept for a dispatcher.
    partly = words("order.update", args, {"priority": ["low", "urgent"]}, result="conflict")
    assert partly == "Priority: low → urgent; Proposed title (kept for a dispatcher)"
    assert words("order.update", args, result="rejected") == "Change to priority, title"


def test_the_brief_keeps_few_keys_short_and_only_plain_values() -> None:
    kept = brief("order.transition", {"from": "a", "to": "b", "reason": "r" * 500, "at": "t", "extra": 1})
    assert set(kept) == {"from", "to", "reason"} and len(kept["reason"]) == 120
    assert brief("checklist.set", {"item_id": "i", "value": {"nested": 1}, "done": True})["value"] is None
    assert brief("note.add", {"text": "private words"}) == {}  # a note's words stay in the note
    assert (
        brief("order.update", {"fields": {f"f{i}": i for i in range(40)}})["fields"]
        == sorted(f"f{i}" for i in range(40))[:20]
    )
    assert brief("unknown.type", {"a": 1}) == {}
