"""Server limits and malformed input (issue 3, "Server limits"): whatever a device
sends, the answer is the protocol's 4xx or a `rejected` result, never a 500, and a
bad mutation never jams the queue behind it. Complements test_errors.py and
test_push_ledger.py (413 body and batch, 426, 422) with the gaps: the batch limit's
boundary, the order of the checks, the three 500s probing found (deep JSON nesting,
times outside years 1-9999 in UTC, NUL characters on PostgreSQL), and a seeded fuzz
of mutation args, which finds the last two again when their fixes are undone."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.protocol import MAX_BATCH, MutationType
from server_stub.db import Database

from .conftest import World, sign_in, snapshot

AT = "2026-11-25T10:00:00Z"
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-02-30T00:00:00Z", AT]
EDGE_TEXT = ["a\x00b", "\x00", "", "x" * 5000, "\u202e", "'; DROP TABLE notes; --"]


def _raw_push(client: TestClient, dev: Any, mutations: list[dict[str, Any]], *, protocol: int = 1) -> Any:
    # json.dumps writes NaN/Infinity, which the server's parser accepts: they must be handled too.
    body = json.dumps({"protocol": protocol, "device_id": dev.device_id, "mutations": mutations})
    headers = {**dev.headers, "Content-Type": "application/json"}
    return client.post("/api/v1/sync/push", content=body.encode(), headers=headers)


def _note(order: str, text: str = "fine") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "text": text, "at": AT}


def test_a_batch_of_exactly_the_limit_is_accepted(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    batch = [tech.mutation("note.add", world.orders["a"], _note(world.orders["a"])) for _ in range(MAX_BATCH)]
    result = tech.push(batch)
    assert result["last_mid"] == MAX_BATCH and {r["status"] for r in result["results"]} == {"applied"}


def test_protocol_is_checked_before_the_batch_size_and_the_body(
    client: TestClient, world: World, db: Database
) -> None:
    tech = sign_in(client, "tech1")
    before = snapshot(db)
    too_many = [{"mid": i, "type": "x"} for i in range(1, MAX_BATCH + 2)]
    response = _raw_push(client, tech, too_many, protocol=2)
    assert response.status_code == 426 and response.json()["error"]["code"] == "protocol_not_supported"
    response = _raw_push(client, tech, [*too_many[:-2], {"mid": "not a number"}])
    assert response.status_code == 422  # 500 of them, one malformed: validation, not 413
    assert snapshot(db) == before


def test_json_nested_past_the_parser_stack_is_400_not_500(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    headers = {**tech.headers, "Content-Type": "application/json"}
    response = client.post("/api/v1/sync/push", content=b"[" * 100_000, headers=headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed"


def test_nul_characters_and_times_outside_utc_years_are_rejected_alike_on_every_database(
    client: TestClient, world: World
) -> None:
    tech, a = sign_in(client, "tech1"), world.orders["a"]
    reason = {"from": "assigned", "to": "on_hold", "at": AT, "reason": "\x00"}
    early = {
        "id": str(uuid.uuid4()),
        "kind": "work",
        "started_at": "0001-01-01T00:00:00+14:00",
        "ended_at": AT,
    }
    bad = [
        tech.mutation("note.add", a, _note(a, "before\x00after")),
        tech.mutation("order.transition", a, reason),
        tech.mutation("note.add\x00", a, _note(a)),
        tech.mutation("note.add", a, {**_note(a), "at": "9999-12-31T23:59:59-14:00"}),
        tech.mutation("time.add", a, early),
    ]
    result = tech.push([*bad, tech.mutation("note.add", a, _note(a, "next"))])
    assert [r["status"] for r in result["results"]] == ["rejected"] * len(bad) + ["applied"]
    assert {r["error"]["code"] for r in result["results"][:-1]} == {"invalid_args"}
    assert tech.pull()["last_mid"] == len(bad) + 1  # nothing jammed


_TYPES = [t.value for t in MutationType]
_KEYS = ["id", "text", "at", "from", "to", "reason", "item_id", "value", "done", "fields", "kind",
         "started_at", "ended_at", "sku", "quantity", "entity", "conflict_id", "choice", "title",
         "checklist", "sha256", "size", "signer_name", "signed_at", "assignee_id", "priority"]  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(EDGE_TIMES + EDGE_TEXT + ["assigned", "in_progress", "work", "note", "mine"])
    | st.uuids().map(str)
)
_KEYED = st.sampled_from(_KEYS) | st.text(max_size=6)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYED, inner, max_size=4),
    max_leaves=8,
)


def _templates(item: str) -> dict[str, dict[str, Any]]:
    """A valid args object per type: the fuzz perturbs one or two fields of it, so most
    examples get past the first check and reach the database."""
    new = str(uuid.uuid4())
    return {
        "note.add": {"id": new, "text": "t", "at": AT},
        "time.add": {"id": new, "kind": "work", "started_at": AT, "ended_at": AT},
        "part.use": {"id": new, "sku": "FUSE-10A", "quantity": 1},
        "checklist.set": {"item_id": item, "value": True, "done": True},
        "order.transition": {"from": "assigned", "to": "en_route", "at": AT},
        "order.update": {"fields": {"title": "t"}},
        "signature.add": {"id": new, "signer_name": "P", "sha256": "ab" * 32, "signed_at": AT},
        "entry.void": {"entity": "note", "id": new, "reason": "r"},
    }


@st.composite
def _mutations(draw: st.DrawFn, item: str) -> dict[str, Any]:
    templates = _templates(item)
    kind = draw(
        st.sampled_from(sorted(templates)) | st.sampled_from(_TYPES) | st.text(min_size=1, max_size=64)
    )
    args = dict(templates.get(kind, {}))
    for key in draw(st.lists(st.sampled_from(sorted(args) or _KEYS), max_size=2)):
        # Edge strings half the time: they are what databases disagree about.
        args[key] = draw(st.sampled_from(EDGE_TIMES + EDGE_TEXT) | _VALUES)
    mutation: dict[str, Any] = {"type": kind, "args": args}
    if draw(st.booleans()):
        mutation["base_seq"] = draw(st.integers(min_value=0, max_value=2**70))
    return mutation


@settings(
    max_examples=100,
    derandomize=True,  # seeded: the same examples on every run, replayable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), on_own_order=st.booleans())
def test_fuzzed_mutations_get_results_never_a_500_and_never_jam_the_queue(
    client: TestClient, world: World, data: st.DataObject, on_own_order: bool
) -> None:
    tech = sign_in(client, "tech1")  # a new device each example: mids start at 1
    mutations = data.draw(st.lists(_mutations(world.items["a"][0]), min_size=1, max_size=4))
    order = world.orders["a"] if on_own_order else world.orders["b"]
    batch = [{"mid": i, "entity_id": order, **m} for i, m in enumerate(mutations, start=1)]
    batch.append(
        {"mid": len(batch) + 1, "type": "note.add", "entity_id": world.orders["a"], "args": _note("a")}
    )
    response = _raw_push(client, tech, batch)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["mid"] for r in results] == [m["mid"] for m in batch]
    assert results[-1]["status"] == "applied"  # the good one after the fuzz went through
    assert {r["status"] for r in results} <= {"applied", "merged", "conflict", "rejected"}
    pulled = client.get("/api/v1/sync/pull", headers=tech.headers)
    assert pulled.status_code == 200 and pulled.json()["last_mid"] == len(batch)
