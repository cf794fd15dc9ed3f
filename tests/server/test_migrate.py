"""The hand-written migration and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from server_stub.db import Database
from server_stub.migrate import alembic_config, migrate
from server_stub.models import Base


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
