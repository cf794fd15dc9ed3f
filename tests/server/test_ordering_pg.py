"""Seq order is commit order (sync-protocol.md, "No wall clocks decide"; issue 3,
"Ordering that holds on PostgreSQL"): a reader walking the pull feed while many
devices push at once ends with every change and never steps back.

The dangerous schedule is forced, not hoped for: some writers, after taking their
seq, hold their transaction open at COMMIT until the reader has pulled several more
pages (a test-only hook on the engine's commit event; nothing sleeps). With seqs
from the locked counter row (db.next_seq) every other writer queues behind the
holder, so no later seq can be seen first. The same run with seqs from a plain
PostgreSQL sequence (no lock) must be caught skipping changes: that proves the
test has teeth.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.domain.protocol import Mutation
from server_stub.db import SEQ_COUNTER, Database
from server_stub.seeding.records import OrderSpec, create_order
from server_stub.sync.cursor import decode
from server_stub.sync.pull import pull
from server_stub.sync.push import push

from .conftest import START, Device, World, sign_in

SEED = 20261125
WRITERS = 4
PUSHES_PER_WRITER = 24
HOLD_SHARE = 0.3  # pushes whose commits are held open
HOLD_FOR_PULLS = 3  # a held commit waits until the reader has pulled this many more pages
DEADLINE = 20.0  # seconds: a safety net for a hold, never reached when the reader runs
AT = "2026-11-25T10:00:00Z"


def _now() -> datetime:
    return datetime(2026, 11, 25, 10, tzinfo=UTC)


@dataclass
class Reader:
    """Pulls as a dispatcher, page after page; counts pages so held commits can wait on it."""

    db: Database
    device: Device
    limit: int = 5
    cursor: str | None = None
    pulls: int = 0
    latest: dict[tuple[str, str], int] = field(default_factory=dict)  # (entity, id) -> seq seen
    backwards: list[tuple[int, int]] = field(default_factory=list)  # (passed, then seen)
    progress: threading.Condition = field(default_factory=threading.Condition)

    def pull_once(self) -> bool:
        page = pull(
            db=self.db, user_id=self.device.user_id, device_id=self.device.device_id,
            cursor=self.cursor, limit=self.limit, now=_now,
        )  # fmt: skip
        passed = decode(self.cursor)
        for change in page.changes:
            if change.seq <= passed:
                self.backwards.append((passed, change.seq))
            passed = max(passed, change.seq)
            self.latest[(change.entity, change.id)] = change.seq
        self.cursor = page.cursor
        with self.progress:
            self.pulls += 1
            self.progress.notify_all()
        return page.has_more

    def wait_pulls(self, count: int) -> None:
        with self.progress:
            target = self.pulls + count
            self.progress.wait_for(lambda: self.pulls >= target, timeout=DEADLINE)


@contextmanager
def held_commits(db: Database, reader: Reader) -> Iterator[tuple[threading.local, list[int]]]:
    """While on, a thread with `flag.hold` set waits at each COMMIT for the reader."""
    flag, held = threading.local(), [0]

    def on_commit(_conn: Any) -> None:
        if getattr(flag, "hold", False):
            held[0] += 1
            reader.wait_pulls(HOLD_FOR_PULLS)

    event.listen(db.engine, "commit", on_commit)
    try:
        yield flag, held
    finally:
        event.remove(db.engine, "commit", on_commit)


@contextmanager
def seqs_from_a_sequence(db: Database) -> Iterator[None]:
    """The broken allocator: every seq (and every block of seqs a push takes, db.seq_block)
    from nextval() of a PostgreSQL sequence, which takes no lock, instead of the counter
    row UPDATEs that db.next_seq and db.seq_block run."""
    with db.engine.begin() as conn:
        start = conn.execute(text("SELECT value FROM counters WHERE name = :n"), {"n": SEQ_COUNTER}).scalar()
        # Each nextval() is the start of a range of its own, wider than any block in this run.
        conn.execute(text(f"CREATE SEQUENCE ordo_unlocked_seq START {int(start or 0) + 1} INCREMENT 1000"))

    def swap(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> Any:
        if not statement.startswith("UPDATE counters SET value =") or params.get("name") != SEQ_COUNTER:
            return statement, params
        if "RETURNING" in statement:  # a seq, or the start of a block
            return "SELECT nextval('ordo_unlocked_seq') AS value", {}
        return "SELECT 1", {}  # the block's closing write would lock the row: left out

    event.listen(db.engine, "before_cursor_execute", swap, retval=True)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", swap)


@dataclass
class Outcome:
    statuses: set[str]
    held: int
    pulls_while_writing: int
    missed: list[tuple[str, str, int]]  # in the feed, never seen by the walking reader at its seq
    backwards: list[tuple[int, int]]
    changes: int


def _run(client: TestClient, world: World, db: Database) -> Outcome:
    writers = [sign_in(client, "disp") for _ in range(WRITERS)]
    reader = Reader(db=db, device=sign_in(client, "disp"))
    own: list[str] = []
    with db.write() as session, session.begin():
        for i in range(WRITERS):
            own.append(
                create_order(session, org_id=world.org_id, spec=OrderSpec(title=f"W{i}"), now=START).id
            )
    shared = world.orders["new"]

    def write(index: int, flag: threading.local) -> set[str]:
        rng, device, statuses = random.Random(SEED * 100 + index), writers[index], set()
        mids, base_seq = iter(range(1, 10_000)), 0
        for n in range(PUSHES_PER_WRITER):
            batch = []
            for _ in range(rng.randint(1, 3)):
                order = shared if rng.random() < 0.2 else own[index]
                if order == own[index] and rng.random() < 0.3:
                    args = {"fields": {"description": f"w{index} p{n}"}}
                    batch.append(
                        {"type": "order.update", "entity_id": order, "args": args, "base_seq": base_seq}
                    )
                else:
                    args = {"id": str(uuid.uuid4()), "text": f"w{index} p{n}", "at": AT}
                    batch.append({"type": "note.add", "entity_id": order, "args": args})
            mutations = [Mutation.model_validate({"mid": next(mids), **m}) for m in batch]
            flag.hold = rng.random() < HOLD_SHARE
            try:
                answer = push(
                    db=db, user_id=device.user_id, device_id=device.device_id, mutations=mutations, now=_now
                )
            finally:
                flag.hold = False
            for mutation, result in zip(mutations, answer.results, strict=True):
                statuses.add(result.status.value)
                if mutation.type == "order.update" and result.seq is not None:
                    base_seq = result.seq  # this device alone edits its order: it saw that version
        return statuses

    with held_commits(db, reader) as (flag, held), ThreadPoolExecutor(max_workers=WRITERS) as pool:
        futures = [pool.submit(write, i, flag) for i in range(WRITERS)]
        while not all(f.done() for f in futures):
            reader.pull_once()
        pulls_while_writing = reader.pulls
        statuses = set().union(*(f.result() for f in futures))
    while reader.pull_once():
        pass

    everything = pull(
        db=db, user_id=reader.device.user_id, device_id=reader.device.device_id, cursor=None,
        limit=100_000, now=_now,
    )  # fmt: skip
    missed = [
        (c.entity, c.id, c.seq) for c in everything.changes if reader.latest.get((c.entity, c.id)) != c.seq
    ]
    return Outcome(
        statuses=statuses, held=held[0], pulls_while_writing=pulls_while_writing,
        missed=missed, backwards=reader.backwards, changes=len(everything.changes),
    )  # fmt: skip


def test_a_reader_walking_the_feed_never_skips_a_change_committed_late(
    client: TestClient, world: World, db: Database
) -> None:
    outcome = _run(client, world, db)
    assert outcome.statuses <= {"applied", "conflict"} and "applied" in outcome.statuses
    assert outcome.held >= 10 and outcome.pulls_while_writing >= outcome.held
    assert outcome.backwards == []
    assert outcome.missed == []
    assert outcome.changes > WRITERS * PUSHES_PER_WRITER  # every note and update is in the feed


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_the_same_run_catches_seqs_taken_without_the_counter_lock(
    client: TestClient, world: World, db: Database
) -> None:
    with seqs_from_a_sequence(db):
        outcome = _run(client, world, db)
    assert "applied" in outcome.statuses and outcome.held >= 10
    # Later seqs committed while a held one waited: the reader passed it and never saw it.
    assert outcome.missed, "a seq allocator without the lock went unnoticed: the test has no teeth"
