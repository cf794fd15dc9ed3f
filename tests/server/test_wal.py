"""SQLite's WAL checkpointed by the server's own thread once writes pause (server_stub.wal),
so the next write does not pay for copying what a burst left in the log.

What a checkpoint did is read off the database file: pages a commit wrote stay in the WAL
(the file keeps its size) until a checkpoint copies them in (the file grows)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from server_stub.db import Database, open_database
from server_stub.main import create_app
from server_stub.settings import Settings
from server_stub.wal import WalCheckpointer


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "wal.db"


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{path}")
    with database.write() as session, session.begin():
        session.execute(text("CREATE TABLE IF NOT EXISTS scratch (x BLOB)"))
    yield database
    database.dispose()


def _write_pages(db: Database, pages: int) -> None:
    """About `pages` new 4 KiB pages, committed in one write transaction (fewer than SQLite's
    1,000, so no commit checkpoints by itself)."""
    with db.write() as session, session.begin():
        session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                "INSERT INTO scratch SELECT randomblob(3900) FROM n"
            ),
            {"count": pages},
        )


def _watch(checkpointer: WalCheckpointer) -> threading.Event:
    """An event set after each checkpoint the checkpointer makes."""
    done = threading.Event()
    real = checkpointer.checkpoint

    def watched() -> tuple[int, int, int]:
        result = real()
        done.set()
        return result

    checkpointer.checkpoint = watched  # type: ignore[method-assign]
    return done


def test_a_checkpoint_copies_the_log_into_the_file(path: Path, db: Database) -> None:
    before = path.stat().st_size
    _write_pages(db, 300)
    assert path.stat().st_size == before  # every new page is still in the WAL only
    busy, in_wal, copied = WalCheckpointer(db.engine).checkpoint()
    assert busy == 0 and in_wal >= 300 and copied == in_wal
    assert path.stat().st_size > before + 300 * 4000


def test_the_thread_checkpoints_once_commits_pause(path: Path, db: Database) -> None:
    checkpointer = WalCheckpointer(db.engine, delay=0.01)
    done = _watch(checkpointer)
    checkpointer.start()
    try:
        before = path.stat().st_size
        _write_pages(db, 200)
        assert done.wait(timeout=30), "no checkpoint after the commits paused"
        assert path.stat().st_size > before
    finally:
        checkpointer.stop()
    assert not checkpointer.running


def test_no_checkpoint_while_commits_keep_coming(path: Path, db: Database) -> None:
    """Beside a steady stream of writes a checkpoint keeps the log from starting afresh:
    there SQLite's own checkpoints do the work. (A thread checkpointing a fixed time after
    the first commit would have run here, a few times.)"""
    checkpointer = WalCheckpointer(db.engine, delay=1.0)
    done = _watch(checkpointer)
    checkpointer.start()
    try:
        ends = time.monotonic() + 2.5
        while time.monotonic() < ends:
            _write_pages(db, 1)
            threading.Event().wait(0.02)  # a write every ~20 ms: never a second's pause
        assert not done.is_set()
    finally:
        checkpointer.stop()


def test_stopping_checkpoints_what_the_last_commits_wrote(path: Path, db: Database) -> None:
    checkpointer = WalCheckpointer(db.engine, delay=3600)  # the thread never gets to it
    checkpointer.start()
    before = path.stat().st_size
    _write_pages(db, 200)
    assert path.stat().st_size == before
    checkpointer.stop()
    assert path.stat().st_size > before


def test_a_checkpointer_started_again_after_a_stop_runs_again(db: Database) -> None:
    """A server app's lifespan may run twice (a test client entered twice)."""
    checkpointer = WalCheckpointer(db.engine, delay=0.01)
    checkpointer.start()
    checkpointer.stop()
    done = _watch(checkpointer)
    checkpointer.start()
    try:
        _write_pages(db, 50)
        assert done.wait(timeout=30), "no checkpoint after the second start"
    finally:
        checkpointer.stop()


def test_the_server_runs_the_checkpointer_on_sqlite_only(tmp_path: Path, path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{path}"))
    checkpointer = app.state.checkpointer
    assert isinstance(checkpointer, WalCheckpointer) and not checkpointer.running
    with TestClient(app):
        assert checkpointer.running
    assert not checkpointer.running
    postgres = create_app(
        Settings(data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    )
    assert postgres.state.checkpointer is None
