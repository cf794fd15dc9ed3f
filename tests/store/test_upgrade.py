"""An installed app upgrades: a database left at revision 0001 opens with today's code,
keeps its queued work, identity and cursor, and still syncs."""

import json
import sqlite3

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.store import LocalStore
from app.store.db import alembic_config
from app.store.models import Base, Order, Rejection, User
from app.store.outbox import queued, sync_state
from app.sync import SyncEngine
from store.kit import T0, TECH, URL, Clock, ScriptedServer, new_id, order_data, wire

DEVICE = "33333333-3333-4333-8333-333333333333"


def _make_0001_database(path, *, order_id):
    """What version 0001 of the app left on a phone: an order, two queued mutations, a cursor."""
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    data = order_data(order_id, status="in_progress")
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "insert into orders (id, number, title, description, kind, priority, status, customer, site,"
            " requires_signature, source, seq, server_data) values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                order_id,
                "WO-000001",
                "Fix pump",
                "",
                "repair",
                "normal",
                "in_progress",
                "{}",
                "{}",
                0,
                "manual",
                5,
                json.dumps(data),
            ),
        )
        for mid, type_, args in (
            (1, "order.transition", {"from": "assigned", "to": "in_progress", "at": wire(T0)}),
            (2, "note.add", {"id": new_id(), "text": "queued before the upgrade", "at": wire(T0)}),
        ):
            con.execute(
                "insert into outbox (mid, type, entity_id, args, base_seq, created_at) values (?,?,?,?,?,?)",
                (mid, type_, order_id, json.dumps(args), 5, T0.isoformat()),
            )
        con.execute(
            "insert into users (id, username, display_name, role, skills, seq) values (?,?,?,?,?,?)",
            (TECH["id"], "tech1", "Tess Tech", "technician", "[]", 3),
        )
        con.execute(
            "insert into rejections (mid, order_id, type, code, message, at) values (?,?,?,?,?,?)",
            (0, order_id, "note.add", "forbidden", "refused before the upgrade", T0.isoformat()),
        )
        con.execute(
            "insert into sync_state (id, device_id, cursor, last_mid, acked_mid, server_url, access_token,"
            " user) values (1, ?, ?, 2, 0, ?, ?, ?)",
            (DEVICE, "b3BhcXVl", URL, "token-tech1", json.dumps(TECH)),
        )
    con.close()


def test_a_0001_database_opens_at_head_with_its_outbox_identity_and_cursor(tmp_path):
    path, order = tmp_path / "ordo.db", new_id()
    _make_0001_database(path, order_id=order)
    store = LocalStore.open(path)
    con = sqlite3.connect(path)
    assert con.execute("select version_num from alembic_version").fetchall() == [("0005",)]
    with store.read() as s:
        state = sync_state(s)
        assert (state.device_id, state.cursor, state.last_mid, state.high_seq) == (DEVICE, "b3BhcXVl", 2, 0)
        assert [(e.mid, e.type) for e in queued(s)] == [(1, "order.transition"), (2, "note.add")]
        o = s.get(Order, order)
        assert (o.status, o.seq, o.out_of_scope) == ("in_progress", 5, False)
        # 0005: a refusal from before is still to be seen; everyone pulled before is active.
        old = s.get(Rejection, 0)
        assert (old.dismissed, old.args, old.order_number) == (False, None, "")
        assert s.get(User, TECH["id"]).active is True


def test_the_upgraded_database_still_pushes_its_queued_mutations(tmp_path):
    path, order = tmp_path / "ordo.db", new_id()
    _make_0001_database(path, order_id=order)
    store = LocalStore.open(path)
    server = ScriptedServer()
    SyncEngine(store=store, client=server.client(), clock=Clock()).sync_once()
    sent = server.pushed[0]
    assert sent["device_id"] == DEVICE
    assert [(m["mid"], m["type"], m["base_seq"]) for m in sent["mutations"]] == [
        (1, "order.transition", 5),
        (2, "note.add", 5),
    ]
    assert server.requests[1].url.params["cursor"] == "b3BhcXVl"
    with store.read() as s:
        assert queued(s) == [] and sync_state(s).last_mid == 2


def test_head_schema_matches_the_models(tmp_path):
    store = LocalStore.open(tmp_path / "ordo.db")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert {"photos", "time_logs", "part_usages", "parts"} <= set(inspect(store.engine).get_table_names())
