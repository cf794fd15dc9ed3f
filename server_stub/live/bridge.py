"""PostgreSQL LISTEN/NOTIFY between server processes: one connection of its own, in a
thread, LISTENing on db.LIVE_CHANNEL; every message heard (from any process, this one
included) is handed to `deliver`; messages to send are NOTIFYed from the same thread.

When the connection drops it comes back with growing pauses, and on every (re)connect
it hands in the seq the database holds then: a commit made while nobody listened is
still checked for (a poke is never needed for correctness, but this keeps them prompt).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from server_stub.db import LIVE_CHANNEL, SEQ_COUNTER

log = logging.getLogger(__name__)

Message = dict[str, Any]

# How long a wait for notifications lasts before the thread looks at its outbox and
# at stop(): sends wait at most this long (they are rare: a stream opened or closed).
POLL = 0.2
RETRY_BASE, RETRY_CAP = 0.2, 5.0
APPLICATION_NAME = "ordo-live"
_LISTEN = sql.SQL("LISTEN {}").format(sql.Identifier(LIVE_CHANNEL))


def libpq_dsn(database_url: str) -> str:
    """The libpq address of a SQLAlchemy PostgreSQL URL (postgresql+psycopg://...)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgBridge:
    def __init__(self, *, database_url: str, deliver: Callable[[Message], None]) -> None:
        self._dsn = libpq_dsn(database_url)
        self._deliver = deliver
        self._outbox: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # for tests: LISTENing now
        self.connects = 0  # how many times it has (re)connected

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ordo-live-listen", daemon=True)
            self._thread.start()

    def stop(self, *, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def send(self, message: Message) -> None:
        """NOTIFY every process (this one too); any thread. Lost if the link is down."""
        self._outbox.put(message)

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, application_name=APPLICATION_NAME) as conn:
                    conn.execute(_LISTEN)
                    self.connects += 1
                    failures = 0
                    self._catch_up(conn)
                    self.connected.set()
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                delay = min(RETRY_CAP, RETRY_BASE * 2**failures)
                failures += 1
                log.warning("live: lost the PostgreSQL listener (%s); again in %.1f s", exc, delay)
                self._stopping.wait(delay)
        self.connected.clear()

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        try:
            row = conn.execute("SELECT value FROM counters WHERE name = %s", (SEQ_COUNTER,)).fetchone()
        except psycopg.errors.UndefinedTable:
            return  # a database not migrated yet: nothing to catch up on
        if row is not None:
            self._deliver({"seq": int(row[0])})

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stopping.is_set():
            while True:
                try:
                    message = self._outbox.get_nowait()
                except queue.Empty:
                    break
                conn.execute("SELECT pg_notify(%s, %s)", (LIVE_CHANNEL, json.dumps(message)))
            for notify in conn.notifies(timeout=POLL):
                try:
                    message = json.loads(notify.payload)
                except ValueError:
                    continue  # not ours
                if isinstance(message, dict):
                    self._deliver(message)
