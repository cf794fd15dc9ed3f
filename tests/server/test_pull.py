"""Pull: paging, cursors, latest versions only, and scope."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.domain import Role
from server_stub.db import Database
from server_stub.seeding.records import create_user

from .conftest import World, _password_hash, sign_in

AT = "2026-11-25T10:00:00Z"


def test_paging_with_a_small_limit_walks_every_change_once_in_seq_order(
    client: TestClient, world: World
) -> None:
    disp = sign_in(client, "disp")
    everything = disp.pull(limit=1000)
    assert everything["has_more"] is False
    cursor, pages, seen = None, 0, []
    while True:
        page = disp.pull(cursor=cursor, limit=3)
        pages += 1
        assert len(page["changes"]) <= 3
        seen += page["changes"]
        assert page["cursor"] != cursor or not page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert pages == -(-len(everything["changes"]) // 3)
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert seen == everything["changes"]
    # Nothing new: the cursor stays put and the page is empty.
    tail = disp.pull(cursor=cursor, limit=3)
    assert tail["changes"] == [] and tail["has_more"] is False and tail["cursor"] == cursor


def test_dispatcher_sees_every_order_of_the_organisation_only(client: TestClient, world: World) -> None:
    changes, _ = sign_in(client, "disp").pull_all()
    orders = {c["id"] for c in changes if c["entity"] == "work_order"}
    assert orders == set(world.orders.values())
    users = {c["data"]["username"] for c in changes if c["entity"] == "user"}
    assert users == {"disp", "tech1", "tech2"}
    outsider_changes, _ = sign_in(client, "outsider").pull_all()
    assert not {c["id"] for c in outsider_changes} & orders


def test_technician_scope_excludes_other_technicians_orders(client: TestClient, world: World) -> None:
    changes, _ = sign_in(client, "tech1").pull_all()
    by_entity: dict[str, set[str]] = {}
    for change in changes:
        by_entity.setdefault(change["entity"], set()).add(change["id"])
    assert by_entity["work_order"] == {world.orders["a"], world.orders["sig"]}
    items = {c["data"]["order_id"] for c in changes if c["entity"] == "checklist_item"}
    assert items == {world.orders["a"], world.orders["sig"]}
    assert by_entity["checklist_item"].isdisjoint(world.items["b"])
    directory = [c["data"] for c in changes if c["entity"] == "user"]
    assert {u["username"] for u in directory} == {"disp", "tech1", "tech2"}
    assert set(directory[0]) == {"id", "username", "display_name", "role", "skills", "active"}
    assert all(u["active"] is True for u in directory)


def test_rows_as_pulled_have_the_protocol_fields(client: TestClient, world: World) -> None:
    changes, _ = sign_in(client, "tech1").pull_all()
    order = next(c for c in changes if c["id"] == world.orders["a"])
    assert order["deleted"] is False and "reason" not in order
    order_fields = """id number title description kind priority status assignee_id customer site asset due_at
        requires_signature source external_id created_at updated_at assigned_at en_route_at started_at
        on_hold_at completed_at cannot_complete_at closed_at cancelled_at"""
    assert set(order_fields.split()) <= set(order["data"])
    assert order["data"]["number"].startswith("WO-")
    assert order["data"]["created_at"] == "2026-11-25T09:00:00Z"
    item = next(c["data"] for c in changes if c["entity"] == "checklist_item")
    item_fields = "id order_id position label kind required value done unit min max"
    assert set(item) == set(item_fields.split())


def test_a_changed_row_appears_once_in_its_latest_version(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    _, cursor = tech.pull_all()
    a, item = world.orders["a"], world.items["a"][2]
    tech.push(
        [
            tech.mutation("checklist.set", a, {"item_id": item, "value": "first", "done": False}),
            tech.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": "between", "at": AT}),
            tech.mutation("checklist.set", a, {"item_id": item, "value": "second", "done": True}),
        ]
    )
    page = tech.pull(cursor=cursor)
    assert [(c["entity"], c["id"] == item) for c in page["changes"]] == [
        ("note", False),
        ("checklist_item", True),
    ]
    assert page["changes"][1]["data"]["value"] == "second"
    assert page["last_mid"] == 3


def test_conflicts_reach_their_device_and_the_dispatcher_but_not_others(
    client: TestClient, world: World
) -> None:
    phone, tablet = sign_in(client, "tech1"), sign_in(client, "tech1")
    a = world.orders["a"]
    phone.push([phone.mutation("order.transition", a, {"from": "assigned", "to": "in_progress", "at": AT})])
    tablet.push([tablet.mutation("order.transition", a, {"from": "assigned", "to": "en_route", "at": AT})])

    def conflicts(username: str) -> int:
        changes, _ = sign_in(client, username).pull_all()
        return sum(c["entity"] == "conflict" for c in changes)

    assert (conflicts("tech1"), conflicts("disp"), conflicts("tech2"), conflicts("outsider")) == (1, 1, 0, 0)


def test_bad_cursor_is_400(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    for cursor in ("garbage", "eyJ2IjoyLCJzZXEiOjF9", "eyJ2IjoxLCJzZXEiOi0xfQ", "bnVsbA"):
        response = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=tech.headers)
        assert response.status_code == 400, cursor
        assert response.json()["error"]["code"] == "bad_cursor"


def test_limit_is_clamped_to_the_maximum(client: TestClient, world: World) -> None:
    page = sign_in(client, "disp").pull(limit=100_000)
    assert page["has_more"] is False and len(page["changes"]) > 0


def test_integration_accounts_may_not_sync(client: TestClient, world: World, db: Database) -> None:
    with db.write() as session, session.begin():
        create_user(
            session, org_id=world.org_id, username="intake", password_hash=_password_hash(),
            role=Role.INTEGRATION, display_name="Intake",
        )  # fmt: skip
    intake = sign_in(client, "intake")
    response = client.get("/api/v1/sync/pull", headers=intake.headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def _update(dev, order: str, seq: int, **fields):  # type: ignore[no-untyped-def]
    return dev.mutation("order.update", order, {"fields": fields}, base_seq=seq)


def test_reassigning_sends_a_tombstone_to_the_old_and_everything_to_the_new_assignee(
    client: TestClient, world: World
) -> None:
    tech1, tech2, disp = sign_in(client, "tech1"), sign_in(client, "tech2"), sign_in(client, "disp")
    a = world.orders["a"]
    _, cursor1 = tech1.pull_all()
    _, cursor2 = tech2.pull_all()
    everything, _ = disp.pull_all()
    seq = next(c["seq"] for c in everything if c["id"] == a)
    tech1.push([tech1.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": "old note", "at": AT})])
    disp.push([_update(disp, a, seq, assignee_id=world.users["tech2"])])
    gone = tech1.pull(cursor=cursor1)["changes"]
    assert [c for c in gone if c["id"] == a] == [
        {"entity": "work_order", "id": a, "seq": gone[-1]["seq"], "deleted": True, "reason": "out_of_scope"}
    ]
    arrived = tech2.pull(cursor=cursor2)["changes"]
    kinds = {
        (c["entity"], c["data"]["order_id"] if c["entity"] != "work_order" else c["id"]) for c in arrived
    }
    assert ("work_order", a) in kinds and ("checklist_item", a) in kinds and ("note", a) in kinds
    items = [c["id"] for c in arrived if c["entity"] == "checklist_item"]
    assert sorted(items) == sorted(world.items["a"])  # old children, however old
    # Back to tech1: the order itself, not a tombstone, and each id at most once a page.
    seq = next(c["seq"] for c in disp.pull_all()[0] if c["id"] == a)
    disp.push([_update(disp, a, seq, assignee_id=world.users["tech1"])])
    back = tech1.pull(cursor=cursor1)["changes"]
    mine = [c for c in back if c["id"] == a]
    assert len(mine) == 1 and mine[0]["deleted"] is False
    ids = [c["id"] for c in back]
    assert len(ids) == len(set(ids))


def test_a_follow_up_leaves_its_creator_when_assigned_to_someone_else(
    client: TestClient, world: World
) -> None:
    tech1, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    order = str(uuid.uuid4())
    tech1.push([tech1.mutation("order.create", order, {"title": "Follow-up"})])
    _, cursor = tech1.pull_all()
    seq = next(c["seq"] for c in disp.pull_all()[0] if c["id"] == order)
    disp.push([_update(disp, order, seq, assignee_id=world.users["tech2"])])
    changes = tech1.pull(cursor=cursor)["changes"]
    assert [(c["id"], c["deleted"], c.get("reason")) for c in changes] == [(order, True, "out_of_scope")]
