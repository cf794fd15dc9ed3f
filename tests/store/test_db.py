import sqlite3
import threading

import pytest
from alembic import command
from sqlalchemy import inspect

from app.store import LocalStore
from app.store.db import WAL_CHECKPOINT_PAGES, alembic_config
from app.store.models import OutboxEntry
from app.store.outbox import SignedInFacts, enqueue, queued, signed_in_facts, sync_state
from store.heads import head_revision
from store.kit import T0, new_id, open_store


def test_fresh_file_is_migrated_to_head_with_every_table(tmp_path):
    store = open_store(tmp_path)
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "orders",
        "checklist_items",
        "notes",
        "users",
        "conflicts",
        "outbox",
        "blob_uploads",
        "sync_state",
        "alembic_version",
    } <= tables
    con = sqlite3.connect(tmp_path / "ordo.db")
    assert con.execute("select version_num from alembic_version").fetchall() == [(head_revision(),)]


def test_wal_foreign_keys_and_busy_timeout_are_on(tmp_path):
    store = open_store(tmp_path)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_CHECKPOINT_PAGES


def test_device_id_is_made_once_and_kept_across_opens(tmp_path):
    first = open_store(tmp_path)
    with first.read() as s:
        device = sync_state(s).device_id
    first.close()
    again = LocalStore.open(tmp_path / "ordo.db")
    with again.read() as s:
        assert sync_state(s).device_id == device


def test_mids_count_from_one_without_gaps_even_when_a_write_rolls_back(tmp_path):
    store = open_store(tmp_path)
    order = new_id()
    with store.transaction() as s:
        assert enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0).mid == 1
    with pytest.raises(RuntimeError), store.transaction() as s:
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0)
        raise RuntimeError("the change failed after queueing")
    with store.transaction() as s:
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0)
        enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0)
    with store.read() as s:
        assert [e.mid for e in queued(s)] == [1, 2, 3]
        assert sync_state(s).last_mid == 3


def test_a_queued_entry_is_written_at_once_and_the_counter_read_back_agrees(tmp_path):
    """enqueue writes its two rows with Core: nothing is left for a flush to redo, and the
    same transaction's ORM reads see the entry and the new counter."""
    store = open_store(tmp_path)
    order = new_id()
    with store.transaction() as s:
        state = sync_state(s)
        first = enqueue(s, type="note.add", entity_id=order, args={"a": 1}, base_seq=4, created_at=T0)
        assert not s.dirty and not s.new
        assert state.last_mid == first.mid == 1
        stored = s.get(OutboxEntry, 1)
        assert stored is not None and stored is not first
        assert (stored.type, stored.entity_id, stored.args, stored.base_seq) == (
            "note.add",
            order,
            {"a": 1},
            4,
        )
        assert stored.created_at == T0 and stored.result_status is None
        assert enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0).mid == 2
    with store.read() as s:
        assert sync_state(s).last_mid == 2


def test_enqueue_counts_from_a_counter_changed_but_not_flushed(tmp_path):
    """The counter is moved by the database (UPDATE ... RETURNING): a value the session's
    row holds unflushed goes out first, so the count goes on from it."""
    store = open_store(tmp_path)

    def queue(s):
        return enqueue(s, type="note.add", entity_id=new_id(), args={}, base_seq=None, created_at=T0).mid

    with store.transaction() as s:
        sync_state(s).last_mid = 41  # as a pull taking the server's count would
        assert queue(s) == 42
        assert sync_state(s).last_mid == 42 and not s.dirty
    with store.transaction() as s:  # no row held: nothing to tell
        assert queue(s) == 43
    with store.read() as s:
        assert sync_state(s).last_mid == 43


def test_who_is_signed_in_is_read_once_and_the_held_row_wins(tmp_path):
    store = open_store(tmp_path)
    with store.transaction() as s:
        assert signed_in_facts(s) == SignedInFacts(user=None, access_token=None, server_url=None)
    with store.transaction() as s:
        state = sync_state(s)
        state.user, state.access_token, state.server_url = {"id": "u1"}, "token", "http://server"
        # The row the session holds, unflushed changes and all.
        assert signed_in_facts(s) == SignedInFacts({"id": "u1"}, "token", "http://server")
    with store.read() as s:
        facts = signed_in_facts(s)
        assert facts == SignedInFacts({"id": "u1"}, "token", "http://server")
        assert signed_in_facts(s) is facts  # read once per session
        sync_state(s).access_token = None  # the session now holds the row: it is the truth
        assert signed_in_facts(s).access_token is None


def test_rollback_keeps_what_was_stored_before(tmp_path):
    store = open_store(tmp_path)
    with store.transaction() as s:
        enqueue(s, type="note.add", entity_id=new_id(), args={"x": 1}, base_seq=None, created_at=T0)
    with pytest.raises(ValueError), store.transaction() as s:
        s.get(OutboxEntry, 1).args = {"x": 2}
        raise ValueError
    with store.read() as s:
        assert s.get(OutboxEntry, 1).args == {"x": 1}
        assert s.get(OutboxEntry, 1).created_at == T0


def test_naive_datetimes_are_refused(tmp_path):
    store = open_store(tmp_path)
    with pytest.raises(Exception, match="naive"), store.transaction() as s:
        enqueue(
            s, type="note.add", entity_id=new_id(), args={}, base_seq=None, created_at=T0.replace(tzinfo=None)
        )


def test_concurrent_writers_get_contiguous_mids(tmp_path):
    store = open_store(tmp_path)
    order = new_id()
    errors = []

    def writer():
        try:
            for _ in range(25):
                with store.transaction() as s:
                    enqueue(s, type="note.add", entity_id=order, args={}, base_seq=None, created_at=T0)
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with store.read() as s:
        assert [e.mid for e in queued(s)] == list(range(1, 101))


def test_downgrade_and_upgrade_again(tmp_path):
    store = open_store(tmp_path)
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "orders" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert "orders" in inspect(store.engine).get_table_names()


def test_the_database_file_is_readable_by_its_owner_only(tmp_path):
    store = open_store(tmp_path)
    with store.transaction() as s:
        sync_state(s).access_token = "secret"
    for name in ("ordo.db", "ordo.db-wal"):
        path = tmp_path / name
        if path.exists():
            assert path.stat().st_mode & 0o077 == 0, name
