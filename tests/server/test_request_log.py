"""The request log (issue 5, item 4): one JSON line per request with method, route
template, status, duration, user, device and remote address, and never a
password, token, API key, query string or body byte."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from starlette.types import Receive, Scope, Send

from server_stub.api.logging import ACCESS_LOGGER, RequestLogMiddleware, log_requests_to
from server_stub.auth.apikeys import create_api_key
from server_stub.db import Database
from server_stub.migrate import migrate
from server_stub.testing import database_url_for, free_port

from .conftest import PASSWORD, START, World, sign_in

FIELDS = {"method", "path", "status", "ms", "user", "device", "key", "remote"}


def _photo() -> bytes:
    rng = random.Random(7)
    out = io.BytesIO()
    Image.frombytes("RGB", (32, 32), rng.randbytes(32 * 32 * 3)).save(out, format="PNG")
    return out.getvalue()


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]


def _secrets_of(data: bytes) -> list[str]:
    """Ways bytes could leak into a text log: a slice decoded, in hex, in base64."""
    middle = data[len(data) // 2 : len(data) // 2 + 24]
    return [
        middle.decode("latin-1"),
        middle.hex(),
        base64.b64encode(middle).decode()[:24],
        repr(middle)[2:30],
    ]


def test_a_sign_in_and_a_photo_upload_leave_no_secret_in_the_log(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    device_id = str(uuid.uuid4())
    signed = client.post(
        "/api/v1/auth/token", json={"username": "tech1", "password": PASSWORD, "device_id": device_id}
    )
    token = signed.json()["access_token"]
    photo = _photo()
    digest = hashlib.sha256(photo).hexdigest()
    headers = {"Authorization": f"Bearer {token}", "Upload-Offset": "0", "Upload-Length": str(len(photo))}
    assert client.patch(f"/api/v1/blobs/{digest}", content=photo, headers=headers).status_code == 201
    cursor = "eyJ2IjoxLCJzZXEiOjB9"
    pulled = client.get(
        "/api/v1/sync/pull", params={"cursor": cursor}, headers={"Authorization": f"Bearer {token}"}
    )
    assert pulled.status_code == 200

    lines = _lines(caplog)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("POST", "/api/v1/auth/token", 200),
        ("PATCH", "/api/v1/blobs/{sha256}", 201),
        ("GET", "/api/v1/sync/pull", 200),
    ]
    for line in lines:
        assert set(line) == FIELDS and line["remote"] == "testclient" and line["ms"] >= 0
    user_id = signed.json()["user"]["id"]
    assert (lines[1]["user"], lines[1]["device"]) == (user_id, device_id)
    assert (lines[2]["user"], lines[2]["device"]) == (user_id, device_id)
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for secret in [PASSWORD, token, token[:20], cursor, digest, *_secrets_of(photo)]:
        assert secret not in text


def test_a_failed_sign_in_and_a_refused_token_are_logged_without_them(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    body = {"username": "tech1", "password": "hunter2-wrong", "device_id": str(uuid.uuid4())}
    assert client.post("/api/v1/auth/token", json=body).status_code == 401
    fake = "not-a-real-token-but-secret-looking"
    assert client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {fake}"}).status_code == 401
    assert client.get("/api/v1/no/such/route/hunter2").status_code == 404
    lines = _lines(caplog)
    assert [(line["path"], line["status"], line["user"]) for line in lines] == [
        ("/api/v1/auth/token", 401, None),
        ("/api/v1/sync/pull", 401, None),
        ("(no route)", 404, None),
    ]
    assert "hunter2" not in caplog.text and fake not in caplog.text


def test_intake_logs_the_key_id_never_the_key(
    client: TestClient, world: World, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with db.write() as session, session.begin():
        issued = create_api_key(session, org_id=world.org_id, name="CRM", now=START)
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    body = {"external_id": "R-1", "customer": "Pat", "site": {"name": "Depot"}, "description": "Leak"}
    assert (
        client.post("/api/v1/intake/requests", json=body, headers={"X-API-Key": issued.key}).status_code
        == 201
    )
    (line,) = _lines(caplog)
    assert (line["key"], line["user"], line["device"]) == (issued.key_id, issued.user_id, None)
    assert issued.key not in caplog.text and "Leak" not in caplog.text


def test_a_body_over_the_limit_is_logged_too(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    tech = sign_in(client, "tech1")
    caplog.clear()
    big = b"x" * (client.app.state.settings.max_body_bytes + 1)  # type: ignore[attr-defined]
    answer = client.post(
        "/api/v1/sync/push", content=big, headers={**tech.headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert [(line["path"], line["status"]) for line in _lines(caplog)] == [("(no route)", 413)]


async def _crash(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("boom")


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_duration_comes_from_the_injected_timer_and_a_crash_is_a_500_line() -> None:
    ticks = iter([10.0, 10.25, 20.0, 20.5])
    logger = logging.getLogger("test.request_log")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        TestClient(RequestLogMiddleware(_ok, logger=logger, timer=lambda: next(ticks))).get("/x?secret=1")
        crashing = TestClient(RequestLogMiddleware(_crash, logger=logger, timer=lambda: next(ticks)))
        with pytest.raises(RuntimeError):
            crashing.get("/y")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["status"], first["ms"], first["path"]) == (204, 250.0, "(no route)")
    assert (second["status"], second["ms"]) == (500, 500.0)
    assert "secret" not in stream.getvalue()


def test_log_requests_to_adds_one_handler_and_honours_the_level() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    before = list(logger.handlers)
    stream = io.StringIO()
    try:
        log_requests_to(stream, level="info")
        log_requests_to(stream, level="info")
        logger.info('{"path":"/a"}')
        log_requests_to(stream, level="warning")
        logger.info('{"path":"/b"}')
    finally:
        for handler in logger.handlers[len(before) :]:
            logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert stream.getvalue().count('{"path":"/a"}') == 1 and "/b" not in stream.getvalue()


def _wait_until_up(http: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "ordo-server exited"
        try:
            if http.get("/api/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)  # polling a real process until it listens, with a deadline
    raise TimeoutError("ordo-server did not answer within 30 s")


@pytest.mark.slow
def test_a_real_server_process_writes_the_request_log(tmp_path: Path) -> None:
    """`ordo-server run` writes one line per request to stderr (uvicorn's access log is off)."""
    data_dir = tmp_path / "server"
    url = database_url_for(data_dir)
    migrate(url)
    port = free_port()
    log_path = tmp_path / "server.log"
    cmd = [sys.executable, "-m", "server_stub.cli", "run", "--port", str(port), "--data-dir", str(data_dir),
           "--log-level", "info"]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            _wait_until_up(http, proc)
            body = {"username": "nobody", "password": "s3cret-pass", "device_id": str(uuid.uuid4())}
            assert http.post("/api/v1/auth/token", json=body).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = log_path.read_text()
    lines = [json.loads(line.split(" ", 2)[2]) for line in text.splitlines() if '"path":' in line]
    assert {"method": "POST", "path": "/api/v1/auth/token", "status": 401}.items() <= lines[-1].items()
    assert lines[-1]["remote"] == "127.0.0.1" and "s3cret-pass" not in text
    assert '"GET /api/v1/health' not in text  # uvicorn's own access line is off
