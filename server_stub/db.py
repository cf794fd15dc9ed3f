"""Engine, sessions and the global `seq` counter."""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.protocol.jsontext import json_text

SEQ_COUNTER = "seq"
# session.info key: the seqs the session's transaction has taken (server_stub.announce).
SEQ_TAKEN = "ordo_seq_taken"
# session.info key: the open block of seqs (seq_block): the highest handed out so far.
_SEQ_BLOCK = "ordo_seq_block"
# session.info key: order numbers handed out from memory (seq_block's numbers_too).
_NUMBER_BLOCK = "ordo_number_block"
# The PostgreSQL channel of live pokes and stream bookkeeping (server_stub.live).
LIVE_CHANNEL = "ordo_live"

# How long a writer waits for SQLite's write lock before the request is answered
# 503 (settings.sqlite_write_wait_seconds overrides it for the server).
DEFAULT_WRITE_WAIT = 10.0
# Connections kept open per SQLite engine. Bursts beyond it open more (SQLite
# connections are cheap): a bounded pool would make a request holding its read
# session wait for a write connection, and time out as an error.
SQLITE_POOL_SIZE = 64


def order_number_counter(org_id: str) -> str:
    return f"order_number:{org_id}"


WRITE_OPTION = "ordo_write"
_HOLDS_GATE = "ordo_holds_write_gate"


class DatabaseBusy(Exception):
    """SQLite's write lock did not come free in time: the request may be retried later."""


class WriteGate:
    """One SQLite write transaction at a time per process, first come first served.

    SQLite allows a single writer. Without this, concurrent writers all poll the
    file lock (busy_timeout sleeps up to 100 ms between tries, so the lock sits
    idle after each commit, and whoever polls first wins); here they queue in
    order, each wakes the moment the one before commits, and a wait is bounded
    by `wait` seconds, after which DatabaseBusy is raised.
    """

    def __init__(self, *, wait: float) -> None:
        self.wait = wait
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[threading.Lock] = deque()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def acquire(self, *, timeout: float | None = None) -> bool:
        """Take the gate within `timeout` seconds (default: `wait`); False if it stayed taken."""
        with self._mutex:
            if not self._held and not self._queue:
                self._held = True
                return True
            ticket = threading.Lock()
            ticket.acquire()
            self._queue.append(ticket)
        if ticket.acquire(timeout=self.wait if timeout is None else timeout):
            return True  # handed over by release()
        with self._mutex:
            if ticket in self._queue:
                self._queue.remove(ticket)
                return False
        return True  # release() handed it over just as the wait ran out: it is ours

    def release(self) -> None:
        with self._mutex:
            if self._queue:
                self._queue.popleft().release()  # straight to the next in line; stays held
            else:
                self._held = False


@dataclass(frozen=True, slots=True)
class Database:
    """Session factories over one engine: `read` for queries, `write` for
    transactions that change rows (on SQLite these queue at the process's
    write gate, then take the write lock at BEGIN)."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]
    gate: WriteGate | None = None  # SQLite only
    # Called with {"seq": highest, "orgs": [...]} for each commit that took seqs, after it
    # committed (SQLite only: on PostgreSQL every process hears of commits by LISTEN).
    seq_listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(database_url: str, *, write_wait: float = DEFAULT_WRITE_WAIT) -> Database:
    gate = WriteGate(wait=write_wait) if _is_sqlite(database_url) else None
    engine = make_engine(database_url, gate=gate)
    db = Database(
        engine=engine,
        read=sessionmaker(bind=engine, expire_on_commit=False),
        write=sessionmaker(bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False),
        gate=gate,
    )
    from server_stub.announce import announce_commits  # it reads this module's names
    from server_stub.sync.apply import new_rows

    new_rows.hook(db.write)  # before announce's hooks: its commit message counts those rows
    for maker in (db.read, db.write):
        announce_commits(maker, listeners=db.seq_listeners, postgres=not _is_sqlite(database_url))
    return db


def make_engine(database_url: str, *, gate: WriteGate | None = None) -> Engine:
    """An engine for SQLite (a file) or PostgreSQL, set up for concurrent use."""
    if _is_sqlite(database_url):
        gate = gate or WriteGate(wait=DEFAULT_WRITE_WAIT)
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": gate.wait},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=-1,
            json_serializer=json_text,
        )
        _configure_sqlite(engine, gate=gate)
        return engine
    return create_engine(database_url, pool_pre_ping=True, json_serializer=json_text)


def _is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def is_lock_contention(exc: BaseException) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY/SQLITE_LOCKED): busy, not broken."""
    orig = exc.orig if isinstance(exc, OperationalError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(orig, sqlite3.OperationalError) and code is not None and (code & 0xFF) in (5, 6)


def _configure_sqlite(engine: Engine, *, gate: WriteGate) -> None:
    busy_ms = int(gate.wait * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Waits for other processes (a CLI prune beside the server); within the
        # process writers queue at the gate first.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Under sustained load readers keep the WAL from restarting and it grows;
        # once load eases and it restarts, the file is cut back to this size.
        cursor.execute("PRAGMA journal_size_limit=67108864")  # 64 MiB
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the lock up front (IMMEDIATE): a deferred one
        # that reads and then writes fails with SQLITE_BUSY instead of waiting.
        # Reads stay deferred, so pulls never block pushes under WAL.
        if not conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN")
            return
        if not gate.acquire():
            raise DatabaseBusy(f"waited {gate.wait:g} s for the database's write lock")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.release()
            raise
        conn.info[_HOLDS_GATE] = True

    # COMMIT and ROLLBACK are issued here rather than by the driver (a no-op after
    # this, as no transaction is open), so the gate opens only once the lock is gone.
    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        _finish(conn, "COMMIT")

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        _finish(conn, "ROLLBACK")

    def _finish(conn: Any, statement: str) -> None:
        held = conn.info.pop(_HOLDS_GATE, False)
        try:
            dbapi_connection = conn.connection.dbapi_connection
            if held and dbapi_connection is not None and dbapi_connection.in_transaction:
                dbapi_connection.execute(statement)
        finally:
            if held:
                gate.release()

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exc: Any) -> None:
        # A connection dropped mid-transaction must not keep the gate shut.
        if record.info.pop(_HOLDS_GATE, False):
            gate.release()


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
    equals commit order and a pull cursor never skips a late commit. The session
    remembers it, so its commit announces it (live pokes; server_stub.announce).
    Inside `seq_block` the seq comes from the block, without a statement.
    """
    block: list[int] | None = session.info.get(_SEQ_BLOCK)
    if block is not None:
        block[0] += 1
        value = block[0]
    else:
        value = _bump(session, SEQ_COUNTER)
    session.info.setdefault(SEQ_TAKEN, set()).add(value)
    return value


@contextmanager
def seq_block(session: Session, *, numbers_too: bool = False) -> Iterator[None]:
    """Hand out seqs from memory until the block ends, then write the counter once.

    A push of hundreds of mutations takes a seq for every row it writes; one UPDATE
    each (and the autoflush before it) was a sixth of the push's time. The counter row
    is locked here, up front and outside any savepoint, and stays locked until the
    transaction ends, so seq order still equals commit order. Seqs taken in a savepoint
    that rolls back are not handed out again: they leave a gap, which cursors allow.
    Must be entered in the outermost transaction, before any savepoint.

    With `numbers_too`, order numbers come from memory as well once an organisation's
    first is taken (its counter row then stays locked too). Only for a transaction without
    savepoints: a rolled-back savepoint would release that lock and undo the first number,
    which another writer could then take again.
    """
    if session.info.get(_SEQ_BLOCK) is not None:
        yield  # nested: the outer block writes the counter
        return
    start = session.execute(
        text("UPDATE counters SET value = value WHERE name = :name RETURNING value"), {"name": SEQ_COUNTER}
    ).scalar_one_or_none()
    if start is None:
        raise RuntimeError(f"counter {SEQ_COUNTER!r} is missing; was the database migrated and seeded?")
    block = [int(start)]
    session.info[_SEQ_BLOCK] = block
    numbers: dict[str, list[int]] = {}  # organisation -> [first taken, last taken]
    if numbers_too:
        session.info[_NUMBER_BLOCK] = numbers
    try:
        yield
    finally:
        session.info.pop(_SEQ_BLOCK, None)
        session.info.pop(_NUMBER_BLOCK, None)
    if block[0] > start:
        _set_counter(session, SEQ_COUNTER, block[0])
    for org_id, (first, last) in numbers.items():
        if last > first:
            _set_counter(session, order_number_counter(org_id), last)


def _set_counter(session: Session, name: str, value: int) -> None:
    session.execute(
        text("UPDATE counters SET value = :value WHERE name = :name"), {"value": value, "name": name}
    )


def current_seq(session: Session) -> int:
    """The counter as this session sees it: the highest seq committed so far, or
    inside a transaction that took seqs, the highest it took."""
    value = session.execute(
        text("SELECT value FROM counters WHERE name = :name"), {"name": SEQ_COUNTER}
    ).scalar_one_or_none()
    return int(value or 0)


def next_order_number(session: Session, *, org_id: str) -> int:
    numbers: dict[str, list[int]] | None = session.info.get(_NUMBER_BLOCK)
    if numbers is not None and org_id in numbers:
        numbers[org_id][1] += 1
        return numbers[org_id][1]
    if numbers is not None:
        taken = _bump(session, order_number_counter(org_id))  # locks the row until commit
        numbers[org_id] = [taken, taken]
        return taken
    if session.info.get(_SEQ_BLOCK) is None and not session.info.get(SEQ_TAKEN):
        # Lock order: the seq counter before an organisation's number counter, as a push
        # (seq_block) takes them, so an intake beside a push cannot deadlock on PostgreSQL.
        session.execute(text("UPDATE counters SET value = value WHERE name = :name"), {"name": SEQ_COUNTER})
    return _bump(session, order_number_counter(org_id))
