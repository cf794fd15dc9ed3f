"""The hand-written migration and the models describe the same schema."""

from __future__ import annotations

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.history.ledger import order_history
from server_stub.migrate import alembic_config, migrate
from server_stub.models import Base, Conflict, LedgerEntry, WorkOrder

from .conftest import World, sign_in
from .kit import AT, new_id, seq_of, update


def test_migration_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless_and_counters_exist(database_url: str, db: Database) -> None:
    migrate(database_url)
    with db.read() as session:
        assert session.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one() == 0
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    # The newest revision, whichever number that is by now (one head: the chain never forks).
    assert version == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def _to(database_url: str, revision: str, *, down: bool = False) -> None:
    migrate(database_url, revision=revision, down=down)


def test_upgrading_from_0005_keeps_the_data_and_numbers_the_ledger(
    client: TestClient, world: World, database_url: str, db: Database, clock: FakeClock
) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    a = world.orders["a"]
    tech.push([tech.mutation("note.add", a, {"id": new_id(), "text": "first", "at": AT})])
    clock.advance(seconds=60)
    (lost,) = tech.push([update(tech, a, 0, title="Mine")])["results"]
    clock.advance(seconds=60)
    disp.push([update(disp, a, seq_of(disp, a), priority="urgent")])
    with db.read() as session:
        before_counter = session.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one()
    _to(database_url, "0005", down=True)  # as a server of issue 9 left it, data and all
    with db.engine.connect() as conn:
        assert "seq" not in {c["name"] for c in inspect(conn).get_columns("ledger")}
        assert not inspect(conn).has_table("checklist_templates")
    migrate(database_url)
    with db.read() as session:
        rows = (
            session.execute(select(LedgerEntry).order_by(LedgerEntry.created_at, LedgerEntry.mid))
            .scalars()
            .all()
        )
        counter = session.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one()
        (conflict,) = session.execute(select(Conflict)).scalars().all()
        number = session.get(WorkOrder, a).number  # type: ignore[union-attr]
    seqs = [row.seq for row in rows]
    assert len(rows) == 3 and all(s is not None for s in seqs)
    assert seqs == sorted(seqs) and min(seqs) > before_counter and counter == max(seqs)  # type: ignore[type-var]
    assert all(row.detail is None for row in rows)  # what they wrote is not known: described by type
    assert str(conflict.id) == lost["conflict_ids"][0]
    assert (conflict.order_number, conflict.created_at) == (number, datetime(2026, 11, 25, 9, 1))
    found = order_history(db, user_id=disp.user_id, order_id=a, cursor=None, limit=100).entries
    assert [(e.type, e.summary, e.result) for e in found] == [
        ("order.create", "Created", "applied"),
        ("note.add", "Note added", "applied"),
        ("order.update", "Proposed a change (kept for a dispatcher)", "conflict"),
        ("order.update", "Order changed", "applied"),
    ]
    # And the server goes on from there: new rows take seqs above the numbered ones.
    (after,) = disp.push([update(disp, a, seq_of(disp, a), priority="low")])["results"]
    assert after["seq"] > counter
