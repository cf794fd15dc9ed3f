"""Finding orders on the desk: the services' query over the local index, as table rows, within
what the signed-in user works on."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from store.kit import (
    DISPATCHER,
    T0,
    TECH,
    change,
    new_id,
    open_store,
    order_data,
    sign_in_locally,
    wire,
)

from app.domain import Priority, Status
from app.domain.protocol import Change
from app.services.desk_types import OrderQuery, SortKey
from app.services.search import search
from app.services.writes import wire_time
from app.store.apply import apply_local
from app.store.outbox import enqueue
from app.store.rows import apply_change
from app.store.search import catch_up

OTHER = {"id": "44444444-4444-4444-8444-444444444444", "username": "tech2", "display_name": "Otto Other"}
NOW = T0.astimezone()


def _pull(store, *changes):
    with store.transaction() as s:
        for seq, (entity, data) in enumerate(changes, start=1):
            apply_change(s, Change.model_validate(change(entity, data, seq)))


@pytest.fixture
def world(tmp_path):
    """Three orders: the technician's, another technician's, and an unassigned one."""
    store = open_store(tmp_path)
    mine, theirs, loose = new_id(), new_id(), new_id()
    _pull(
        store,
        ("user", {**TECH, "skills": []}),
        ("user", {**OTHER, "role": "technician", "skills": []}),
        (
            "work_order",
            order_data(
                mine,
                number="WO-000010",
                title="Boiler service",
                priority="high",
                customer={"name": "Café Müller"},
                site={"name": "Harbour", "address": "Quay 1"},
                updated_at=wire(T0),
            ),
        ),
        (
            "work_order",
            order_data(
                theirs,
                number="WO-000011",
                title="Pump repair",
                description="boiler room",
                assignee_id=OTHER["id"],
                status="in_progress",
                source="alert",
                due_at=wire(T0 + timedelta(hours=1)),
            ),
        ),
        (
            "work_order",
            order_data(
                loose,
                number="WO-000012",
                title="Gate fix",
                assignee_id=None,
                status="new",
                priority="urgent",
                due_at=None,
            ),
        ),
        ("note", {"id": new_id(), "order_id": theirs, "text": "gas valve stiff", "at": wire(T0)}),
    )
    return store, {"mine": mine, "theirs": theirs, "loose": loose}


def _search(store, query, *, user=DISPATCHER):
    with store.transaction() as s:
        catch_up(s)  # as Ordo.search_orders does first: notes written since reach the index
    with store.read() as s:
        return search(s, query, user_id=user["id"], role=user["role"], now=NOW)


def _ids(page, orders):
    by_id = {v: k for k, v in orders.items()}
    return [by_id[str(row.summary.id)] for row in page.rows]


def test_a_technician_finds_only_the_orders_they_work_on(world):
    store, orders = world
    page = _search(store, OrderQuery(sort=SortKey.NUMBER), user=TECH)
    assert (_ids(page, orders), page.total) == (["mine", "loose"], 2)
    page = _search(store, OrderQuery(text="boiler gas"), user=TECH)
    assert (page.rows, page.total) == ([], 0)  # the other technician's order matches, unseen
    page = _search(store, OrderQuery(sort=SortKey.NUMBER))
    assert (_ids(page, orders), page.total) == (["mine", "theirs", "loose"], 3)


def test_rows_carry_the_summary_and_what_the_table_shows(world):
    store, orders = world
    page = _search(store, OrderQuery(text="muller", sort=SortKey.RELEVANCE))
    [row] = page.rows
    s = row.summary
    assert (s.id, s.number, s.title, s.priority, s.status) == (
        uuid.UUID(orders["mine"]),
        "WO-000010",
        "Boiler service",
        Priority.HIGH,
        Status.ASSIGNED,
    )
    assert (s.site_name, s.assignee_name, s.pending) == ("Harbour", "Tess Tech", False)
    assert (row.kind, row.source, row.customer_name, row.updated_at) == (
        "repair",
        "manual",
        "Café Müller",
        T0,
    )
    assert row.snippet == "Customer: Café Müller"
    [row] = _search(store, OrderQuery(text="gas")).rows
    assert (row.snippet, row.summary.assignee_name) == ("Notes: gas valve stiff", "Otto Other")


def test_a_note_written_here_is_found_at_once_and_the_row_shows_it_waits_to_sync(world):
    store, orders = world
    sign_in_locally(store, user=TECH)
    with store.transaction() as s:
        args = {"id": new_id(), "text": "Flue cracked", "at": wire_time(T0)}
        apply_local(
            s, enqueue(s, type="note.add", entity_id=orders["mine"], args=args, base_seq=1, created_at=T0)
        )
    [row] = _search(store, OrderQuery(text="flue"), user=TECH).rows
    assert (row.summary.pending, row.snippet) == (True, "Notes: Flue cracked")


def test_the_query_filters_map_to_the_store(world):
    store, orders = world

    def ids(**kw):
        return _ids(_search(store, OrderQuery(sort=SortKey.NUMBER, **kw)), orders)

    assert ids(statuses=(Status.NEW, Status.IN_PROGRESS)) == ["theirs", "loose"]
    assert ids(priorities=(Priority.URGENT, Priority.HIGH)) == ["mine", "loose"]
    assert ids(assignee_ids=(uuid.UUID(OTHER["id"]), None)) == ["theirs", "loose"]
    assert ids(assignee_ids=(None,)) == ["loose"]
    assert ids(sources=("alert",)) == ["theirs"]
    hour = T0 + timedelta(hours=1)
    assert ids(due_from=hour, due_to=hour + timedelta(minutes=1)) == ["theirs"]
    # Any aware zone will do: times compare as instants.
    local = hour.astimezone(UTC).astimezone(datetime.now().astimezone().tzinfo)
    assert ids(due_to=local) == []
    assert ids(due_to=local + timedelta(seconds=1)) == ["theirs"]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        (SortKey.DUE, False, ["theirs", "mine", "loose"]),
        (SortKey.DUE, True, ["mine", "theirs", "loose"]),
        (SortKey.PRIORITY, False, ["loose", "mine", "theirs"]),
        (SortKey.NUMBER, True, ["loose", "theirs", "mine"]),
        (SortKey.STATUS, False, ["loose", "mine", "theirs"]),
        (SortKey.RELEVANCE, False, ["theirs", "mine", "loose"]),  # no words: by due time
    ],
)
def test_sort_keys(world, sort, descending, expected):
    store, orders = world
    assert _ids(_search(store, OrderQuery(sort=sort, descending=descending)), orders) == expected


def test_best_match_first_puts_the_title_above_the_description(world):
    store, orders = world
    page = _search(store, OrderQuery(text="boil", sort=SortKey.RELEVANCE))
    assert _ids(page, orders) == ["mine", "theirs"]
    assert [row.snippet for row in page.rows] == ["", "Description: boiler room"]


def test_paging_is_clamped_and_the_total_counts_beyond_the_page(world):
    store, orders = world
    page = _search(store, OrderQuery(sort=SortKey.NUMBER, limit=1, offset=1))
    assert (_ids(page, orders), page.total) == (["theirs"], 3)
    page = _search(store, OrderQuery(limit=-5, offset=-2))
    assert (page.rows, page.total) == ([], 3)


@pytest.mark.parametrize("text", ['"', "OR", "-", "*", "🔥", "boiler)", "NOT boiler", "a\x00b"])
def test_odd_text_never_fails(world, text):
    store, _ = world
    page = _search(store, OrderQuery(text=text, sort=SortKey.RELEVANCE))
    assert page.total == len(page.rows)


def test_the_facade_searches_for_the_signed_in_technician(signed_in):
    page = signed_in.ordo.search_orders(OrderQuery(text="pump"))
    assert [str(row.summary.id) for row in page.rows] == [signed_in.order]
    assert page.rows[0].summary.title == "Fix pump"
