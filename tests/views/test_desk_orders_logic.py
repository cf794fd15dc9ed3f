"""The desk's order table and create form, their pure decisions: what each filter asks the
services for, how typed fields become a draft, and what is said when they are wrong."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.domain import OPEN, Priority, Status
from app.services.desk_types import ChecklistDraftItem, SortKey
from app.views.desk.checklist_editor import DraftRow, items_from_rows, new_row, rows_from_items
from app.views.desk.order_draft import FormState, build_draft, default_due_words, error_summary, parse_due
from app.views.desk.order_filters import (
    PAGE_SIZE,
    UNASSIGNED,
    TableAsk,
    range_text,
    sort_direction_words,
    to_query,
)

NOW = datetime(2025, 11, 26, 14, 30, tzinfo=timezone(timedelta(hours=1)))


# --- the table's query --------------------------------------------------------------------------


def test_nothing_chosen_asks_for_everything_by_due_time() -> None:
    query = to_query(TableAsk(), now=NOW)
    assert (query.text, query.statuses, query.priorities, query.assignee_ids, query.sources) == (
        "",
        (),
        (),
        (),
        (),
    )
    assert (query.due_from, query.due_to, query.sort, query.descending) == (None, None, SortKey.DUE, False)
    assert (query.limit, query.offset) == (PAGE_SIZE, 0)


def test_words_rank_by_best_match_until_the_user_picks_a_sort() -> None:
    assert to_query(TableAsk(text="  boiler "), now=NOW).text == "boiler"
    assert to_query(TableAsk(text="boiler"), now=NOW).sort is SortKey.RELEVANCE
    chosen = TableAsk(text="boiler").changed(sort=SortKey.PRIORITY, sort_chosen=True)
    assert to_query(chosen, now=NOW).sort is SortKey.PRIORITY
    # Best match without words means nothing: due time instead.
    assert to_query(TableAsk(sort=SortKey.RELEVANCE, sort_chosen=True), now=NOW).sort is SortKey.DUE


def test_each_filter_becomes_its_part_of_the_query() -> None:
    tech = uuid.uuid4()
    query = to_query(
        TableAsk(status="on_hold", priority="urgent", assignee=str(tech), source="alert"), now=NOW
    )
    assert query.statuses == (Status.ON_HOLD,)
    assert query.priorities == (Priority.URGENT,)
    assert query.assignee_ids == (tech,)
    assert query.sources == ("alert",)
    assert to_query(TableAsk(assignee=UNASSIGNED), now=NOW).assignee_ids == (None,)
    assert set(to_query(TableAsk(status="open"), now=NOW).statuses) == set(OPEN)


def test_due_ranges() -> None:
    today = to_query(TableAsk(due="today"), now=NOW)
    assert today.due_from == NOW.replace(hour=0, minute=0) and today.due_to == today.due_from + timedelta(
        days=1
    )
    week = to_query(TableAsk(due="week"), now=NOW)
    assert (week.due_from, week.due_to) == (NOW, NOW + timedelta(days=7))
    assert to_query(TableAsk(due="later"), now=NOW).due_from == NOW + timedelta(days=7)
    # Overdue: due before now and not done; a closed order past its due time is not overdue.
    overdue = to_query(TableAsk(due="overdue"), now=NOW)
    assert overdue.due_to == NOW and set(overdue.statuses) == set(OPEN)
    assert to_query(TableAsk(due="overdue", status="closed"), now=NOW).statuses == ()


def test_a_new_choice_goes_back_to_the_first_page_and_a_header_click_turns_the_sort() -> None:
    on_three = TableAsk(page=2)
    assert to_query(on_three, now=NOW).offset == 2 * PAGE_SIZE
    assert on_three.changed(priority="high").page == 0
    by_number = TableAsk().sorted_by(SortKey.NUMBER)
    assert (by_number.sort, by_number.descending, by_number.sort_chosen) == (SortKey.NUMBER, False, True)
    assert by_number.sorted_by(SortKey.NUMBER).descending is True
    assert by_number.sorted_by(SortKey.NUMBER).sorted_by(SortKey.DUE).descending is False
    cleared = TableAsk(text="x", status="new", priority="low", sort=SortKey.NUMBER).cleared()
    assert (cleared.text, cleared.filtered, cleared.sort) == ("", False, SortKey.NUMBER)


def test_counts_and_directions_in_words() -> None:
    assert range_text(page=0, shown=0, total=0) == "No orders"
    assert range_text(page=0, shown=1, total=1) == "1 order"
    assert range_text(page=0, shown=12, total=12) == "12 orders"
    assert range_text(page=1, shown=50, total=312) == "Showing 51–100 of 312 orders"
    assert sort_direction_words(SortKey.PRIORITY, descending=False) == "most urgent first"
    assert sort_direction_words(SortKey.DUE, descending=True) == "latest first"


# --- the form's draft -----------------------------------------------------------------------------


def test_an_empty_title_is_said_and_nothing_is_drafted() -> None:
    draft, errors = build_draft(FormState(title="   ", description="Kept as typed"))
    assert draft is None
    assert "title" in errors["title"]
    assert error_summary(errors).startswith("Not saved: Give the order a title")


def test_a_full_form_becomes_the_draft() -> None:
    tech = uuid.uuid4()
    form = FormState(
        title=" Replace pump ",
        description="Like for like.",
        kind="installation",
        priority="urgent",
        customer_name="Harbour Properties Ltd",
        customer_contact="Maya Chen",
        site_name="Harbour View Offices",
        site_address="12 Quay Street",
        site_lat="51,4545",
        site_lon="-2.597",
        asset="P-2",
        requires_signature=True,
        assignee=str(tech),
        rows=(
            DraftRow(
                key="a", label="Pressure", kind="number", required=True, unit="bar", min="1,5", max="3.5"
            ),
        ),
    )
    draft, errors = build_draft(form)
    assert errors == {} and draft is not None
    assert (draft.title, draft.kind, draft.priority, draft.asset) == (
        "Replace pump",
        "installation",
        "urgent",
        "P-2",
    )
    assert draft.due_at is None  # the priority decides, as the services compute it
    assert draft.customer == {"name": "Harbour Properties Ltd", "contact": "Maya Chen"}
    assert draft.site == {
        "name": "Harbour View Offices",
        "address": "12 Quay Street",
        "lat": 51.4545,
        "lon": -2.597,
    }
    assert draft.assignee_id == tech and draft.requires_signature is True
    assert draft.checklist == [
        ChecklistDraftItem(label="Pressure", kind="number", required=True, unit="bar", min=1.5, max=3.5)
    ]


def test_a_due_time_set_by_the_user_is_read_in_local_time() -> None:
    draft, errors = build_draft(FormState(title="x", due_set=True, due_date="2025-11-27", due_time="9.05"))
    assert errors == {} and draft is not None and draft.due_at is not None
    assert draft.due_at == datetime(2025, 11, 27, 9, 5).astimezone()
    with pytest.raises(ValueError, match="year-month-day"):
        parse_due("27/11/2025", "09:00")
    _, errors = build_draft(FormState(title="x", due_set=True, due_date="2025-11-27", due_time="25:00"))
    assert "hours:minutes" in errors["due"]
    assert default_due_words("urgent") == "Default for urgent priority: 4 hours from saving"
    assert default_due_words("normal") == "Default for normal priority: 3 days from saving"


@pytest.mark.parametrize(
    ("lat", "lon", "field", "words"),
    [
        ("north", "", "site_lat", "not a number"),
        ("91", "0", "site_lat", "between -90 and 90"),
        ("0", "181", "site_lon", "between -180 and 180"),
        ("51.4", "", "site_lat", "both"),
    ],
)
def test_coordinates_are_checked(lat: str, lon: str, field: str, words: str) -> None:
    _, errors = build_draft(FormState(title="x", site_lat=lat, site_lon=lon))
    assert words in errors[field]


# --- the checklist editor's rows -----------------------------------------------------------------


def test_rows_become_items_and_say_what_is_wrong_per_row() -> None:
    rows = (
        DraftRow(key="a", label="Isolate", required=True),
        DraftRow(key="b", label=""),
        DraftRow(key="c", label="Temp", kind="number", min="80", max="55"),
        DraftRow(key="d", label="Level", kind="number", min="low"),
        DraftRow(key="e", label="Notes", kind="text", unit="ignored", min="1"),
    )
    items, errors = items_from_rows(rows)
    assert set(errors) == {"b", "c", "d"}
    assert errors["b"] == "Item 2: say what to check."
    assert "lowest value is above the highest" in errors["c"]
    assert "lowest “low” is not a number" in errors["d"]
    # A unit and limits mean something for numbers only: a text item does not carry them.
    assert items == [
        ChecklistDraftItem(label="Isolate", kind="check", required=True),
        ChecklistDraftItem(label="Notes", kind="text"),
    ]


def test_a_template_round_trips_through_the_rows() -> None:
    items = [
        ChecklistDraftItem(
            label="Flue temperature", kind="number", required=True, unit="°C", min=55.0, max=80.5
        ),
        ChecklistDraftItem(label="Seal", kind="pass_fail"),
    ]
    rows = rows_from_items(items)
    assert [(r.min, r.max, r.unit) for r in rows] == [("55", "80.5", "°C"), ("", "", "")]
    assert len({r.key for r in (*rows, new_row())}) == 3  # each row keeps its own key through moves
    assert items_from_rows(rows) == (items, {})
