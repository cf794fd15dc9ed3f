"""Signed, expiring, refreshable, revocable tokens (an injected clock moves time),
on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from server_stub.auth.accounts import disable_user, enable_user, reset_password, revoke_device
from server_stub.auth.signing import SecretKeyError, TokenKind, load_key, sign
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.main import create_app
from server_stub.models import AccessToken, RefreshToken
from server_stub.settings import Settings

from .conftest import PASSWORD, START, World

PULL = "/api/v1/sync/pull"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
HOUR = 3600


def _sign_in(client: TestClient, username: str = "tech1", *, device_id: str | None = None) -> dict[str, Any]:
    device = device_id or str(uuid.uuid4())
    response = client.post(TOKEN, json={"username": username, "password": PASSWORD, "device_id": device})
    assert response.status_code == 200, response.text
    return {**response.json(), "device_id": device}


def _pull(client: TestClient, token: str) -> Any:
    # Latin-1 bytes, as a hostile client may send them (httpx would refuse a non-ASCII str).
    return client.get(PULL, headers={"Authorization": f"Bearer {token}".encode("latin-1")})


def _refresh(client: TestClient, refresh_token: str, device_id: str) -> Any:
    return client.post(REFRESH, json={"refresh_token": refresh_token, "device_id": device_id})


def _code(response: Any) -> str:
    return response.json()["error"]["code"]


# --- signature ----------------------------------------------------------------------


def test_sign_in_returns_a_signed_access_token_and_a_refresh_token(client: TestClient, world: World) -> None:
    body = _sign_in(client)
    assert body["expires_in"] == HOUR
    kind, token_id, expiry, signature = body["access_token"].split(".")
    assert kind == "a1" and len(token_id) >= 32 and len(signature) == 43
    assert int(expiry) == int((START + timedelta(hours=1)).timestamp())
    assert body["refresh_token"].startswith("r1.")
    assert _pull(client, body["access_token"]).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="signature"),
        pytest.param(lambda t: t.replace(t.split(".")[2], str(int(t.split(".")[2]) + 86400)), id="expiry"),
        pytest.param(lambda t: "r1." + t.split(".", 1)[1], id="kind"),
        pytest.param(lambda t: t.split(".", 1)[0] + ".x" + t.split(".", 1)[1][1:], id="token-id"),
        pytest.param(lambda _t: "not.a.token", id="garbage"),
        pytest.param(lambda _t: "Zq3" * 20, id="old-style-random-token"),
        pytest.param(lambda t: t[:-1] + "\u00e9", id="non-ascii"),
        pytest.param(lambda t: t + "." + "x" * 300, id="too-long"),
    ],
)
def test_a_tampered_token_is_401(client: TestClient, world: World, tamper: Any) -> None:
    token = _sign_in(client)["access_token"]
    response = _pull(client, tamper(token))
    assert response.status_code == 401
    assert _code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_is_refused_without_a_query(client: TestClient, world: World) -> None:
    token = _sign_in(client)["access_token"]
    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert _pull(client, token[:-2] + "xx").status_code == 401
        assert not [s for s in statements if "access_tokens" in s]
        assert _pull(client, token).status_code == 200
        assert [s for s in statements if "access_tokens" in s]  # a good signature is looked up
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_token_signed_with_another_key_is_401(client: TestClient, world: World) -> None:
    forged = sign(key=b"k" * 48, kind=TokenKind.ACCESS, expires_at=START + timedelta(hours=1))
    assert _code(_pull(client, forged)) == "unauthorized"


def test_tokens_are_stored_only_as_hashes(client: TestClient, world: World, db: Database) -> None:
    body = _sign_in(client)
    with db.read() as session:
        stored = set(session.execute(select(AccessToken.token_hash)).scalars())
        stored |= set(session.execute(select(RefreshToken.token_hash)).scalars())
    assert body["access_token"] not in stored and body["refresh_token"] not in stored
    assert {len(h) for h in stored} == {64}


# --- expiry and refresh ---------------------------------------------------------------


def test_access_token_expires_after_an_hour_and_refresh_renews_it(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    first = _sign_in(client)
    clock.advance(seconds=HOUR - 1)
    assert _pull(client, first["access_token"]).status_code == 200
    clock.advance(seconds=1)
    expired = _pull(client, first["access_token"])
    assert expired.status_code == 401 and _code(expired) == "token_expired"

    renewed = _refresh(client, first["refresh_token"], first["device_id"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["expires_in"] == HOUR and body["user"]["username"] == "tech1"
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]
    assert _pull(client, body["access_token"]).status_code == 200


def test_refresh_rotates_and_retires_the_previous_access_token(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    first = _sign_in(client)
    second = _refresh(client, first["refresh_token"], first["device_id"]).json()
    # One live pair per sign-in: the access token handed out before is revoked.
    assert _code(_pull(client, first["access_token"])) == "token_revoked"
    third = _refresh(client, second["refresh_token"], first["device_id"])
    assert third.status_code == 200
    assert _pull(client, third.json()["access_token"]).status_code == 200


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    first = _sign_in(client)
    other_device = _sign_in(client, "tech1")  # another sign-in: another family, unaffected
    second = _refresh(client, first["refresh_token"], first["device_id"]).json()
    third = _refresh(client, second["refresh_token"], first["device_id"]).json()
    # Someone replays a spent token (a stolen copy, or a cloned device) whose successor was
    # used already: no lost answer can explain that.
    replay = _refresh(client, first["refresh_token"], first["device_id"])
    assert replay.status_code == 401 and _code(replay) == "token_revoked"
    # Everything of that family is gone, the legitimate holder's newest pair included...
    assert _code(_pull(client, third["access_token"])) == "token_revoked"
    assert _code(_refresh(client, third["refresh_token"], first["device_id"])) == "token_revoked"
    # ...and a sign-in with the password starts afresh; the other family still works.
    assert _pull(client, _sign_in(client, device_id=first["device_id"])["access_token"]).status_code == 200
    assert _pull(client, other_device["access_token"]).status_code == 200


def test_a_lost_refresh_answer_is_answered_again(client: TestClient, world: World, clock: FakeClock) -> None:
    first = _sign_in(client)
    lost = _refresh(client, first["refresh_token"], first["device_id"]).json()  # never arrives
    clock.advance(seconds=600)
    again = _refresh(client, first["refresh_token"], first["device_id"])
    assert again.status_code == 200, again.text
    pair = again.json()
    assert pair["refresh_token"] != lost["refresh_token"]
    assert _pull(client, pair["access_token"]).status_code == 200
    # The device keeps going with the new pair; the lost one is dead.
    assert _refresh(client, pair["refresh_token"], first["device_id"]).status_code == 200


def test_the_pair_taken_for_lost_reveals_a_second_holder(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    """A thief replays the spent token while the holder's new pair is still unused: it looks
    like a lost answer, so it is answered. When the holder then uses their pair, the family
    is revoked: the thief's pair dies with it."""
    first = _sign_in(client)
    holder = _refresh(client, first["refresh_token"], first["device_id"]).json()
    thief = _refresh(client, first["refresh_token"], first["device_id"]).json()
    assert _pull(client, thief["access_token"]).status_code == 200
    # The holder's access token reveals the second holder and revokes the whole family.
    assert _code(_pull(client, holder["access_token"])) == "token_revoked"
    assert _code(_pull(client, thief["access_token"])) == "token_revoked"
    assert _code(_refresh(client, thief["refresh_token"], first["device_id"])) == "token_revoked"
    # The same when the holder presents the refresh token instead.
    again = _sign_in(client)
    holder = _refresh(client, again["refresh_token"], again["device_id"]).json()
    thief = _refresh(client, again["refresh_token"], again["device_id"]).json()
    assert _code(_refresh(client, holder["refresh_token"], again["device_id"])) == "token_revoked"
    assert _code(_pull(client, thief["access_token"])) == "token_revoked"


def test_a_replay_after_the_grace_revokes_the_family(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    first = _sign_in(client)
    second = _refresh(client, first["refresh_token"], first["device_id"]).json()
    clock.advance(seconds=HOUR + 1)
    replay = _refresh(client, first["refresh_token"], first["device_id"])
    assert replay.status_code == 401 and _code(replay) == "token_revoked"
    assert _code(_refresh(client, second["refresh_token"], first["device_id"])) == "token_revoked"


def test_refresh_token_expires_after_thirty_days(client: TestClient, world: World, clock: FakeClock) -> None:
    first = _sign_in(client)
    clock.advance(seconds=30 * 24 * HOUR)
    response = _refresh(client, first["refresh_token"], first["device_id"])
    assert response.status_code == 401 and _code(response) == "token_expired"


@pytest.mark.parametrize("wrong", ["device", "access-as-refresh", "garbage"])
def test_refresh_refuses_what_it_did_not_issue_for_this_device(
    client: TestClient, world: World, wrong: str
) -> None:
    first = _sign_in(client)
    token, device = first["refresh_token"], first["device_id"]
    if wrong == "device":
        device = str(uuid.uuid4())
    elif wrong == "access-as-refresh":
        token = first["access_token"]
    else:
        token = "r1.nothing.0.forged"
    response = _refresh(client, token, device)
    assert response.status_code == 401 and _code(response) == "unauthorized"
    # The refresh token used as a bearer is no access token either.
    assert _code(_pull(client, first["refresh_token"])) == "unauthorized"


def test_refresh_body_is_validated(client: TestClient, world: World) -> None:
    assert client.post(REFRESH, json={"refresh_token": "x"}).status_code == 422
    assert client.post(REFRESH, json={"refresh_token": "", "device_id": str(uuid.uuid4())}).status_code == 422
    not_json = client.post(REFRESH, content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    odd = client.post(REFRESH, json={"refresh_token": "r1.\u00e9.1.\u00e9", "device_id": str(uuid.uuid4())})
    assert odd.status_code == 401 and _code(odd) == "unauthorized"


# --- revocation -----------------------------------------------------------------------


def test_a_revoked_device_gets_device_revoked(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    lost = _sign_in(client)
    kept = _sign_in(client)
    with db.write() as session, session.begin():
        owner, live = revoke_device(session, device_id=lost["device_id"], wipe=False, now=clock.now())
    assert (owner, live) == ("tech1", 2)  # its access and refresh token
    response = _pull(client, lost["access_token"])
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "device_revoked", "message": "this device was signed out by an administrator"}
    }
    assert _code(_refresh(client, lost["refresh_token"], lost["device_id"])) == "device_revoked"
    assert _pull(client, kept["access_token"]).status_code == 200


def test_a_wiped_device_learns_it_even_with_an_expired_token(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    lost = _sign_in(client)
    clock.advance(seconds=2 * HOUR)  # its access token expired while it was away
    with db.write() as session, session.begin():
        revoke_device(session, device_id=lost["device_id"], wipe=True, now=clock.now())
    for response in (
        _pull(client, lost["access_token"]),
        _refresh(client, lost["refresh_token"], lost["device_id"]),
        client.post(
            "/api/v1/sync/push",
            json={"protocol": 1, "device_id": lost["device_id"], "mutations": []},
            headers={"Authorization": f"Bearer {lost['access_token']}"},
        ),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "device_wiped"
        assert response.json()["error"]["wipe"] is True


def test_signing_in_again_on_a_revoked_device_makes_it_usable(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    lost = _sign_in(client)
    with db.write() as session, session.begin():
        revoke_device(session, device_id=lost["device_id"], wipe=True, now=clock.now())
    again = _sign_in(client, device_id=lost["device_id"])
    assert _pull(client, again["access_token"]).status_code == 200
    assert _code(_pull(client, lost["access_token"])) == "device_wiped"  # the old one stays dead


def test_a_disabled_user_cannot_sign_in_refresh_or_use_a_token(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech = _sign_in(client)
    wrong = client.post(TOKEN, json={"username": "tech1", "password": "nope", "device_id": str(uuid.uuid4())})
    with db.write() as session, session.begin():
        assert disable_user(session, username="tech1", now=clock.now()) == 2
    refused = client.post(
        TOKEN, json={"username": "tech1", "password": PASSWORD, "device_id": str(uuid.uuid4())}
    )
    # Exactly the answer to a wrong password: it does not tell that the account exists.
    assert (refused.status_code, refused.json()) == (401, wrong.json())
    assert _code(_pull(client, tech["access_token"])) == "token_revoked"
    assert _code(_refresh(client, tech["refresh_token"], tech["device_id"])) == "token_revoked"
    with db.write() as session, session.begin():
        assert enable_user(session, username="tech1") is True
    assert _pull(client, _sign_in(client)["access_token"]).status_code == 200
    assert _code(_pull(client, tech["access_token"])) == "token_revoked"  # enabling revives no token


def test_reset_password_revokes_that_users_tokens_only(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech1 = [_sign_in(client), _sign_in(client)]
    tech2 = _sign_in(client, "tech2")
    with db.write() as session, session.begin():
        assert reset_password(session, username="tech1", password="a new long password", now=clock.now()) == 4
    for device in tech1:
        assert _code(_pull(client, device["access_token"])) == "token_revoked"
        assert _code(_refresh(client, device["refresh_token"], device["device_id"])) == "token_revoked"
    assert _pull(client, tech2["access_token"]).status_code == 200
    old = client.post(TOKEN, json={"username": "tech1", "password": PASSWORD, "device_id": str(uuid.uuid4())})
    assert old.status_code == 401
    new = client.post(
        TOKEN, json={"username": "tech1", "password": "a new long password", "device_id": str(uuid.uuid4())}
    )
    assert new.status_code == 200


# --- the key ----------------------------------------------------------------------------


def test_the_key_file_is_made_once_with_mode_0600_and_survives_a_restart(
    sqlite_only: None, settings: Settings, clock: FakeClock, world: World
) -> None:
    key_file = settings.data_dir / "secret.key"
    assert not key_file.exists()
    with TestClient(create_app(settings, clock=clock)) as first:
        token = _sign_in(first)["access_token"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    assert len(content.strip()) >= 32
    with TestClient(create_app(settings, clock=clock)) as second:  # a restarted server
        assert _pull(second, token).status_code == 200
    assert key_file.read_bytes() == content


def test_a_configured_secret_key_is_used_instead_of_the_file(
    sqlite_only: None, settings: Settings, clock: FakeClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(settings, clock=clock)) as from_file:
        token = _sign_in(from_file)["access_token"]
    monkeypatch.setenv("ORDO_SERVER_SECRET_KEY", "s" * 40)
    configured = Settings(data_dir=settings.data_dir, database_url=settings.database_url)
    with TestClient(create_app(configured, clock=clock)) as other:
        # Signed with the file's key: not this server's.
        assert _code(_pull(other, token)) == "unauthorized"
        assert _pull(other, _sign_in(other)["access_token"]).status_code == 200


def test_a_short_secret_key_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match="at least 32"):
        load_key(secret="short", data_dir=tmp_path)
    (tmp_path / "secret.key").write_bytes(b"tiny\n")
    os.chmod(tmp_path / "secret.key", 0o600)
    with pytest.raises(SecretKeyError, match="delete it"):
        load_key(secret=None, data_dir=tmp_path / ".")


def test_a_device_id_of_another_organisation_is_refused(client: TestClient, world: World) -> None:
    mine = _sign_in(client, "disp")
    # Same organisation: the installation changes hands (its mid counter carries on).
    assert (
        _pull(client, _sign_in(client, "tech1", device_id=mine["device_id"])["access_token"]).status_code
        == 200
    )
    taken = client.post(
        TOKEN, json={"username": "outsider", "password": PASSWORD, "device_id": mine["device_id"]}
    )
    assert taken.status_code == 409 and _code(taken) == "device_in_use"
    assert _pull(client, _sign_in(client, "outsider")["access_token"]).status_code == 200
