"""Sign-in, tokens and throttling (with an injected clock)."""

from __future__ import annotations

import uuid

import argon2
import pytest
from fastapi.testclient import TestClient

from server_stub.auth.security import hash_password, verify_password
from server_stub.clock import FakeClock

from .conftest import PASSWORD, World, sign_in


def _token(client: TestClient, username: str, password: str, device_id: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password, "device_id": device_id or str(uuid.uuid4())},
    )


def test_sign_in_returns_a_token_and_the_user(client: TestClient, world: World) -> None:
    response = _token(client, "tech1", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 40 and body["refresh_token"]
    assert body["user"] == {
        "id": world.users["tech1"],
        "username": "tech1",
        "display_name": "Tech1",
        "role": "technician",
    }


def test_production_password_hashes_are_strong_and_verify() -> None:
    # The test world signs in with cheap hashes; the ones the server makes must not be.
    stored = hash_password(PASSWORD)
    cost = argon2.extract_parameters(stored)
    assert cost.type is argon2.Type.ID
    assert cost.time_cost >= 2 and cost.memory_cost >= 19 * 1024  # OWASP's argon2id minimum
    assert PASSWORD not in stored
    assert verify_password(password_hash=stored, password=PASSWORD)
    assert not verify_password(password_hash=stored, password=PASSWORD + "!")
    assert not verify_password(password_hash=None, password=PASSWORD)  # unknown user


def test_token_is_stored_only_as_a_hash(client: TestClient, world: World, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from server_stub.models import AccessToken

    token = _token(client, "tech1", PASSWORD).json()["access_token"]
    with db.read() as session:
        stored = session.execute(select(AccessToken.token_hash)).scalars().all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_wrong_password_and_unknown_user_are_401(client: TestClient, world: World) -> None:
    for username, password in (("tech1", "wrong"), ("nobody", PASSWORD)):
        response = _token(client, username, password)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"


def test_token_expires(client: TestClient, world: World, clock: FakeClock) -> None:
    tech = sign_in(client, "tech1")
    assert client.get("/api/v1/sync/pull", headers=tech.headers).status_code == 200
    clock.advance(seconds=3600 + 1)
    response = client.get("/api/v1/sync/pull", headers=tech.headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_ten_wrong_passwords_throttle_that_username(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    for _ in range(10):
        assert _token(client, "tech1", "wrong").status_code == 401
        clock.advance(seconds=30)
    # The right password does not get through while throttled...
    response = _token(client, "tech1", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    # ...and the wait is until the oldest failure (300 s ago) leaves the 15-minute window.
    assert int(response.headers["Retry-After"]) == 15 * 60 - 300
    # Other usernames are not affected.
    assert _token(client, "tech2", PASSWORD).status_code == 200
    clock.advance(seconds=15 * 60 - 300)
    assert _token(client, "tech1", PASSWORD).status_code == 200


def test_successful_sign_ins_do_not_count(client: TestClient, world: World) -> None:
    for _ in range(12):
        assert _token(client, "tech1", PASSWORD).status_code == 200


@pytest.mark.slow  # 50 argon2 verifications against the unknown-user hash
def test_fifty_failures_from_one_address_throttle_every_username(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    for i in range(50):
        assert _token(client, f"guess{i}", "wrong").status_code == 401
    response = _token(client, "tech1", PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 15 * 60
    clock.advance(seconds=15 * 60)
    assert _token(client, "tech1", PASSWORD).status_code == 200
