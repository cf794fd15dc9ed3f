"""A push batch is one transaction, applied first without savepoints (issue 11): what
that must never change — a refused mutation leaves nothing, a failure keeps nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.domain.codes import Code
from app.domain.protocol import IntakeRequest, Mutation, MutationType
from server_stub.db import Database
from server_stub.intake import take_request
from server_stub.models import Device as DeviceRow
from server_stub.models import LedgerEntry, Note, User, WorkOrder
from server_stub.sync.apply import new_rows, registry
from server_stub.sync.apply.common import Context, Rejected
from server_stub.sync.push import push

from .conftest import Device, World, sign_in

AT = "2026-11-25T10:00:00Z"
REFUSE_AFTER_WRITING = "refused once written"
NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def _note(dev: Device, order: str, text: str, *, mid: int | None = None) -> dict[str, Any]:
    return dev.mutation("note.add", order, {"id": str(uuid.uuid4()), "text": text, "at": AT}, mid=mid)


@pytest.fixture
def late_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    """note.add that writes its note, then refuses: only a rollback can take the note back."""
    real = registry.APPLIERS[MutationType.NOTE_ADD]

    def applier(ctx: Context, m: Mutation) -> Any:
        result = real(ctx, m)
        if m.args.get("text") == REFUSE_AFTER_WRITING:
            new_rows.write(ctx.session)  # in the database, not just waiting (test_new_rows)
            raise Rejected(Code.INVALID_ARGS, "refused after writing")
        return result

    monkeypatch.setitem(registry.APPLIERS, MutationType.NOTE_ADD, applier)


def _notes(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.execute(select(Note.text)).scalars())


def _ledger_rows(db: Database, device_id: str) -> int:
    with db.read() as session:
        return session.execute(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.device_id == device_id)
        ).scalar_one()


@pytest.fixture
def commits(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any) -> None:
        seen.append("commit")

    event.listen(db.engine, "commit", count)
    yield seen
    event.remove(db.engine, "commit", count)


def _push(db: Database, dev: Device, batch: list[dict[str, Any]]) -> Any:
    mutations = [Mutation.model_validate(m) for m in batch]
    return push(db=db, user_id=dev.user_id, device_id=dev.device_id, mutations=mutations, now=lambda: NOW)


def test_a_batch_commits_once(client: TestClient, world: World, db: Database, commits: list[str]) -> None:
    tech = sign_in(client, "tech1")
    batch = [_note(tech, world.orders["a"], f"n{i}") for i in range(40)]
    commits.clear()
    answer = _push(db, tech, batch)
    assert [r.status.value for r in answer.results] == ["applied"] * 40
    # One for the batch; the device's sync-truth row (sync.devices) may add its own.
    assert 1 <= len(commits) <= 2
    seqs = [r.seq for r in answer.results]
    assert seqs == sorted(seqs) and len(set(seqs)) == 40


def test_a_mutation_refused_after_writing_leaves_nothing_and_the_rest_applies(
    client: TestClient, world: World, db: Database, late_refusal: None
) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    before = _notes(db)
    batch = [_note(tech, a, "first"), _note(tech, a, REFUSE_AFTER_WRITING), _note(tech, a, "third")]
    answer = tech.push(batch)
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected", "applied"]
    assert answer["last_mid"] == 3
    assert _notes(db) == sorted([*before, "first", "third"])
    assert _ledger_rows(db, tech.device_id) == 3
    assert tech.push(batch) == answer  # replayed from the ledger, the same answer


def test_a_failure_midway_keeps_nothing_of_the_batch(
    client: TestClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    real = registry.APPLIERS[MutationType.NOTE_ADD]

    def breaking(ctx: Context, m: Mutation) -> Any:
        if m.args.get("text") == "boom":
            raise RuntimeError("the disk went away")
        return real(ctx, m)

    monkeypatch.setitem(registry.APPLIERS, MutationType.NOTE_ADD, breaking)
    before = _notes(db)
    with pytest.raises(RuntimeError):
        _push(db, tech, [_note(tech, a, t) for t in ("kept?", "boom", "after")])
    assert _notes(db) == before
    assert _ledger_rows(db, tech.device_id) == 0
    with db.read() as session:
        assert session.get(DeviceRow, tech.device_id).last_mid == 0  # type: ignore[union-attr]


def test_a_mid_repeated_within_a_batch_gets_its_first_answer(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    first, second = _note(tech, a, "one"), _note(tech, a, "two")
    answer = tech.push([first, second, first])
    assert [r["mid"] for r in answer["results"]] == [1, 2, 1]
    assert answer["results"][2] == answer["results"][0]
    assert answer["last_mid"] == 2


def test_order_numbers_stay_unique_and_unbroken_across_batches_and_intake_at_once(
    client: TestClient, world: World, db: Database
) -> None:
    """Batches take order numbers from memory once an organisation's first is taken
    (db.seq_block's numbers_too); intake beside them takes the counter row. On PostgreSQL
    they run truly at once: no number twice, none skipped, no deadlock."""
    devices = [sign_in(client, "disp") for _ in range(3)]
    with db.read() as session:
        disp = session.get(User, world.users["disp"])
        before = set(session.execute(select(WorkOrder.number)).scalars())
    assert disp is not None

    def batches(index: int) -> list[str]:
        dev, statuses = devices[index], []
        for _ in range(2):
            creates = []
            for _ in range(10):
                order_id = str(uuid.uuid4())
                args = {"id": order_id, "title": f"Batch {index}", "priority": "normal"}
                creates.append(dev.mutation("order.create", order_id, args))
            statuses += [r.status.value for r in _push(db, dev, creates).results]
        return statuses

    def intake(index: int) -> bool:
        body = IntakeRequest.model_validate(
            {
                "external_id": f"req-{index}",
                "customer": "Ana",
                "site": {"name": "Depot"},
                "description": "Leak",
            }
        )
        return take_request(db, user=disp, body=body, now=NOW).created

    with ThreadPoolExecutor(max_workers=6) as pool:
        pushed = [pool.submit(batches, i) for i in range(3)]
        taken = [pool.submit(intake, i) for i in range(5)]
        assert all(s == "applied" for f in pushed for s in f.result())
        assert all(f.result() for f in taken)
    with db.read() as session:
        numbers = [n for n in session.execute(select(WorkOrder.number)).scalars() if n not in before]
    values = sorted(int(n.removeprefix("WO-")) for n in numbers)
    assert len(values) == 3 * 20 + 5
    assert values == list(range(values[0], values[0] + len(values)))  # unique, and no gap
