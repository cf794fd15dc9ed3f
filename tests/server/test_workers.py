"""`ordo-server run --workers N`: N processes on one port and one PostgreSQL database act
as one server (every push lands once, in mid order, whichever process answered it); on
SQLite the option is refused with a sentence, not started half-way."""

from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pgkit import fresh_database, pg_admin

from server_stub.testing import running_server

pytestmark = [pytest.mark.slow]

API = "/api/v1"
AT = "2026-11-25T10:00:00Z"
DEVICES = 6
PUSHES = 8


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in tasks.read_text().split()] if tasks.exists() else []


def _device_run(base: str, index: int) -> tuple[str, list[str]]:
    """One technician's device: sign in, then pushes of two notes each, in mid order."""
    device_id = str(uuid.uuid4())
    with httpx.Client(base_url=base + API, timeout=30) as api:
        body = {"username": "tech1", "password": "demo-tech", "device_id": device_id}
        answer = api.post("/auth/token", json=body)
        assert answer.status_code == 200, answer.text
        api.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        page = api.get("/sync/pull", params={"limit": 1000}).json()
        order = next(c["id"] for c in page["changes"] if c["entity"] == "work_order")
        texts, mid = [], 0
        for n in range(PUSHES):
            batch = []
            for _ in range(2):
                mid += 1
                texts.append(f"d{index} m{mid}")
                args = {"id": str(uuid.uuid4()), "text": texts[-1], "at": AT}
                batch.append({"mid": mid, "type": "note.add", "entity_id": order, "args": args})
            result = api.post("/sync/push", json={"protocol": 1, "device_id": device_id, "mutations": batch})
            assert result.status_code == 200, result.text
            assert [r["status"] for r in result.json()["results"]] == ["applied", "applied"], n
        return order, texts


@pytest.mark.postgres
def test_several_worker_processes_act_as_one_server(tmp_path: Path) -> None:
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)
    with (
        fresh_database(dsn=dsn, user=user, prefix="ordo_workers_") as url,
        running_server(data_dir=tmp_path / "server", database_url=url, workers=3) as server,
    ):
        assert server.pid is not None
        assert len(_children(server.pid)) >= 3  # uvicorn's supervisor and its workers
        with ThreadPoolExecutor(max_workers=DEVICES) as pool:
            runs = list(pool.map(lambda i: _device_run(server.url, i), range(DEVICES)))
        with httpx.Client(base_url=server.url + API, timeout=30) as api:
            body = {"username": "dispatcher", "password": "demo-dispatcher", "device_id": str(uuid.uuid4())}
            token = api.post("/auth/token", json=body).json()["access_token"]
            api.headers["Authorization"] = f"Bearer {token}"
            notes: dict[str, int] = {}
            cursor = None
            while True:
                page = api.get("/sync/pull", params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
                data = page.json()
                for c in data["changes"]:
                    if c["entity"] == "note":
                        notes[c["data"]["text"]] = c["seq"]
                cursor = data["cursor"]
                if not data["has_more"]:
                    break
        for _order, texts in runs:
            seqs = [notes[t] for t in texts]  # every note is there once ...
            assert seqs == sorted(seqs)  # ... in the order its device sent it


def test_workers_on_sqlite_are_refused_with_a_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ordo.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "server_stub.cli", "run", "--database-url", url, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
    assert not (tmp_path / "ordo.db").exists()  # refused before anything was made
