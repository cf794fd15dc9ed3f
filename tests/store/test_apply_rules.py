"""A lone device's local state after each kind of write equals what the server will hold.

The expected outcomes are written here by hand from design.md's state table and
sync-protocol.md's mutation table and merge rules (not derived from the rulebook's code):
the optimistic local apply must show exactly that, and changing nothing where the server
would refuse the change or keep it as a conflict. Each case is applied twice (a re-base
re-applies every queued mutation after a pull) and must land in the same state.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event

from app.domain.protocol import Change
from app.store.apply import apply_local
from app.store.models import ChecklistItem, Conflict, Note, Order, PartUsage, Photo, Signature, TimeLog
from app.store.outbox import enqueue
from app.store.rows import apply_change
from store.kit import (
    DISPATCHER,
    T0,
    TECH,
    change,
    item_data,
    new_id,
    open_store,
    order_data,
    pulled_conflict,
    sign_in_locally,
    wire,
)

TECH2 = "44444444-4444-4444-8444-444444444444"
SHA = "c" * 64
T, D = "technician", "dispatcher"
USERS = {T: TECH, D: DISPATCHER}


def _device(tmp_path, *, who, status, assignee=TECH["id"], item_done=True, **item):
    """A device signed in as `who` holding one order in `status` with one required item."""
    store, order, item_id = open_store(tmp_path), new_id(), new_id()
    sign_in_locally(store, user=USERS[who])
    with store.transaction() as s:
        data = order_data(order, status=status, assignee_id=assignee, status_reason=None)
        apply_change(s, Change.model_validate(change("work_order", data, 10)))
        fields = {"done": item_done, **item}
        apply_change(
            s, Change.model_validate(change("checklist_item", item_data(item_id, order, **fields), 11))
        )
    return store, order, item_id


def _write(store, type_, order, args, base_seq=10):
    """Queue and apply, as a service write does; then apply again, as the re-base does."""
    with store.transaction() as s:
        entry = enqueue(s, type=type_, entity_id=order, args=args, base_seq=base_seq, created_at=T0)
        apply_local(s, entry)
        apply_local(s, entry)


# (who, from, to, status the server holds afterwards) — every move of design.md's table.
# Dispatchers assign, unassign, cancel, close and reopen; technicians travel, start, resume,
# complete or give up; both put on hold. A refused move leaves the status as it was.
MOVES = [
    (T, "assigned", "en_route", "en_route"),
    (T, "assigned", "in_progress", "in_progress"),
    (T, "assigned", "on_hold", "on_hold"),
    (T, "assigned", "new", "assigned"),
    (T, "assigned", "cancelled", "assigned"),
    (T, "en_route", "in_progress", "in_progress"),
    (T, "en_route", "on_hold", "on_hold"),
    (T, "en_route", "assigned", "assigned"),
    (T, "in_progress", "on_hold", "on_hold"),
    (T, "in_progress", "completed", "completed"),
    (T, "in_progress", "cannot_complete", "cannot_complete"),
    (T, "on_hold", "in_progress", "in_progress"),
    (T, "on_hold", "en_route", "en_route"),
    (T, "on_hold", "cancelled", "on_hold"),
    (T, "completed", "closed", "completed"),
    (T, "completed", "in_progress", "completed"),
    (T, "cannot_complete", "assigned", "cannot_complete"),
    (T, "cannot_complete", "cancelled", "cannot_complete"),
    (T, "cannot_complete", "closed", "cannot_complete"),
    (T, "assigned", "completed", "assigned"),  # not in the state table at all
    (D, "assigned", "en_route", "assigned"),
    (D, "assigned", "in_progress", "assigned"),
    (D, "assigned", "on_hold", "on_hold"),
    (D, "assigned", "new", "new"),
    (D, "assigned", "cancelled", "cancelled"),
    (D, "en_route", "in_progress", "en_route"),
    (D, "en_route", "on_hold", "on_hold"),
    (D, "en_route", "assigned", "en_route"),
    (D, "in_progress", "on_hold", "on_hold"),
    (D, "in_progress", "completed", "in_progress"),
    (D, "in_progress", "cannot_complete", "in_progress"),
    (D, "on_hold", "in_progress", "on_hold"),
    (D, "on_hold", "en_route", "on_hold"),
    (D, "on_hold", "cancelled", "cancelled"),
    (D, "completed", "closed", "closed"),
    (D, "completed", "in_progress", "in_progress"),
    (D, "cannot_complete", "assigned", "assigned"),
    (D, "cannot_complete", "cancelled", "cancelled"),
    (D, "cannot_complete", "closed", "closed"),
    (D, "new", "cancelled", "cancelled"),
]


@pytest.mark.parametrize(("who", "frm", "to", "held"), MOVES)
def test_each_move_shows_what_the_server_holds(tmp_path, who, frm, to, held):
    assignee = None if frm == "new" else TECH["id"]
    store, order, _ = _device(tmp_path, who=who, status=frm, assignee=assignee)
    at = T0 + timedelta(minutes=5)
    _write(store, "order.transition", order, {"from": frm, "to": to, "at": wire(at), "reason": "because"})
    with store.read() as s:
        o = s.get(Order, order)
        assert o.status == held
        if held != frm:
            assert o.status_reason == "because" and o.updated_at == at
        else:
            assert o.status_reason is None  # untouched


def test_a_new_order_without_an_assignee_is_not_assigned_by_a_bare_move(tmp_path):
    store, order, _ = _device(tmp_path, who=D, status="new", assignee=None)
    _write(store, "order.transition", order, {"from": "new", "to": "assigned", "at": wire(T0)})
    with store.read() as s:
        assert s.get(Order, order).status == "new"  # the server refuses: no_assignee


def test_unassigning_by_a_move_clears_the_assignee(tmp_path):
    store, order, _ = _device(tmp_path, who=D, status="assigned")
    _write(store, "order.transition", order, {"from": "assigned", "to": "new", "at": wire(T0)})
    with store.read() as s:
        assert (s.get(Order, order).status, s.get(Order, order).assignee_id) == ("new", None)


def test_completing_with_a_required_item_open_changes_nothing(tmp_path):
    store, order, _ = _device(tmp_path, who=T, status="in_progress", item_done=False)
    _write(store, "order.transition", order, {"from": "in_progress", "to": "completed", "at": wire(T0)})
    with store.read() as s:
        assert s.get(Order, order).status == "in_progress"  # the server refuses: completion_blocked


def test_a_move_without_the_reason_it_needs_changes_nothing(tmp_path):
    store, order, _ = _device(tmp_path, who=T, status="in_progress")
    _write(store, "order.transition", order, {"from": "in_progress", "to": "on_hold", "at": wire(T0)})
    with store.read() as s:
        assert s.get(Order, order).status == "in_progress"


def test_a_move_made_from_an_older_status_merges_as_the_server_does(tmp_path):
    # Queued "start work" from assigned; meanwhile the pulled order is on hold: resuming is
    # legal from there for a technician, so the server applies it (merged), and so do we.
    store, order, _ = _device(tmp_path, who=T, status="on_hold")
    _write(store, "order.transition", order, {"from": "assigned", "to": "in_progress", "at": wire(T0)})
    with store.read() as s:
        assert s.get(Order, order).status == "in_progress"
    # From completed it is not legal: a conflict on the server, nothing here.
    store2, order2, _ = _device(tmp_path / "b", who=T, status="completed")
    _write(store2, "order.transition", order2, {"from": "assigned", "to": "en_route", "at": wire(T0)})
    with store2.read() as s:
        assert s.get(Order, order2).status == "completed"


# (status, new assignee, status held afterwards, assignee held afterwards) for a dispatcher's
# order.update of assignee_id (sync-protocol.md, "Assigning").
ASSIGNS = [
    ("new", TECH2, "assigned", TECH2),
    ("cannot_complete", TECH2, "assigned", TECH2),
    ("assigned", TECH2, "assigned", TECH2),
    ("en_route", TECH2, "en_route", TECH2),
    ("in_progress", TECH2, "in_progress", TECH2),
    ("on_hold", TECH2, "on_hold", TECH2),
    ("completed", TECH2, "completed", TECH["id"]),
    ("closed", TECH2, "closed", TECH["id"]),
    ("cancelled", TECH2, "cancelled", TECH["id"]),
    ("assigned", None, "new", None),
    ("in_progress", None, "in_progress", TECH["id"]),
    ("on_hold", None, "on_hold", TECH["id"]),
]


@pytest.mark.parametrize(("status", "new", "held", "held_assignee"), ASSIGNS)
def test_each_assignment_shows_what_the_server_holds(tmp_path, status, new, held, held_assignee):
    before = None if status == "new" else TECH["id"]
    if status == "new" and held_assignee == TECH["id"]:
        held_assignee = None
    store, order, _ = _device(tmp_path, who=D, status=status, assignee=before)
    _write(store, "order.update", order, {"fields": {"assignee_id": new, "title": "Pump 3"}})
    with store.read() as s:
        o = s.get(Order, order)
        assert (o.status, o.assignee_id) == (held, held_assignee)
        # A refused assignment refuses the whole mutation: the title did not change either.
        assert o.title == ("Pump 3" if held_assignee == new else "Fix pump")


def test_a_technicians_edit_of_dispatcher_fields_is_a_conflict_never_applied(tmp_path):
    store, order, _ = _device(tmp_path, who=T, status="in_progress")
    _write(store, "order.update", order, {"fields": {"title": "My title"}})
    with store.read() as s:
        assert s.get(Order, order).title == "Fix pump"


# (who, status, value written, value held afterwards) for checklist.set on a number item
# of range 55..80.
CHECKLIST = [
    (T, "in_progress", 70, 70),
    (T, "in_progress", 95, 95),  # out of range: kept as measured (and flagged by the screens)
    (T, "on_hold", 60, 60),
    (T, "completed", 70, None),  # read-only: refused
    (T, "closed", 70, None),
    (T, "cancelled", 70, None),  # kept in a conflict row for the dispatcher, never applied
    (D, "in_progress", 70, None),  # the assignee fills in the checklist
]


@pytest.mark.parametrize(("who", "status", "value", "held"), CHECKLIST)
def test_each_checklist_value_shows_what_the_server_holds(tmp_path, who, status, value, held):
    store, order, item = _device(
        tmp_path, who=who, status=status, item_done=False, kind="number", min=55, max=80, unit="°C"
    )
    _write(store, "checklist.set", order, {"item_id": item, "value": value, "done": True}, base_seq=11)
    with store.read() as s:
        i = s.get(ChecklistItem, item)
        assert (i.value, i.done) == (held, held is not None)


def test_a_number_item_marked_done_without_a_value_changes_nothing(tmp_path):
    store, order, item = _device(tmp_path, who=T, status="in_progress", item_done=False, kind="number")
    _write(store, "checklist.set", order, {"item_id": item, "value": None, "done": True}, base_seq=11)
    with store.read() as s:
        assert s.get(ChecklistItem, item).done is False


def _evidence():
    end = wire(T0 + timedelta(hours=1))
    return {
        "note.add": (Note, {"id": new_id(), "text": "hello", "at": wire(T0)}),
        "photo.add": (
            Photo,
            {
                "id": new_id(),
                "sha256": SHA,
                "size": 10,
                "content_type": "image/jpeg",
                "width": 4,
                "height": 3,
                "caption": "",
                "taken_at": wire(T0),
            },
        ),
        "time.add": (TimeLog, {"id": new_id(), "kind": "work", "started_at": wire(T0), "ended_at": end}),
        "part.use": (PartUsage, {"id": new_id(), "sku": "SEAL-10", "quantity": 2}),
        "signature.add": (Signature, {"id": new_id(), "signer_name": "Ann", "sha256": SHA, "signed_at": end}),
    }


# (who, the order's assignee, evidence the server keeps): the assignee adds everything, in
# every state; anyone who sees the order adds notes and photos; time, parts and signatures
# are the assignee's.
EVIDENCE = [
    (T, TECH["id"], {"note.add", "photo.add", "time.add", "part.use", "signature.add"}),
    (D, TECH["id"], {"note.add", "photo.add"}),
    (T, None, {"note.add", "photo.add"}),  # their own follow-up, not assigned yet
    (T, TECH2, set()),  # someone else's order
]


@pytest.mark.parametrize(("who", "assignee", "kept"), EVIDENCE)
@pytest.mark.parametrize("status", ["in_progress", "closed"])
def test_each_evidence_shows_what_the_server_keeps(tmp_path, who, assignee, kept, status):
    store, order, _ = _device(tmp_path, who=who, status=status, assignee=assignee)
    for type_, (model, args) in _evidence().items():
        _write(store, type_, order, args)
        with store.read() as s:
            assert (s.get(model, args["id"]) is not None) == (type_ in kept), type_


@pytest.mark.parametrize(("who", "assignee", "kept"), EVIDENCE)
def test_a_fresh_write_stores_its_evidence_as_the_re_base_does(tmp_path, who, assignee, kept):
    """A fresh write inserts its row with Core and judges the order from five columns; the
    re-base goes through the ORM. Both keep the same rows, as the same text, and refuse alike."""
    twins = [_device(tmp_path / name, who=who, status="in_progress", assignee=assignee) for name in "ab"]
    evidence = _evidence()
    for (store, order, _), fresh in zip(twins, (True, False), strict=True):
        with store.transaction() as s:
            for type_, (_model, args) in evidence.items():
                entry = enqueue(s, type=type_, entity_id=order, args=args, base_seq=10, created_at=T0)
                apply_local(s, entry, fresh=fresh)
    # Same order ids in both: compare the rows as SQLite holds them, the order id aside.
    for type_, (model, args) in evidence.items():
        rows = []
        for store, order, _ in twins:
            with store.engine.connect() as conn:
                found = conn.exec_driver_sql(f"SELECT * FROM {model.__tablename__}").all()
            rows.append([tuple("order" if v == order else v for v in row) for row in found])
        assert rows[0] == rows[1], type_
        assert len(rows[0]) == (type_ in kept), type_
        assert all(args["id"] in row for row in rows[0])


@pytest.mark.parametrize(
    ("who", "author", "voided"),
    [(T, TECH["id"], True), (T, DISPATCHER["id"], False), (D, TECH["id"], True)],
)
def test_voiding_is_the_authors_or_a_dispatchers(tmp_path, who, author, voided):
    store, order, _ = _device(tmp_path, who=who, status="in_progress")
    note = new_id()
    with store.transaction() as s:
        data = {"id": note, "order_id": order, "author_id": author, "text": "x", "at": wire(T0)}
        apply_change(s, Change.model_validate(change("note", data, 12)))
    _write(store, "entry.void", order, {"entity": "note", "id": note, "reason": "typo"})
    with store.read() as s:
        assert s.get(Note, note).voided is voided


def _status_conflict(store, order):
    return pulled_conflict(store, order=order, field="status", mine="in_progress", theirs="on_hold")


def test_a_technician_cannot_resolve_a_status_conflict_but_a_dispatcher_can(tmp_path):
    store, order, _ = _device(tmp_path, who=T, status="on_hold")
    cid = _status_conflict(store, order)
    _write(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        assert (s.get(Conflict, cid).status, s.get(Order, order).status) == ("open", "on_hold")
    store, order, _ = _device(tmp_path / "d", who=D, status="on_hold")
    cid = _status_conflict(store, order)
    _write(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        assert (s.get(Conflict, cid).status, s.get(Order, order).status) == ("resolved", "in_progress")


def test_a_technician_settles_their_own_checklist_conflict(tmp_path):
    store, order, item = _device(tmp_path, who=T, status="in_progress", item_done=False, kind="number")
    cid = pulled_conflict(
        store,
        order=order,
        entity="checklist_item",
        entity_id=item,
        field="value",
        mine={"value": 3, "done": True},
        theirs={"value": None, "done": False},
    )
    _write(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        i = s.get(ChecklistItem, item)
        assert (s.get(Conflict, cid).status, i.value, i.done) == ("resolved", 3, True)


def test_a_follow_up_is_made_by_a_technician_only_unassigned(tmp_path):
    store, _, _ = _device(tmp_path, who=T, status="in_progress")
    mine, assigned = new_id(), new_id()
    base = {"title": "Valve", "status": "new", "checklist": [], "priority": "normal"}
    _write(store, "order.create", mine, {**base, "id": mine, "assignee_id": None}, base_seq=None)
    _write(
        store, "order.create", assigned, {**base, "id": assigned, "assignee_id": TECH["id"]}, base_seq=None
    )
    with store.read() as s:
        assert s.get(Order, mine) is not None and s.get(Order, assigned) is None


@pytest.mark.parametrize(
    ("status", "decided"), [("in_progress", True), ("completed", False), ("closed", False)]
)
def test_insisting_on_a_checklist_value_of_finished_work_changes_nothing(tmp_path, status, decided):
    store, order, item = _device(tmp_path, who=T, status=status, item_done=True)
    cid = pulled_conflict(
        store,
        order=order,
        entity="checklist_item",
        entity_id=item,
        field="value",
        mine={"value": None, "done": False},
        theirs={"value": None, "done": True},
    )
    _write(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        assert (s.get(Conflict, cid).status, s.get(ChecklistItem, item).done) == (
            ("resolved", False) if decided else ("open", True)
        )


def test_a_status_decision_the_state_table_does_not_allow_changes_nothing(tmp_path):
    store, order, _ = _device(tmp_path, who=D, status="closed")
    cid = pulled_conflict(store, order=order, field="status", mine="en_route", theirs="closed")
    _write(store, "conflict.resolve", order, {"conflict_id": cid, "choice": "mine"})
    with store.read() as s:
        assert (s.get(Conflict, cid).status, s.get(Order, order).status) == ("open", "closed")


def test_a_fresh_write_adds_its_evidence_without_looking_for_the_row_first(tmp_path):
    """A write made just now mints the id of the row it adds (apply_local's `fresh`): no
    SELECT for it, and the row is there all the same; re-applied (a re-base), it is found."""
    store, order, _ = _device(tmp_path, who=T, status="in_progress")
    note = new_id()
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    args = {"id": note, "text": "seal worn", "at": wire(T0)}
    with store.transaction() as s:
        entry = enqueue(s, type="note.add", entity_id=order, args=args, base_seq=10, created_at=T0)
        apply_local(s, entry, fresh=True)
    assert not [q for q in statements if "FROM notes" in q]
    with store.transaction() as s:
        apply_local(s, entry)  # the re-base: it looks, and finds it
        assert s.get(Note, note).text == "seal worn"
    assert [q for q in statements if "FROM notes" in q]
