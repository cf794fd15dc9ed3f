"""The local SQLite database: one file, WAL, migrated on open."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.domain.protocol.jsontext import json_text
from app.store.models import SyncState

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
# Pages the WAL may hold before a commit copies them into the file (SQLite's default is
# 1,000, about 4 MB). A first sync writes ~100 MB: at 1,000 its commits spent more time
# checkpointing than writing, copying the same index pages over and over; at 10,000
# (about 40 MB of WAL on disk at most) the first sync of 10,000 orders took 17 % less
# (issue 11). Everyday writes are small: they reach it rarely.
WAL_CHECKPOINT_PAGES = 10_000


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so that BEGIN IMMEDIATE below is ours;
    # pragmas must run outside a transaction.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB of page cache (the default is 2 MiB): a desk's 10,000 orders and their search
    # index stay in memory, which cuts a search's page reads several times (bench/search.py).
    cur.execute("PRAGMA cache_size=-32768")
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cur.close()


def _on_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN: the UI thread and the sync worker
    # never deadlock upgrading a read lock, and the outbox counter is read and
    # bumped by one writer at a time. Readers (WAL) begin deferred and never wait.
    if conn.get_execution_options().get("ordo_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    """Alembic's config built in code: no alembic.ini is needed at run time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class LocalStore:
    """The device's database. Use `LocalStore.open(path)`."""

    def __init__(self, *, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            bind=engine.execution_options(ordo_read_only=True), expire_on_commit=False
        )

    @classmethod
    def open(cls, path: Path | str) -> LocalStore:
        """Open (creating if needed) the database at `path`, migrate it to head, ensure the sync-state row."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The file holds customers' details and the sign-in token: only this user may read it
        # (the WAL and shared-memory files SQLite makes beside it take the same mode).
        path.touch(mode=0o600, exist_ok=True)
        os.chmod(path, 0o600)
        engine = create_engine(f"sqlite+pysqlite:///{path}", json_serializer=json_text)
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
        store = cls(engine=engine, path=path)
        store.migrate()
        store._ensure_state()
        return store

    def migrate(self) -> None:
        cfg = alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _ensure_state(self) -> None:
        with self.transaction() as s:
            if s.get(SyncState, 1) is None:
                # The installation's identity: made once, kept for the life of this database.
                s.add(SyncState(id=1, device_id=str(uuid.uuid4()), last_mid=0, acked_mid=0))

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any exception."""
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot that never waits for the writer."""
        with self._read_sessions() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()
