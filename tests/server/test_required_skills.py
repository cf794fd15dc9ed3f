"""An order's required skills (`required_skills`): set by order.create, order.update and
intake, normalised as the suggestion matches them, refused when malformed, pulled on
every work_order row, told in the history; the column added by revision 0007. On SQLite
and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from app.domain.protocol import OrderCreateArgs
from server_stub.auth.apikeys import create_api_key
from server_stub.db import Database
from server_stub.migrate import migrate
from server_stub.sync.apply.orders import _digest
from server_stub.testing import read_order

from .conftest import START, Device, World, sign_in
from .kit import codes, new_id, pulled, seq_of, statuses, update

REQUESTS = "/api/v1/intake/requests"
ALERTS = "/api/v1/intake/alerts"

# (sent, why it is refused): not a list of texts, too many, too long, no word in it.
BAD: list[tuple[Any, str]] = [
    ("gas-safe", "a list of skills, not text"),
    (None, "a list of skills, not null"),
    ({"gas-safe": True}, "a list of skills, not an object"),
    (["gas-safe", 7], "skill 2: a skill is text, not a number"),
    ([["gas-safe"]], "skill 1: a skill is text, not list"),
    ([f"skill-{n}" for n in range(11)], "at most 10 skills, not 11"),
    (["x" * 41], "skill 1: at most 40 characters, not 41"),
    ([""], "skill 1: empty (a skill needs a word, e.g. gas-safe)"),
    (["   "], "skill 1: empty (a skill needs a word, e.g. gas-safe)"),
    (["__"], "skill 1: empty (a skill needs a word, e.g. gas-safe)"),
    (["ß" * 21], "skill 1: at most 40 characters once normalised"),
]
# A push refuses NUL anywhere in its args before any field is read; intake reads it here.
NUL = (["gas\x00safe"], "skill 1: text may not contain the NUL character (U+0000)")


def _create(dev: Device, order_id: str, **fields: Any) -> dict[str, Any]:
    args = {"id": order_id, "title": "Boiler service", "kind": "maintenance", **fields}
    return dev.mutation("order.create", order_id, args)


def _history(dev: Device, order_id: str) -> list[dict[str, Any]]:
    answer = dev.client.get(f"/api/v1/orders/{order_id}/history", headers=dev.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


def _key(db: Database, org_id: str) -> str:
    with db.write() as session, session.begin():
        return create_api_key(session, org_id=org_id, name="BMS", now=START).key


# --- order.create ----------------------------------------------------------------------


def test_create_keeps_the_skills_normalised_once_each_in_order(
    client: TestClient, world: World, database_url: str
) -> None:
    disp = sign_in(client, "disp")
    order_id = new_id()
    sent = ["Gas-Safe", "  Fire   Safety ", "gas-safe", "fire_safety", "HVAC"]
    assert statuses(disp.push([_create(disp, order_id, required_skills=sent)])) == ["applied"]
    row = pulled(disp, "work_order")[order_id]
    assert row["required_skills"] == ["gas-safe", "fire_safety", "hvac"]
    held = read_order(database_url=database_url, order_id=order_id)
    assert held is not None and held["required_skills"] == ["gas-safe", "fire_safety", "hvac"]


def test_every_pulled_order_carries_a_list(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    made = new_id()
    disp.push([_create(disp, made)])  # none sent: none needed
    rows = pulled(disp, "work_order")
    assert set(world.orders.values()) | {made} <= set(rows)
    assert all(row["required_skills"] == [] for row in rows.values())


def test_the_same_create_again_is_the_same_order(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    order_id = new_id()
    first = disp.push([_create(disp, order_id, required_skills=["electrical"])])
    again = disp.push([_create(disp, order_id, required_skills=["electrical"])])
    assert statuses(again) == ["applied"] and again["results"][0]["seq"] == first["results"][0]["seq"]
    other = disp.push([_create(disp, order_id, required_skills=["plumbing"])])
    assert codes(other) == ["id_conflict"]


@pytest.mark.parametrize(("sent", "why"), BAD)
def test_create_refuses_malformed_skills(client: TestClient, world: World, sent: Any, why: str) -> None:
    disp = sign_in(client, "disp")
    order_id = new_id()
    (result,) = disp.push([_create(disp, order_id, required_skills=sent)])["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "invalid_args")
    assert result["error"]["message"] == f"required_skills: {why}"
    assert order_id not in pulled(disp, "work_order")


# --- order.update ----------------------------------------------------------------------


def test_a_dispatcher_sets_and_clears_them_and_the_history_says_so(
    client: TestClient, world: World, database_url: str
) -> None:
    disp = sign_in(client, "disp")
    a = world.orders["a"]
    result = disp.push([update(disp, a, seq_of(disp, a), required_skills=["Gas-safe", "fire safety"])])
    assert statuses(result) == ["applied"]
    assert pulled(disp, "work_order")[a]["required_skills"] == ["gas-safe", "fire_safety"]
    # The same tags spelled otherwise are no change (and never a conflict).
    same = disp.push([update(disp, a, 0, required_skills=["GAS-SAFE", "Fire_Safety"])])
    assert statuses(same) == ["applied"] and same["results"][0]["seq"] == result["results"][0]["seq"]
    assert statuses(disp.push([update(disp, a, seq_of(disp, a), required_skills=[])])) == ["applied"]
    assert read_order(database_url=database_url, order_id=a)["required_skills"] == []  # type: ignore[index]
    told = [e for e in _history(disp, a) if e["type"] == "order.update" and e["fields"]]
    assert [e["summary"] for e in told] == ["Required skills: gas-safe, fire safety", "Required skills: none"]
    assert told[0]["fields"] == {"required_skills": [[], ["gas-safe", "fire_safety"]]}


def test_a_technicians_edit_is_a_conflict_a_dispatcher_settles(
    client: TestClient, world: World, database_url: str
) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    a = world.orders["a"]
    (result,) = tech.push([update(tech, a, seq_of(tech, a), required_skills=["electrical"])])["results"]
    assert result["status"] == "conflict"
    assert read_order(database_url=database_url, order_id=a)["required_skills"] == []  # type: ignore[index]
    conflict = pulled(disp, "conflict")[result["conflict_ids"][0]]
    assert (conflict["field"], conflict["mine"], conflict["theirs"]) == (
        "required_skills",
        ["electrical"],
        [],
    )
    args = {"conflict_id": conflict["id"], "choice": "mine"}
    assert statuses(disp.push([disp.mutation("conflict.resolve", a, args)])) == ["applied"]
    assert read_order(database_url=database_url, order_id=a)["required_skills"] == ["electrical"]  # type: ignore[index]


def test_a_newer_change_on_the_server_wins_per_field(client: TestClient, world: World) -> None:
    desk, laptop = sign_in(client, "disp"), sign_in(client, "disp")
    a = world.orders["a"]
    base = seq_of(laptop, a)
    desk.push([update(desk, a, base, required_skills=["plumbing"])])
    result = laptop.push([update(laptop, a, base, required_skills=["hvac"], title="Renamed")])
    assert statuses(result) == ["conflict"]
    row = pulled(laptop, "work_order")[a]
    assert (row["required_skills"], row["title"]) == (["plumbing"], "Renamed")


@pytest.mark.parametrize(("sent", "why"), BAD)
def test_update_refuses_malformed_skills(client: TestClient, world: World, sent: Any, why: str) -> None:
    disp = sign_in(client, "disp")
    a = world.orders["a"]
    (result,) = disp.push([update(disp, a, seq_of(disp, a), required_skills=sent)])["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "invalid_args")
    assert result["error"]["message"] == f"fields.required_skills: {why}"


# --- intake ----------------------------------------------------------------------------


def test_intake_takes_required_skills(client: TestClient, world: World, db: Database) -> None:
    key = _key(db, world.org_id)
    request = {
        "external_id": "REQ-9", "customer": "Pat", "site": {"name": "Depot 4"},
        "description": "No hot water", "required_skills": ["Gas Safe", "plumbing", "gas_safe"],
    }  # fmt: skip
    alert = {
        "external_id": "AL-9", "source": "bms", "asset": "B-1", "severity": "high",
        "message": "Boiler lockout", "required_skills": ["gas-safe"],
    }  # fmt: skip
    plain = {**request, "external_id": "REQ-10"}
    del plain["required_skills"]
    made = {}
    for url, body in ((REQUESTS, request), (ALERTS, alert), (REQUESTS, plain)):
        answer = client.post(url, json=body, headers={"X-API-Key": key})
        assert answer.status_code == 201, answer.text
        made[body["external_id"]] = answer.json()["id"]
    rows = pulled(sign_in(client, "disp"), "work_order")
    assert rows[made["REQ-9"]]["required_skills"] == ["gas_safe", "plumbing"]
    assert rows[made["AL-9"]]["required_skills"] == ["gas-safe"]
    assert rows[made["REQ-10"]]["required_skills"] == []


@pytest.mark.parametrize(("sent", "why"), [*BAD, NUL])
@pytest.mark.parametrize("url", [REQUESTS, ALERTS])
def test_intake_refuses_malformed_skills_with_422(
    client: TestClient, world: World, db: Database, url: str, sent: Any, why: str
) -> None:
    key = _key(db, world.org_id)
    body: dict[str, Any] = (
        {"external_id": "REQ-1", "customer": "Pat", "site": {"name": "Depot"}, "description": "Leak"}
        if url == REQUESTS
        else {"external_id": "AL-1", "source": "bms", "asset": "B-1", "severity": "low", "message": "Hot"}
    )
    answer = client.post(url, json={**body, "required_skills": sent}, headers={"X-API-Key": key})
    assert answer.status_code == 422
    assert answer.json() == {"error": {"code": "validation_failed", "message": f"required_skills: {why}"}}


def test_the_document_states_the_limits(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("IntakeRequest", "IntakeAlert"):
        skills = schemas[name]["properties"]["required_skills"]
        assert (skills["type"], skills["maxItems"]) == ("array", 10)
        assert (skills["items"]["minLength"], skills["items"]["maxLength"]) == (1, 40)
        assert "required_skills" not in schemas[name]["required"]  # optional: [] when left out


# --- revision 0007 ---------------------------------------------------------------------


def _to(database_url: str, revision: str, *, down: bool = False) -> None:
    migrate(database_url, revision=revision, down=down)


def test_upgrading_from_0006_gives_every_order_an_empty_list(
    client: TestClient, world: World, database_url: str, db: Database
) -> None:
    disp = sign_in(client, "disp")
    disp.push([update(disp, world.orders["a"], seq_of(disp, world.orders["a"]), required_skills=["hvac"])])
    _to(database_url, "0006", down=True)  # as the desk's server left it, its orders kept
    with db.engine.connect() as conn:
        assert "required_skills" not in {c["name"] for c in inspect(conn).get_columns("work_orders")}
    migrate(database_url)
    with db.read() as session:
        held = session.execute(text("SELECT required_skills FROM work_orders")).scalars().all()
    assert len(held) == len(world.orders)
    assert all(value in ([], "[]") for value in held)  # JSON on PostgreSQL, text on SQLite
    rows = pulled(sign_in(client, "disp"), "work_order")
    assert all(row["required_skills"] == [] for row in rows.values())
    # And it is written again after the upgrade.
    a = world.orders["a"]
    assert statuses(disp.push([update(disp, a, seq_of(disp, a), required_skills=["hvac"])])) == ["applied"]


def test_a_create_without_skills_keeps_the_digest_it_had_before_the_field() -> None:
    """A create queued on a device before revision 0007 and sent again after it is the same
    create (its stored digest was made without the field), not an id_conflict."""
    args = OrderCreateArgs.model_validate({"title": "T", "priority": "high"})
    before = args.model_dump(mode="json")
    del before["required_skills"], before["follow_up_of"]  # neither existed then (0007, 0009)
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":"))
    assert _digest(args) == hashlib.sha256(canonical.encode()).hexdigest()
    named = OrderCreateArgs.model_validate({"title": "T", "priority": "high", "required_skills": ["hvac"]})
    assert _digest(named) != _digest(args)
