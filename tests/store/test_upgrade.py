"""An installed app upgrades: a database left at revision 0001 opens with today's code,
keeps its queued work, identity and cursor, and still syncs; one left at 0005 gains the
desk's tables and a search index of the orders and notes it held."""

import json
import sqlite3

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.store import LocalStore
from app.store.db import alembic_config
from app.store.models import (
    Base,
    Conflict,
    DeviceStatus,
    HistoryCache,
    Note,
    Order,
    Rejection,
    Template,
    User,
)
from app.store.outbox import queued, sync_state
from app.store.search import find_orders, is_search_table
from app.sync import SyncEngine
from store.heads import head_revision
from store.kit import T0, TECH, URL, Clock, ScriptedServer, new_id, order_data, wire

DEVICE = "33333333-3333-4333-8333-333333333333"


def _migrate(path, revision, *, down=False):
    """Take the database at `path` up (or down) to `revision`, as an installed app would."""
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()


def _tables(path):
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _columns(path, table):
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _make_0001_database(path, *, order_id):
    """What version 0001 of the app left on a phone: an order, two queued mutations, a cursor."""
    _migrate(path, "0001")
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
    assert con.execute("select version_num from alembic_version").fetchall() == [(head_revision(),)]
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
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, _parent: not is_search_table(name)}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert {"photos", "time_logs", "part_usages", "parts"} <= set(inspect(store.engine).get_table_names())


def _make_0005_database(path, *, order_id, conflict_id):
    """What version 0005 left: an order with a note and a voided one, a conflict, a queued note."""
    _migrate(path, "0005")
    site = {"name": "Café Müller", "address": "Harbour Road 12"}
    rest = (json.dumps({"name": "Acme"}), json.dumps(site), 0, "manual", 5)
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "insert into orders (id, number, title, description, kind, priority, status, customer, site,"
            " requires_signature, source, seq, out_of_scope) values (?,?,?,?,?,?,?,?,?,?,?,?,0)",
            (order_id, "WO-000777", "Boiler service", "Annual", "maintenance", "normal", "assigned", *rest),
        )
        for text, voided in (("Gasket replaced", 0), ("sulphur smell", 1)):
            con.execute(
                "insert into notes (id, order_id, text, voided, seq) values (?,?,?,?,?)",
                (new_id(), order_id, text, voided, 6),
            )
        con.execute(
            "insert into conflicts (id, order_id, entity, entity_id, field, mine, theirs, status, seq)"
            " values (?,?,?,?,?,?,?,?,?)",
            (conflict_id, order_id, "work_order", order_id, "title", '"a"', '"b"', "open", 7),
        )
    con.close()


def test_a_0005_database_gains_the_desk_tables_and_an_index_of_what_it_held(tmp_path):
    path, order, conflict = tmp_path / "ordo.db", new_id(), new_id()
    _make_0005_database(path, order_id=order, conflict_id=conflict)
    store = LocalStore.open(path)
    with store.read() as s:
        c = s.get(Conflict, conflict)
        assert (c.user_id, c.created_at, c.order_number, c.mine) == (None, None, "", "a")
        assert (
            s.query(Template).count() == s.query(DeviceStatus).count() == s.query(HistoryCache).count() == 0
        )
        for typed in ("boiler", "cafe", "muller harbour", "acme", "gasket", "777", "annual"):
            assert [h.order.id for h in find_orders(s, typed=typed).hits] == [order], typed
        assert find_orders(s, typed="sulphur").total == 0
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO order_search (order_search) VALUES ('integrity-check')")
    # The triggers came with the index: a later write is found at once.
    with store.transaction() as s:
        s.get(Order, order).title = "Radiator flush"
    with store.read() as s:
        assert find_orders(s, typed="radiator").total == 1 and find_orders(s, typed="boiler").total == 0


def test_0006_downgrades_to_0005_and_up_again(tmp_path):
    path = tmp_path / "ordo.db"
    LocalStore.open(path).close()
    _migrate(path, "0005", down=True)
    assert not {"templates", "devices", "history_cache", "order_search"} & _tables(path)
    assert "user_id" not in _columns(path, "conflicts")
    LocalStore.open(path)
    con = sqlite3.connect(path)
    assert con.execute("select version_num from alembic_version").fetchall() == [(head_revision(),)]


def test_a_0006_database_gains_required_skills_and_keeps_its_search_index(tmp_path):
    path, order, conflict = tmp_path / "ordo.db", new_id(), new_id()
    _make_0005_database(path, order_id=order, conflict_id=conflict)
    _migrate(path, "0006")
    store = LocalStore.open(path)
    with store.read() as s:
        assert s.get(Order, order).required_skills == []
    # A plain ADD COLUMN: the index's triggers of 0006 are still there.
    with store.transaction() as s:
        row = s.get(Order, order)
        row.title, row.required_skills = "Radiator flush", ["gas-safe"]
    with store.read() as s:
        assert find_orders(s, typed="radiator").total == 1
        assert s.get(Order, order).required_skills == ["gas-safe"]
    store.close()
    _migrate(path, "0006", down=True)
    assert "required_skills" not in _columns(path, "orders")
    store = LocalStore.open(path)
    with store.read() as s:
        assert s.get(Order, order).required_skills == [] and find_orders(s, typed="radiator").total == 1


def test_a_0007_database_gains_quiet_triggers_that_still_index_every_write(tmp_path):
    path, order, conflict = tmp_path / "ordo.db", new_id(), new_id()
    _make_0005_database(path, order_id=order, conflict_id=conflict)
    _migrate(path, "0007")
    store = LocalStore.open(path)
    with store.read() as s:
        assert find_orders(s, typed="gasket").total == 1 and find_orders(s, typed="sulphur").total == 0
    # 0008 re-made the triggers: outside a bulk page they index every write as before.
    with store.transaction() as s:
        s.get(Order, order).title = "Radiator flush"
        s.add(Note(id=new_id(), order_id=order, text="thermostat swapped", seq=8))
    with store.read() as s:
        for typed in ("radiator", "thermostat", "gasket"):
            assert [h.order.id for h in find_orders(s, typed=typed).hits] == [order], typed
    store.close()
    _migrate(path, "0007", down=True)
    assert "order_search_quiet" not in _tables(path)
    con = sqlite3.connect(path)
    with con:  # 0007's triggers again, without the quiet table
        con.execute("update orders set title = 'Valve check' where id = ?", (order,))
    con.close()
    store = LocalStore.open(path)
    with store.read() as s:
        assert find_orders(s, typed="valve").total == 1 and find_orders(s, typed="radiator").total == 0


def test_0009_names_orders_behind_and_its_downgrade_indexes_them_first(tmp_path):
    path, order, conflict = tmp_path / "ordo.db", new_id(), new_id()
    _make_0005_database(path, order_id=order, conflict_id=conflict)
    store = LocalStore.open(path)
    with store.read() as s:  # what 0006 indexed is still found after the upgrade
        assert find_orders(s, typed="gasket").total == 1
    with store.transaction() as s:
        s.add(Note(id=new_id(), order_id=order, text="thermostat swapped", seq=8))
    with store.read() as s:
        assert find_orders(s, typed="thermostat").total == 0  # named behind, not indexed yet
        assert s.connection().exec_driver_sql("SELECT order_id FROM order_search_behind").all() == [(order,)]
    store.close()
    _migrate(path, "0008", down=True)
    assert "order_search_behind" not in _tables(path)
    con = sqlite3.connect(path)
    found = "SELECT count(*) FROM order_search WHERE order_search MATCH ?"
    assert con.execute(found, ("thermostat",)).fetchone() == (1,)
    with con:  # 0008's triggers again: a note re-indexes its order at once
        con.execute(
            "insert into notes (id, order_id, text, voided, seq) values (?, ?, 'flue cleaned', 0, 9)",
            (new_id(), order),
        )
    assert con.execute(found, ("flue",)).fetchone() == (1,)
    con.close()
