"""SQLite's write-ahead log copied into the database file by a thread of its own when
writes pause.

SQLite copies the log into the database file (a checkpoint: the pages, and two fsyncs)
inside the commit that takes it past 1,000 pages. That commit's request waits for it, and
so does every writer queued at the write gate behind it. After a burst of writes (a
10,000-order push) the log is left just short of that, so the next small write pays for
the whole copy: the 100-change push after a large one took 34–42 ms with the checkpoint
in its commit, 24 ms without (issue 11, measured in one process).

This thread checkpoints once commits have paused for `delay` seconds, on a connection of
its own, PASSIVE (it takes no write lock and waits for no reader); the next write then
starts the log afresh. Under a steady stream of writes it stays out of the way: a
checkpoint running beside the writers kept the log from ever starting afresh (it grew to
18 MiB in 60 s of 200 devices, and requests served fell by a tenth), so there SQLite's own
checkpoints in the commits keep it short, as before. A quiet server's last writes are in
the database file within `delay` seconds, where SQLite's rule alone left them in the log
until 1,000 pages had gathered.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

DEFAULT_DELAY_SECONDS = 0.2


class WalCheckpointer:
    """Checkpoints `engine`'s SQLite database once its commits pause, off the requests' path."""

    def __init__(self, engine: Engine, *, delay: float = DEFAULT_DELAY_SECONDS) -> None:
        self._engine = engine
        self._delay = delay
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _committed(self, _conn: Any) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            event.listen(self._engine, "commit", self._committed)
            self._thread = threading.Thread(target=self._loop, name="ordo-wal-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread, then checkpoint what the last commits wrote."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        event.remove(self._engine, "commit", self._committed)
        self._stop.set()
        self._wake.set()
        thread.join()
        try:
            self.checkpoint()
        except Exception:  # at shutdown: SQLite checkpoints as its last connection closes anyway
            log.exception("WAL checkpoint at shutdown failed")

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, pages in the WAL, pages copied), as SQLite reports."""
        with self._engine.connect() as connection:
            # On the driver's connection (in autocommit): SQLAlchemy would begin a transaction
            # first, and a checkpoint does not belong in one.
            raw = connection.connection.driver_connection
            row = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()  # type: ignore[union-attr]
        return int(row[0]), int(row[1]), int(row[2])

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            while True:  # until `delay` seconds pass with no commit
                self._wake.clear()
                if self._stop.wait(self._delay):
                    return
                if not self._wake.is_set():
                    break
            try:
                self.checkpoint()
            except Exception:  # never let the thread die: SQLite's own checkpoints still run
                log.exception("WAL checkpoint failed; retried after the next commit")
