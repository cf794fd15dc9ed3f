"""An order's history (issue 10, sync-protocol.md "Order history"): the ledger's entries
with their results, what they wrote (before and after) and a summary in words, plus the
changes nobody pushed; oldest first, paged; for the desk and the order's assignees only.
Conflict rows say who lost, when, and on which order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.protocol import HistoryPage
from server_stub.auth.apikeys import create_api_key
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.models import User

from .conftest import START, Device, World, sign_in
from .kit import AT, move, new_id, pulled, seq_of, update

API = "/api/v1"
KEYS = {"seq", "at", "user_id", "user_name", "device_id", "type", "summary", "result", "fields"}


def history(dev: Device, order_id: str, *, expect: int = 200, **params: Any) -> dict[str, Any]:
    answer = dev.client.get(f"{API}/orders/{order_id}/history", params=params, headers=dev.headers)
    assert answer.status_code == expect, answer.text
    if expect != 200:
        assert set(answer.json()) == {"error"}
    return answer.json()


def entries(dev: Device, order_id: str) -> list[dict[str, Any]]:
    page = history(dev, order_id)
    assert not page["has_more"]
    HistoryPage.model_validate(page)
    return page["entries"]


def brief(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["type"], e["summary"], e["result"]) for e in found]


def _work(client: TestClient, world: World, clock: FakeClock) -> tuple[Device, Device, str]:
    """The dispatcher assigns the new order to tech1 and raises it; tech1 travels, starts,
    measures, writes a note and tries to cancel it (refused)."""
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    order = world.orders["new"]
    base = seq_of(disp, order)
    disp.push([update(disp, order, base, assignee_id=world.users["tech1"])])
    clock.advance(seconds=60)
    disp.push([update(disp, order, seq_of(disp, order), priority="urgent")])
    clock.advance(seconds=60)
    tech.pull_all()
    tech.push(
        [
            move(tech, order, "assigned", "en_route"),
            move(tech, order, "en_route", "in_progress"),
            tech.mutation("note.add", order, {"id": new_id(), "text": "Boiler room locked", "at": AT}),
            move(tech, order, "in_progress", "cancelled"),
        ]
    )
    return disp, tech, order


def test_the_desk_reads_every_change_oldest_first_in_words(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    disp, tech, order = _work(client, world, clock)
    found = entries(disp, order)
    assert all(set(e) == KEYS for e in found)
    assert brief(found) == [
        ("order.create", "Created", "applied"),
        ("order.update", "Assigned to Tech1", "applied"),
        ("order.update", "Priority: high → urgent", "applied"),
        ("order.transition", "On the way", "applied"),
        ("order.transition", "Started work", "applied"),
        ("note.add", "Note added", "applied"),
        ("order.transition", "Cancelled", "rejected"),
    ]
    seqs = [e["seq"] for e in found]
    assert seqs[0] == 0 and seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    created, assigned, raised, on_the_way = found[:4]
    assert (created["user_id"], created["user_name"], created["device_id"]) == (None, None, None)
    assert created["at"] == "2026-11-25T09:00:00Z"  # when the order was made
    assert assigned["fields"] == {"status": ["new", "assigned"], "assignee_id": [None, world.users["tech1"]]}
    assert (assigned["user_id"], assigned["user_name"], assigned["device_id"]) == (
        disp.user_id,
        "Disp",
        disp.device_id,
    )
    assert assigned["at"] == "2026-11-25T09:00:00Z" and raised["at"] == "2026-11-25T09:01:00Z"
    assert raised["fields"] == {"priority": ["high", "urgent"]}
    assert on_the_way["fields"] == {"status": ["assigned", "en_route"]}
    assert on_the_way["at"] == "2026-11-25T09:02:00Z"  # the server's time, not the device's `at`
    assert (on_the_way["user_id"], on_the_way["device_id"]) == (tech.user_id, tech.device_id)
    assert found[-1]["fields"] == {} and found[-2]["fields"] == {}
    # The assignee reads the same history.
    assert entries(tech, order) == found


def test_push_answers_carry_nothing_of_the_history(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    order = world.orders["new"]
    answer = disp.push([update(disp, order, seq_of(disp, order), priority="low", title="Renamed")])
    (result,) = answer["results"]
    assert set(answer) == {"results", "last_mid"} and set(result) == {"mid", "status", "seq"}
    again = disp.push([disp.mutation("order.update", order, {"fields": {"title": "x"}}, base_seq=0, mid=1)])
    assert again["results"] == answer["results"]  # a replay answers from the ledger, unchanged
    (entry,) = [e for e in entries(disp, order) if e["type"] == "order.update"]
    assert entry["summary"] == "Priority: high → low; Title: New → Renamed"


def test_conflicts_and_refusals_are_entries_too(client: TestClient, world: World) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    a = world.orders["a"]
    base = seq_of(tech, a)
    tech.push(
        [
            update(tech, a, base, priority="urgent"),  # a dispatcher's field: kept for one
            tech.mutation("checklist.set", a, {"item_id": world.items["a"][1], "value": 1.8, "done": True}),
            tech.mutation("checklist.set", a, {"item_id": world.items["a"][0], "value": True, "done": True}),
            tech.mutation("order.update", a, {"fields": {"title": "x"}}),  # no base_seq: refused
        ]
    )
    found = [e for e in entries(disp, a) if e["type"] != "order.create"]
    assert brief(found) == [
        ("order.update", "Proposed priority (kept for a dispatcher)", "conflict"),
        ("checklist.set", "Pressure: 1.8", "applied"),
        ("checklist.set", "Ticked: Isolate supply", "applied"),
        ("order.update", "Change to title", "rejected"),
    ]
    assert found[0]["fields"] == {}
    assert found[1]["fields"] == {"checklist: Pressure": [False, 1.8]}
    (conflict_id,) = pulled(disp, "conflict")
    disp.push([disp.mutation("conflict.resolve", a, {"conflict_id": conflict_id, "choice": "mine"})])
    resolved = entries(disp, a)[-1]
    assert resolved["summary"] == "Conflict over priority resolved: kept the sent value"
    assert resolved["fields"] == {"priority": ["normal", "urgent"]}


def test_conflict_rows_say_who_lost_when_and_on_which_order(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    a = world.orders["a"]
    clock.advance(seconds=90)
    (result,) = tech.push([update(tech, a, seq_of(tech, a), title="Mine")])["results"]
    (conflict_id,) = result["conflict_ids"]
    for dev in (disp, tech):
        row = pulled(dev, "conflict")[conflict_id]
        assert row["user_id"] == tech.user_id
        assert row["created_at"] == "2026-11-25T09:01:30Z"
        assert row["order_number"] == pulled(disp, "work_order")[a]["number"] == "WO-000001"
        assert (row["device_id"], row["mine"], row["theirs"]) == (tech.device_id, "Mine", "A")


def test_intake_and_the_alerts_after_it_are_in_the_history(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    with db.write() as session, session.begin():
        key = create_api_key(session, org_id=world.org_id, name="BMS", now=START).key
    headers = {"X-API-Key": key}
    alert = {
        "external_id": "A-1",
        "source": "bms",
        "asset": "AHU-2",
        "severity": "high",
        "message": "Fan stopped",
    }
    made = client.post(f"{API}/intake/alerts", json=alert, headers=headers).json()
    clock.advance(seconds=300)
    client.post(f"{API}/intake/alerts", json=alert | {"external_id": "A-2"}, headers=headers)
    request = {"external_id": "R-1", "customer": "Pat", "site": {"name": "Depot"}, "description": "Leak"}
    asked = client.post(f"{API}/intake/requests", json=request, headers=headers).json()
    disp = sign_in(client, "disp")
    found = entries(disp, made["id"])
    assert brief(found) == [
        ("order.create", "Created from an alert", "applied"),
        ("note.add", "Alert again from bms: note added", "applied"),
    ]
    assert [(e["user_id"], e["at"]) for e in found] == [
        (None, "2026-11-25T09:00:00Z"),
        (None, "2026-11-25T09:05:00Z"),
    ]
    assert found[0]["seq"] > 0
    assert brief(entries(disp, asked["id"])) == [("order.create", "Created from a request", "applied")]


def test_an_order_created_by_a_push_starts_with_that_push(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    order_id = new_id()
    disp.push(
        [disp.mutation("order.create", order_id, {"title": "Made here", "assignee_id": world.users["tech2"]})]
    )
    found = entries(disp, order_id)
    assert brief(found) == [("order.create", "Created and assigned", "applied")]
    assert found[0]["user_id"] == disp.user_id and found[0]["seq"] > 0


def test_a_former_assignee_reads_their_own_entries_only(client: TestClient, world: World) -> None:
    disp, tech1, tech2 = sign_in(client, "disp"), sign_in(client, "tech1"), sign_in(client, "tech2")
    a = world.orders["a"]
    tech1.push([tech1.mutation("note.add", a, {"id": new_id(), "text": "mine", "at": AT})])
    disp.push([update(disp, a, seq_of(disp, a), assignee_id=world.users["tech2"])])
    tech2.pull_all()
    tech2.push([tech2.mutation("note.add", a, {"id": new_id(), "text": "theirs", "at": AT})])
    everything = entries(disp, a)
    assert len(everything) == 4  # created, tech1's note, the reassignment, tech2's note
    assert entries(tech2, a) == everything
    own = entries(tech1, a)
    assert [e["user_id"] for e in own] == [tech1.user_id] and own[0]["summary"] == "Note added"
    assert everything[2]["summary"] == "Reassigned from Tech1 to Tech2"


def test_pages_walk_the_history_in_order(client: TestClient, world: World, clock: FakeClock) -> None:
    disp, _, order = _work(client, world, clock)
    whole = entries(disp, order)
    walked: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = history(disp, order, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["entries"]) <= 2
        walked += page["entries"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert walked == whole
    # Past the end: nothing, and the cursor stays.
    assert history(disp, order, cursor=cursor) == {"entries": [], "cursor": cursor, "has_more": False}


@pytest.mark.parametrize(
    ("who", "target", "want"),
    [
        ("tech2", "a", 404),  # another technician's order
        ("outsider", "a", 404),  # another organisation's
        ("disp", "unknown", 404),
        ("tech1", "new", 404),  # unassigned: nobody's yet
    ],
)
def test_everyone_else_is_told_there_is_no_such_order(
    client: TestClient, world: World, who: str, target: str, want: int
) -> None:
    dev = sign_in(client, who)
    order = world.orders.get(target, str(uuid.uuid4()))
    assert history(dev, order, expect=want)["error"]["code"] == "not_found"


def test_bad_requests_get_the_protocols_error_body(client: TestClient, world: World, db: Database) -> None:
    disp = sign_in(client, "disp")
    a = world.orders["a"]
    assert history(disp, a, expect=400, cursor="not a cursor")["error"]["code"] == "bad_cursor"
    for limit in (0, -1, 501, "many"):
        assert history(disp, a, expect=422, limit=limit)["error"]["code"] == "validation_failed"
    answer = client.get(f"{API}/orders/not-a-uuid/history", headers=disp.headers)
    assert answer.status_code == 422 and set(answer.json()) == {"error"}
    assert client.get(f"{API}/orders/{a}/history").status_code == 401
    # Who asks is decided before what they sent (sync-protocol.md, Transport).
    assert client.get(f"{API}/orders/not-a-uuid/history", params={"limit": 0}).status_code == 401
    with db.write() as session, session.begin():
        key = create_api_key(session, org_id=world.org_id, name="BMS", now=START).key
        assert session.execute(select(User).where(User.role == "integration")).first()
    assert client.get(f"{API}/orders/{a}/history", headers={"X-API-Key": key}).status_code == 401
