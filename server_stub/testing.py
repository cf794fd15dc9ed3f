"""Test helpers for every suite: a real `ordo-server run` process on a free
loopback port, and a way to read an order straight from the server's database.

    with running_server(data_dir=tmp_path / "server") as server:
        client = httpx.Client(base_url=server.url)
        ...
        server.stop()    # the server goes offline (same port and data stay)
        server.start()   # and comes back
        row = read_order(database_url=server.database_url, number="WO-000001")
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from server_stub import serialize
from server_stub.db import open_database
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, Note, Photo, Signature, WorkOrder
from server_stub.seeding.demo import seed_demo
from server_stub.settings import Settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url_for(data_dir: Path) -> str:
    """The SQLite URL `ordo-server --data-dir data_dir` uses."""
    return Settings(data_dir=data_dir, database_url=None).database_url


@dataclass
class ServerProcess:
    data_dir: Path
    port: int
    database_url: str
    host: str = "127.0.0.1"
    startup_timeout: float = 30.0
    workers: int = 1  # server processes (`ordo-server run --workers`; above 1 on PostgreSQL)
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Base URL without the /api/v1 prefix, e.g. http://127.0.0.1:54321."""
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (benchmarks read its /proc figures)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start (or restart) on the same port and data; returns once /health answers."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "server_stub.cli", "run", "--host", self.host, "--port", str(self.port)]
        cmd += [
            "--data-dir",
            str(self.data_dir),
            "--database-url",
            self.database_url,
            "--log-level",
            "warning",
            "--workers",
            str(self.workers),
        ]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"ordo-server exited with {self._proc.returncode}:\n{self._log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v1/health", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)  # polling a real process, with a deadline
        self.stop()
        raise TimeoutError(f"ordo-server did not answer within {self.startup_timeout}s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self, *, timeout: float = 10.0) -> int | None:
        """SIGTERM, then kill if it has not stopped within `timeout` seconds.

        Returns the exit code (0 after a clean stop), or None if it was not running.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is not None:
            return proc.returncode
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=timeout)


@contextlib.contextmanager
def running_server(
    *,
    data_dir: Path,
    seed_demo: bool = True,
    seed_history: bool = False,
    database_url: str | None = None,
    port: int | None = None,
    workers: int = 1,
) -> Iterator[ServerProcess]:
    """A migrated (and by default demo-seeded) server process, stopped on exit."""
    url = database_url or database_url_for(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    migrate(url)
    if seed_demo:
        _seed(database_url=url, history=seed_history)
    server = ServerProcess(data_dir=data_dir, port=port or free_port(), database_url=url, workers=workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _seed(*, database_url: str, history: bool = False) -> None:
    seed_demo(database_url=database_url, now=datetime.now(UTC), history=history)


def read_order(
    *, database_url: str, number: str | None = None, order_id: str | None = None
) -> dict[str, Any] | None:
    """An order as the server holds it: the pulled row plus `seq`, `checklist`
    (by position), `notes` (oldest first), `photos` and `signatures`; None when there is no such order."""
    if (number is None) == (order_id is None):
        raise ValueError("give exactly one of number or order_id")
    db = open_database(database_url)
    try:
        with db.read() as session:
            query = select(WorkOrder).where(
                WorkOrder.number == number if number is not None else WorkOrder.id == order_id
            )
            order = session.execute(query).scalars().first()
            if order is None:
                return None
            items = session.execute(
                select(ChecklistItem)
                .where(ChecklistItem.order_id == order.id)
                .order_by(ChecklistItem.position)
            ).scalars()
            notes = session.execute(select(Note).where(Note.order_id == order.id).order_by(Note.at)).scalars()
            photos = session.execute(
                select(Photo).where(Photo.order_id == order.id).order_by(Photo.taken_at, Photo.id)
            ).scalars()
            signatures = session.execute(select(Signature).where(Signature.order_id == order.id)).scalars()
            return {
                **serialize.work_order(order),
                "seq": order.seq,
                "checklist": [serialize.checklist_item(i) for i in items],
                "notes": [serialize.note(n) for n in notes],
                "photos": [serialize.photo(p) for p in photos],
                "signatures": [serialize.signature(g) for g in signatures],
            }
    finally:
        db.dispose()
