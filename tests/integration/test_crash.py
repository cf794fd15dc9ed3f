"""A client killed with SIGKILL at precise points of its sync, then restarted on the same
SQLite file, against a real ordo-server process: nothing queued is lost, nothing is applied
twice, the cursor never moves backwards, and a first sync resumes from the page it reached.

The client is a separate process (crash_driver.py, beside this file) that stops dead at a
chosen request, answer or COMMIT and says so on stdout; the test then kills it with -9.

Already proven elsewhere, not repeated here: a lost push answer sent again is applied once
(test_offline_roundtrip.py), and the worker retries by itself once the network returns,
with no new write (tests/sync/test_worker.py, injected waiter; test_offline_roundtrip.py).
"""

from __future__ import annotations

import json
import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from app.domain import Kind, Priority
from app.domain.protocol import DEFAULT_PULL_LIMIT
from server_stub.db import SEQ_COUNTER, open_database, order_number_counter
from server_stub.models import Device, LedgerEntry, Note, Organisation, User, WorkOrder
from server_stub.seeding.demo import DEMO_ORG
from server_stub.sync.cursor import decode
from server_stub.testing import running_server
from server_stub.timeutil import to_db

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("crash_driver.py")
DEADLINE = 60.0  # seconds one driver run may take before the test gives up on it
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TECH = ("tech1", "demo-tech")
DISPATCHER = ("dispatcher", "demo-dispatcher")


# --- the driver process --------------------------------------------------------


@dataclass
class Run:
    events: list[dict[str, Any]]
    killed: bool

    def of(self, event: str, **match: Any) -> list[dict[str, Any]]:
        return [
            e for e in self.events if e["event"] == event and all(e.get(k) == v for k, v in match.items())
        ]


def drive(server_url: str, data_dir: Path, *, stop: str | None = None, **opts: Any) -> Run:
    """Run the driver to its end, or, with `stop`, until it stops there; then SIGKILL it."""
    cmd = [sys.executable, str(DRIVER), "--data-dir", str(data_dir), "--server", server_url]
    for name, value in opts.items():
        cmd += [f"--{name}", str(value)]
    if stop:
        cmd += ["--stop", stop]
    err_path = data_dir.with_name(f"driver-{uuid.uuid4().hex[:8]}.err")
    with err_path.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
    assert proc.stdout is not None
    events: list[dict[str, Any]] = []
    killed, buffer = False, b""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + DEADLINE
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the driver did not finish within {DEADLINE}s: {cmd}")
            if not selector.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                break  # it exited, or our SIGKILL landed
            *lines, buffer = (buffer + chunk).split(b"\n")
            for line in lines:
                events.append(json.loads(line))
                if events[-1]["event"] == "stopped" and not killed:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed = True
        code = proc.wait(timeout=DEADLINE)
    finally:
        selector.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if killed:
        assert code == -signal.SIGKILL
    else:
        assert code == 0, f"driver failed ({code}):\n{err_path.read_text()[-3000:]}"
        assert not stop, f"the driver never reached {stop}"
    return Run(events=events, killed=killed)


# --- what the device and the server hold ----------------------------------------


# Children carry no foreign key on the device (see app/store/models.py): checked by hand.
ORPHANS = """SELECT count(*) FROM (SELECT order_id FROM notes UNION ALL SELECT order_id FROM checklist_items)
             WHERE order_id NOT IN (SELECT id FROM orders)"""


def device(db_path: Path) -> dict[str, Any]:
    """The device's database as a fresh process finds it after the crash."""
    con = sqlite3.connect(db_path)
    try:
        (integrity,) = con.execute("PRAGMA integrity_check").fetchone()
        state = con.execute("SELECT cursor, high_seq, last_mid, device_id FROM sync_state").fetchone()
        outbox = {mid: status for mid, status in con.execute("SELECT mid, result_status FROM outbox")}
        return {
            "integrity": integrity,
            "foreign_keys": con.execute("PRAGMA foreign_key_check").fetchall(),
            "orphans": con.execute(ORPHANS).fetchone()[0],
            "cursor": state[0],
            "seq": decode(state[0]),
            "high_seq": state[1],
            "last_mid": state[2],
            "device_id": state[3],
            "outbox": outbox,
            "notes": [t for (t,) in con.execute("SELECT text FROM notes")],
            "orders": {oid: seq for oid, seq in con.execute("SELECT id, seq FROM orders")},
            "scope": _local_scope(con),
        }
    finally:
        con.close()


def _local_scope(con: sqlite3.Connection) -> dict[str, Any]:
    orders = {
        oid: {"status": st, "seq": seq} for oid, st, seq in con.execute("SELECT id, status, seq FROM orders")
    }
    for oid, nid, body in con.execute("SELECT order_id, id, text FROM notes"):
        orders[oid].setdefault("notes", set()).add((nid, body))
    for oid, iid, value, done in con.execute("SELECT order_id, id, value, done FROM checklist_items"):
        orders[oid].setdefault("checklist", set()).add((iid, value, bool(done)))
    return orders


def server(database_url: str, *, device_id: str, username: str) -> dict[str, Any]:
    db = open_database(database_url)
    try:
        with db.read() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            dev = s.get(Device, device_id)
            ledger = s.execute(
                select(LedgerEntry.mid, LedgerEntry.type, LedgerEntry.status)
                .where(LedgerEntry.device_id == device_id)
                .order_by(LedgerEntry.mid)
            ).all()
            mine = select(WorkOrder.id).where(WorkOrder.assignee_id == user.id)
            notes = s.execute(select(Note.text).where(Note.order_id.in_(mine))).scalars().all()
            scope = _server_scope(s, user_id=user.id)
        return {"last_mid": dev.last_mid if dev else 0, "ledger": ledger, "notes": notes, "scope": scope}
    finally:
        db.dispose()


def _server_scope(s: Any, *, user_id: str) -> dict[str, Any]:
    # Compared with _local_scope: the same columns, values as SQLite's JSON text holds them.
    rows = s.execute(text("SELECT id, status, seq FROM work_orders WHERE assignee_id = :u"), {"u": user_id})
    orders = {oid: {"status": st, "seq": seq} for oid, st, seq in rows}
    for oid, nid, body in s.execute(text("SELECT order_id, id, text FROM notes")):
        if oid in orders:
            orders[oid].setdefault("notes", set()).add((nid, body))
    for oid, iid, value, done in s.execute(text("SELECT order_id, id, value, done FROM checklist_items")):
        if oid in orders:
            orders[oid].setdefault("checklist", set()).add((iid, value, bool(done)))
    return orders


# --- 1. killed at every kind of point, restarted each time ------------------------

# One crash after another on one device; each run resumes what the last one left.
CRASHES = [
    "write:3:commit",  # inside the user's third write (a note): neither it nor its mutation
    "write:1:commit+1",  # that write committed, killed in the next transaction: both are there
    "push:2:before",  # the mutation is queued, the server never saw it
    "push:2:after",  # the server committed it; the answer dies with the process
    "push:3:commit",  # the answer is being recorded on the outbox, not committed
    "push:2:commit+1",  # the answer is recorded; the mutation stays queued until a pull says so
    "pull:2:after",  # the pull that acknowledges the mutation arrived, not applied
    "pull:3:commit",  # that page is being applied (rows, cursor, outbox drop): not committed
    "pull:2:commit+1",  # that page committed: cursor and dropped mutations went with it
]


def expect_at(stop: str, run: Run, now: dict[str, Any], held: dict[str, Any]) -> None:
    """What the device and the server hold after a kill at `stop`, beyond the invariants."""
    kind, k, when = stop.split(":")
    if kind == "write":
        text, mid = run.of("writing")[-1]["text"], now["last_mid"]
        if when == "commit":  # killed inside the write: it left no trace anywhere
            assert text not in now["notes"] and text not in held["notes"]
            assert run.of("wrote")[-1]["text"] != text
        else:  # killed after it: the note and its queued mutation are both there
            assert text in now["notes"] and mid in now["outbox"], (text, now["outbox"])
            assert (run.of("wrote")[-1]["text"], run.of("wrote")[-1]["mid"]) == (text, mid)
        return
    request = run.of("request", kind=kind, k=int(k))[0]
    answer = run.of("response", kind=kind, k=int(k))
    assert (when == "before") == (not answer)
    if kind == "push":
        mids = request["mids"]
        assert all(m in now["outbox"] for m in mids), now["outbox"]  # still queued, whatever happened
        if when == "before":
            assert held["last_mid"] < min(mids)
        else:
            assert held["last_mid"] >= max(mids)
        recorded = {m: now["outbox"][m] for m in mids}
        # Only a committed record shows the answer; killed before it, the rows say "unanswered".
        assert recorded == (
            {int(m): st for m, st in answer[0]["results"].items()} if "+" in when else dict.fromkeys(mids)
        )
    else:
        acked = [m for m in now["outbox"] if answer and m <= answer[0]["last_mid"]]
        if "+" in when:  # the page is taken whole: its cursor, and the acknowledged mutations dropped
            assert now["cursor"] == answer[0]["cursor"] and acked == []
        else:  # not taken at all: the cursor where it asked from, the acknowledged still queued
            assert now["cursor"] == request["cursor"] and acked, now["outbox"]


def test_a_device_killed_mid_write_push_and_pull_loses_nothing(tmp_path):
    with running_server(data_dir=tmp_path / "server") as srv:
        data_dir = tmp_path / "device"
        first = drive(srv.url, data_dir, user=TECH[0], password=TECH[1])
        assert first.of("done")[0]["outbox"] == 0
        before = device(data_dir / "ordo.db")
        device_id = before["device_id"]
        written: dict[int, dict[str, Any]] = {}  # mid -> the committed write it stands for
        lost_texts: list[str] = []  # writes killed before their COMMIT
        seqs = [before["seq"]]

        for n, stop in enumerate(CRASHES):
            run = drive(srv.url, data_dir, stop=stop, rounds=4, label=f"crash{n}")
            assert run.killed, stop
            kind, k, when = stop.split(":")
            now = device(data_dir / "ordo.db")
            held = server(srv.database_url, device_id=device_id, username=TECH[0])
            assert (now["integrity"], now["foreign_keys"], now["orphans"]) == ("ok", [], 0), stop
            expect_at(stop, run, now, held)
            # One write, one push and one pull a round: the stop came where it was asked.
            assert len(run.of("wrote")) == int(k) - (kind == "write" and when == "commit"), stop
            written |= {e["mid"]: e for e in run.of("wrote")}
            if kind == "write" and when == "commit":
                lost_texts.append(run.of("writing")[-1]["text"])
            # Every mid the device handed out is on the server or still queued; no mid was reused.
            assert now["last_mid"] == max(written), stop
            assert set(range(1, now["last_mid"] + 1)) <= set(now["outbox"]) | set(
                range(1, held["last_mid"] + 1)
            )
            # The cursor never moves backwards, across any crash.
            assert now["seq"] >= seqs[-1] and now["high_seq"] >= before["high_seq"], stop
            seqs.append(now["seq"])
            before = now

        last = drive(srv.url, data_dir, rounds=2, label="final")
        written |= {e["mid"]: e for e in last.of("wrote")}
        end = device(data_dir / "ordo.db")
        held = server(srv.database_url, device_id=device_id, username=TECH[0])

    assert (end["integrity"], end["orphans"], end["outbox"]) == ("ok", 0, {})
    assert end["seq"] >= seqs[-1]
    # Each mutation reached the server once, under its own mid, and was applied as sent.
    assert end["last_mid"] == held["last_mid"] == max(written) == len(written)
    assert [m for m, _, _ in held["ledger"]] == sorted(written)
    assert {status for _, _, status in held["ledger"]} == {"applied"}
    moves = [m for m, e in written.items() if e["kind"] == "move"]
    assert [m for m, t, _ in held["ledger"] if t == "order.transition"] == sorted(moves)
    notes = [e["text"] for e in written.values() if e["kind"] == "note"]
    assert sorted(t for t in held["notes"] if t in notes) == sorted(notes)  # each once
    assert not set(lost_texts) & set(held["notes"])
    # The device holds exactly the server's truth for its scope.
    assert set(end["scope"]) == set(held["scope"])
    assert end["scope"] == held["scope"]


# --- 2. a first sync of 10,000 orders killed at 60% ------------------------------

ORDERS = 10_000
PAGE = DEFAULT_PULL_LIMIT  # the engine's page: where the kill lands depends on it
BULK_IDS = uuid.UUID("5f0e7c1a-3d2b-4c8e-9a61-0b7d2e4f6a10")  # namespace of the seeded orders' ids


def seed_orders(database_url: str, *, count: int, rng: random.Random) -> None:
    """`count` new orders in the demo organisation in one transaction: seqs and numbers are
    taken from their counters in one step each, inside the write, as records.create_order does."""
    db = open_database(database_url)
    try:
        with db.write() as s, s.begin():
            org_id = s.scalars(select(Organisation.id).where(Organisation.name == DEMO_ORG)).one()

            def take(name: str) -> int:
                sql = text("UPDATE counters SET value = value + :n WHERE name = :name RETURNING value")
                return int(s.execute(sql, {"n": count, "name": name}).scalar_one()) - count

            seq0, number0 = take(SEQ_COUNTER), take(order_number_counter(org_id))
            rows = []
            for i in range(1, count + 1):
                created = to_db(T0 - timedelta(minutes=rng.randint(0, 60 * 24 * 90)))
                site = rng.choice(["Plant 1", "Depot North", "Harbour Office", "Clinic West"])
                rows.append(
                    {
                        "id": str(uuid.uuid5(BULK_IDS, str(i))),
                        "org_id": org_id,
                        "number": f"WO-{number0 + i:06d}",
                        "title": f"{rng.choice(['Leak', 'Noise', 'No power', 'Inspection'])} at {site}",
                        "description": "Bulk-seeded for the resume test. " * rng.randint(1, 6),
                        "kind": rng.choice(list(Kind)).value,
                        "priority": rng.choice(list(Priority)).value,
                        "status": "new",
                        "customer": {"name": f"Customer {rng.randint(1, 400)}", "contact": "555-0100"},
                        "site": {
                            "name": site,
                            "address": f"{rng.randint(1, 99)} Main St",
                            "lat": None,
                            "lon": None,
                        },
                        "requires_signature": rng.random() < 0.2,
                        "source": "manual",
                        "created_at": created,
                        "updated_at": created,
                        "due_at": created + timedelta(days=rng.randint(1, 7)),
                        "seq": seq0 + i,
                        "field_seqs": {},
                        "past_assignees": [],
                    }
                )
            s.execute(insert(WorkOrder), rows)
    finally:
        db.dispose()


def scope_size(database_url: str) -> int:
    """Every row a dispatcher's first pull brings (one organisation: every row with a seq)."""
    tables = ["work_orders", "checklist_items", "notes", "photos", "time_logs", "part_usages"]
    tables += ["signatures", "users", "parts", "conflicts", "checklist_templates", "device_status"]
    tables += ["schedules"]
    db = open_database(database_url)
    try:
        with db.read() as s:
            return sum(int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables)
    finally:
        db.dispose()


def test_a_first_sync_of_10000_orders_killed_at_60_percent_resumes_from_its_page(tmp_path):
    with running_server(data_dir=tmp_path / "server") as srv:
        seed_orders(srv.database_url, count=ORDERS, rng=random.Random(20261125))
        total = scope_size(srv.database_url)
        pages = -(-total // PAGE)
        cut = round(pages * 0.6)  # killed inside the transaction of page cut + 1
        data_dir = tmp_path / "device"

        run = drive(
            srv.url, data_dir, user=DISPATCHER[0], password=DISPATCHER[1], stop=f"pull:{cut + 1}:commit"
        )
        assert run.killed
        taken = run.of("response", kind="pull")[:cut]
        after_kill = device(data_dir / "ordo.db")
        assert (after_kill["integrity"], after_kill["orphans"]) == ("ok", 0)
        assert after_kill["cursor"] == taken[-1]["cursor"]  # page cut + 1 rolled back whole
        assert len(after_kill["orders"]) == sum(p["orders"] for p in taken)
        assert sum(p["changes"] for p in taken) == cut * PAGE

        resumed = drive(srv.url, data_dir)
        asked = resumed.of("request", kind="pull")
        got = resumed.of("response", kind="pull")
        end = device(data_dir / "ordo.db")
        db = open_database(srv.database_url)
        try:
            with db.read() as s:
                orders = {oid: seq for oid, seq in s.execute(select(WorkOrder.id, WorkOrder.seq))}
        finally:
            db.dispose()

    # The resumed pull starts at the stored cursor and asks only for what is left.
    assert asked[0]["cursor"] == after_kill["cursor"]
    assert len(asked) == pages - cut
    assert sum(p["changes"] for p in got) == total - cut * PAGE
    assert 0.3 < (total - cut * PAGE) / total < 0.5
    assert end["seq"] > after_kill["seq"] and end["outbox"] == {} and end["integrity"] == "ok"
    assert len(orders) >= ORDERS and end["orders"] == orders
