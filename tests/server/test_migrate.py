"""The hand-written migration and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from server_stub.db import Database
from server_stub.migrate import migrate
from server_stub.models import Base


def test_migration_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless_and_counters_exist(database_url: str, db: Database) -> None:
    migrate(database_url)
    with db.read() as session:
        assert session.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one() == 0
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003"
