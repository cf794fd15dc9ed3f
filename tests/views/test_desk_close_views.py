"""The words of the dispatcher's conflicts desk, history and evidence screens: both sides of a
conflict, values never as JSON, time and parts, an old copy said as such, columns by width.
(The screens themselves are driven in a browser by tests/ui/test_desk_close.py.)"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.services.desk_types import ConflictRow, HistoryEntry, HistoryView
from app.services.types import ConflictView, PartUsageView, TimeLogView
from app.views.desk.conflicts import card_label, count_text, edit_kind, made_text, parse_edited
from app.views.desk.evidence import columns_for
from app.views.desk.evidence_words import part_line
from app.views.desk.history_words import byline, change_lines, result_word, spoken, stale_text, value_words
from app.views.shared.time_words import duration_text, time_line, time_totals


def _conflict(*, entity: str, field: str, mine: Any, theirs: Any) -> ConflictView:
    return ConflictView(
        id=uuid.uuid4(),
        entity=entity,
        field=field,
        label=field,
        mine=mine,
        theirs=theirs,
        status="open",
        may_resolve=True,
    )


@pytest.mark.parametrize(
    ("entity", "field", "mine", "theirs", "kind"),
    [
        ("checklist_item", "value", 95, 72.5, "number"),
        ("checklist_item", "value", "Worn", "Fine", "text"),
        ("checklist_item", "value", "fail", "pass", None),
        ("checklist_item", "value", True, False, None),
        ("work_order", "title", "New", "Old", "text"),
        ("work_order", "priority", "urgent", "high", None),
        ("work_order", "status", "completed", "on_hold", None),
        ("time_log", "overlap", [], [], None),
    ],
)
def test_a_value_of_ones_own_only_where_typing_makes_sense(
    entity: str, field: str, mine: Any, theirs: Any, kind: str | None
) -> None:
    assert edit_kind(_conflict(entity=entity, field=field, mine=mine, theirs=theirs)) == kind


def test_typed_values_are_read_as_people_write_them() -> None:
    assert parse_edited("number", "12,5") == 12.5
    assert parse_edited("text", "  Checked twice ") == "Checked twice"
    with pytest.raises(ValueError, match="not a number"):
        parse_edited("number", "twelve")
    with pytest.raises(ValueError, match="Type the value"):
        parse_edited("text", "  ")


def test_a_conflict_card_says_both_sides_and_who_sent_the_losing_one() -> None:
    at = datetime(2026, 11, 25, 14, 2, tzinfo=UTC)
    row = ConflictRow(
        conflict=_conflict(entity="checklist_item", field="value", mine=95, theirs=72),
        order_id=uuid.uuid4(),
        order_number="WO-000123",
        order_title="Boiler service",
        mine_words="95 °C",
        theirs_words="72 °C",
        made_by="Alex Novak",
        made_at=at,
        device="device 3f2a9c1b",
    )
    words = card_label(row)
    assert "WO-000123 Boiler service" in words
    assert "Kept: 72 °C" in words and "Sent from the field: 95 °C" in words
    assert f"Alex Novak · {at.astimezone():%d %b %H:%M} · device 3f2a9c1b" in words
    assert made_text(dataclasses.replace(row, made_by="", made_at=None, device="")) == "Someone"
    assert count_text(0) == "No open conflicts" and count_text(1) == "1 open conflict"


def test_history_values_read_as_words_never_json() -> None:
    assert value_words("status", "in_progress") == "In progress"
    assert value_words("priority", "urgent") == "Urgent"
    assert value_words("requires_signature", True) == "Yes"
    assert (
        value_words("site", {"name": "Town Hall", "address": "1 Main St", "lat": 1.0})
        == "Town Hall, 1 Main St"
    )
    assert value_words("value", 72.0) == "72"
    assert value_words("checklist", [{"label": "a"}, {"label": "b"}]) == "2 items"
    tech = str(uuid.uuid4())
    assert value_words("assignee_id", tech, names={tech: "Alex Novak"}) == "Alex Novak"
    assert value_words("assignee_id", tech) == "someone not on this device"
    assert value_words("assignee_id", None) == "none"
    due = value_words("due_at", "2026-11-25T09:00:00Z")
    assert "Nov" in due and "T" not in due
    entry = HistoryEntry(
        seq=7,
        at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        who="Dana Dispatch",
        device="this device",
        type="order.update",
        summary="Priority: Normal → Urgent",
        result="merged",
        fields={"priority": ("normal", "urgent")},
    )
    assert change_lines(entry) == ["Priority: Normal → Urgent"]
    assert result_word(entry) == "Merged"
    assert result_word(dataclasses.replace(entry, result="unsent", unsent=True)) == "Not sent yet"
    assert byline(entry).startswith("Dana Dispatch · ") and byline(entry).endswith("this device")


def test_an_old_copy_says_so() -> None:
    view = HistoryView(
        order_id=uuid.uuid4(), order_number="WO-1", entries=[], fetched_at=None, live=False, message=""
    )
    assert "unsent" in stale_text(view) and stale_text(view)[0].isupper()
    fetched = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    said = stale_text(dataclasses.replace(view, fetched_at=fetched, message="Cannot reach …"), offline=True)
    assert said.startswith("Offline: showing the copy fetched") and "Nov" in said, said
    assert stale_text(dataclasses.replace(view, message="No history yet.")) == "No history yet."
    assert stale_text(dataclasses.replace(view, live=True)) == ""


def _log(kind: str, start_min: int, minutes: int) -> TimeLogView:
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(minutes=start_min)
    return TimeLogView(
        id=uuid.uuid4(),
        kind=kind,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        user_name="Alex Novak",
        pending=False,
        mine=False,
    )


def test_time_and_parts_in_words() -> None:
    logs = [_log("travel", 0, 20), _log("work", 20, 50), _log("work", 80, 20)]
    assert time_totals(logs) == "Work 1 h 10 min · Travel 20 min"
    assert duration_text(timedelta(hours=2)) == "2 h" and duration_text(timedelta(minutes=-5)) == "0 min"
    assert time_line(logs[0]).endswith("20 min · Alex Novak")
    part = PartUsageView(
        id=uuid.uuid4(),
        sku="PIPE-CU-15",
        name="Copper pipe 15 mm",
        quantity=1.5,
        unit="m",
        pending=False,
        mine=False,
    )
    assert part_line(part) == "1.5 m × Copper pipe 15 mm (PIPE-CU-15)"
    assert part_line(dataclasses.replace(part, quantity=2.0, unit="pcs", name="X1", sku="X1")) == "2 × X1"


def test_the_desk_lays_the_evidence_out_in_columns_by_width() -> None:
    assert columns_for(1280 - 89 - 24) == 3
    assert columns_for(800) == 2
    assert columns_for(390) == 1


def test_arrows_are_said_in_words_and_a_first_reading_has_no_before() -> None:
    assert spoken("Priority: Normal → Urgent") == "Priority: Normal to Urgent"
    entry = HistoryEntry(
        seq=9,
        at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        who="Alex Novak",
        device="device 3f2a9c1b",
        type="checklist.set",
        summary="Flue gas test: pass",
        result="applied",
        fields={"checklist: Flue gas test": (False, "pass"), "checklist: Filters": (False, True)},
    )
    assert change_lines(entry) == ["Checklist: Flue gas test: — → Pass", "Checklist: Filters: No → Yes"]
