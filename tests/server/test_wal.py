"""SQLite's WAL checkpointed by the server's own thread (server_stub.wal), not inside the
commit of whichever request takes the WAL past SQLite's threshold.

What a checkpoint did is read off the database file: pages a commit wrote stay in the WAL
(the file keeps its size) until a checkpoint copies them in (the file grows)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from server_stub.db import Database, open_database
from server_stub.main import create_app
from server_stub.settings import Settings
from server_stub.wal import REQUEST_AUTOCHECKPOINT_PAGES, WalCheckpointer

PAGES = 1500  # past SQLite's default threshold (1,000 pages), well short of the server's


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "wal.db"


def _open(path: Path, *, autocheckpoint: int | None) -> Database:
    db = open_database(f"sqlite:///{path}", wal_autocheckpoint=autocheckpoint)
    with db.write() as session, session.begin():
        session.execute(text("CREATE TABLE IF NOT EXISTS scratch (x BLOB)"))
    return db


def _write_pages(db: Database, pages: int) -> None:
    """About `pages` new 4 KiB pages, committed in one write transaction."""
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


@pytest.fixture
def server_db(path: Path) -> Iterator[Database]:
    db = _open(path, autocheckpoint=REQUEST_AUTOCHECKPOINT_PAGES)
    yield db
    db.dispose()


def test_a_large_commit_checkpoints_inside_it_by_sqlites_default(path: Path) -> None:
    """The behaviour this module removes from requests, shown on a database opened plainly."""
    db = _open(path, autocheckpoint=None)
    try:
        before = path.stat().st_size
        _write_pages(db, PAGES)
        assert path.stat().st_size > before + 1000 * 4096
    finally:
        db.dispose()


def test_a_servers_request_commit_leaves_the_wal_to_the_checkpointer(path: Path, server_db: Database) -> None:
    with server_db.engine.connect() as connection:
        setting = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert setting == REQUEST_AUTOCHECKPOINT_PAGES
    before = path.stat().st_size
    _write_pages(server_db, PAGES)
    assert path.stat().st_size == before  # every new page is still in the WAL only

    busy, in_wal, copied = WalCheckpointer(server_db.engine).checkpoint()
    assert busy == 0 and in_wal >= PAGES and copied == in_wal
    assert path.stat().st_size > before + PAGES * 4000


def test_the_thread_checkpoints_soon_after_a_commit(path: Path, server_db: Database) -> None:
    checkpointer = WalCheckpointer(server_db.engine, delay=0.01)
    done = _watch(checkpointer)
    checkpointer.start()
    try:
        before = path.stat().st_size
        _write_pages(server_db, 200)
        assert done.wait(timeout=30), "no checkpoint after a commit"
        assert path.stat().st_size > before
    finally:
        checkpointer.stop()
    assert not checkpointer.running


def test_stopping_checkpoints_what_the_last_commits_wrote(path: Path, server_db: Database) -> None:
    checkpointer = WalCheckpointer(server_db.engine, delay=3600)  # the thread never gets to it
    checkpointer.start()
    before = path.stat().st_size
    _write_pages(server_db, 200)
    assert path.stat().st_size == before
    checkpointer.stop()
    assert path.stat().st_size > before


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


def test_a_checkpointer_started_again_after_a_stop_runs_again(path: Path, server_db: Database) -> None:
    """A server app's lifespan may run twice (a test client entered twice)."""
    checkpointer = WalCheckpointer(server_db.engine, delay=0.01)
    checkpointer.start()
    checkpointer.stop()
    done = _watch(checkpointer)
    checkpointer.start()
    try:
        _write_pages(server_db, 50)
        assert done.wait(timeout=30), "no checkpoint after the second start"
    finally:
        checkpointer.stop()
