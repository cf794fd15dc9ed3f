"""Live pokes benchmark: how long from a technician's push to the change being in a
dispatcher's desk database, with nobody pressing "Sync now".

Three `ordo-server` processes on one fresh PostgreSQL database (pokes travel between
them by NOTIFY). Fifty devices hold a live stream: one is the measured desk (the real
app.services facade, its sync worker and live listener running, a local SQLite store,
its timed pull five minutes away so only a poke can bring a change early); the other 49
are lightweight listeners (one asyncio task each) signed in as the demo technicians and
the dispatcher, spread over the processes, which count the pokes they get. Technicians
push notes to process A; the desk listens on process C.

Each push is timed from its answer returning to the note being committed in the desk's
database; pushes start at least `--gap` apart (above the protocol's 250 ms per-stream
poke limit, so a figure is one poke's journey, not the coalescing wait). Prints one
JSON object (figures, not a test: the machines are shared and noisy). Target: p50 <= 50
ms, p95 <= 250 ms.

    .venv/bin/python bench/live.py [--pushes 200] [--devices 50] [--gap 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from _common import database
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import Note
from server_stub.testing import ServerProcess, free_port, running_server

API = "/api/v1"
TECHS = [f"tech{n}" for n in range(1, 6)]
PASSWORDS = {**{t: "demo-tech" for t in TECHS}, "dispatcher": "demo-dispatcher"}
AT = "2026-11-25T10:00:00Z"


@contextmanager
def _cluster(root: Path, database_url: str, *, processes: int) -> Iterator[list[ServerProcess]]:
    # Processes sharing a database share the token key.
    os.environ["ORDO_SERVER_SECRET_KEY"] = secrets.token_hex(32)
    with ExitStack() as stack:
        servers = [stack.enter_context(running_server(data_dir=root / "server0", database_url=database_url))]
        for n in range(1, processes):
            server = ServerProcess(data_dir=root / f"server{n}", port=free_port(), database_url=database_url)
            server.start()
            stack.callback(server.stop)
            servers.append(server)
        yield servers


def _sign_in(url: str, username: str) -> dict[str, Any]:
    device_id = str(uuid.uuid4())
    body = {"username": username, "password": PASSWORDS[username], "device_id": device_id}
    answer = httpx.post(f"{url}{API}/auth/token", json=body, timeout=60).raise_for_status().json()
    return {
        "username": username,
        "device_id": device_id,
        "token": answer["access_token"],
        "user": answer["user"],
    }


class Listeners:
    """Lightweight devices: one asyncio task per stream, in a process of their own (as
    other devices are: they do not share the measured desk's interpreter)."""

    def __init__(self, devices: list[tuple[str, dict[str, Any]]]) -> None:
        self.devices = devices  # (server url, signed-in device)
        self.pokes: Counter[str] = Counter()  # device id -> `changed` events
        self.errors: Counter[str] = Counter()
        self.open = 0
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_listen, args=(devices, child), daemon=True)

    def start(self, *, timeout: float = 60.0) -> None:
        self._process.start()
        if not self._conn.poll(timeout):
            raise TimeoutError(f"the {len(self.devices)} streams did not open within {timeout} s")
        _, self.open = self._conn.recv()

    def stop(self) -> None:
        self._conn.send("stop")
        if self._conn.poll(30):
            _, pokes, errors, self.open = self._conn.recv()
            self.pokes.update(pokes)
            self.errors.update(errors)
        self._process.join(10)


def _listen(devices: list[tuple[str, dict[str, Any]]], conn: Connection) -> None:
    """The listeners' process: open every stream, say so, count pokes until told to stop."""
    pokes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    opened = 0

    async def one(client: httpx.AsyncClient, device: dict[str, Any], ready: asyncio.Event) -> None:
        nonlocal opened
        headers = {"Authorization": f"Bearer {device['token']}"}
        try:
            async with client.stream("GET", f"{API}/sync/events", headers=headers) as response:
                response.raise_for_status()
                opened += 1
                if opened == len(devices):
                    ready.set()
                async for line in response.aiter_lines():
                    if line == "event: changed":
                        pokes[device["device_id"]] += 1
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1

    async def main() -> None:
        ready, stop = asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().add_reader(conn.fileno(), stop.set)
        timeout = httpx.Timeout(30, read=None)
        clients = {url: httpx.AsyncClient(base_url=url, timeout=timeout) for url, _ in devices}
        tasks = [asyncio.create_task(one(clients[url], device, ready)) for url, device in devices]
        await ready.wait()
        conn.send(("ready", opened))
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients.values():
            await client.aclose()
        conn.send(("done", dict(pokes), dict(errors), opened))

    asyncio.run(main())


class Arrivals:
    """Wakes the measuring thread after every write transaction committed in this process
    (the desk's pulls among them); read-only ones, its own checks included, do not."""

    def __init__(self) -> None:
        self.committed = threading.Event()
        event.listen(Session, "after_commit", self._on_commit)

    def _on_commit(self, session: Session) -> None:
        bind = session.get_bind()
        if not bind.get_execution_options().get("ordo_read_only", False):
            self.committed.set()

    def wait_for(self, store: LocalStore, note_id: str, *, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while True:
            self.committed.clear()
            with store.read() as s:
                if s.get(Note, note_id) is not None:
                    return True
            left = deadline - time.perf_counter()
            if left <= 0 or not self.committed.wait(left):
                return False


def _desk(folder: Path, server_url: str) -> Ordo:
    settings = ClientSettings(data_dir=folder, server_url=server_url, sync_interval=300)
    ordo = Ordo(
        store=LocalStore.open(settings.db_path),
        client_factory=lambda url: httpx.Client(base_url=url, timeout=30),
        clock=lambda: datetime.now(UTC),
        settings=settings,
    )
    synced = threading.Event()
    unsubscribe = ordo.add_listener(lambda: synced.set() if ordo.sync_status().last_synced_at else None)
    ordo.sign_in(server_url=server_url, username="dispatcher", password="demo-dispatcher")
    if not synced.wait(120) or not ordo.live.connected.wait(60):
        raise RuntimeError(f"the desk did not sync and listen: {ordo.sync_status()}")
    unsubscribe()  # nothing of the bench's runs on the desk's own path while measuring
    return ordo


def _assigned(url: str, device: dict[str, Any]) -> list[str]:
    """The orders assigned to a technician device's user, from one pull."""
    headers = {"Authorization": f"Bearer {device['token']}"}
    changes: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = httpx.get(f"{url}{API}/sync/pull", params=params, headers=headers, timeout=60).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    return [
        c["id"]
        for c in changes
        if c["entity"] == "work_order" and c["data"]["assignee_id"] == device["user"]["id"]
    ]


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": round(ordered[-1] * 1000, 1),
        "mean": round(statistics.fmean(ordered) * 1000, 1),
    }


def run(*, pushes: int, devices: int, processes: int, gap: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database("postgres") as database_url:
        root = Path(tmp)
        with _cluster(root, database_url, processes=processes) as servers:
            a, c = servers[0], servers[-1]
            # Listening devices besides the desk: technicians first (the pushers among them),
            # then dispatchers' other screens; round robin over the processes.
            names = [
                TECHS[i % len(TECHS)] if i < (devices - 1) * 4 // 5 else "dispatcher"
                for i in range(devices - 1)
            ]
            signed = [(servers[i % processes].url, _sign_in(a.url, name)) for i, name in enumerate(names)]
            listeners = Listeners(signed)
            listeners.start()
            desk = _desk(root / "desk", c.url)
            pushers = {}
            for _, device in signed:
                if device["username"] in TECHS and device["username"] not in pushers:
                    pushers[device["username"]] = (device, _assigned(a.url, device))
            arrivals = Arrivals()
            http = httpx.Client(base_url=a.url, timeout=30)
            mids: Counter[str] = Counter()
            latencies: list[float] = []
            push_times: list[float] = []
            missing = 0
            pokes_before = desk.live.pokes
            try:
                for n in range(pushes):
                    started = time.perf_counter()
                    device, orders = pushers[TECHS[n % len(TECHS)]]
                    mids[device["device_id"]] += 1
                    note_id = str(uuid.uuid4())
                    mutation = {
                        "mid": mids[device["device_id"]],
                        "type": "note.add",
                        "entity_id": orders[n % len(orders)],
                        "args": {"id": note_id, "text": f"live bench note {n}", "at": AT},
                    }
                    body = {"protocol": 1, "device_id": device["device_id"], "mutations": [mutation]}
                    headers = {"Authorization": f"Bearer {device['token']}"}
                    http.post(f"{API}/sync/push", json=body, headers=headers).raise_for_status()
                    returned = time.perf_counter()
                    push_times.append(returned - started)
                    if arrivals.wait_for(desk._store, note_id, timeout=10.0):
                        latencies.append(max(0.0, time.perf_counter() - returned))
                    else:
                        missing += 1
                    time.sleep(max(0.0, started + gap - time.perf_counter()))  # pacing, not waiting
            finally:
                http.close()
                desk_pokes = desk.live.pokes - pokes_before
                desk.close()
                listeners.stop()
    tech_devices = [d for _, d in signed if d["username"] in TECHS]
    disp_devices = [d for _, d in signed if d["username"] == "dispatcher"]

    def mean_pokes(group: list[dict[str, Any]]) -> float:
        return round(statistics.fmean(listeners.pokes[d["device_id"]] for d in group), 1) if group else 0.0

    return {
        "backend": "postgres",
        "server_processes": processes,
        "listening_devices": len(signed) + 1,
        "pushes": pushes,
        "gap_s": gap,
        "push_to_desk_db_ms": _ms(latencies) if latencies else None,
        "not_arrived_within_10_s": missing,
        "push_request_ms": _ms(push_times),
        "desk_pokes": desk_pokes,
        "listeners": {
            "streams_opened": listeners.open,
            "stream_errors": dict(listeners.errors),
            "dispatcher_devices": len(disp_devices),
            "pokes_per_dispatcher_device": mean_pokes(disp_devices),
            "technician_devices": len(tech_devices),
            # Each technician's orders get pushes / 5 notes: a technician device is poked for
            # those (and their coalescing), never for another technician's.
            "pokes_per_technician_device": mean_pokes(tech_devices),
            "pushes_per_technician": pushes // len(TECHS),
        },
        "target_ms": {"p50": 50, "p95": 250},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pushes", type=int, default=200)
    parser.add_argument("--devices", type=int, default=50, help="listening devices, the desk included")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between push starts")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        result = run(pushes=args.pushes, devices=args.devices, processes=args.processes, gap=args.gap)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
