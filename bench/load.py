"""Load benchmark: many devices syncing at once against a real `ordo-server`
process on loopback, on SQLite.

Seeds one organisation with N technicians, each with a few assigned orders, then
runs N simulated devices (asyncio + httpx, one client each) for `--seconds`:
each signs in once, then loops push (a few note.add / checklist.set mutations,
consecutive mids; on 429/503 it waits the Retry-After and sends the same batch
again) and pull until `has_more` is false. When time is up each device finishes
the round it is in, so every batch it sent is settled.

By default the rounds follow each other with no pause: a stress test, whose latency is
set by throughput alone (each device always has a request waiting). `--pause S` gives
each device a quiet time between rounds, drawn around a mean of S seconds, all devices
starting together: closer to a morning's start, when every device syncs at once and then
as its technician works (the app pulls every 30 s, and pushes soon after each change).

Prints one JSON object: every status per endpoint, p50/p95/p99 latency per
endpoint, requests/s and mutations/s, the server's peak RSS, and the checks
read from the server's database afterwards: every mutation a device sent (and
every one acknowledged) has its ledger row, and every applied note is stored.
Figures, not a test: the machines are shared and noisy.

    .venv/bin/python bench/load.py [--devices 200] [--seconds 60] [--pause 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _common import cpu_seconds_of, database, peak_rss_mib, percentiles_ms, process_tree
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.domain import ChecklistKind, Role, Status
from server_stub.db import open_database
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, LedgerEntry, Note
from server_stub.seeding.records import ItemSpec, OrderSpec, create_order, create_organisation, create_user
from server_stub.testing import ServerProcess, database_url_for, running_server

API = "/api/v1"
PASSWORD = "load-bench-password"
BACKOFF_BASE, BACKOFF_CAP = 0.5, 30.0
# After --seconds, a device may take this long to settle its last round.
GRACE_SECONDS = 120.0


@dataclass
class Technician:
    username: str
    orders: list[str]
    items: dict[str, list[str]]  # order id -> its checklist item ids


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    transport_errors: Counter[str] = field(default_factory=Counter)
    results: Counter[str] = field(default_factory=Counter)
    retry_waits: list[float] = field(default_factory=list)
    mutations_acked: int = 0
    notes_applied: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class Device:
    tech: Technician
    client: httpx.AsyncClient
    rng: random.Random
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = ""
    next_mid: int = 1
    cursor: str | None = None
    sent: set[int] = field(default_factory=set)
    acked: dict[int, str] = field(default_factory=dict)  # mid -> status the server answered
    done: bool = False


# --- seeding ------------------------------------------------------------------


def seed(*, database_url: str, technicians: int, orders_each: int, now: datetime) -> list[Technician]:
    """One organisation, `technicians` technicians with `orders_each` assigned orders of 3 items."""
    # argon2 reads its cost from the stored hash: a cheap one keeps 200 sign-ins
    # from measuring the password hash instead of the sync path.
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    db = open_database(database_url)
    techs: list[Technician] = []
    try:
        with db.write() as session, session.begin():
            org = create_organisation(session, name="Load bench", now=now)
            for n in range(technicians):
                username = f"load{n:04d}"
                user = create_user(
                    session,
                    org_id=org.id,
                    username=username,
                    password_hash=password_hash,
                    role=Role.TECHNICIAN,
                    display_name=f"Load technician {n}",
                )
                tech = Technician(username=username, orders=[], items={})
                for k in range(orders_each):
                    spec = OrderSpec(
                        title=f"Load order {n}-{k}",
                        status=Status.ASSIGNED,
                        assignee_id=user.id,
                        lifecycle={"assigned_at": now},
                        checklist=[
                            ItemSpec(label=f"Check {i + 1}", kind=ChecklistKind.CHECK) for i in range(3)
                        ],
                    )
                    order = create_order(session, org_id=org.id, spec=spec, now=now)
                    tech.orders.append(order.id)
                techs.append(tech)
            session.flush()
            for tech in techs:
                for order_id in tech.orders:
                    tech.items[order_id] = list(
                        session.execute(
                            select(ChecklistItem.id)
                            .where(ChecklistItem.order_id == order_id)
                            .order_by(ChecklistItem.position)
                        ).scalars()
                    )
    finally:
        db.dispose()
    return techs


# --- one device -----------------------------------------------------------------


def _wire_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _batch(device: Device, *, size: int) -> list[dict[str, Any]]:
    """`size` mutations with consecutive mids: note.add and checklist.set in turn."""
    batch = []
    for k in range(size):
        order_id = device.rng.choice(device.tech.orders)
        if k % 2 == 0:
            args: dict[str, Any] = {"id": str(uuid.uuid4()), "text": f"load note {device.next_mid}"}
            args["at"] = _wire_now()
            kind = "note.add"
        else:
            value = device.rng.random() < 0.5
            args = {"item_id": device.rng.choice(device.tech.items[order_id]), "value": value, "done": value}
            kind = "checklist.set"
        batch.append({"mid": device.next_mid, "type": kind, "entity_id": order_id, "args": args})
        device.sent.add(device.next_mid)
        device.next_mid += 1
    return batch


async def _call(
    device: Device, stats: Stats, endpoint: str, method: str, path: str, **kwargs: Any
) -> httpx.Response | None:
    """One request, timed and counted; None when it never got an answer."""
    headers = {"Authorization": f"Bearer {device.token}"} if device.token else {}
    start = time.perf_counter()
    try:
        response = await device.client.request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        stats.transport_errors[f"{endpoint}: {type(exc).__name__}"] += 1
        return None
    stats.latencies[endpoint].append(time.perf_counter() - start)
    stats.statuses[endpoint][response.status_code] += 1
    return response


async def _until_answered(
    device: Device, stats: Stats, endpoint: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Repeat the same request while the server says "later" (429, 5xx) or cannot be
    reached: wait its Retry-After, or a jittered backoff when it gives none."""
    attempt = 0
    while True:
        response = await _call(device, stats, endpoint, method, path, **kwargs)
        if response is not None and response.status_code != 429 and response.status_code < 500:
            return response
        jitter = device.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))
        retry_after = response.headers.get("Retry-After") if response is not None else None
        wait = max(jitter, min(float(retry_after), BACKOFF_CAP)) if retry_after else jitter
        stats.retry_waits.append(wait)
        attempt += 1
        await asyncio.sleep(wait)  # the device's own pause, as a real one would


async def run_device(device: Device, stats: Stats, *, until: float, batch_size: int, pause: float) -> None:
    sign_in = {"username": device.tech.username, "password": PASSWORD, "device_id": device.device_id}
    response = await _until_answered(device, stats, "auth/token", "POST", f"{API}/auth/token", json=sign_in)
    if response.status_code != 200:
        stats.failures.append(f"{device.tech.username}: sign-in answered {response.status_code}")
        return
    device.token = response.json()["access_token"]
    while time.monotonic() < until:
        batch = _batch(device, size=batch_size)
        body = {"protocol": 1, "device_id": device.device_id, "mutations": batch}
        response = await _until_answered(device, stats, "sync/push", "POST", f"{API}/sync/push", json=body)
        if response.status_code != 200:
            stats.failures.append(f"{device.tech.username}: push answered {response.status_code}")
            return
        for result in response.json()["results"]:
            device.acked[result["mid"]] = result["status"]
            stats.results[result["status"]] += 1
            stats.mutations_acked += 1
        stats.notes_applied += sum(
            1 for m in batch if m["type"] == "note.add" and device.acked.get(m["mid"]) == "applied"
        )
        while True:
            params = {"cursor": device.cursor} if device.cursor else {}
            response = await _until_answered(
                device, stats, "sync/pull", "GET", f"{API}/sync/pull", params=params
            )
            if response.status_code != 200:
                stats.failures.append(f"{device.tech.username}: pull answered {response.status_code}")
                return
            page = response.json()
            device.cursor = page["cursor"]
            if not page["has_more"]:
                break
        if pause > 0:  # the device's own quiet time, drawn around the mean; cut short at the end
            await asyncio.sleep(min(device.rng.expovariate(1 / pause), max(0.0, until - time.monotonic())))
    device.done = True


# --- measuring ----------------------------------------------------------------


def check_ledger(*, database_url: str, devices: list[Device]) -> dict[str, Any]:
    """Every mutation sent, and every one acknowledged, has its ledger row (with the status
    the device was told); every applied note is stored."""
    db = open_database(database_url)
    try:
        with db.read() as session:
            rows = session.execute(select(LedgerEntry.device_id, LedgerEntry.mid, LedgerEntry.status)).all()
            notes_stored = session.execute(select(func.count()).select_from(Note)).scalar_one()
    finally:
        db.dispose()
    ledger: dict[str, dict[int, str]] = defaultdict(dict)
    for device_id, mid, status in rows:
        ledger[device_id][mid] = status
    sent = sum(len(d.sent) for d in devices)
    lost_sent = sum(len(d.sent - ledger[d.device_id].keys()) for d in devices)
    lost_acked = sum(len(d.acked.keys() - ledger[d.device_id].keys()) for d in devices)
    status_differs = sum(
        1 for d in devices for mid, status in d.acked.items() if ledger[d.device_id].get(mid) != status
    )
    return {
        "mutations_sent": sent,
        "ledger_rows": len(rows),
        "lost_mutations": lost_sent,
        "lost_acknowledged": lost_acked,
        "ledger_status_differs": status_differs,
        "notes_stored": notes_stored,
    }


async def drive(
    *, server_url: str, techs: list[Technician], seconds: float, batch_size: int, pause: float, stats: Stats
) -> tuple[list[Device], float]:
    timeout = httpx.Timeout(60.0)
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=1)
    devices = [
        Device(tech=tech, client=httpx.AsyncClient(base_url=server_url, timeout=timeout, limits=limits),
               rng=random.Random(n))
        for n, tech in enumerate(techs)
    ]  # fmt: skip
    start = time.monotonic()
    until = start + seconds
    tasks = [
        asyncio.create_task(run_device(d, stats, until=until, batch_size=batch_size, pause=pause))
        for d in devices
    ]
    _, pending = await asyncio.wait(tasks, timeout=seconds + GRACE_SECONDS)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            stats.failures.append(f"device task failed: {task.exception()!r}")
    elapsed = time.monotonic() - start
    await asyncio.gather(*(d.client.aclose() for d in devices))
    return devices, elapsed


def run(
    *,
    devices: int,
    seconds: float,
    orders_each: int,
    batch_size: int,
    backend: str = "sqlite",
    workers: int = 1,
    pause: float = 0.0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ordo-load-") as tmp, database(backend) as pg_url:
        data_dir = Path(tmp) / "server"
        data_dir.mkdir()
        database_url = pg_url or database_url_for(data_dir)
        migrate(database_url)
        techs = seed(
            database_url=database_url, technicians=devices, orders_each=orders_each, now=datetime.now(UTC)
        )
        stats = Stats()
        with running_server(
            data_dir=data_dir, database_url=database_url, seed_demo=False, workers=workers
        ) as server:
            pids = process_tree(server.pid)
            cpu_before = cpu_seconds_of(pids)
            simulated, elapsed = asyncio.run(
                drive(
                    server_url=server.url,
                    techs=techs,
                    seconds=seconds,
                    batch_size=batch_size,
                    pause=pause,
                    stats=stats,
                )
            )
            cpu_after = cpu_seconds_of(pids)
            peaks = [m for m in (peak_rss_mib(pid) for pid in pids) if m]
            peak_mib = round(sum(peaks), 1) if peaks else None
            ledger = check_ledger(database_url=database_url, devices=simulated)
            wal = data_dir / "ordo.db-wal"
            wal_mib = round(wal.stat().st_size / 2**20, 1) if wal.exists() else 0.0
            server_log = _server_log(server)
    requests = sum(len(v) for v in stats.latencies.values())
    statuses = {
        endpoint: {str(code): n for code, n in sorted(counts.items())}
        for endpoint, counts in sorted(stats.statuses.items())
    }
    five_xx = sum(n for c in stats.statuses.values() for code, n in c.items() if code >= 500)
    return {
        "backend": backend,
        "workers": workers,
        "devices": devices,
        "seconds": seconds,
        "pause_mean_s": pause,
        "elapsed_s": round(elapsed, 1),
        "devices_finished": sum(d.done for d in simulated),
        "requests": requests,
        "statuses": statuses,
        "responses_5xx": five_xx,
        "responses_500": sum(c.get(500, 0) for c in stats.statuses.values()),
        "transport_errors": dict(stats.transport_errors),
        "retries_after_429_503": len(stats.retry_waits),
        "latency": {ep: percentiles_ms(v) for ep, v in sorted(stats.latencies.items())},
        "throughput": {
            "requests_per_s": round(requests / elapsed, 1),
            "mutations_per_s": round(stats.mutations_acked / elapsed, 1),
        },
        "mutation_results": dict(stats.results),
        "notes_applied": stats.notes_applied,
        **ledger,
        "server_peak_rss_mib": peak_mib,
        "server_cpu_s": round(cpu_after - cpu_before, 1) if cpu_after is not None and cpu_before else None,
        "sqlite_wal_mib": wal_mib,
        "server_log": server_log,
        "failures": stats.failures[:10],
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _server_log(server: ServerProcess) -> dict[str, int]:
    """Tracebacks (500s) and waits for the write lock that ran out (503 busy) the server logged."""
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return {}
    return {"tracebacks": text.count("Traceback"), "database_busy": text.count("database busy")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=200, help="simulated devices (one technician each)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long devices keep syncing")
    parser.add_argument("--orders", type=int, default=3, help="orders assigned to each technician")
    parser.add_argument("--batch", type=int, default=4, help="mutations per push")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="server processes (above 1: PostgreSQL)")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="mean seconds a device waits between rounds (exponential); 0: rounds back to back",
    )
    args = parser.parse_args()
    if args.devices < 1 or args.seconds <= 0 or args.orders < 1 or args.batch < 1 or args.pause < 0:
        parser.error(
            "--devices, --orders and --batch must be at least 1, --seconds above 0, --pause not below 0"
        )
    print(f"load: {args.devices} devices for {args.seconds:g} s ...", file=sys.stderr, flush=True)
    result = run(
        devices=args.devices,
        seconds=args.seconds,
        orders_each=args.orders,
        batch_size=args.batch,
        backend=args.backend,
        workers=args.workers,
        pause=args.pause,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
