"""How a pull page is made fast (issue 11) without changing what it says: each entity's
row from plain rows as from ORM objects, the same changes whatever the page size, the
body as PullResponse's JSON, gzip by the route, and revision 0008's index. On SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from pydantic_core import to_json
from sqlalchemy import inspect, select, union_all, update
from sqlalchemy.orm import Session

from app.domain.protocol import PullResponse
from server_stub import serialize
from server_stub.db import Database
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, User, WorkOrder
from server_stub.sync import feed as feed_module
from server_stub.sync import page_json
from server_stub.sync import pull as pull_module
from server_stub.timeutil import to_db

from .conftest import START, Device, World, sign_in
from .kit import AT, new_id, photo_args, seq_of, signature_args, statuses, time_args
from .kit import update as order_update

# The keys of each entity's row, in the order sent (sync-protocol.md, "Rows as pulled").
LIFECYCLE = (
    "assigned_at en_route_at started_at on_hold_at completed_at cannot_complete_at closed_at cancelled_at"
)
KEYS = {
    "work_order": """id number title description kind priority status status_reason assignee_id customer
        site asset due_at requires_signature required_skills source external_id created_at updated_at """
    + LIFECYCLE
    + " first_assigned_at reopen_count follow_up_of",
    "checklist_item": "id order_id position label kind required value done unit min max",
    "note": "id order_id author_id text at voided",
    "photo": "id order_id author_id sha256 size content_type width height caption taken_at blob_status "
    + "voided",
    "time_log": "id order_id user_id kind started_at ended_at voided",
    "part_usage": "id order_id user_id sku quantity voided",
    "signature": "id order_id signer_name sha256 signed_at",
    "part": "sku name unit",
    "conflict": """id order_id entity entity_id field mine theirs mid device_id status resolution user_id
        created_at order_number""",
    "user": "id username display_name role skills active",
    "checklist_template": "id name kind items archived updated_at",
    "device": "id user_id last_pull_at pulled_seq last_push_at",
    "schedule": """id name site asset every anchor starts_on lead_days template assignee_id paused
        next_due_on timezone updated_at""",
}
# A schedule (issue 13): nested JSON, dates as text, a double in its checklist.
SCHEDULE = {
    "name": "Boiler service, Hall 2",
    "site": {"name": "Hall 2", "address": None, "lat": 52.52, "lon": 13.405},
    "asset": "BOILER-7",
    "every": {"n": 3, "unit": "month"},
    "starts_on": "2027-01-31",
    "lead_days": 7,
    "template": {"title": "Quarterly service", "checklist": [
        {"position": 1, "label": "Flue gas CO2", "kind": "number", "unit": "%", "min": 8.0, "max": 10.5}]},
    "timezone": "Europe/Berlin",
}  # fmt: skip
TEMPLATE = {
    "name": "Boiler service",
    "kind": "maintenance",
    "items": [
        {"position": 1, "label": "Flue gas CO2", "kind": "number", "unit": "%", "min": 8.0, "max": 10.5}
    ],
    "archived": False,
}


@dataclass
class Busy:
    devices: dict[str, Device]
    tech2_cursor: str  # where tech2 stood before order `b` left them


def _busy(client: TestClient, world: World) -> Busy:
    """Every entity has rows: evidence of each kind, a conflict, a template, device rows,
    a tombstone (order `b` moved from tech2 to tech1 after tech2 pulled)."""
    disp, tech1, tablet = sign_in(client, "disp"), sign_in(client, "tech1"), sign_in(client, "tech1")
    tech2 = sign_in(client, "tech2")
    a, sig = world.orders["a"], world.orders["sig"]
    part_use = {"id": new_id(), "sku": "FUSE-10A", "quantity": 2.5}
    tech1.push(
        [
            tech1.mutation("note.add", a, {"id": new_id(), "text": 'Ünïcode ✓ "quoted"', "at": AT}),
            tech1.mutation("photo.add", a, photo_args()),
            tech1.mutation("time.add", a, time_args("2026-11-25T09:00:00Z", "2026-11-25T09:30:00.250000Z")),
            tech1.mutation("part.use", a, part_use),
            tech1.mutation("signature.add", sig, signature_args()),
            tech1.mutation("order.transition", a, {"from": "assigned", "to": "in_progress", "at": AT}),
            # A JSON number: SQLite's NUMERIC affinity gives it back as a number, not text.
            tech1.mutation("checklist.set", a, {"item_id": world.items["a"][1], "value": 2, "done": True}),
            tech1.mutation(
                "checklist.set", a, {"item_id": world.items["a"][2], "value": "Seal worn", "done": True}
            ),
        ]
    )
    tablet.push([tablet.mutation("order.transition", a, {"from": "assigned", "to": "en_route", "at": AT})])
    disp.push([disp.mutation("template.save", new_id(), TEMPLATE)])
    disp.push([disp.mutation("schedule.save", new_id(), SCHEDULE)])
    _, cursor = tech2.pull_all()
    b = world.orders["b"]
    assert statuses(
        disp.push([order_update(disp, b, seq_of(disp, b), assignee_id=world.users["tech1"])])
    ) == ["applied"]
    return Busy({"disp": disp, "tech1": tech1, "tech2": tech2}, tech2_cursor=cursor)


def test_every_entity_is_sent_with_the_protocol_keys_in_order(client: TestClient, world: World) -> None:
    busy = _busy(client, world)
    changes, _ = busy.devices["disp"].pull_all()
    seen = {c["entity"] for c in changes}
    assert seen == set(KEYS)
    for change in changes:
        assert list(change) == ["entity", "id", "seq", "deleted", "data"]
        assert list(change["data"]) == KEYS[change["entity"]].split(), change["entity"]
    tomb, _ = busy.devices["tech2"].pull_all(cursor=busy.tech2_cursor)
    gone = [c for c in tomb if c["deleted"]]
    assert [list(c) for c in gone] == [["entity", "id", "seq", "deleted", "reason"]]
    assert (gone[0]["entity"], gone[0]["id"], gone[0]["reason"]) == (
        "work_order",
        world.orders["b"],
        "out_of_scope",
    )


def test_plain_rows_give_what_orm_objects_give(client: TestClient, world: World, db: Database) -> None:
    _busy(client, world)
    with db.write() as session, session.begin():  # `active` false, from a column not sent
        session.execute(update(User).where(User.username == "tech2").values(disabled_at=to_db(START)))
    with db.read() as session:
        sqlite = db.engine.dialect.name == "sqlite"
        for entity, pulled in serialize.PULLED.items():
            objects = {o.id: o for o in session.execute(select(pulled.model)).scalars()}
            load = pull_module._load(entity, sqlite=sqlite)
            rows = session.execute(load, {"ids": list(objects)}).all()
            assert rows, entity
            for row in rows:
                assert pulled.from_row(row) == pulled.from_object(objects[row[pulled.id_index]]), entity
        (tech2,) = session.execute(select(User).where(User.username == "tech2")).scalars()
        assert serialize.user(tech2)["active"] is False


def test_the_database_makes_each_rows_json_as_python_does(
    client: TestClient, world: World, db: Database
) -> None:
    _busy(client, world)
    items = world.items["a"]
    with db.write() as session, session.begin():  # what only careful JSON gets right
        session.execute(update(User).where(User.username == "tech2").values(disabled_at=START, skills=None))
        session.execute(
            update(ChecklistItem)  # 15 significant digits would give 0.3 and 1e+300 back
            .where(ChecklistItem.id == items[1])
            .values(value=0.30000000000000004, min=0.1, max=1e300)
        )
        session.execute(update(ChecklistItem).where(ChecklistItem.id == items[3]).values(value=True, min=2.0))
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == world.orders["a"])
            .values(required_skills=None, due_at=datetime(2026, 12, 1, 8, 0, 0, 1))
        )
    with db.read() as session:
        for entity, pulled in serialize.PULLED.items():
            objects = {o.id: o for o in session.execute(select(pulled.model)).scalars()}
            ids = {"ids": json.dumps(list(objects))}
            made = dict(
                session.execute(page_json.data_json(entity, dialect=db.engine.dialect.name), ids).all()
            )
            assert made and set(made) == set(objects), entity
            for row_id, text in made.items():
                expected = json.loads(to_json(pulled.from_object(objects[row_id]), inf_nan_mode="null"))
                got = json.loads(text)
                assert got == expected, entity
                assert list(got) == list(expected), entity  # the keys in the protocol's order


def test_a_page_sqlite_cannot_make_is_made_in_python(
    sqlite_only: None, client: TestClient, world: World, db: Database
) -> None:
    _busy(client, world)
    item = world.items["a"][1]
    with db.write() as session, session.begin():  # stored as the text Infinity, which SQLite refuses
        session.execute(update(ChecklistItem).where(ChecklistItem.id == item).values(value=float("inf")))
    changes, _ = sign_in(client, "disp").pull_all()
    (row,) = [c["data"] for c in changes if c["id"] == item]
    assert row["value"] is None  # as pydantic sends an infinity


def _walk(dev: Device, *, limit: int, cursor: str | None = None) -> list[dict[str, Any]]:
    changes, _ = dev.pull_all(cursor=cursor, limit=limit)
    return changes


def test_any_page_size_gives_the_same_changes(client: TestClient, world: World) -> None:
    busy = _busy(client, world)
    for name in ("disp", "tech1", "tech2"):
        cursor = busy.tech2_cursor if name == "tech2" else None
        walks = [_walk(busy.devices[name], limit=limit, cursor=cursor) for limit in (1, 2, 3, 7, 5000)]
        assert walks[0], name
        assert all(walk == walks[-1] for walk in walks), name
        seqs = [c["seq"] for c in walks[-1]]
        assert seqs == sorted(set(seqs))


def _reference(session: Session, user: User, *, after: int) -> list[tuple[str, str, int]]:
    """The scope as one plain union of every arm, ordered: what a page must walk."""
    feed = union_all(*feed_module.scope_queries(user, after=after)).subquery()
    return [tuple(r) for r in session.execute(select(feed).order_by(feed.c.seq)).all()]  # type: ignore[misc]


def test_the_cached_statement_walks_each_callers_own_scope(
    client: TestClient, world: World, db: Database
) -> None:
    devices = _busy(client, world).devices
    with db.read() as session:
        for name in ("disp", "tech1", "tech2", "outsider"):
            user = session.get(User, world.users[name])
            assert user is not None
            for start in (0, 5):
                rows = feed_module.page_rows(session, user, after=start, limit=10_000)
                assert [tuple(r) for r in rows] == _reference(session, user, after=start), (name, start)
    # A caller whose role changes walks the new role's scope at once.
    with db.write() as session, session.begin():
        session.execute(update(User).where(User.id == world.users["tech2"]).values(role="dispatcher"))
    changes = _walk(devices["tech2"], limit=5000)
    assert {c["id"] for c in changes if c["entity"] == "work_order"} == set(world.orders.values())


def test_the_body_is_the_pull_response_json(client: TestClient, world: World, db: Database) -> None:
    dev = _busy(client, world).devices["disp"]
    with db.write() as session, session.begin():  # JSON has no infinity: the model sends null
        item = world.items["a"][1]
        session.execute(update(ChecklistItem).where(ChecklistItem.id == item).values(max=float("inf")))
    response = client.get("/api/v1/sync/pull", headers={**dev.headers, "Accept-Encoding": "identity"})
    assert response.headers["content-type"] == "application/json"
    model = PullResponse.model_validate_json(response.content)
    # The same JSON, key for key in the same order (the database writes it, with its own
    # spacing and a double's 17 digits, so not byte for byte).
    sent, modelled = response.json(), json.loads(model.model_dump_json(exclude_none=True))
    assert sent == modelled
    assert [list(c) for c in sent["changes"]] == [list(c) for c in modelled["changes"]]
    assert [list(c.get("data", {})) for c in sent["changes"]] == [
        list(c.get("data", {})) for c in modelled["changes"]
    ]
    (row,) = [c["data"] for c in response.json()["changes"] if c["id"] == item]
    assert row["max"] is None


def test_a_large_page_is_gzipped_by_the_route_and_says_the_same(client: TestClient, world: World) -> None:
    dev = _busy(client, world).devices["disp"]
    plain = client.get("/api/v1/sync/pull", headers={**dev.headers, "Accept-Encoding": "identity"})
    packed = client.get("/api/v1/sync/pull", headers={**dev.headers, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in packed.headers["vary"]
    assert len(packed.content) > 1024  # decoded by the client
    first, second = plain.json(), packed.json()
    assert first | {"server_time": ""} == second | {"server_time": ""}
    small = client.get("/api/v1/sync/pull", params={"cursor": first["cursor"]}, headers=dev.headers)
    assert small.json()["changes"] == [] and "content-encoding" not in small.headers


# --- revision 0008 -----------------------------------------------------------------------


def _indexes(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("work_orders")}


def test_upgrading_from_0007_adds_the_index_and_pulls_the_same(
    client: TestClient, world: World, database_url: str, db: Database
) -> None:
    devices = _busy(client, world).devices
    before = _walk(devices["disp"], limit=3)
    migrate(database_url, revision="0007", down=True)
    assert "ix_work_orders_org_seq" not in _indexes(db)
    # (Pulls read 0009's order columns since issue 13: no walk on the older schema, and
    # the way down drops those facts, the way up fills first_assigned_at from assigned_at.)
    migrate(database_url)
    assert "ix_work_orders_org_seq" in _indexes(db)
    assert _without_measures(_walk(devices["disp"], limit=3)) == _without_measures(before)


def _without_measures(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Schedules (0010) go with the way down to 0007 too.
    measures = {"first_assigned_at", "reopen_count", "follow_up_of"}
    return [
        {**c, "data": {k: v for k, v in c["data"].items() if k not in measures}}
        if c["entity"] == "work_order" and c["data"]
        else c
        for c in changes
        if c["entity"] != "schedule"
    ]
