"""Checklist templates (issue 10): template.save by dispatchers and admins alone, checked
with the checklist's limits, idempotent, and pulled by the organisation's desk only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain import Role, rules
from app.domain.limits import MAX_CHECKLIST_ITEMS, MAX_CHECKLIST_LABEL, MAX_CHECKLIST_UNIT, MAX_NAME
from app.domain.protocol import MutationType
from app.domain.rules import Relation
from server_stub.db import Database
from server_stub.seeding.records import create_user

from .conftest import World, _password_hash, sign_in, snapshot
from .kit import codes, new_id, pulled, statuses

ITEMS: list[dict[str, Any]] = [
    {"position": 1, "label": "Gas supply isolated", "kind": "check", "required": True},
    {"position": 2, "label": "Flue gas CO2", "kind": "number", "required": True, "unit": "%", "min": 8.0,
     "max": 10.5},
    {"position": 3, "label": "Safety devices", "kind": "pass_fail"},
    {"position": 4, "label": "Remarks", "kind": "text"},
]  # fmt: skip


def template(**changes: Any) -> dict[str, Any]:
    return {"name": "Boiler service", "kind": "maintenance", "items": ITEMS, "archived": False} | changes


def _admin(db: Database, world: World) -> None:
    with db.write() as session, session.begin():
        create_user(
            session, org_id=world.org_id, username="admin", password_hash=_password_hash(), role=Role.ADMIN,
            display_name="Admin",
        )  # fmt: skip


def test_only_dispatch_may_save_a_template_in_the_rulebook() -> None:
    for relation in Relation:
        verdict = rules.access(MutationType.TEMPLATE_SAVE, relation)
        assert verdict.allowed == (relation is Relation.DISPATCH), relation


def test_a_dispatcher_saves_and_the_desk_pulls_the_whole_template(
    client: TestClient, world: World, db: Database
) -> None:
    _admin(db, world)
    disp, admin = sign_in(client, "disp"), sign_in(client, "admin")
    template_id = new_id()
    (result,) = disp.push([disp.mutation("template.save", template_id, template())])["results"]
    assert result["status"] == "applied" and result["seq"] > 0
    want = {
        "id": template_id,
        "name": "Boiler service",
        "kind": "maintenance",
        "items": [
            {"position": 1, "label": "Gas supply isolated", "kind": "check", "required": True, "unit": None,
             "min": None, "max": None},
            {"position": 2, "label": "Flue gas CO2", "kind": "number", "required": True, "unit": "%",
             "min": 8.0, "max": 10.5},
            {"position": 3, "label": "Safety devices", "kind": "pass_fail", "required": False, "unit": None,
             "min": None, "max": None},
            {"position": 4, "label": "Remarks", "kind": "text", "required": False, "unit": None, "min": None,
             "max": None},
        ],
        "archived": False,
        "updated_at": "2026-11-25T09:00:00Z",
    }  # fmt: skip
    assert pulled(disp, "checklist_template") == {template_id: want}
    assert pulled(admin, "checklist_template") == {template_id: want}
    changes, _ = disp.pull_all()
    (change,) = [c for c in changes if c["entity"] == "checklist_template"]
    assert change["seq"] == result["seq"]


def test_admins_save_templates_too_and_items_come_in_position_order(
    client: TestClient, world: World, db: Database
) -> None:
    _admin(db, world)
    admin = sign_in(client, "admin")
    template_id = new_id()
    shuffled = [ITEMS[2], ITEMS[0], ITEMS[3], ITEMS[1]]
    assert statuses(admin.push([admin.mutation("template.save", template_id, template(items=shuffled))])) == [
        "applied"
    ]
    items = pulled(admin, "checklist_template")[template_id]["items"]
    assert [i["position"] for i in items] == [1, 2, 3, 4]


def test_technicians_may_not_save_templates_nor_pull_them(client: TestClient, world: World) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    disp.push([disp.mutation("template.save", new_id(), template())])
    result = tech.push([tech.mutation("template.save", new_id(), template())])
    assert codes(result) == ["forbidden"]
    assert pulled(tech, "checklist_template") == {}
    assert tech.pull()["last_mid"] == 1  # refused, never jammed


def test_another_organisation_neither_sees_nor_takes_over_a_template(
    client: TestClient, world: World
) -> None:
    disp, outsider = sign_in(client, "disp"), sign_in(client, "outsider")
    template_id = new_id()
    disp.push([disp.mutation("template.save", template_id, template())])
    assert pulled(outsider, "checklist_template") == {}
    result = outsider.push([outsider.mutation("template.save", template_id, template(name="Mine now"))])
    assert codes(result) == ["id_conflict"]
    assert pulled(disp, "checklist_template")[template_id]["name"] == "Boiler service"


TOO_MANY = [{"position": i, "label": "x", "kind": "check"} for i in range(1, MAX_CHECKLIST_ITEMS + 2)]
BAD: list[dict[str, Any]] = [
    {},
    template(name=""),
    template(name="   "),
    template(name="x" * (MAX_NAME + 1)),
    template(kind="cleaning"),
    template(items="none"),
    template(items=[ITEMS[0], ITEMS[0]]),  # one position twice
    template(items=[{"position": 1, "label": "Pressure", "kind": "number", "min": 3, "max": 1}]),
    template(items=[{"position": 1, "label": "x" * (MAX_CHECKLIST_LABEL + 1), "kind": "check"}]),
    template(items=[{"position": 1, "label": "P", "kind": "number", "unit": "u" * (MAX_CHECKLIST_UNIT + 1)}]),
    template(items=[{"position": 0, "label": "Zero", "kind": "check"}]),
    template(items=[{"position": 1, "label": "", "kind": "check"}]),
    template(items=[{"position": 1, "label": "Odd", "kind": "photo"}]),
    template(items=TOO_MANY),
    template(archived="yes"),
]  # fmt: skip


def test_invalid_content_is_rejected_with_the_checklists_limits(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    result = disp.push([disp.mutation("template.save", new_id(), args) for args in BAD])
    assert codes(result) == ["invalid_args"] * len(BAD)
    assert pulled(disp, "checklist_template") == {}
    at_limits = [{"position": i, "label": "x" * MAX_CHECKLIST_LABEL, "kind": "check"} for i in range(1, 201)]
    assert MAX_CHECKLIST_ITEMS == 200
    big = disp.push(
        [disp.mutation("template.save", new_id(), template(name="n" * MAX_NAME, items=at_limits))]
    )
    assert statuses(big) == ["applied"]


def test_saving_is_idempotent_and_a_change_is_a_new_version(
    client: TestClient, world: World, db: Database
) -> None:
    disp = sign_in(client, "disp")
    template_id = new_id()
    batch = [disp.mutation("template.save", template_id, template())]
    first = disp.push(batch)
    before = snapshot(db)
    assert disp.push(batch) == first  # the same push again: the stored answer
    assert snapshot(db) == before
    # The same content under a new mid (re-queued): nothing changes, the same seq.
    again = disp.push([disp.mutation("template.save", template_id, template())])
    assert again["results"][0]["seq"] == first["results"][0]["seq"]
    # Another version: a new seq, pulled as the latest; archived ones stay, marked.
    renamed = disp.push([disp.mutation("template.save", template_id, template(name="Boiler service (gas)"))])
    archived = disp.push([disp.mutation("template.save", template_id, template(archived=True))])
    assert first["results"][0]["seq"] < renamed["results"][0]["seq"] < archived["results"][0]["seq"]
    data = pulled(disp, "checklist_template")[template_id]
    assert (data["name"], data["archived"]) == ("Boiler service", True)


def test_the_name_is_kept_without_surrounding_spaces(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    template_id = new_id()
    disp.push([disp.mutation("template.save", template_id, template(name="  Gas check  "))])
    assert pulled(disp, "checklist_template")[template_id]["name"] == "Gas check"


@pytest.mark.parametrize("role", ["disp", "tech1"])
def test_a_template_is_in_no_orders_history(client: TestClient, world: World, role: str) -> None:
    disp = sign_in(client, "disp")
    template_id = new_id()
    disp.push([disp.mutation("template.save", template_id, template())])
    who = sign_in(client, role)
    answer = client.get(f"/api/v1/orders/{template_id}/history", headers=who.headers)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
