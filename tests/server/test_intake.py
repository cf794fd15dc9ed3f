"""Intake (sync-protocol.md, "Intake"): requests and alerts from other systems,
with an integration key made by `ordo-server apikey create`, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.protocol import IntakeAlert
from server_stub.auth.apikeys import KEY_PREFIX, IssuedKey, create_api_key, revoke_api_key
from server_stub.cli import main as server_cli
from server_stub.db import Database
from server_stub.intake import take_alert
from server_stub.models import ApiKey, Note, User, WorkOrder

from .conftest import START, World, sign_in, snapshot
from .kit import move, pulled

REQUESTS = "/api/v1/intake/requests"
ALERTS = "/api/v1/intake/alerts"


def _issue(db: Database, org_id: str, *, name: str = "BMS") -> IssuedKey:
    with db.write() as session, session.begin():
        return create_api_key(session, org_id=org_id, name=name, now=START)


def _key(db: Database, org_id: str) -> str:
    return _issue(db, org_id).key


def _other_org(db: Database) -> str:
    with db.read() as session:
        return session.execute(select(User.org_id).where(User.username == "outsider")).scalar_one()


def _request(external_id: str = "REQ-1", **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer": "Pat Customer",
        "site": {"name": "Depot 4", "address": "1 Quay Road", "lat": 51.5, "lon": -0.1},
        "description": "Radiator leaking in the hall\nSince Monday.",
        **extra,
    }


def _alert(
    external_id: str = "AL-1", *, asset: str = "AHU-7", source: str = "bms", **extra: Any
) -> dict[str, Any]:
    return {
        "external_id": external_id, "source": source, "asset": asset, "severity": "high",
        "message": "Supply fan stopped", **extra,
    }  # fmt: skip


def _post(client: TestClient, url: str, body: Any, key: str | None) -> Any:
    return client.post(url, json=body, headers={"X-API-Key": key} if key else {})


def _error(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


# --- requests -------------------------------------------------------------------------


def test_a_request_makes_a_new_order_once(client: TestClient, world: World, db: Database) -> None:
    key = _key(db, world.org_id)
    first = _post(client, REQUESTS, _request(), key)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["status"] == "new" and made["number"].startswith("WO-")
    disp = sign_in(client, "disp")
    order = pulled(disp, "work_order")[made["id"]]
    assert order["source"] == "request" and order["external_id"] == "REQ-1"
    assert order["title"] == "Radiator leaking in the hall" and order["description"].endswith("Since Monday.")
    assert order["customer"]["name"] == "Pat Customer" and order["site"]["address"] == "1 Quay Road"
    assert order["assignee_id"] is None and order["priority"] == "normal" and order["due_at"]
    # The same external_id again: 200 and the same order, nothing written.
    before = snapshot(db)
    again = _post(client, REQUESTS, _request(description="Changed text"), key)
    assert (again.status_code, again.json()) == (200, made)
    assert snapshot(db) == before
    # A technician does not see an unassigned order.
    assert made["id"] not in pulled(sign_in(client, "tech1"), "work_order")


def test_a_request_takes_a_customer_object_and_a_priority(
    client: TestClient, world: World, db: Database
) -> None:
    key = _key(db, world.org_id)
    body = _request(customer={"name": "Acme", "contact": "+44 20 1234"}, priority="urgent")
    made = _post(client, REQUESTS, body, key).json()
    order = pulled(sign_in(client, "disp"), "work_order")[made["id"]]
    assert order["customer"] == {"name": "Acme", "contact": "+44 20 1234"} and order["priority"] == "urgent"


def test_external_ids_are_per_organisation(client: TestClient, world: World, db: Database) -> None:
    mine, second, theirs = _key(db, world.org_id), _key(db, world.org_id), _key(db, _other_org(db))
    first = _post(client, REQUESTS, _request(), mine).json()
    # Another key of the same organisation: the same request.
    assert _post(client, REQUESTS, _request(), second).json() == first
    # The other organisation's key: its own order, which the first organisation never sees.
    other = _post(client, REQUESTS, _request(), theirs)
    assert other.status_code == 201 and other.json()["id"] != first["id"]
    assert other.json()["id"] not in pulled(sign_in(client, "disp"), "work_order")
    assert set(pulled(sign_in(client, "outsider"), "work_order")) == {other.json()["id"]}


# --- alerts ---------------------------------------------------------------------------


def test_an_alert_makes_an_order_and_repeats_become_notes(
    client: TestClient, world: World, db: Database
) -> None:
    key = _key(db, world.org_id)
    first = _post(client, ALERTS, _alert(), key)
    assert first.status_code == 201, first.text
    made = first.json()
    disp = sign_in(client, "disp")
    order = pulled(disp, "work_order")[made["id"]]
    assert (order["source"], order["asset"], order["priority"]) == ("alert", "AHU-7", "high")
    assert order["title"] == "AHU-7: Supply fan stopped" and order["external_id"] == "AL-1"
    # Another alert for the same asset from the same source: the open order, with a note.
    second = _post(client, ALERTS, _alert("AL-2", message="Fan stopped again"), key)
    assert (second.status_code, second.json()) == (200, made)
    notes = [n for n in pulled(disp, "note").values() if n["order_id"] == made["id"]]
    assert [n["text"] for n in notes] == ["Alert AL-2 from bms (high): Fan stopped again"]
    # The same alert again changes nothing.
    before = snapshot(db)
    assert (_post(client, ALERTS, _alert("AL-2"), key).status_code, snapshot(db)) == (200, before)
    # Another source, or another asset: another order.
    assert _post(client, ALERTS, _alert("AL-3", source="fire-panel"), key).status_code == 201
    assert _post(client, ALERTS, _alert("AL-4", asset="AHU-8"), key).status_code == 201


def test_an_alert_after_the_order_is_settled_makes_a_new_one(
    client: TestClient, world: World, db: Database
) -> None:
    key = _key(db, world.org_id)
    made = _post(client, ALERTS, _alert(), key).json()
    disp = sign_in(client, "disp")
    result = disp.push([move(disp, made["id"], "new", "cancelled", reason="false alarm")])
    assert result["results"][0]["status"] == "applied", result
    again = _post(client, ALERTS, _alert("AL-2"), key)
    assert again.status_code == 201 and again.json()["id"] != made["id"]


def test_simultaneous_alerts_for_one_asset_make_one_order(world: World, db: Database) -> None:
    with db.read() as session:
        key_user = session.get(User, _issue(db, world.org_id).user_id)
    assert key_user is not None
    start = threading.Barrier(6)
    taken: list[Any] = []

    def send(n: int) -> None:
        start.wait()
        body = IntakeAlert.model_validate(_alert(f"AL-{n}"))
        taken.append(take_alert(db, user=key_user, body=body, now=START))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.created for t in taken) == [False] * 5 + [True]
    assert len({t.order.id for t in taken}) == 1
    with db.read() as session:
        notes = session.execute(select(Note).where(Note.order_id == str(taken[0].order.id))).scalars().all()
        alerts = session.execute(select(WorkOrder).where(WorkOrder.source == "alert")).scalars().all()
    assert len(notes) == 5 and len(alerts) == 1


# --- keys -----------------------------------------------------------------------------


def test_keys_are_checked_before_the_body(client: TestClient, world: World, db: Database) -> None:
    key = _key(db, world.org_id)
    disp = sign_in(client, "disp")
    refused = {
        "no key": _post(client, REQUESTS, {"nonsense": 1}, None),
        "unknown key": _post(client, REQUESTS, {"nonsense": 1}, KEY_PREFIX + "x" * 43),
        "a bearer token": client.post(REQUESTS, json=_request(), headers=disp.headers),
        "a token as the key": _post(client, REQUESTS, _request(), disp.token),
    }
    for why, response in refused.items():
        assert (response.status_code, _error(response)) == (401, "unauthorized"), why
    assert refused["no key"].headers["www-authenticate"].startswith("ApiKey")
    # Not JSON at all is 400 even before the key (as everywhere); bad JSON content is 422 after it.
    not_json = client.post(REQUESTS, content=b"{oops", headers={"Content-Type": "application/json"})
    assert (not_json.status_code, _error(not_json)) == (400, "malformed")
    invalid = _post(client, REQUESTS, {"external_id": "x"}, key)
    assert (invalid.status_code, _error(invalid)) == (422, "validation_failed")


def test_a_revoked_key_is_refused(client: TestClient, world: World, db: Database) -> None:
    key = _key(db, world.org_id)
    assert _post(client, REQUESTS, _request(), key).status_code == 201
    with db.write() as session, session.begin():
        key_id = session.execute(select(ApiKey.id)).scalar_one()
        assert revoke_api_key(session, key_id=key_id, now=START)
    assert _post(client, REQUESTS, _request(), key).status_code == 401


def test_a_key_is_kept_only_as_a_digest_and_its_account_cannot_sign_in(
    client: TestClient, world: World, db: Database
) -> None:
    key = _key(db, world.org_id)
    assert key not in repr(snapshot(db))
    with db.read() as session:
        username = session.execute(select(User.username).where(User.role == "integration")).scalar_one()
    for password in (key, "", "!integration-key-only"):
        body = {"username": username, "password": password or "x", "device_id": str(uuid.uuid4())}
        assert client.post("/api/v1/auth/token", json=body).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "x" * 4001),
        ("external_id", "x" * 201),
        ("customer", "x" * 301),
        ("site", {"name": "x" * 301}),
        ("site", {"name": "Depot", "lat": 91}),
        ("description", "nul \x00 inside"),
        ("external_id", ""),
        ("priority", "whenever"),
    ],
)
def test_over_long_or_bad_fields_are_422_naming_the_field(
    client: TestClient, world: World, db: Database, field: str, value: Any
) -> None:
    key = _key(db, world.org_id)
    response = _post(client, REQUESTS, _request(**{field: value}), key)
    assert (response.status_code, _error(response)) == (422, "validation_failed")
    assert response.json()["error"]["message"].startswith(field)


def test_apikey_create_prints_a_key_that_works(
    client: TestClient, world: World, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        server_cli(["apikey", "create", "--org", "Test Org", "--name", "CRM", "--database-url", database_url])
        == 0
    )
    key = capsys.readouterr().out.splitlines()[0]
    assert key.startswith(KEY_PREFIX)
    assert _post(client, REQUESTS, _request(), key).status_code == 201
    assert server_cli(["apikey", "create", "--org", "No Such Org", "--database-url", database_url]) == 1
    assert "no organisation" in capsys.readouterr().err
