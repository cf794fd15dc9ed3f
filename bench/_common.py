"""Pieces the sync benchmarks share: the database backend, a signed-in client device,
timing, body-byte counting, the server's peak memory, the client engine's push phase
alone, a device's first sync in a process of its own (its peak memory), and a bare
pull client that keeps pages in one SQLite table (the peers' kind of client).

Imported by the scripts beside it (run as `.venv/bin/python bench/<script>.py`, which
puts bench/ on sys.path).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select

from app.domain.protocol import DEFAULT_PULL_LIMIT
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import Order
from app.store.outbox import sync_state
from app.sync.ahead import PageAhead

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")


def now() -> datetime:
    return datetime.now(UTC)


def wire_time(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def backends_of(choice: str) -> list[str]:
    """`--backend sqlite|postgres|both` as the list of backends to run."""
    return list(BACKENDS) if choice == "both" else [choice]


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    """None for the server's default SQLite file; else a fresh PostgreSQL database, dropped after."""
    if backend == "sqlite":
        yield None
        return
    name = f"ordo_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class BodyBytes:
    """Counts request and response bodies as they cross the wire (response bodies as
    downloaded, i.e. compressed when the server compresses), through httpx event hooks.
    Headers are not counted."""

    def __init__(self) -> None:
        self.up = 0
        self.down = 0

    def reset(self) -> None:
        self.up = self.down = 0

    def _on_request(self, request: httpx.Request) -> None:
        self.up += len(request.content)

    def _on_response(self, response: httpx.Response) -> None:
        response.read()  # the caller reads it anyway; reading here makes the count final
        self.down += response.num_bytes_downloaded

    @property
    def hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        return {"request": [self._on_request], "response": [self._on_response]}

    def figures(self) -> dict[str, int]:
        return {"bytes": self.up + self.down, "bytes_up": self.up, "bytes_down": self.down}


def device(
    folder: Path,
    server_url: str,
    *,
    username: str,
    password: str,
    counter: BodyBytes | None = None,
) -> Ordo:
    """A real client (store on disk, sync engine, no background worker), signed in."""
    settings = ClientSettings(data_dir=folder, server_url=server_url)
    store = LocalStore.open(settings.db_path)
    hooks = counter.hooks if counter is not None else {}
    ordo = Ordo(
        store=store,
        client_factory=lambda url: httpx.Client(base_url=url, timeout=120.0, event_hooks=hooks),
        clock=now,
        settings=settings,
        start_worker=False,
    )
    ordo.sign_in(server_url=server_url, username=username, password=password)
    return ordo


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_rss_mib(pid: int) -> float | None:
    """A running process's peak resident memory (VmHWM), None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """Count, p50, p95, p99 and max of durations in seconds, in milliseconds."""
    if not seconds:
        return {}
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"count": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 3)}  # fmt: skip


def process_tree(pid: int | None) -> list[int]:
    """A process and its children (the workers of `ordo-server run --workers N`)."""
    if pid is None:
        return []
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]


def cpu_seconds_of(pids: list[int]) -> float | None:
    """User + system CPU time of these processes together, from /proc/<pid>/stat."""
    total, read = 0.0, False
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        read = True
    return round(total, 2) if read else None


def push_outbox(ordo: Ordo) -> tuple[int, int, Counter[str]]:
    """The engine's push phase alone: (requests, mutations sent, results by status).

    The engine's public sync_once pushes and then pulls; the peers' push span ends when
    the client has recorded the server's answers, which is where its push phase ends."""
    engine, _ = ordo._current_engine()
    with ordo._store.read() as s:
        state = sync_state(s)
        token, device_id = state.access_token, state.device_id
    return engine._push(token=token, device_id=device_id)


# --- client B of the peers' kind: pages into one SQLite table -----------------------


def _row(c: dict[str, Any]) -> tuple[str, str, int, int, str]:
    return (c["entity"], c["id"], c["seq"], int(c.get("deleted", False)), json.dumps(c.get("data")))


class RawClient:
    """Signs in as a device, pulls pages and upserts each change into one table (as
    kinto_bench.py's Store does with Kinto's records); keeps the cursor beside it."""

    def __init__(self, path: Path, url: str, *, username: str, password: str, counter: BodyBytes) -> None:
        self.http = httpx.Client(base_url=url, timeout=120.0, event_hooks=counter.hooks)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS rows (entity TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
            " deleted INTEGER NOT NULL, data TEXT, PRIMARY KEY (entity, id))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.db.commit()
        answer = self.http.post(
            "/api/v1/auth/token",
            json={"username": username, "password": password, "device_id": str(uuid.uuid4())},
        ).raise_for_status()
        self.auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def pull(self) -> int:
        """Pulls until has_more is false, asking for each next page while writing this one
        (as the engine does: app.sync.ahead); returns the number of changes stored."""
        taken = 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        cursor = row[0] if row else None
        with PageAhead(self._ask) as ahead:
            while True:
                answer = ahead.take(cursor)
                page = (answer if answer is not None else self._ask(cursor)).json()
                if page["has_more"] and page["changes"] and page.get("cursor"):
                    ahead.ask(page["cursor"])
                self.db.executemany(
                    "INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?, ?)",
                    [_row(c) for c in page["changes"]],
                )
                cursor = page.get("cursor") or cursor
                if cursor is not None:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (cursor,))
                self.db.commit()
                taken += len(page["changes"])
                if not page["has_more"]:
                    return taken

    def _ask(self, cursor: str | None) -> httpx.Response:
        params: dict[str, str | int] = {"limit": DEFAULT_PULL_LIMIT}
        if cursor is not None:
            params["cursor"] = cursor
        return self.http.get("/api/v1/sync/pull", params=params, headers=self.auth).raise_for_status()

    def count(self, entity: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM rows WHERE entity = ?", (entity,)).fetchone()[0]

    def data(self, entity: str, row_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT data FROM rows WHERE entity = ? AND id = ?", (entity, row_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self.http.close()
        self.db.close()


# --- a fresh device's first sync, in a process of its own ----------------------------


def first_sync_here(*, folder: str, url: str, username: str, password: str) -> dict[str, Any]:
    """A fresh device's first sync in this process (see engine_first_sync)."""
    counter = BodyBytes()
    ordo = device(Path(folder), url, counter=counter, username=username, password=password)
    counter.reset()
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's size at fork.
    rss_before = peak_rss_mib(os.getpid())
    seconds, report = timed(ordo.sync_blocking)
    with ordo._store.read() as s:
        orders = s.scalar(select(func.count()).select_from(Order)) or 0
    ordo.close()
    return {
        "seconds": seconds,
        "changes": report.changes,
        "pages": report.pages,
        "orders_stored": orders,
        "peak_rss_mib": peak_rss_mib(os.getpid()),
        "peak_rss_before_sync_mib": rss_before,
        **counter.figures(),
    }


# The child imports this module alone (the client, not the server's modules a benchmark
# script holds), so its peak RSS is the client's: the app, its store and the sync.
_CHILD = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); from _common import first_sync_here; "
    "print(json.dumps(first_sync_here(**json.load(sys.stdin))))"
)


def engine_first_sync(folder: Path, url: str, *, username: str, password: str) -> dict[str, Any]:
    """A fresh device's first sync through the client engine into its store, timed in a
    process of its own; its figures and peak RSS."""
    args = {"folder": str(folder), "url": url, "username": username, "password": password}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(Path(__file__).resolve().parent)],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the first-sync process exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
