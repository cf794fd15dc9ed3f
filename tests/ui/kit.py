"""Real processes for the UI tests: the client web view, a garbage HTTP server, and data checks."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
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
TABLET = {"width": 1024, "height": 768}
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


class Desk:
    """The dispatcher's other device, speaking the protocol over real HTTP: what a desk would send.

    Tests use it to change an order behind a device's back (while that device is offline, say).
    """

    def __init__(
        self, *, server_url: str, username: str = "dispatcher", password: str = "demo-dispatcher"
    ) -> None:
        self.server_url = server_url
        self.device_id = str(uuid.uuid4())
        self._next_mid = 1
        answer = httpx.post(
            f"{server_url}/api/v1/auth/token",
            json={"username": username, "password": password, "device_id": self.device_id},
            timeout=10,
        )
        answer.raise_for_status()
        self._headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def push(
        self, *, type: str, entity_id: str, args: dict[str, Any], base_seq: int | None = None
    ) -> dict[str, Any]:
        """One mutation; returns its result ({"mid", "status", "seq"?, "error"?})."""
        mid, self._next_mid = self._next_mid, self._next_mid + 1
        mutation: dict[str, Any] = {"mid": mid, "type": type, "entity_id": entity_id, "args": args}
        if base_seq is not None:
            mutation["base_seq"] = base_seq
        answer = httpx.post(
            f"{self.server_url}/api/v1/sync/push",
            json={"protocol": 1, "device_id": self.device_id, "mutations": [mutation]},
            headers=self._headers,
            timeout=10,
        )
        answer.raise_for_status()
        (result,) = answer.json()["results"]
        return dict(result)


def user_ids(*, server_url: str) -> dict[str, str]:
    """username -> user id, from the directory a dispatcher pulls."""
    changes = pull_everything(server_url=server_url, username="dispatcher", password="demo-dispatcher")
    return {c["data"]["username"]: c["id"] for c in changes if c["entity"] == "user"}


def check_item(*, position: int, label: str, required: bool = False) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "position": position,
        "label": label,
        "kind": "check",
        "required": required,
    }


def create_order(
    desk: Desk,
    *,
    title: str,
    assignee_id: str | None,
    checklist: list[dict[str, Any]],
    kind: str = "maintenance",
) -> str:
    """A dispatcher's new order, pushed from the desk; returns its id."""
    order_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": order_id,
        "title": title,
        "description": "Made by the browser test.",
        "kind": kind,
        "priority": "high",
        "assignee_id": assignee_id,
        "site": {"name": "Harbour View Offices", "address": "12 Quay Street, Harbourside"},
        "customer": {"name": "Harbour Properties Ltd"},
        "checklist": checklist,
    }
    result = desk.push(type="order.create", entity_id=order_id, args=args)
    assert result["status"] == "applied", result
    return order_id


class Relay:
    """A TCP relay on a loopback port in front of the server that a test can cut and restore.

    A device talking through it loses its network while the server stays up for everyone else.
    Cut, the port refuses connections (as an unreachable server does) and open ones are closed.
    """

    def __init__(self, *, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            open_now, self._open = self._open, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                inbound, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                outbound = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                inbound.close()
                continue
            outbound.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    inbound.close()
                    outbound.close()
                    return
                self._open |= {inbound, outbound}
            for a, b in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.cut()


@contextlib.contextmanager
def relay_to(server_url: str) -> Iterator[Relay]:
    relay = Relay(target_port=int(server_url.rsplit(":", 1)[1]))
    relay.restore()
    try:
        yield relay
    finally:
        relay.close()
