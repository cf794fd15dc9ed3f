"""Engine, sessions and the global `seq` counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SEQ_COUNTER = "seq"


def order_number_counter(org_id: str) -> str:
    return f"order_number:{org_id}"


WRITE_OPTION = "ordo_write"


@dataclass(frozen=True, slots=True)
class Database:
    """Session factories over one engine: `read` for queries, `write` for
    transactions that change rows (on SQLite these take the write lock at BEGIN)."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(database_url: str) -> Database:
    engine = make_engine(database_url)
    return Database(
        engine=engine,
        read=sessionmaker(bind=engine, expire_on_commit=False),
        write=sessionmaker(bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False),
    )


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite (a file) or PostgreSQL, set up for concurrent use."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the lock up front (IMMEDIATE): a deferred one
        # that reads and then writes fails with SQLITE_BUSY instead of waiting.
        # Reads stay deferred, so pulls never block pushes under WAL.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _bump(session: Session, name: str) -> int:
    value = session.execute(
        text("UPDATE counters SET value = value + 1 WHERE name = :name RETURNING value"), {"name": name}
    ).scalar_one_or_none()
    if value is None:
        raise RuntimeError(f"counter {name!r} is missing; was the database migrated and seeded?")
    return int(value)


def next_seq(session: Session) -> int:
    """The next global seq, taken inside the caller's write transaction.

    The UPDATE locks the counter row until commit (on PostgreSQL), so seq order
    equals commit order and a pull cursor never skips a late commit.
    """
    return _bump(session, SEQ_COUNTER)


def next_order_number(session: Session, *, org_id: str) -> int:
    return _bump(session, order_number_counter(org_id))
