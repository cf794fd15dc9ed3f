"""The OpenAPI document states the constraints the server really applies (issue 9), so
that schemathesis's checks (test_schemathesis.py, slow) mean something; these are the
quick, hand-written versions of what it relies on."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from app.domain.limits import MAX_CURSOR
from app.domain.protocol import DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, PROTOCOL, IntakeRequest, PushRequest
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.settings import Settings
from server_stub.sync.cursor import encode

SHA = "ab" * 32
BLOB = f"/api/v1/blobs/{SHA}"


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'ordo.db'}", blob_max_bytes=5000
    )
    migrate(settings.database_url)  # create_app's precondition (the live pokes read the counter)
    with TestClient(create_app(settings)) as client:
        yield client


def _parameters(doc: dict[str, Any], path: str, method: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in doc["paths"][path][method].get("parameters", [])}


def test_a_blob_is_named_by_64_lowercase_hex_characters(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    for method in ("head", "get", "patch"):
        pattern = _parameters(doc, "/api/v1/blobs/{sha256}", method)["sha256"]["schema"]["pattern"]
        assert re.fullmatch(pattern, SHA)
        for bad in ("AB" * 32, "ab" * 31, "ab" * 33, "g" * 64):
            assert not re.fullmatch(pattern, bad)


def test_a_patch_names_its_upload_headers_within_the_size_limit(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    headers = _parameters(doc, "/api/v1/blobs/{sha256}", "patch")
    offset, length = headers[UPLOAD_OFFSET], headers[UPLOAD_LENGTH]
    assert offset["required"] and length["required"]
    assert (offset["schema"]["minimum"], offset["schema"]["maximum"]) == (0, 5000)
    assert (length["schema"]["minimum"], length["schema"]["maximum"]) == (1, 5000)


def test_the_pull_cursor_is_documented_as_the_server_checks_it(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    cursor = _parameters(doc, "/api/v1/sync/pull", "get")["cursor"]["schema"]
    assert cursor["anyOf"][0]["maxLength"] == MAX_CURSOR
    assert cursor["format"] == "pull-cursor"
    for real in (encode(0), encode(2**40, floor=7)):
        assert re.fullmatch(cursor["pattern"], real)


def test_push_names_the_protocol_it_speaks(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    assert doc["components"]["schemas"]["PushRequest"]["properties"]["protocol"]["const"] == PROTOCOL


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE", "POST"])
def test_a_method_the_path_lacks_is_405_naming_every_method_it_has(
    app_client: TestClient, method: str
) -> None:
    answer = app_client.request(method, BLOB)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, PATCH"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert app_client.put("/api/v1/sync/pull").headers["allow"] == "GET"


@pytest.mark.parametrize(
    ("site", "ok"),
    [({"lat": 52.5, "lon": 13}, True), ({"lat": "52.5"}, False), ({"lon": True}, False)],
)
def test_intake_coordinates_are_json_numbers(site: dict[str, Any], ok: bool) -> None:
    body = {"external_id": "x", "customer": "c", "description": "d", "site": {"name": "s"} | site}
    if ok:
        IntakeRequest.model_validate(body)
    else:
        with pytest.raises(ValueError):
            IntakeRequest.model_validate(body)


@pytest.mark.parametrize("mid", ["1", True, 1.5])
def test_a_mutation_number_is_a_json_integer(mid: object) -> None:
    mutation = {"mid": mid, "type": "note.add", "entity_id": str(uuid.uuid4())}
    body = {"protocol": PROTOCOL, "device_id": str(uuid.uuid4()), "mutations": [mutation]}
    with pytest.raises(ValueError):
        PushRequest.model_validate(body)
    PushRequest.model_validate(body | {"mutations": [mutation | {"mid": 1}]})  # a JSON integer is fine


def test_the_history_documents_its_cursor_and_limit(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    params = _parameters(doc, "/api/v1/orders/{order_id}/history", "get")
    assert params["order_id"]["schema"]["format"] == "uuid"
    assert params["cursor"]["schema"]["format"] == "pull-cursor"
    limit = params["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (
        1,
        MAX_HISTORY_LIMIT,
        DEFAULT_HISTORY_LIMIT,
    )
    answers = doc["paths"]["/api/v1/orders/{order_id}/history"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "422"} <= set(answers)
