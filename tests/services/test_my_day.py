"""A technician's "My day" from a real local store: the groups, done today and the next order;
and the desk's search, as the phone uses it, within what the technician sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from store.kit import TECH, change, new_id, open_store, order_data, wire
from zones import local_zone

from app.domain import Priority, Status
from app.domain.protocol import Change
from app.services.desk_types import OrderQuery
from app.services.queries import list_groups
from app.store.rows import apply_change

LOCAL = timezone(timedelta(hours=-5))  # "today" is not the UTC date here
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL)
H = timedelta(hours=1)
OTHER = {"id": "44444444-4444-4444-8444-444444444444", "username": "tech2", "display_name": "Otto Other"}


def _order(number: str, title: str, **fields: object) -> dict[str, object]:
    return order_data(new_id(), number=number, title=title, **fields)


@pytest.fixture
def day(tmp_path):
    store = open_store(tmp_path)
    orders = [
        _order("WO-000001", "late", due_at=wire(NOW - 3 * H)),
        _order("WO-000002", "tonight", due_at=wire(NOW + 5 * H), priority="urgent"),
        _order("WO-000003", "friday", due_at=wire(NOW + timedelta(days=3))),
        # Due later today and completed an hour ago: done today, not under Today.
        _order("WO-000004", "done", due_at=wire(NOW + 2 * H), status="completed", completed_at=wire(NOW - H)),
        # Completed at 23:30 local yesterday (04:30 UTC today): not listed.
        _order(
            "WO-000005",
            "yesterday's",
            due_at=wire(NOW),
            status="completed",
            completed_at=wire(datetime(2026, 11, 25, 4, 30, tzinfo=UTC)),
        ),
        _order("WO-000006", "called off", due_at=wire(NOW + H), status="cancelled"),
        _order(
            "WO-000007", "stuck", due_at=wire(NOW - H), status="cannot_complete", status_reason="no access"
        ),
        _order("WO-000008", "theirs", due_at=wire(NOW - 5 * H), assignee_id=OTHER["id"]),
    ]
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("user", {**TECH, "skills": []}, 1)))
        for seq, data in enumerate(orders, start=2):
            apply_change(s, Change.model_validate(change("work_order", data, seq)))
    return store


def _titles(summaries) -> list[str]:
    return [s.title for s in summaries]


def test_my_day_groups_done_today_and_next(day):
    with day.read() as s:
        groups = list_groups(s, user_id=TECH["id"], role="technician", now=NOW)
    assert _titles(groups.overdue) == ["late", "stuck"]
    assert _titles(groups.today) == ["tonight"]
    assert _titles(groups.upcoming) == ["friday"]
    assert _titles(groups.done_today) == ["done"]
    assert groups.done_today[0].completed_at == NOW - H
    # The earliest due that is the technician's to do: "stuck" waits on the dispatcher.
    assert groups.next is not None and groups.next.title == "late"


def test_after_midnight_the_done_work_leaves_and_tonight_is_overdue(day):
    with day.read() as s:
        groups = list_groups(s, user_id=TECH["id"], role="technician", now=NOW.replace(hour=23) + 2 * H)
    assert groups.done_today == []
    assert _titles(groups.overdue) == ["late", "stuck", "tonight"]
    assert groups.next is not None and groups.next.title == "late"


def test_the_technician_searches_a_note_they_wrote_here(signed_in):
    ordo = signed_in.ordo
    groups = ordo.list_orders()
    order = groups.overdue + groups.today + groups.upcoming
    assert [o.title for o in order] == ["Fix pump"]
    assert ordo.search_orders(OrderQuery(text="impeller")).rows == []
    ordo.add_note(order[0].id, "Impeller worn, replaced it")
    # Written a moment ago, offline: the index has it before the search reads it.
    page = ordo.search_orders(OrderQuery(text="impel"))
    assert [row.summary.number for row in page.rows] == [order[0].number] and page.total == 1
    assert "Impeller" in page.rows[0].snippet


def test_the_technician_filters_by_status_and_priority(signed_in):
    ordo = signed_in.ordo
    assert ordo.search_orders(OrderQuery(statuses=(Status.ASSIGNED,))).total == 1
    assert ordo.search_orders(OrderQuery(statuses=(Status.COMPLETED,))).total == 0
    assert ordo.search_orders(OrderQuery(priorities=(Priority.NORMAL,))).total == 1
    assert ordo.search_orders(OrderQuery(text="pump", priorities=(Priority.URGENT,))).total == 0


def test_the_facade_names_the_next_order(signed_in):
    # The pulled order is due at 15:00 UTC; the clock stands at 09:00 UTC (store.kit's T0).
    with local_zone("UTC0"):
        groups = signed_in.ordo.list_orders()
    assert groups.next is not None and groups.next.id == groups.today[0].id
    assert str(groups.next.id) == signed_in.order and groups.done_today == []
