"""The words and the query of the phone's "My day": search asks, counts, the next order, due
times after a "Due" label, plurals."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from app.domain import OPEN, Priority, Status
from app.services.desk_types import SortKey
from app.services.types import OrderId, OrderSummary
from app.views.desk.order_filters import ANY, OPEN_CHOICE
from app.views.field.day_parts import done_label, next_words
from app.views.field.order_search import DayAsk, nothing_found, results_line
from app.views.field.orders import card_label
from app.views.shared.widgets import due_text, due_when, plural

NOW = datetime(2026, 11, 25, 10, 0).astimezone()  # local: the views read local time


def _summary(status: Status = Status.ASSIGNED) -> OrderSummary:
    return OrderSummary(
        id=OrderId(uuid.uuid4()),
        number="WO-000042",
        title="Boiler service",
        priority=Priority.HIGH,
        status=status,
        due_at=NOW + timedelta(hours=2),
        site_name="Harbour",
        pending=False,
    )


def test_an_empty_ask_is_the_grouped_day_and_any_word_or_filter_a_search() -> None:
    assert not DayAsk().active and not DayAsk(text="   ").active
    assert DayAsk(text="valve").active and not DayAsk(text="valve").filtered
    assert DayAsk(status="completed").active and DayAsk(priority="urgent").filtered


def test_the_ask_becomes_the_desk_query_earliest_due_first() -> None:
    query = DayAsk(text="  gas valve ", status="in_progress", priority="urgent").query()
    assert (query.text, query.statuses, query.priorities) == (
        "gas valve",
        (Status.IN_PROGRESS,),
        (Priority.URGENT,),
    )
    assert query.sort is SortKey.DUE
    everything = DayAsk(text="x", status=ANY, priority=ANY).query()
    assert (everything.statuses, everything.priorities) == ((), ())
    still_open = DayAsk(status=OPEN_CHOICE).query().statuses
    assert set(still_open) == set(OPEN) and Status.COMPLETED not in still_open


def test_counts_and_empty_words() -> None:
    assert results_line(shown=1, total=1) == "1 result"
    assert results_line(shown=0, total=0) == "0 results"
    assert results_line(shown=100, total=240) == "Showing 100 of 240 results"
    assert nothing_found(DayAsk(text="valve")) == "No orders on this device match “valve”."
    assert nothing_found(DayAsk(status="on_hold")) == "No orders on this device match these filters."
    assert nothing_found(DayAsk(text="valve", priority="low")).endswith("“valve” with these filters.")


@pytest.mark.parametrize(
    ("n", "word", "many", "expected"),
    [(1, "photo", None, "1 photo"), (0, "photo", None, "0 photos"), (2, "order", None, "2 orders"),
     (3, "entry", "entries", "3 entries"), (1, "entry", "entries", "1 entry")],
)  # fmt: skip
def test_plural(n: int, word: str, many: str | None, expected: str) -> None:
    assert plural(n, word, many) == expected


def test_due_when_follows_a_due_label_without_repeating_it() -> None:
    at = NOW.replace(hour=23, minute=11)
    assert due_when(at, now=NOW) == "today 23:11"
    assert due_text(at, now=NOW, bare=True) == "today 23:11"
    assert due_text(at, now=NOW) == "Due 23:11"  # the card's own words are unchanged
    assert due_when(at + timedelta(days=1), now=NOW) == "tomorrow 23:11"
    assert due_when(at - timedelta(days=1), now=NOW) == "yesterday 23:11"
    assert due_when(at + timedelta(days=3), now=NOW) == f"{at + timedelta(days=3):%a %d %b} 23:11"
    assert "2027" in due_when(at + timedelta(days=400), now=NOW)
    assert due_when(None, now=NOW) == "not set"
    assert not due_when(at, now=NOW).lower().startswith("due")


def test_the_next_order_and_done_today_in_words() -> None:
    assert next_words(_summary()) == "Go next"
    assert next_words(_summary(Status.IN_PROGRESS)) == "Carry on with"
    assert done_label(1, shown=False) == "Done today, 1 order, hidden, tap to show"
    assert done_label(3, shown=True) == "Done today, 3 orders, shown, tap to hide"


def test_a_search_card_says_where_the_words_matched() -> None:
    label = card_label(_summary(), now=NOW, snippet="Notes: …the gas valve…")
    assert label.endswith("Notes: …the gas valve…") and "WO-000042" in label
    assert card_label(_summary(), now=NOW).endswith("status Assigned")
