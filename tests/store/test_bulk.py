"""A page written in bulk (app.store.bulk) leaves exactly what `apply_change` one by one
leaves: every row as stored (text, not only values), the search index, the outbox."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes

from app.domain.protocol import Change, Entity
from app.domain.protocol.jsontext import json_text
from app.store import LocalStore, rows
from app.store.bulk import apply_changes
from app.store.models import Base, ChecklistItem, Note, Order, Part
from app.store.outbox import enqueue
from app.store.rows import apply_change, reset_server_rows
from app.store.search import catch_up, find_orders, is_behind
from store.kit import DISPATCHER, T0, TECH, change, item_data, new_id, open_store, order_data, wire

SHA = "b" * 64


def one_by_one(s: Session, changes: list[Change]) -> None:
    """How the engine wrote a page before bulk: orders first, then the rest, in page order."""
    for c in sorted(changes, key=lambda c: c.entity != Entity.WORK_ORDER):
        apply_change(s, c)


def page(*raw: dict[str, Any]) -> list[Change]:
    return [Change.model_validate(c) for c in raw]


def gone(entity: str, row_id: str, seq: int) -> dict[str, Any]:
    return {"entity": entity, "id": row_id, "seq": seq, "deleted": True}


def note(order: str, words: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "order_id": order,
        "author_id": TECH["id"],
        "text": words,
        "at": wire(T0),
        **fields,
    }


def order_with_children(order: str, seq: int, *, number: str, title: str) -> list[dict[str, Any]]:
    """An order and one row of every child entity, seqs from `seq` on."""
    rows = [
        ("work_order", order_data(order, number=number, title=title, description="Pump hums")),
        ("checklist_item", item_data(new_id(), order, value=4.5, unit="bar", min=1, max=9)),
        ("checklist_item", item_data(new_id(), order, position=2, label="Photo of the plate")),
        ("note", note(order, "gasket replaced on valve")),
        ("note", note(order, "customer wants a callback", voided=True)),
        (
            "photo",
            {
                "id": new_id(),
                "order_id": order,
                "author_id": TECH["id"],
                "sha256": SHA,
                "size": 1234,
                "content_type": "image/jpeg",
                "width": 640,
                "height": 480,
                "caption": "leak – before",  # not ASCII: JSON text escapes it
                "taken_at": wire(T0),
                "blob_status": "complete",
                "voided": False,
            },
        ),
        (
            "time_log",
            {
                "id": new_id(),
                "order_id": order,
                "user_id": TECH["id"],
                "kind": "travel",
                "started_at": "2026-11-25T10:00:00+01:00",  # another zone: stored as UTC
                "ended_at": None,
                "voided": False,
            },
        ),
        (
            "part_usage",
            {"id": new_id(), "order_id": order, "user_id": TECH["id"], "sku": "SEAL-10", "quantity": 2},
        ),
        ("signature", {"id": new_id(), "order_id": order, "signer_name": "Ann", "sha256": SHA}),
        (
            "conflict",
            {
                "id": new_id(),
                "order_id": order,
                "entity": "work_order",
                "entity_id": order,
                "field": "title",
                "mine": {"a": [1, None]},
                "theirs": "B",
                "mid": 3,
                "device_id": new_id(),
                "status": "open",
                "resolution": None,
            },
        ),
    ]
    return [change(entity, data, seq + i) for i, (entity, data) in enumerate(rows)]


def catalogue(seq: int) -> list[dict[str, Any]]:
    """A row of each entity that is not an order's: directory, parts, templates, devices."""
    return [
        change("user", {**TECH, "skills": ["pumps"]}, seq),
        change("user", {**DISPATCHER, "skills": None, "active": False}, seq + 1),
        change("part", {"id": "part-1", "sku": "SEAL-10", "name": "Seal 10 mm", "unit": "pcs"}, seq + 2),
        change(
            "checklist_template",
            {
                "id": new_id(),
                "name": "Boiler service",
                "kind": "maintenance",
                "items": [{"position": 1, "label": "Flue checked", "kind": "check", "required": True}],
                "archived": False,
                "updated_at": wire(T0),
            },
            seq + 3,
        ),
        change(
            "device",
            {"id": new_id(), "user_id": TECH["id"], "last_pull_at": wire(T0), "pulled_seq": 7},
            seq + 4,
        ),
        {"entity": "report", "id": new_id(), "seq": seq + 5, "data": {"id": "x"}},  # not kept here
    ]


def stored(store: LocalStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every table as stored (the text SQLite holds), and the search index by order id as a
    search reads it: caught up with the notes written change by change."""
    with store.transaction() as s:
        catch_up(s)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "sync_state":  # each store its own device id
                continue
            rows = conn.exec_driver_sql(f"SELECT * FROM {table.name}").all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
        index = conn.exec_driver_sql(
            "SELECT o.id, s.number, s.title, s.site, s.customer, s.description, s.notes"
            " FROM order_search s JOIN orders o ON o.rowid = s.rowid ORDER BY o.id"
        ).all()
        found["order_search"] = [tuple(r) for r in index]
        found["order_search count"] = [conn.exec_driver_sql("SELECT count(*) FROM order_search").one()]
    return found


Step = Callable[[Session], None]


def twins(
    tmp_path, *steps: Step, last: list[Change], before_last: Step | None = None
) -> tuple[LocalStore, LocalStore]:
    """Two stores given the same `steps` (each its own transaction), then `last` written in
    bulk in one and change by change in the other (after `before_last`, same transaction)."""
    bulk, single = open_store(tmp_path / "bulk"), open_store(tmp_path / "single")
    for store, write in ((bulk, apply_changes), (single, one_by_one)):
        for step in steps:
            with store.transaction() as s:
                step(s)
        with store.transaction() as s:
            if before_last is not None:
                before_last(s)
            write(s, last)
    return bulk, single


def test_a_first_sync_page_of_every_entity_is_stored_as_change_by_change(tmp_path):
    a, b = new_id(), new_id()
    # The protocol sends children after their order; a page boundary can still cut between.
    first = page(
        *catalogue(1),
        *order_with_children(a, 10, number="WO-000010", title="Boiler pressure low"),
        change("note", note(b, "early note"), 30),
        *order_with_children(b, 40, number="WO-000011", title="Fix pump"),
    )
    bulk, single = twins(tmp_path, last=first)
    assert stored(bulk) == stored(single)
    with bulk.read() as s:
        assert s.get(Order, a).title == "Boiler pressure low"
        assert s.query(Note).count() == 5
        assert {h.order.id for h in find_orders(s, typed="gasket").hits} == {a, b}
        assert [h.order.id for h in find_orders(s, typed="early").hits] == [b]


def test_a_page_of_updates_deletes_and_older_versions_is_stored_as_change_by_change(tmp_path):
    kept, dropped, departing, fresh = new_id(), new_id(), new_id(), new_id()
    rows = {
        o: order_with_children(o, seq, number=f"WO-{seq:06d}", title=f"Order {seq}")
        for o, seq in ((kept, 100), (dropped, 200), (departing, 300))
    }
    held = page(*catalogue(1), *rows[kept], *rows[dropped], *rows[departing])
    item, second_item, first_note, second_note = (rows[kept][i]["data"] for i in (1, 2, 3, 4))
    local_note = new_id()

    def pulled(s: Session) -> None:
        one_by_one(s, held)

    def queue_work(s: Session) -> None:
        # Work queued on the departing order keeps it (marked) when the server says it left.
        enqueue(s, type="note.add", entity_id=departing, args={"id": local_note}, base_seq=300, created_at=T0)

    last = page(
        change(
            "work_order", {**rows[kept][0]["data"], "title": "Impeller swapped", "status": "in_progress"}, 500
        ),
        change("checklist_item", {**item, "done": True, "value": True}, 501),
        change("checklist_item", {**second_item, "label": "older, ignored"}, 50),  # held: seq 102
        change("note", {**first_note, "text": "same seq, taken"}, 103),
        gone("note", second_note["id"], 90),  # older than the held row: kept
        gone("photo", rows[kept][5]["id"], 502),
        gone("work_order", dropped, 503),  # no work queued: removed with its children
        change("note", note(dropped, "after its order left"), 504),  # written after: stays
        gone("work_order", departing, 505) | {"reason": "out_of_scope"},
        *order_with_children(fresh, 600, number="WO-000600", title="New boiler"),
        gone("user", DISPATCHER["id"], 610),
        gone("part", "part-nobody-has", 611),
        change("part", {"id": "part-1", "sku": "SEAL-10", "name": "Seal, 10 mm", "unit": "pcs"}, 612),
        {"entity": "report", "id": new_id(), "seq": 613, "deleted": True},
    )
    bulk, single = twins(tmp_path, pulled, queue_work, last=last)
    assert stored(bulk) == stored(single)
    with bulk.read() as s:
        assert s.get(Order, kept).title == "Impeller swapped"
        assert s.get(ChecklistItem, second_item["id"]).label == "Photo of the plate"
        assert s.get(Note, first_note["id"]).text == "same seq, taken"
        assert s.get(Note, second_note["id"]) is not None
        assert s.get(Order, dropped) is None
        assert s.get(Order, departing).out_of_scope is True
        assert [h.order.id for h in find_orders(s, typed="impeller").hits] == [kept]


def test_a_reset_then_its_first_page_is_stored_as_change_by_change(tmp_path):
    mine, theirs = new_id(), new_id()
    held = page(
        *order_with_children(mine, 10, number="WO-000010", title="Mine"),
        *order_with_children(theirs, 30, number="WO-000030", title="Theirs"),
    )

    def pulled(s: Session) -> None:
        one_by_one(s, held)
        enqueue(
            s, type="order.transition", entity_id=mine, args={"to": "en_route"}, base_seq=10, created_at=T0
        )

    again = page(*order_with_children(mine, 700, number="WO-000010", title="Mine, again"))
    bulk, single = twins(tmp_path, pulled, last=again, before_last=reset_server_rows)
    assert stored(bulk) == stored(single)
    with bulk.read() as s:
        assert s.get(Order, theirs) is None
        assert s.get(Order, mine).out_of_scope is False  # re-sent: in scope again


def test_a_row_named_twice_in_a_page_is_written_change_by_change(tmp_path):
    order, item = new_id(), new_id()
    last = page(
        change("work_order", order_data(order, title="first"), 5),
        change("checklist_item", item_data(item, order, label="newer"), 9),
        change("checklist_item", item_data(item, order, label="older"), 8),
        change("work_order", order_data(order, title="second"), 7),
        gone("work_order", order, 6),  # older than what the page brought before it
    )
    bulk, single = twins(tmp_path, last=last)
    assert stored(bulk) == stored(single)
    with bulk.read() as s:
        assert s.get(ChecklistItem, item).label == "newer"


def test_rows_the_session_holds_are_read_again_after_a_bulk_write(tmp_path):
    store, order = open_store(tmp_path), new_id()
    with store.transaction() as s:
        apply_changes(s, page(change("work_order", order_data(order, title="before"), 1)))
    with store.transaction() as s:
        held = s.get(Order, order)
        assert held.title == "before"
        apply_changes(s, page(change("work_order", order_data(order, title="after"), 2)))
        assert held.title == "after"


def test_a_row_the_session_holds_and_the_page_deletes_is_let_go_of(tmp_path):
    store, order, item = open_store(tmp_path), new_id(), new_id()
    with store.transaction() as s:
        apply_changes(s, page(change("checklist_item", item_data(item, order), 1)))
    with store.transaction() as s:
        assert s.get(ChecklistItem, item) is not None
        apply_changes(s, page(gone("checklist_item", item, 2)))
        assert s.get(ChecklistItem, item) is None


def test_values_that_leave_a_column_out_are_written_change_by_change(tmp_path, monkeypatch):
    # A new row would take the model's default for it through the ORM, NULL in bulk.
    monkeypatch.setitem(rows.KINDS, "part", (Part, lambda d: {"sku": d["sku"], "name": d["name"]}, False))
    last = page(change("part", {"id": "part-1", "sku": "SEAL-10", "name": "Seal"}, 1))
    bulk, single = twins(tmp_path, last=last)
    assert stored(bulk) == stored(single)
    with bulk.read() as s:
        assert s.get(Part, "part-1").unit == ""


def test_a_change_without_data_is_refused_and_nothing_is_written(tmp_path):
    store, order = open_store(tmp_path), new_id()
    with pytest.raises(ValueError, match="needs data"), store.transaction() as s:
        apply_changes(
            s,
            page(
                change("work_order", order_data(order), 1),
                {"entity": "note", "id": new_id(), "seq": 2, "deleted": False},
            ),
        )
    with store.read() as s:
        assert s.get(Order, order) is None


def _index_is_whole_and_loud(store: LocalStore) -> None:
    """FTS5 finds its index consistent, and the triggers are not left quiet."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO order_search (order_search) VALUES ('integrity-check')")
        assert conn.exec_driver_sql("SELECT count(*) FROM order_search_quiet").one() == (0,)


def test_a_page_reindexes_once_each_order_its_notes_leave_join_or_change(tmp_path):
    # The triggers are quiet within a bulk page: the orders it touched are re-indexed at its
    # end, also those the page does not send (a note's old and new order) and notes written
    # change by change (named twice), to the entry the triggers leave one change at a time.
    a, b, c, untouched = new_id(), new_id(), new_id(), new_id()
    rows = {
        o: order_with_children(o, seq, number=f"WO-{seq:06d}", title=f"Order {seq}")
        for o, seq in ((a, 100), (b, 200), (c, 300), (untouched, 400))
    }
    held = page(*rows[a], *rows[b], *rows[c], *rows[untouched])
    moving, leaving, twice = (rows[o][3]["data"] for o in (a, b, c))

    def pulled(s: Session) -> None:
        one_by_one(s, held)

    last = page(
        change("note", {**moving, "order_id": b, "text": "moved valve"}, 500),
        gone("note", leaving["id"], 501),
        change("note", {**twice, "text": "first word"}, 502),
        change("note", {**twice, "text": "second word"}, 503),
        change("note", {**rows[untouched][4]["data"], "voided": False}, 504),  # un-voided
        change("note", note(a, "brand new remark"), 505),
    )
    bulk, single = twins(tmp_path, pulled, last=last)
    assert stored(bulk) == stored(single)
    _index_is_whole_and_loud(bulk)
    with bulk.read() as s:
        assert [h.order.id for h in find_orders(s, typed="moved").hits] == [b]
        assert [h.order.id for h in find_orders(s, typed="remark").hits] == [a]
        assert [h.order.id for h in find_orders(s, typed="second word").hits] == [c]
        assert find_orders(s, typed="first word").total == 0
        assert [h.order.id for h in find_orders(s, typed="callback").hits] == [untouched]


def test_writes_the_session_holds_before_a_page_are_indexed_and_later_ones_too(tmp_path):
    store, order, other = open_store(tmp_path), new_id(), new_id()
    with store.transaction() as s:
        one_by_one(s, page(change("work_order", order_data(order, title="Boiler"), 1)))
    with store.transaction() as s:
        s.get(Order, order).title = "Radiator"  # not flushed yet: written before the page
        apply_changes(s, page(change("work_order", order_data(other, title="Heater"), 2)))
        s.get(Order, other).title = "Compressor"  # after the page: the triggers index it
    _index_is_whole_and_loud(store)
    with store.read() as s:
        assert [h.order.id for h in find_orders(s, typed="radiator").hits] == [order]
        assert [h.order.id for h in find_orders(s, typed="compressor").hits] == [other]
        assert find_orders(s, typed="boiler").total == find_orders(s, typed="heater").total == 0


def test_a_page_that_fails_leaves_the_triggers_loud(tmp_path):
    store, order = open_store(tmp_path), new_id()
    with store.transaction() as s:
        one_by_one(s, page(change("work_order", order_data(order, title="Boiler"), 1)))
    with store.transaction() as s:  # the caller keeps what it wrote besides the page
        with pytest.raises(ValueError, match="needs data"):
            apply_changes(
                s,
                page(
                    change("work_order", order_data(order, title="Boiler"), 1),
                    {"entity": "note", "id": new_id(), "seq": 2, "deleted": False},
                ),
            )
        s.add(Note(id=new_id(), order_id=order, text="gasket", seq=3))
    _index_is_whole_and_loud(store)
    with store.read() as s:
        assert is_behind(s)  # the note's trigger named its order, as outside a page
    with store.transaction() as s:
        assert catch_up(s) == 1
    with store.read() as s:
        assert [h.order.id for h in find_orders(s, typed="gasket").hits] == [order]


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -3,
        2.5,
        1e300,
        math.inf,
        "",
        'Ünïcödé – \u2028 \x00 "quoted" \\',
        "😀",
        [],
        {},
        {"nested": [1, 2.0, None, {"deep": ["x", False]}], "": "empty key"},
        [{"b": 1, "a": 2}],
        "lone \ud800 surrogate",
    ],
)
def test_json_text_reads_back_as_the_value_and_is_what_sqlalchemy_binds(value, tmp_path):
    text = json_text(value)
    assert json.loads(text) == value
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False) or "\ud800" in value
    # The ORM path binds JSON columns through the engine's serializer: the same text.
    store = LocalStore.open(tmp_path / "json.sqlite")
    try:
        bind = sqltypes.JSON().dialect_impl(store.engine.dialect).bind_processor(store.engine.dialect)
        assert bind is not None and bind(value) == text
    finally:
        store.close()
