"""The local full-text index of orders: what it finds, how it ranks, filters and sorts, that
odd input is never FTS5 syntax, and that its triggers keep it in step with every write."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.domain.protocol import Change
from app.store.models import Note, Order
from app.store.outbox import enqueue
from app.store.rows import apply_change, clear_server_rows, delete_order, reset_server_rows
from app.store.search import Filters, catch_up, find_orders, is_behind, match_expression, rebuild_index
from app.sync import SyncEngine
from store.kit import (
    T0,
    TECH,
    Clock,
    ScriptedServer,
    change,
    dispatcher_store,
    new_id,
    open_store,
    order_data,
    sign_in_locally,
    wire,
)

OTHER_TECH = "44444444-4444-4444-8444-444444444444"


def _pull(store, *changes):
    with store.transaction() as s:
        for entity, data, seq in changes:
            apply_change(s, Change.model_validate(change(entity, data, seq)))


def _order(store, seq, **fields):
    order = new_id()
    _pull(store, ("work_order", order_data(order, **fields), seq))
    return order


def _note(store, order, note_text, seq, **fields):
    note = new_id()
    data = {"id": note, "order_id": order, "text": note_text, "at": wire(T0), **fields}
    _pull(store, ("note", data, seq))
    return note


def _caught_up(store):
    """The index as a search reads it: the services catch it up with the notes first."""
    with store.transaction() as s:
        catch_up(s)


def _find(store, typed="", **kw):
    _caught_up(store)
    with store.read() as s:
        found = find_orders(s, typed=typed, **kw)
        return [h.order.id for h in found.hits], found.total


def _titles(store, typed="", **kw):
    _caught_up(store)
    with store.read() as s:
        return [h.order.title for h in find_orders(s, typed=typed, **kw).hits]


def _snippets(store, typed):
    _caught_up(store)
    with store.read() as s:
        return {h.order.title: h.snippet for h in find_orders(s, typed=typed, sort="relevance").hits}


def _index(store):
    """The index's rows, as (rowid of the order, notes text)."""
    _caught_up(store)
    with store.engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT rowid, title, notes FROM order_search").all())


def _integrity(store):
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO order_search (order_search) VALUES ('integrity-check')")


@pytest.fixture
def store(tmp_path):
    return dispatcher_store(tmp_path)


# --- the query built from what a person typed ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("boil gas", '"boil"* "gas"*'),
        ("  boil   ", '"boil"*'),
        ('say "hi"', '"say"* """hi"""*'),
        ("a OR b", '"a"* "OR"* "b"*'),
        ("NEAR(a b)", '"NEAR(a"* "b)"*'),
        ("WO-000123", '"WO-000123"*'),
        ("- * ^ ( ) : 🔥", None),
        ("", None),
        ("   ", None),
        ("nul\x00byte", '"nul"* "byte"*'),
    ],
)
def test_each_word_is_quoted_and_matched_as_a_prefix(typed, expected):
    assert match_expression(typed) == expected


def test_a_flood_of_words_is_cut_short():
    assert match_expression(" ".join(["w"] * 100)).count('"w"*') == 16


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=60))
def test_no_typed_text_is_ever_an_fts5_syntax_error(store, typed):
    with store.read() as s:
        found = find_orders(s, typed=typed, sort="relevance")
    assert found.total >= 0


@pytest.mark.parametrize(
    "typed", ['"', '""', "-", "*", "OR", "AND NOT", "title:x", "^", "a*b", "🔥🔥", "'; drop"]
)
def test_odd_input_finds_what_its_words_say_and_never_fails(store, typed):
    _order(store, 1, title="Boiler service")
    ids, total = _find(store, typed, sort="relevance")
    assert total == len(ids)


# --- what it finds --------------------------------------------------------------------------


def test_words_are_prefixes_and_all_must_match(store):
    boiler = _order(store, 1, title="Boiler service", description="Gas smell in the cellar")
    _order(store, 2, title="Boiler check", description="Annual visit")
    assert _find(store, "boil")[1] == 2
    assert _find(store, "boil gas") == ([boiler], 1)
    assert _find(store, "b") == _find(store, "bo")  # one letter is a prefix too


def test_accents_and_case_do_not_matter(store):
    cafe = _order(store, 1, title="Espresso machine", site={"name": "Café Central", "address": "Ring 1"})
    muller = _order(store, 2, title="Heating", customer={"name": "Müller GmbH"})
    assert _find(store, "cafe")[0] == [cafe]
    assert _find(store, "CAFÉ")[0] == [cafe]
    assert _find(store, "muller")[0] == [muller]
    assert _find(store, "Müller")[0] == [muller]


def test_number_site_address_and_customer_are_searched(store):
    order = _order(
        store,
        1,
        number="WO-000123",
        title="Pump",
        site={"name": "Plant 7", "address": "Harbour Road 12"},
        customer={"name": "Acme Water", "contact": "555-0199"},
    )
    for typed in ("WO-000123", "wo-0001", "000123", "123", "harbour", "plant 7", "acme"):
        assert _find(store, typed)[0] == [order], typed
    assert _find(store, "555")[0] == []  # the contact is not searched


def test_notes_are_searched_but_not_voided_ones(store):
    order = _order(store, 1, title="Pump")
    note = _note(store, order, "Replaced the gasket", 2)
    _note(store, order, "Smells of sulphur", 3, voided=True)
    assert _find(store, "gasket")[0] == [order]
    assert _find(store, "sulphur")[0] == []
    _pull(store, ("note", {"id": note, "order_id": order, "text": "Replaced the gasket", "voided": True}, 4))
    assert _find(store, "gasket")[0] == []


def test_a_note_pulled_before_its_order_is_found_with_it(store):
    order = new_id()
    _note(store, order, "Bring the long ladder", 1)
    assert _find(store, "ladder")[0] == []
    _pull(store, ("work_order", order_data(order), 2))
    assert _find(store, "ladder")[0] == [order]


def test_a_title_match_ranks_above_a_description_or_notes_match(store):
    in_notes = _order(store, 1, title="Pump service", number="WO-000001")
    _note(store, in_notes, "boiler room door was locked", 2)
    in_description = _order(
        store, 3, title="Pump repair", description="Next to the boiler", number="WO-000002"
    )
    in_title = _order(store, 4, title="Boiler repair", number="WO-000003")
    ids, total = _find(store, "boiler", sort="relevance")
    assert total == 3
    assert ids[0] == in_title
    assert set(ids[1:]) == {in_notes, in_description}


def test_the_snippet_says_where_the_words_matched(store):
    order = _order(store, 1, title="Pump", description="The boiler next door hums")
    _note(store, order, "Gas meter reading 1234", 2)
    _order(store, 3, title="Boiler check", site={"name": "Depot", "address": "Quay 3"})
    snippets = _snippets(store, "gas")
    assert snippets == {"Pump": "Notes: Gas meter reading 1234"}
    assert _snippets(store, "boil")["Pump"] == "Description: The boiler next door hums"
    assert _snippets(store, "boil")["Boiler check"] == ""  # the title shows it already
    assert _snippets(store, "quay")["Boiler check"] == "Site: Depot Quay 3"
    with store.read() as s:
        assert {h.snippet for h in find_orders(s).hits} == {""}  # no words, no snippet


def test_a_long_note_gives_a_short_snippet(store):
    order = _order(store, 1, title="Pump")
    _note(store, order, " ".join(["filler"] * 100 + ["valve"] + ["filler"] * 100), 2)
    snippet = _snippets(store, "valve")["Pump"]
    assert "valve" in snippet and len(snippet.split()) <= 12 and "…" in snippet


# --- filters, sorting, paging ---------------------------------------------------------------


@pytest.fixture
def five(store):
    """Five orders with distinct statuses, priorities, assignees, due times, sources."""
    rows = [
        ("WO-000005", "Alpha", "new", "urgent", None, 5, "request"),
        ("WO-000002", "Bravo", "assigned", "low", TECH["id"], 1, "manual"),
        ("WO-000004", "Charlie", "in_progress", "high", TECH["id"], None, "alert"),
        ("WO-000001", "Delta", "completed", "normal", OTHER_TECH, 3, "manual"),
        ("WO-000003", "Echo", "on_hold", "normal", OTHER_TECH, 2, "schedule"),
    ]
    for seq, (number, title, status, priority, assignee, due_hours, source) in enumerate(rows, start=1):
        due = None if due_hours is None else wire(T0 + timedelta(hours=due_hours))
        _order(
            store,
            seq,
            number=number,
            title=title,
            status=status,
            priority=priority,
            assignee_id=assignee,
            due_at=due,
            source=source,
            updated_at=wire(T0 + timedelta(minutes=10 * (5 - seq))),
        )
    return store


def test_filters_narrow_the_list(five):
    assert _titles(five, filters=Filters(statuses=["new", "assigned"]), sort="number") == ["Bravo", "Alpha"]
    assert _titles(five, filters=Filters(priorities=["normal"]), sort="number") == ["Delta", "Echo"]
    assert _titles(five, filters=Filters(assignee_ids=[TECH["id"]]), sort="number") == ["Bravo", "Charlie"]
    assert _titles(five, filters=Filters(assignee_ids=[None]), sort="number") == ["Alpha"]
    assert _titles(five, filters=Filters(assignee_ids=[None, OTHER_TECH]), sort="number") == [
        "Delta",
        "Echo",
        "Alpha",
    ]
    window = Filters(due_from=T0 + timedelta(hours=2), due_to=T0 + timedelta(hours=5))
    assert _titles(five, filters=window, sort="due") == ["Echo", "Delta"]  # from inclusive, to exclusive
    assert _titles(five, filters=Filters(sources=["manual", "alert"]), sort="number") == [
        "Delta",
        "Bravo",
        "Charlie",
    ]
    both = Filters(statuses=["completed", "on_hold", "new"], priorities=["normal"])
    assert _titles(five, "ech", filters=both) == ["Echo"]


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [
        ("due", ["Bravo", "Echo", "Delta", "Alpha", "Charlie"]),  # no due time: last
        ("priority", ["Alpha", "Charlie", "Delta", "Echo", "Bravo"]),  # most urgent first
        ("number", ["Delta", "Bravo", "Echo", "Charlie", "Alpha"]),
        ("status", ["Alpha", "Bravo", "Charlie", "Echo", "Delta"]),  # workflow order
        ("updated", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),  # oldest change first
    ],
)
def test_sort_orders_both_ways(five, sort, ascending):
    assert _titles(five, sort=sort) == ascending
    descending = _titles(five, sort=sort, descending=True)
    if sort == "due":
        assert descending == ["Alpha", "Delta", "Echo", "Bravo", "Charlie"]  # still last
    elif sort == "priority":
        assert descending == ["Bravo", "Delta", "Echo", "Charlie", "Alpha"]  # ties by number
    else:
        assert descending == list(reversed(ascending))


def test_relevance_without_words_sorts_by_due_time(five):
    assert _titles(five, sort="relevance") == _titles(five, sort="due")


def test_pages_and_the_total(five):
    assert _find(five, sort="number", limit=2)[1] == 5
    pages = [_titles(five, sort="number", limit=2, offset=o) for o in (0, 2, 4)]
    assert pages == [["Delta", "Bravo"], ["Echo", "Charlie"], ["Alpha"]]
    assert _find(five, sort="number", limit=2, offset=10) == ([], 5)
    assert _find(five, sort="number", limit=0) == ([], 5)
    assert _find(five, "zzz", sort="number", offset=4) == ([], 0)


def test_visible_limits_rows_and_total(five):
    mine = (Order.assignee_id == TECH["id"]) | Order.assignee_id.is_(None)
    assert _find(five, visible=mine, sort="number")[1] == 3
    assert _titles(five, "a", visible=mine, sort="number") == ["Bravo", "Charlie", "Alpha"]


# --- the triggers keep the index in step ----------------------------------------------------


def _raw_find(store, typed):
    """What the index says without catching up first."""
    with store.read() as s:
        return [h.order.id for h in find_orders(s, typed=typed).hits]


def test_a_note_names_its_order_behind_and_the_catch_up_indexes_it(store):
    order, other = _order(store, 1, title="Pump"), _order(store, 2, title="Valve")
    _caught_up(store)
    with store.read() as s:
        assert not is_behind(s)
    note = _note(store, order, "Replaced the gasket", 3)
    # Written with the note, in its transaction; the entry itself waits for the catch-up.
    with store.read() as s:
        assert is_behind(s)
    assert _raw_find(store, "gasket") == []
    with store.transaction() as s:
        assert catch_up(s) == 1
        assert catch_up(s) == 0  # nothing left behind
    assert _raw_find(store, "gasket") == [order]
    # A note moved to another order names both; voided, it leaves the entry.
    _pull(store, ("note", {"id": note, "order_id": other, "text": "Replaced the gasket", "at": wire(T0)}, 4))
    with store.transaction() as s:
        assert catch_up(s) == 2
    assert _raw_find(store, "gasket") == [other]
    _pull(store, ("note", {"id": note, "order_id": other, "text": "Replaced the gasket", "voided": True}, 5))
    assert _find(store, "gasket")[0] == []
    _integrity(store)


def test_a_name_behind_outlives_a_restart_and_a_rolled_back_note_leaves_none(tmp_path):
    store = dispatcher_store(tmp_path)
    order = _order(store, 1, title="Pump")
    _caught_up(store)
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(Note(id=new_id(), order_id=order, text="valve", voided=False, seq=0))
        s.flush()
        raise RuntimeError("the write failed")
    with store.read() as s:
        assert not is_behind(s)
    _note(store, order, "gasket", 2)
    store.close()  # as if the app stopped before anything caught up
    store = open_store(tmp_path)
    with store.read() as s:
        assert is_behind(s)
    assert _find(store, "gasket")[0] == [order]


def test_an_edit_of_an_indexed_field_is_found_at_once_and_the_old_words_are_gone(store):
    order = _order(store, 1, title="Boiler service")
    with store.transaction() as s:
        s.get(Order, order).title = "Radiator flush"
    assert _find(store, "radiator")[0] == [order]
    assert _find(store, "boiler")[0] == []
    with store.transaction() as s:
        s.get(Order, order).site = {"name": "Dock 9", "address": None}
        s.get(Order, order).status = "in_progress"
    assert _find(store, "dock")[0] == [order]
    _integrity(store)


def test_a_rolled_back_transaction_leaves_the_index_as_it_was(store):
    order = _order(store, 1, title="Boiler service")
    _note(store, order, "gasket", 2)
    before = _index(store)
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.get(Order, order).title = "Something else"
        s.add(Note(id=new_id(), order_id=order, text="valve", voided=False, seq=0))
        apply_change(s, Change.model_validate(change("work_order", order_data(new_id(), title="Ghost"), 9)))
        s.flush()
        assert (
            s.execute(text("SELECT count(*) FROM order_search WHERE order_search MATCH 'ghost'")).scalar()
            == 1
        )
        raise RuntimeError("the write failed")
    assert _index(store) == before
    assert _find(store, "ghost")[0] == [] and _find(store, "valve")[0] == []
    assert _find(store, "boiler gasket")[0] == [order]
    _integrity(store)


def test_a_pulled_page_updates_the_index(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store)
    server = ScriptedServer()
    order = new_id()
    server.pages.append(
        {
            "changes": [
                change(
                    "note", {"id": new_id(), "order_id": order, "text": "bring a ladder", "at": wire(T0)}, 2
                ),
                change("work_order", order_data(order, title="Gutter clean"), 1),
            ],
            "cursor": "c2",
            "has_more": False,
        }
    )
    SyncEngine(store=store, client=server.client(), clock=Clock()).sync_once()
    assert _find(store, "gutter ladder")[0] == [order]
    server.pages.append(
        {
            "changes": [
                {"entity": "work_order", "id": order, "seq": 3, "deleted": True, "reason": "out_of_scope"}
            ],
            "cursor": "c3",
            "has_more": False,
        }
    )
    SyncEngine(store=store, client=server.client(), clock=Clock()).sync_once()
    assert _find(store, "gutter")[0] == [] and _index(store) == []


def test_deletes_resets_and_clears_empty_the_index(store):
    kept, gone = _order(store, 1, title="Kept pump"), _order(store, 2, title="Gone pump")
    _note(store, gone, "note of the gone order", 3)
    with store.transaction() as s:
        delete_order(s, order_id=gone)
    assert _find(store, "pump")[0] == [kept]
    with store.transaction() as s:
        enqueue(s, type="note.add", entity_id=kept, args={}, base_seq=1, created_at=T0)
        reset_server_rows(s)
    assert _find(store, "pump")[0] == [kept]  # queued work keeps it
    with store.transaction() as s:
        clear_server_rows(s)
    assert _index(store) == []
    _integrity(store)


def test_rebuild_refills_an_index_that_drifted(store):
    order = _order(store, 1, title="Boiler")
    _note(store, order, "gasket", 2)
    _caught_up(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM order_search")
    assert _find(store, "boiler")[0] == []
    with store.transaction() as s:
        rebuild_index(s)
    assert _find(store, "boiler gasket")[0] == [order]
    _integrity(store)


def test_malformed_json_in_a_row_indexes_as_nothing_rather_than_failing_the_write(store):
    order = _order(store, 1, title="Pump")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE orders SET site = 'not json', title = 'Valve' WHERE id = ?", (order,))
    with store.engine.connect() as conn:
        found = "SELECT site FROM order_search WHERE order_search MATCH 'valve'"
        assert conn.exec_driver_sql(found).all() == [("",)]
