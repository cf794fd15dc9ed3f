"""Live pokes on one server process: the hub, and how commits reach it (started and
stopped by the app's lifespan)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from types import FrameType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from server_stub.db import Database
from server_stub.live import scope
from server_stub.live.bridge import PgBridge
from server_stub.live.hub import Hub


class Live:
    def __init__(self, *, db: Database, database_url: str, now: Callable[[], datetime]) -> None:
        self._db = db
        self.hub = Hub(db=db, now=now)
        postgres = not database_url.startswith("sqlite")
        # PostgreSQL: every commit NOTIFYs (db.py), and every process hears all of them.
        self.bridge = PgBridge(database_url=database_url, deliver=self.hub.post) if postgres else None
        self._restore: list[tuple[int, Any]] = []

    def _local_seq(self, message: dict[str, Any]) -> None:
        self.hub.post(message)

    async def start(self) -> None:
        try:
            latest = await asyncio.to_thread(partial(scope.latest_seq, self._db))
        except SQLAlchemyError:
            latest = 0  # not migrated yet (a test's bare app): streams read the seq as they open
        self.hub.start(latest=latest)
        if self.bridge is not None:
            self.hub.announce = self.bridge.send
            self.bridge.start()
        else:
            self._db.seq_listeners.append(self._local_seq)
        self._end_streams_on_exit()

    async def stop(self) -> None:
        self._put_back_signals()
        if self._local_seq in self._db.seq_listeners:
            self._db.seq_listeners.remove(self._local_seq)
        await self.hub.stop()
        if self.bridge is not None:
            await asyncio.to_thread(self.bridge.stop)

    def _end_streams_on_exit(self) -> None:
        """uvicorn, asked to stop, waits for open responses to finish before the lifespan
        ends, and a stream never finishes by itself: so the signal that stops the server
        also ends the streams (their clients reconnect elsewhere, or later)."""
        if threading.current_thread() is not threading.main_thread():
            return  # a test client's loop in a thread: nothing to catch
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                self.hub.close_all()
                previous(signum, frame)

            signal.signal(sig, handler)
            self._restore.append((sig, previous))

    def _put_back_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for sig, previous in self._restore:
                signal.signal(sig, previous)
        self._restore.clear()
