"""New rows written in bulk (server_stub.sync.apply.new_rows) and what a batch locks ahead
(apply.ahead): a batch still reads what it added, a refused mutation still leaves none of
its rows, and a commit still names whose scope its rows are in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.codes import Code
from app.domain.protocol import Mutation, MutationType
from server_stub.db import Database
from server_stub.models import ChecklistItem, Note, WorkOrder
from server_stub.sync import push as push_module
from server_stub.sync.apply import registry
from server_stub.sync.apply.common import Context, Rejected

from .conftest import Device, World, sign_in
from .kit import update
from .test_announce import Heard

AT = "2026-11-25T10:00:00Z"
NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def _note(dev: Device, order: str, text: str, *, note_id: str | None = None) -> dict[str, Any]:
    return dev.mutation("note.add", order, {"id": note_id or str(uuid.uuid4()), "text": text, "at": AT})


def _push(db: Database, dev: Device, batch: list[dict[str, Any]]) -> list[str]:
    mutations = [Mutation.model_validate(m) for m in batch]
    answer = push_module.push(
        db=db, user_id=dev.user_id, device_id=dev.device_id, mutations=mutations, now=lambda: NOW
    )
    return [r.status.value for r in answer.results]


@pytest.fixture
def never_careful(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch must go through in one bold pass: redone carefully, the test fails."""

    def careful(ctx: Context, m: Mutation) -> Any:
        raise AssertionError(f"mid {m.mid} was applied again, carefully")

    monkeypatch.setattr(push_module, "_apply_one", careful)


def test_a_batch_voids_and_ticks_what_it_added_itself(
    client: TestClient, world: World, db: Database, never_careful: None
) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    order, item = str(uuid.uuid4()), str(uuid.uuid4())
    create = {
        "title": "Pump",
        "kind": "repair",
        "priority": "normal",
        "assignee_id": world.users["tech1"],
        "checklist": [{"id": item, "position": 1, "label": "Seal", "kind": "check"}],
    }
    assert _push(db, disp, [disp.mutation("order.create", order, create)]) == ["applied"]
    note = str(uuid.uuid4())
    batch = [
        tech.mutation("order.transition", order, {"from": "assigned", "to": "in_progress", "at": AT}),
        _note(tech, order, "seal worn", note_id=note),
        tech.mutation("entry.void", order, {"entity": "note", "id": note, "reason": "wrong order"}),
        tech.mutation("checklist.set", order, {"item_id": item, "value": True, "done": True}),
    ]
    assert _push(db, tech, batch) == ["applied"] * 4
    with db.read() as session:
        voided = session.get(Note, note)
        ticked = session.get(ChecklistItem, item)
    assert voided is not None and voided.voided
    assert ticked is not None and ticked.done


def test_an_order_a_batch_creates_then_changes_is_inserted_before_its_update(
    client: TestClient, world: World, db: Database, never_careful: None
) -> None:
    """The new order is held as a row read back (new_rows.add_held): the batch's later
    change to it is an UPDATE, which must find the row already in (a flush before the
    held rows were written would update nothing and fail)."""
    disp = sign_in(client, "disp")
    order = str(uuid.uuid4())
    create = {"title": "Pump", "kind": "repair", "priority": "normal", "assignee_id": world.users["tech1"]}
    batch = [
        disp.mutation("order.create", order, create),
        update(disp, order, 0, title="Pump, second look", priority="high"),
        _note(disp, order, "call first"),
    ]
    assert _push(db, disp, batch) == ["applied"] * 3
    with db.read() as session:
        row = session.get(WorkOrder, order)
        notes = list(session.execute(select(Note.text).where(Note.order_id == order)).scalars())
    assert row is not None
    assert (row.title, row.priority, row.status, row.assignee_id) == (
        "Pump, second look", "high", "assigned", world.users["tech1"],
    )  # fmt: skip
    assert row.number.startswith("WO-") and row.assigned_at is not None and row.create_digest
    assert row.field_seqs.keys() >= {"title", "priority"}
    assert notes == ["call first"]


def test_a_refused_mutation_leaves_none_of_its_waiting_rows(
    client: TestClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = registry.APPLIERS[MutationType.NOTE_ADD]

    def refusing(ctx: Context, m: Mutation) -> Any:
        result = real(ctx, m)  # its note waits to be inserted
        if m.args.get("text") == "refuse me":
            raise Rejected(Code.INVALID_ARGS, "refused with a row waiting")
        return result

    monkeypatch.setitem(registry.APPLIERS, MutationType.NOTE_ADD, refusing)
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    statuses = _push(db, tech, [_note(tech, a, "kept"), _note(tech, a, "refuse me"), _note(tech, a, "also")])
    assert statuses == ["applied", "rejected", "applied"]
    with db.read() as session:
        texts = set(session.execute(select(Note.text).where(Note.order_id == a)).scalars())
    assert {"kept", "also"} <= texts and "refuse me" not in texts


def test_a_duplicate_note_id_in_one_batch_is_refused_not_a_failure(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    a, note = world.orders["a"], str(uuid.uuid4())
    batch = [_note(tech, a, "first", note_id=note), _note(tech, a, "other text", note_id=note)]
    assert _push(db, tech, batch) == ["applied", "rejected"]
    with db.read() as session:
        assert session.get(Note, note).text == "first"  # type: ignore[union-attr]


def test_ids_that_name_no_row_are_locked_ahead_harmlessly(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    a, ghost = world.orders["a"], str(uuid.uuid4())
    batch = [
        tech.mutation("entry.void", a, {"entity": "note", "id": "not-a-uuid", "reason": "x"}),
        tech.mutation("entry.void", a, {"entity": ["odd"], "id": ghost, "reason": "x"}),
        tech.mutation("checklist.set", ghost, {"item_id": 7, "value": True, "done": True}),
        _note(tech, a, "still fine"),
    ]
    assert _push(db, tech, batch) == ["rejected", "rejected", "rejected", "applied"]


def test_bulk_rows_name_whose_scope_they_are_in(
    client: TestClient, world: World, db: Database, database_url: str
) -> None:
    heard = Heard(database_url)
    heard.hook(db)
    try:
        tech = sign_in(client, "tech1")
        assert _push(db, tech, [_note(tech, world.orders["a"], "for tech1's scope")]) == ["applied"]
        message = heard()
    finally:
        heard.close()
    assert message["orgs"] == [world.org_id]
    assert world.users["tech1"] in message["users"]
