"""Real processes for the UI tests: the client web view, a garbage HTTP server, and data checks."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server_stub.testing import free_port

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def ordo_command() -> list[str]:
    """The installed `ordo` console script next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("ordo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


@dataclass
class ClientProcess:
    """`ordo run --web` as a real subprocess on a free loopback port."""

    data_dir: Path
    server_url: str
    port: int = field(default_factory=free_port)
    startup_timeout: float = 60.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "ordo.db"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"client-{self.port}.log"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [*ordo_command(), "run", "--web", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--data-dir", str(self.data_dir), "--server", self.server_url]
        env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1", "FLET_WEB_NO_CDN": "true"}
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.data_dir
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"ordo run exited with {self._proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)  # polling a real process, with a deadline
        self.stop()
        raise TimeoutError(f"the client did not answer within {self.startup_timeout}s:\n{self.log_tail()}")

    def log_tail(self, *, chars: int = 20_000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)

    # --- what the device holds (read-only, beside the running client) ---------------

    def local(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def local_counts(self) -> dict[str, int]:
        return {t: self.local(f"SELECT count(*) FROM {t}")[0][0] for t in ("orders", "notes", "outbox")}


@contextlib.contextmanager
def garbage_server() -> Iterator[str]:
    """A loopback HTTP server that answers everything with an HTML page, never JSON."""

    class Garbage(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = b"<html><body>It works! (not an Ordo server)</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"


def pull_everything(*, server_url: str, username: str, password: str) -> list[dict[str, Any]]:
    """Every change a user may pull, over real HTTP, as another device would."""
    with httpx.Client(base_url=server_url, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/token",
            json={"username": username, "password": password, "device_id": str(uuid.uuid4())},
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        changes: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            page = http.get("/api/v1/sync/pull", params=params, headers=headers)
            page.raise_for_status()
            body = page.json()
            changes += body["changes"]
            cursor = body["cursor"]
            if not body["has_more"]:
                return changes


def pick_order(*, server_url: str, technician: str) -> dict[str, Any]:
    """An `assigned` order of `technician` without a required signature whose item 1 is a checkbox."""
    changes = pull_everything(server_url=server_url, username="dispatcher", password="demo-dispatcher")
    users = {c["data"]["username"]: c["id"] for c in changes if c["entity"] == "user"}
    first_items = {
        c["data"]["order_id"]: c["data"]
        for c in changes
        if c["entity"] == "checklist_item" and c["data"]["position"] == 1
    }
    candidates = [
        c["data"]
        for c in changes
        if c["entity"] == "work_order"
        and c["data"]["assignee_id"] == users[technician]
        and c["data"]["status"] == "assigned"
        and not c["data"]["requires_signature"]
        and first_items.get(c["id"], {}).get("kind") == "check"
    ]
    if not candidates:
        raise AssertionError(f"the demo data has no plain assigned order for {technician}")
    return min(candidates, key=lambda o: o["due_at"] or "")
