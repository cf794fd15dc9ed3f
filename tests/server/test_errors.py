"""Every error answers with the protocol's error body, in the protocol's order."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from app.domain import rules
from app.domain.codes import Code
from server_stub.db import Database
from server_stub.sync.apply import Rejected

from .conftest import World, sign_in, snapshot


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return body["error"]


def test_health(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "protocol": 1}


def test_unknown_route_is_404_with_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_wrong_method_is_405_with_error_body(client: TestClient) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_push_without_token_is_401_before_validation(client: TestClient) -> None:
    response = client.post("/api/v1/sync/push", json={"nonsense": True})
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/sync/pull", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


def test_non_json_push_is_400(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    response = client.post(
        "/api/v1/sync/push",
        content=b"{not json",
        headers={**tech.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed"


def test_non_json_push_is_400_even_before_authentication(client: TestClient) -> None:
    response = client.post(
        "/api/v1/sync/push", content=b"<html>", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed"


def test_non_json_sign_in_is_400_not_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed"


def test_invalid_push_body_is_422(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    for body in (
        [],
        {"protocol": 1, "device_id": tech.device_id},
        {"protocol": 1, "device_id": tech.device_id, "mutations": [{"mid": 0, "type": "x"}]},
        {"protocol": "one", "device_id": tech.device_id, "mutations": []},
        {"protocol": 1, "device_id": "not-a-uuid", "mutations": []},
    ):
        response = client.post("/api/v1/sync/push", json=body, headers=tech.headers)
        assert response.status_code == 422, (body, response.text)
        assert _error(response)["code"] == "validation_failed"


def test_body_over_the_limit_is_413_and_changes_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)
    huge = b'{"protocol": 1, "pad": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/sync/push", content=huge, headers={**tech.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"
    assert snapshot(db) == before


def test_chunked_body_over_the_limit_is_413(client: TestClient, world: World, db: Database) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: sent chunked
        yield b'{"protocol": 1, "pad": "'
        for _ in range(9):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = client.post(
        "/api/v1/sync/push", content=chunks(), headers={**tech.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"
    assert snapshot(db) == before


def test_garbage_inputs_never_give_500(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    requests = [
        ("GET", "/api/v1/sync/pull?limit=-5", None),
        ("GET", "/api/v1/sync/pull?limit=abc", None),
        ("GET", "/api/v1/sync/pull?cursor=%00%01", None),
        ("GET", "/api/v1/sync/pull?cursor=" + "A" * 500, None),
        ("POST", "/api/v1/sync/push", b"null"),
        ("POST", "/api/v1/sync/push", b'"text"'),
        ("POST", "/api/v1/sync/push", b'{"protocol": 1, "device_id": null, "mutations": {}}'),
        ("POST", "/api/v1/sync/push", b'{"protocol": 1e999, "mutations": []}'),
        ("POST", "/api/v1/auth/token", b'{"username": 5, "password": [], "device_id": "x"}'),
        ("POST", "/api/v1/auth/token", b"[]"),
    ]
    for method, url, content in requests:
        response = client.request(
            method, url, content=content, headers={**tech.headers, "Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (url, content, response.status_code, response.text)
        _error(response)


def test_garbage_mutation_args_are_rejected_not_500(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    order = world.orders["a"]
    bad_args = [
        ("order.transition", {}),
        ("order.transition", {"from": "assigned", "to": "flying", "at": "2026-11-25T10:00:00Z"}),
        ("order.transition", {"from": "assigned", "to": "en_route", "at": "yesterday"}),
        ("order.transition", {"from": 5, "to": None, "at": []}),
        ("checklist.set", {"item_id": "nope", "done": True}),
        ("checklist.set", {"item_id": str(uuid.uuid4()), "done": "maybe"}),
        ("note.add", {"id": str(uuid.uuid4()), "text": "", "at": "2026-11-25T10:00:00Z"}),
        ("note.add", {"id": str(uuid.uuid4()), "text": "x", "at": "not a time"}),
    ]
    result = tech.push([tech.mutation(type_, order, args) for type_, args in bad_args])
    assert [r["status"] for r in result["results"]] == ["rejected"] * len(bad_args)
    assert {r["error"]["code"] for r in result["results"]} == {"invalid_args"}
    assert result["last_mid"] == len(bad_args)


def test_a_rejection_carries_one_of_the_protocols_codes() -> None:
    assert Rejected("forbidden", "no").code is Code.FORBIDDEN
    with pytest.raises(ValueError, match="unknown_mutation"):
        Rejected("unknown_mutation", "a code the protocol page does not list")
    refused = Rejected.of(rules.refuse(Code.ILLEGAL_STATE, "the order is completed"))
    assert (refused.code, refused.message) == (Code.ILLEGAL_STATE, "the order is completed")
    with pytest.raises(ValueError, match="refuses nothing"):
        Rejected.of(rules.ALLOW)
