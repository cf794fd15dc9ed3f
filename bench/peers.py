"""Ordo against its peers (PouchDB, Kinto) in one run, on the peers' workload.

The workload is written by the peers' own workload.py (seed 42): N work orders and
100 updates. Ordo runs it with a real `ordo-server` process and real client engines
on loopback; the peers run through their run_peers.sh, from a copy of ../shared/peers
(read-only in CI).

A record is, for Ordo, one `order.create` (its 5 checklist items: kind "check", the
record's labels; the order's kind read off the title's verb) and two `note.add`; child
ids become uuid5(NAMESPACE_URL, order id + "/" + child id). Priority "medium" is
"normal". The 50 assignees are technicians made in the bench's organisation, so the
orders are created assigned (a create makes `new` or `assigned` only; checklist ticks
and the other statuses are the technician's later work). An update replaces one note
and flips one checklist tick and the status: from the dispatcher's device that is a
`note.add` of the new note and an `entry.void` of the replaced one (ticks and field
moves are refused to a dispatcher; no patched field is one `order.update` can carry).

Prints JSON lines: one per (system, op) with seconds (median of --runs), records/s
and body bytes; a line for a peer that could not run (with the reason); and a final
line with the ratios Ordo seconds / peer seconds per op (below 1: Ordo is faster).

Ordo's ops (the spans of the peers' README):
- push: client A's outbox holds the records (create + 2 notes each); the engine's push
  phase sends it all and writes each result onto its outbox row;
- initial_pull: fresh client B pulls every page and upserts each change into one SQLite
  table (like the Kinto client's store); the scope's first walk, every page read from
  the database;
- initial_pull_shared: the same by a second client B2 of the same organisation, served
  the full pages B's walk left kept (server_stub.sync.shared_pages);
- ack_pull: A's next sync (the pull that acknowledges the push and brings the rows back);
- initial_pull_engine: a fresh device's first sync through the client engine into its
  store (rows, indexes, search index), in a process of its own (its peak RSS is
  reported), from a second server process on the same database that keeps no pages;
- initial_pull_engine_shared: the same from the first server, its pages kept;
- incremental_push / incremental_pull(_engine): the 100 updates, and B pulling the delta.

    .venv/bin/python bench/peers.py [--orders 10000] [--runs 1] [--backend sqlite|postgres|both]
        [--peers "pouchdb kinto"] [--skip-peers]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from _common import (
    BodyBytes,
    RawClient,
    backends_of,
    cpu_seconds_of,
    database,
    device,
    engine_first_sync,
    now,
    peak_rss_mib,
    process_tree,
    push_outbox,
    timed,
)
from argon2 import PasswordHasher

from app.domain import Role
from app.domain.protocol import MutationType
from app.services.facade import Ordo
from app.store.outbox import enqueue
from server_stub.db import open_database
from server_stub.migrate import migrate
from server_stub.seeding.records import create_organisation, create_user
from server_stub.testing import ServerProcess, database_url_for, free_port, running_server

ROOT = Path(__file__).resolve().parents[1]
PEERS_DIR = ROOT.parent / "shared" / "peers"
SEED = 42
SHARED_MB = "ORDO_SERVER_PULL_SHARED_MB"
PEER_OPS = ("push", "initial_pull", "incremental_push", "incremental_pull")
PEER_TIMEOUT_S = 3600  # first run installs Node packages and a venv
ORDER_CREATE, NOTE_ADD = MutationType.ORDER_CREATE.value, MutationType.NOTE_ADD.value
ENTRY_VOID = MutationType.ENTRY_VOID.value


# --- the workload as Ordo mutations -----------------------------------------------------

# argon2 reads its cost from the stored hash: a cheap one keeps sign-ins off the figures.
PASSWORD = "peers-bench-password"
DISPATCHER = {"username": "bench-dispatcher", "password": PASSWORD}
# The workload has no kind: it is read off the title's verb (repair otherwise).
KIND_BY_VERB = {
    **dict.fromkeys(["Inspect", "Test"], "inspection"),
    **dict.fromkeys(["Install", "Upgrade"], "installation"),
    **dict.fromkeys(["Service", "Clean", "Lubricate", "Calibrate", "Adjust"], "maintenance"),
}
PRIORITY = {"medium": "normal"}


def seed_org(database_url: str, *, technicians: list[str]) -> dict[str, str]:
    """A fresh organisation: the bench's dispatcher and one technician per workload
    assignee; returns {assignee name: user id}."""
    migrate(database_url)
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    db = open_database(database_url)
    try:
        with db.write() as session, session.begin():
            org = create_organisation(session, name="Peers bench", now=now())
            people = [(DISPATCHER["username"], Role.DISPATCHER)] + [(t, Role.TECHNICIAN) for t in technicians]
            ids = {
                name: create_user(
                    session,
                    org_id=org.id,
                    username=name,
                    password_hash=password_hash,
                    role=role,
                    display_name=name,
                ).id
                for name, role in people
            }
    finally:
        db.dispose()
    return {t: ids[t] for t in technicians}


def child_id(order_id: str, child: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{order_id}/{child}"))


def create_args(rec: dict[str, Any], *, technicians: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rec["id"],
        "title": rec["title"],
        "description": rec["description"],
        "kind": KIND_BY_VERB.get(rec["title"].split(" ", 1)[0], "repair"),
        "priority": PRIORITY.get(rec["priority"], rec["priority"]),
        "assignee_id": technicians[rec["assignee"]],
        "site": rec["site"],
        "due_at": rec["due_at"],
        "checklist": [
            {"id": child_id(rec["id"], item["id"]), "position": p, "label": item["label"], "kind": "check"}
            for p, item in enumerate(rec["checklist"], start=1)
        ],
    }


def queue_records(ordo: Ordo, *, records: list[dict[str, Any]], technicians: dict[str, str]) -> int:
    """Client A holding the records: its outbox, filled in one transaction; returns the count."""
    queued = 0
    at = now()
    with ordo._store.transaction() as s:
        for rec in records:
            args = create_args(rec, technicians=technicians)
            enqueue(s, type=ORDER_CREATE, entity_id=rec["id"], args=args, base_seq=None, created_at=at)
            for note in rec["notes"]:
                args = {"id": child_id(rec["id"], note["id"]), "text": note["text"], "at": note["at"]}
                enqueue(s, type=NOTE_ADD, entity_id=rec["id"], args=args, base_seq=None, created_at=at)
            queued += 1 + len(rec["notes"])
    return queued


def queue_updates(ordo: Ordo, *, updates: list[dict[str, Any]], records: list[dict[str, Any]]) -> int:
    """Each update's replaced note: the new one added, the old one voided (Ordo never deletes)."""
    by_id = {r["id"]: r for r in records}
    queued = 0
    at = now()
    with ordo._store.transaction() as s:
        for update in updates:
            oid = update["id"]
            old = {n["id"] for n in by_id[oid]["notes"]}
            new = [n for n in update["patch"]["notes"] if n["id"] not in old]
            gone = old - {n["id"] for n in update["patch"]["notes"]}
            for note in new:
                args = {"id": child_id(oid, note["id"]), "text": note["text"], "at": note["at"]}
                enqueue(s, type=NOTE_ADD, entity_id=oid, args=args, base_seq=None, created_at=at)
            for note_id in sorted(gone):
                args = {"entity": "note", "id": child_id(oid, note_id), "reason": "replaced"}
                enqueue(s, type=ENTRY_VOID, entity_id=oid, args=args, base_seq=None, created_at=at)
            queued += len(new) + len(gone)
    return queued


# --- Ordo on the workload -------------------------------------------------------------


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"check failed: {what}")


def _pushed(ordo: Ordo, counter: BodyBytes, *, queued: int, n: int) -> dict[str, Any]:
    """Times the push of everything queued; each mutation must be applied."""
    counter.reset()
    seconds, (_, sent, results) = timed(lambda: push_outbox(ordo))
    check(sent == queued and results.get("applied") == queued, f"push of {queued}: {dict(results)}")
    return {"seconds": seconds, "n": n, "mutations": sent, **counter.figures()}


def _raw_walk(
    path: Path, server: ServerProcess, *, counter: BodyBytes, n: int
) -> tuple[RawClient, dict[str, Any]]:
    """A bare client's pull of the whole scope into one table; the client and its figures
    (with the server's CPU seconds for the walk)."""
    raw = RawClient(path, server.url, counter=counter, **DISPATCHER)
    counter.reset()
    cpu = server_cpu(server)
    seconds, changes = timed(raw.pull)
    check(raw.count("work_order") == n, f"raw pull stored {raw.count('work_order')} orders")
    figures = {"seconds": seconds, "n": n, "changes": changes, **counter.figures()}
    return raw, figures | {"server_cpu_s": round(server_cpu(server) - cpu, 2)}


def server_cpu(server: ServerProcess) -> float:
    """CPU seconds the server process has used so far."""
    return cpu_seconds_of(process_tree(server.pid)) or 0.0


def analyze(database_url: str) -> None:
    """What PostgreSQL's autovacuum does within a minute or so of a bulk load: fresh
    planner statistics. Taken right after the push, they still said the tables were nearly
    empty, and a pull page's feed query took 31-41 ms instead of 1.4-2.4 ms (a plan that
    scans and sorts whole tables instead of walking their seq indexes)."""
    with psycopg.connect(
        database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute("ANALYZE")


@contextmanager
def unshared_server(data_dir: Path, *, database_url: str) -> Iterator[ServerProcess]:
    """A second server process on the same database that keeps no pages: what a scope's
    first walk costs, for a device's first sync through the engine."""
    saved = os.environ.get(SHARED_MB)
    os.environ[SHARED_MB] = "0"
    server = ServerProcess(data_dir=data_dir, port=free_port(), database_url=database_url)
    try:
        server.start()
    finally:
        if saved is None:
            os.environ.pop(SHARED_MB)
        else:
            os.environ[SHARED_MB] = saved
    try:
        yield server
    finally:
        server.stop()


def ordo_once(*, backend: str, workload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One run of every op on a fresh server; {op: figures}."""
    records, updates = workload["records"], workload["updates"]
    n, u = len(records), len(updates)
    ops: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp, database(backend) as pg_url:
        root = Path(tmp)
        url = pg_url or database_url_for(root / "server")
        techs = seed_org(url, technicians=sorted({r["assignee"] for r in records}))
        with running_server(data_dir=root / "server", database_url=url, seed_demo=False) as server:
            bytes_a = BodyBytes()
            a = device(root / "a", server.url, counter=bytes_a, **DISPATCHER)
            mutations = queue_records(a, records=records, technicians=techs)  # untimed, as the peers
            ops["push"] = _pushed(a, bytes_a, queued=mutations, n=n)
            if pg_url is not None:
                analyze(pg_url)

            # The scope's first walk: every page read from the database.
            bytes_b = BodyBytes()
            raw, ops["initial_pull"] = _raw_walk(root / "b.sqlite", server, counter=bytes_b, n=n)
            # Another desk of the organisation: the full pages the first walk left kept
            # (server_stub.sync.shared_pages), the last one read afresh.
            raw2, ops["initial_pull_shared"] = _raw_walk(root / "b2.sqlite", server, counter=BodyBytes(), n=n)
            raw2.close()

            # A's next sync walks the pages B's walk left kept.
            bytes_a.reset()
            seconds, report = timed(a.sync_blocking)
            check(report.dropped == mutations, f"ack pull dropped {report.dropped}")
            ops["ack_pull"] = {"seconds": seconds, "n": n, "changes": report.changes, **bytes_a.figures()}

            with unshared_server(root / "server-cold", database_url=url) as cold:
                first = engine_first_sync(root / "c0", cold.url, **DISPATCHER)
            check(first["orders_stored"] == n, f"engine pull stored {first['orders_stored']} orders")
            ops["initial_pull_engine"] = {"n": n, **first}
            first = engine_first_sync(root / "c", server.url, **DISPATCHER)
            check(first["orders_stored"] == n, f"engine pull stored {first['orders_stored']} orders")
            ops["initial_pull_engine_shared"] = {"n": n, **first}

            queued = queue_updates(a, updates=updates, records=records)
            ops["incremental_push"] = _pushed(a, bytes_a, queued=queued, n=u)

            bytes_b.reset()
            seconds, changes = timed(raw.pull)
            check(changes == queued, f"incremental raw pull got {changes} changes")
            probe = updates[-1]
            note = raw.data("note", child_id(probe["id"], probe["patch"]["notes"][-1]["id"]))
            check(
                note is not None and note["text"] == probe["patch"]["notes"][-1]["text"], "B has the new note"
            )
            ops["incremental_pull"] = {"seconds": seconds, "n": u, "changes": changes, **bytes_b.figures()}

            bytes_c = BodyBytes()
            c = device(root / "c", server.url, counter=bytes_c, **DISPATCHER)  # B's store, again
            bytes_c.reset()
            seconds, report = timed(c.sync_blocking)
            check(report.changes == queued, f"incremental engine pull got {report.changes} changes")
            ops["incremental_pull_engine"] = {"seconds": seconds, "n": u, "changes": report.changes}
            ops["incremental_pull_engine"].update(bytes_c.figures())
            ops["server"] = {"peak_rss_mib": peak_rss_mib(server.pid) if server.pid else None}
            for client in (a, c):
                client.close()
            raw.close()
    return ops


def ordo_lines(*, backend: str, workload: dict[str, Any], runs: int) -> list[dict[str, Any]]:
    per_run = [ordo_once(backend=backend, workload=workload) for _ in range(runs)]
    lines = []
    for op, last in per_run[-1].items():
        if op == "server":
            lines.append({"system": "ordo", "backend": backend, "op": "server", **last})
            continue
        runs_s = [r[op]["seconds"] for r in per_run]
        seconds = statistics.median(runs_s)
        line = {"system": "ordo", "backend": backend, "op": op, **last, "seconds": round(seconds, 4)}
        line["records_per_s"] = round(last["n"] / seconds, 1)
        line["runs_s"] = [round(s, 4) for s in runs_s]
        lines.append(line)
    return lines


# --- the peers -----------------------------------------------------------------------


def write_workload(peers_copy: Path, *, n: int) -> tuple[Path, dict[str, Any]]:
    out = peers_copy / "workload.json"
    made = subprocess.run(
        [
            sys.executable,
            str(peers_copy / "workload.py"),
            "--n",
            str(n),
            "--seed",
            str(SEED),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out, json.loads(made.stdout)


def peer_lines(name: str, *, peers_copy: Path, workload: Path, n: int, runs: int) -> list[dict[str, Any]]:
    """The peer's median lines from run_peers.sh, or one line saying why it did not run."""
    work = peers_copy.parent / f"work-{name}"
    env = {**os.environ, "PEERS": name, "RUNS": str(runs), "N": str(n), "SEED": str(SEED)}
    env |= {"WORKLOAD": str(workload), "PEERS_WORK": str(work), "OUT": str(work / "out")}
    log = peers_copy.parent / f"{name}.log"
    try:
        with log.open("w") as err:
            done = subprocess.run(
                ["bash", str(peers_copy / "run_peers.sh")],
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                timeout=PEER_TIMEOUT_S,
            )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [{"system": name, "available": False, "reason": f"run_peers.sh: {exc}"}]
    medians = []
    for text in done.stdout.splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if line.get("peer") == name and "runs_s" in line:
            medians.append({"system": name, **{k: v for k, v in line.items() if k != "peer"}})
    missing = set(PEER_OPS) - {m["op"] for m in medians}
    if done.returncode != 0 or missing:
        tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-4:])
        reason = f"run_peers.sh exited {done.returncode}; missing {sorted(missing)}; stderr: {tail}"
        return [{"system": name, "available": False, "reason": reason}]
    return medians


def ratios(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """{backend: {peer: {op: Ordo seconds / peer seconds}}} for the peers that ran."""
    peer_s = {
        (x["system"], x["op"]): x["seconds"]
        for x in lines
        if x.get("system", "ordo") != "ordo" and "seconds" in x
    }
    out: dict[str, Any] = defaultdict(dict)
    for x in lines:
        if x.get("system") != "ordo" or "seconds" not in x:
            continue
        base_op = x["op"].removesuffix("_shared").removesuffix("_engine")
        for (peer, op), seconds in peer_s.items():
            if op == base_op:
                out[x["backend"]].setdefault(peer, {})[x["op"]] = round(x["seconds"] / seconds, 3)
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--peers", default="pouchdb kinto")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--peers-dir", type=Path, default=PEERS_DIR)
    args = parser.parse_args()
    if args.orders < 100:
        parser.error("--orders must be at least 100 (the workload has 100 updates)")
    lines: list[dict[str, Any]] = []

    def emit(line: dict[str, Any]) -> None:
        lines.append(line)
        print(json.dumps(line), flush=True)

    with tempfile.TemporaryDirectory(prefix="ordo-peers-") as tmp:
        peers_copy = Path(tmp) / "peers"
        shutil.copytree(args.peers_dir, peers_copy, ignore=shutil.ignore_patterns("workload.json", "results"))
        for path in [peers_copy, *peers_copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the copy of a read-only folder stays read-only
        workload_path, meta = write_workload(peers_copy, n=args.orders)
        emit({"workload": "workload.py", **{k: v for k, v in meta.items() if k != "workload"}})
        workload = json.loads(workload_path.read_bytes())
        for backend in backends_of(args.backend):
            for line in ordo_lines(backend=backend, workload=workload, runs=args.runs):
                emit(line)
        del workload
        for name in [] if args.skip_peers else args.peers.split():
            for line in peer_lines(
                name, peers_copy=peers_copy, workload=workload_path, n=args.orders, runs=args.runs
            ):
                emit(line)
    emit(
        {
            "ratios": ratios(lines),
            "meaning": "Ordo s / peer s (below 1: Ordo faster); *_engine ops against the peer's op",
            "orders": args.orders,
            "runs": args.runs,
            "cores": os.cpu_count(),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )


if __name__ == "__main__":
    main()
