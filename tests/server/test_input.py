"""Hostile input (issue 5, item 3): bodies over the limit however they are sent,
over-long text in every wire schema, names and text that would break a database,
blob names that try to leave the blob folder, and no SQL built from strings.

There is no search endpoint yet: when one comes, its input joins these tests."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server_stub.auth.apikeys import create_api_key
from server_stub.db import Database

from .conftest import START, World, sign_in, snapshot
from .kit import AT, SHA, new_id, photo_args, signature_args

ROOT = Path(__file__).resolve().parents[2]


def _chunks(total: int) -> Iterator[bytes]:
    # A generator body goes out chunked, with no Content-Length for a middleware to refuse early.
    chunk = b" " * (1 << 20)
    for _ in range(total // len(chunk) + 1):
        yield chunk


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/intake/requests", "/api/v1/sync/push"])
def test_a_chunked_body_over_the_limit_is_413_while_it_streams(client: TestClient, path: str) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    response = client.post(path, content=_chunks(limit + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("username", "password"),
    [("a\x00b", "x"), ("u" * 151, "x"), ("tech1", "p" * 1025), ("", "x"), ("' OR '1'='1", "' OR '1'='1")],
)
def test_sign_in_input_is_validated_before_any_query(
    client: TestClient, world: World, username: str, password: str
) -> None:
    # NUL reached PostgreSQL before (a 500); the quote is only ever a wrong username.
    body = {"username": username, "password": password, "device_id": str(uuid.uuid4())}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == (401 if "'" in username else 422), response.text
    assert set(response.json()) == {"error"}


# Each text field of the push schemas, one character over its limit: `rejected`,
# `invalid_args`, naming the field, and the queue moves on.
OVER_LONG: list[tuple[str, str, dict[str, Any], str]] = [
    ("note", "note.add", {"id": new_id(), "text": "x" * 10_001, "at": AT}, "text"),
    ("note time", "note.add", {"id": new_id(), "text": "x", "at": "x" * 65}, "at"),
    (
        "reason",
        "order.transition",
        {"from": "assigned", "to": "on_hold", "at": AT, "reason": "r" * 2001},
        "reason",
    ),
    ("status word", "order.transition", {"from": "assigned", "to": "x" * 33, "at": AT}, "to"),
    ("caption", "photo.add", photo_args(caption="c" * 2001), "caption"),
    ("signer", "signature.add", signature_args(signer="s" * 201), "signer_name"),
    ("void reason", "entry.void", {"entity": "note", "id": new_id(), "reason": "v" * 2001}, "reason"),
    ("part", "part.use", {"id": new_id(), "sku": "k" * 65, "quantity": 1}, "sku"),
]


@pytest.mark.parametrize(("what", "type_", "args", "field"), OVER_LONG, ids=[o[0] for o in OVER_LONG])
def test_over_long_text_in_a_mutation_is_rejected_naming_the_field(
    client: TestClient, world: World, what: str, type_: str, args: dict[str, Any], field: str
) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    result = tech.push(
        [
            tech.mutation(type_, a, args),
            tech.mutation("note.add", a, {"id": new_id(), "text": "ok", "at": AT}),
        ]
    )
    first, second = result["results"]
    assert (first["status"], first["error"]["code"]) == ("rejected", "invalid_args")
    assert first["error"]["message"].startswith(field), first
    assert second["status"] == "applied" and result["last_mid"] == 2


@pytest.mark.parametrize(
    ("field", "value"), [("title", "t" * 301), ("description", "d" * 10_001), ("asset", "a" * 201)]
)
def test_over_long_order_fields_are_rejected(
    client: TestClient, world: World, field: str, value: str
) -> None:
    disp = sign_in(client, "disp")
    create = {"title": "Fine", field: value}
    update = {"fields": {field: value}}
    result = disp.push(
        [
            disp.mutation("order.create", new_id(), create),
            disp.mutation("order.update", world.orders["new"], update, base_seq=10**6),
        ]
    )
    assert [(r["status"], r["error"]["code"]) for r in result["results"]] == [
        ("rejected", "invalid_args")
    ] * 2
    assert all(field in r["error"]["message"] for r in result["results"])


# --- blob names never leave the blob folder ------------------------------------------

TRAVERSALS = [
    "../secret",
    "..%2Fsecret",
    "..%2fsecret",
    "%2e%2e%2fsecret",
    "%2E%2E/secret",
    "..%252Fsecret",
    "..%5Csecret",
    "..\\secret",
    "%2e%2e%5c%2e%2e%5csecret",
    "%2Fetc%2Fpasswd",
    f"{SHA[:62]}%00",
    f"{SHA}%00.png",
    f"..%2F..%2F{SHA}",
    f"{SHA}%2F..%2F..%2Fsecret",
    "\uff0e\uff0e\uff0fsecret",  # fullwidth dots and slash
    SHA.upper(),
    f"{SHA}%20",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_blob_names_that_try_to_leave_the_blob_folder_get_400_or_404(
    client: TestClient, world: World, db: Database, tmp_path: Path, name: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"the server's own file")
    (tmp_path / "blobs").mkdir(exist_ok=True)
    tech = sign_in(client, "tech1")
    before_files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.name != "secret")
    before_rows = snapshot(db)
    url = f"/api/v1/blobs/{name}"
    upload = {**tech.headers, "Upload-Offset": "0", "Upload-Length": "4"}
    answers = [
        client.head(url, headers=tech.headers),
        client.get(url, headers=tech.headers),
        client.patch(url, content=b"\x89PNG", headers=upload),
    ]
    for answer in answers:
        assert answer.status_code in (400, 404, 405), (name, answer.request.method, answer.status_code)
        assert b"the server's own file" not in answer.content
    assert secret.read_bytes() == b"the server's own file"
    after_files = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.name != "secret" and "-wal" not in p.name
    )
    assert [p for p in after_files if p not in before_files and not p.name.startswith("ordo.db")] == []
    assert snapshot(db) == before_rows


# --- SQL ------------------------------------------------------------------------------

_SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript"}
# Reviewed: an int from the settings, not input.
_ALLOWED = {("server_stub/db.py", "PRAGMA busy_timeout")}


def _is_sqlalchemy(owner: ast.expr) -> bool:
    return isinstance(owner, ast.Name) and owner.id in {"sa", "sqlalchemy", "sql"}


def _built_strings() -> list[str]:
    found = []
    for path in sorted((ROOT / "server_stub").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if (
                name == "text"
                and isinstance(node.func, ast.Attribute)
                and not _is_sqlalchemy(node.func.value)
            ):
                continue  # another library's text() (fpdf2 writes a PDF's words with pdf.text)
            arg = node.args[0]
            built = isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format"
            )
            if name in _SQL_CALLS and built:
                source = ast.get_source_segment(path.read_text(), arg) or ""
                if not any(rel == f and marker in source for f, marker in _ALLOWED):
                    found.append(f"{rel}:{node.lineno}: {source}")
    return found


def test_no_sql_is_built_from_strings() -> None:
    """Every query is SQLAlchemy expressions or text() with bound parameters."""
    assert _built_strings() == []


def test_quotes_and_sql_in_intake_text_are_stored_as_text(
    client: TestClient, world: World, db: Database
) -> None:
    with db.write() as session, session.begin():
        key = create_api_key(session, org_id=world.org_id, name="x", now=START).key
    nasty = "R'); DROP TABLE work_orders; --"
    body = {"external_id": nasty, "customer": nasty, "site": {"name": nasty}, "description": nasty}
    first = client.post("/api/v1/intake/requests", json=body, headers={"X-API-Key": key})
    again = client.post("/api/v1/intake/requests", json=body, headers={"X-API-Key": key})
    assert (first.status_code, again.status_code, again.json()) == (201, 200, first.json())
    orders = sign_in(client, "disp").pull_all()[0]
    (made,) = [c["data"] for c in orders if c["id"] == first.json()["id"]]
    assert made["external_id"] == nasty and made["customer"]["name"] == nasty
