"""Push envelope and ledger: idempotency, gaps, last_mid, batch and protocol checks."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from server_stub.db import Database

from .conftest import Device, World, sign_in, snapshot

AT = "2026-11-25T10:00:00Z"


def _mixed_batch(tech: Device, world: World) -> list[dict[str, Any]]:
    a = world.orders["a"]
    return [
        tech.mutation("order.transition", a, {"from": "assigned", "to": "en_route", "at": AT}),
        tech.mutation("order.transition", a, {"from": "assigned", "to": "in_progress", "at": AT}),  # merged
        tech.mutation("order.transition", a, {"from": "assigned", "to": "en_route", "at": AT}),  # conflict
        tech.mutation("checklist.set", a, {"item_id": world.items["a"][0], "value": True, "done": True}),
        tech.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": "On site", "at": AT}),
        tech.mutation(
            "order.transition", a, {"from": "in_progress", "to": "cancelled", "at": AT}
        ),  # rejected
        tech.mutation("photo.add", a, {"id": str(uuid.uuid4())}),  # invalid args
    ]


def test_same_push_twice_gives_same_results_and_changes_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    batch = _mixed_batch(tech, world)
    first = tech.push(batch)
    assert [r["status"] for r in first["results"]] == [
        "applied",
        "merged",
        "conflict",
        "applied",
        "applied",
        "rejected",
        "rejected",
    ]
    before = snapshot(db)
    second = tech.push(batch)
    assert second == first
    assert snapshot(db) == before


def test_replay_after_a_lost_response_mixed_with_new_mutations(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    batch = _mixed_batch(tech, world)
    first = tech.push(batch[:3])
    result = tech.push(batch)  # the device never saw the first answer and resends everything
    assert result["results"][:3] == first["results"]
    assert len(result["results"]) == len(batch)
    assert result["last_mid"] == len(batch)


def test_a_gap_in_mid_stops_the_push_there(client: TestClient, world: World, db: Database) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    notes = [
        tech.mutation("note.add", a, {"id": str(uuid.uuid4()), "text": f"n{mid}", "at": AT}, mid=mid)
        for mid in (1, 2, 3, 4, 5)
    ]
    result = tech.push([notes[0], notes[1], notes[3], notes[4]])  # mid 3 is missing
    assert [r["mid"] for r in result["results"]] == [1, 2]
    assert result["last_mid"] == 2
    result = tech.push(notes[2:])
    assert [r["mid"] for r in result["results"]] == [3, 4, 5]
    assert result["last_mid"] == 5
    assert tech.pull()["last_mid"] == 5


def test_a_push_starting_beyond_last_mid_plus_one_applies_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)
    note = {"id": str(uuid.uuid4()), "text": "late", "at": AT}
    result = tech.push([tech.mutation("note.add", world.orders["a"], note, mid=7)])
    assert result == {"results": [], "last_mid": 0}
    assert snapshot(db) == before


def test_rejected_mutation_still_advances_last_mid(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    result = tech.push([tech.mutation("order.teleport", world.orders["a"], {"id": str(uuid.uuid4())})])
    assert result["results"] == [
        {
            "mid": 1,
            "status": "rejected",
            "error": {"code": "unsupported_mutation", "message": result["results"][0]["error"]["message"]},
        }
    ]
    assert result["last_mid"] == 1
    assert tech.pull()["last_mid"] == 1
    # The next mutation is not jammed behind it.
    note = {"id": str(uuid.uuid4()), "text": "next", "at": AT}
    assert (
        tech.push([tech.mutation("note.add", world.orders["a"], note)])["results"][0]["status"] == "applied"
    )


def test_batch_over_500_is_413_and_applies_nothing(client: TestClient, world: World, db: Database) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)
    batch = [
        tech.mutation("note.add", world.orders["a"], {"id": str(uuid.uuid4()), "text": "x", "at": AT})
        for _ in range(501)
    ]
    response = client.post(
        "/api/v1/sync/push",
        json={"protocol": 1, "device_id": tech.device_id, "mutations": batch},
        headers=tech.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert snapshot(db) == before


def test_other_protocol_is_426(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    response = client.post(
        "/api/v1/sync/push",
        json={"protocol": 2, "device_id": tech.device_id, "mutations": []},
        headers=tech.headers,
    )
    assert response.status_code == 426
    assert response.json()["error"]["code"] == "protocol_not_supported"


def test_push_for_another_device_is_403_even_when_the_body_is_invalid(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)
    for mutations in ([], [{"mid": "garbage"}]):
        response = client.post(
            "/api/v1/sync/push",
            json={"protocol": 1, "device_id": str(uuid.uuid4()), "mutations": mutations},
            headers=tech.headers,
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "wrong_device"
    assert snapshot(db) == before


def test_empty_push_reports_last_mid(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    assert tech.push([]) == {"results": [], "last_mid": 0}


def test_device_keeps_its_mid_counter_across_sign_ins(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    note = {"id": str(uuid.uuid4()), "text": "x", "at": AT}
    tech.push([tech.mutation("note.add", world.orders["a"], note)])
    again = sign_in(client, "tech1", device_id=tech.device_id)
    assert again.pull()["last_mid"] == 1
