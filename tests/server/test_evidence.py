"""Append-only children: time logs (with overlap flags), parts, signatures, photos."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server_stub.testing import read_order

from .conftest import World, sign_in
from .kit import AT, SHA, codes, move, new_id, photo_args, pulled, signature_args, statuses, time_args

T9, T10, T11, T12 = (f"2026-11-25T{h:02d}:00:00Z" for h in (9, 10, 11, 12))


# --- time.add ---------------------------------------------------------------------


def test_time_add_applies_and_is_pulled(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    log = time_args(T9, T10, kind="travel")
    result = tech.push([tech.mutation("time.add", world.orders["a"], log)])
    assert statuses(result) == ["applied"]
    row = pulled(tech, "time_log")[log["id"]]
    assert row == {
        "id": log["id"], "order_id": world.orders["a"], "user_id": tech.user_id, "kind": "travel",
        "started_at": T9, "ended_at": T10, "voided": False,
    }  # fmt: skip
    assert log["id"] in pulled(sign_in(client, "disp"), "time_log")
    assert log["id"] not in pulled(sign_in(client, "tech2"), "time_log")


def test_overlapping_time_is_kept_and_flagged(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    first, second = time_args(T9, T11), time_args(T10, T12)
    tech1.push([tech1.mutation("time.add", world.orders["a"], first)])
    # The overlap is per person across orders: the other order counts too.
    result = tech1.push([tech1.mutation("time.add", world.orders["sig"], second)])
    assert statuses(result) == ["conflict"]
    [conflict_id] = result["results"][0]["conflict_ids"]
    logs = pulled(tech1, "time_log")
    assert {first["id"], second["id"]} <= set(logs)  # never dropped
    conflict = pulled(tech1, "conflict")[conflict_id]
    assert (conflict["entity"], conflict["entity_id"], conflict["field"]) == (
        "time_log",
        second["id"],
        "overlap",
    )
    assert [t["id"] for t in conflict["theirs"]] == [first["id"]]
    assert conflict_id in pulled(sign_in(client, "disp"), "conflict")
    # Touching ends and another person's time are no overlap.
    adjacent = tech1.push(
        [tech1.mutation("time.add", world.orders["a"], time_args(T12, "2026-11-25T13:00:00Z"))]
    )
    other = tech2.push([tech2.mutation("time.add", world.orders["b"], time_args(T9, T12))])
    assert statuses(adjacent) == statuses(other) == ["applied"]


def test_time_add_idempotent_on_its_id(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    plain, flagged = time_args(T9, T10), time_args("2026-11-25T09:30:00Z", T11)
    once = tech.push([tech.mutation("time.add", a, plain), tech.mutation("time.add", a, flagged)])
    again = tech.push([tech.mutation("time.add", a, plain), tech.mutation("time.add", a, flagged)])
    assert [(r["status"], r["seq"], r.get("conflict_ids")) for r in again["results"]] == [
        (r["status"], r["seq"], r.get("conflict_ids")) for r in once["results"]
    ]
    assert len(pulled(tech, "conflict")) == 1
    changed = tech.push([tech.mutation("time.add", a, {**plain, "kind": "break"})])
    elsewhere = tech.push([tech.mutation("time.add", world.orders["sig"], plain)])
    assert codes(changed) == codes(elsewhere) == ["id_conflict"]


def test_time_add_rejections(client: TestClient, world: World) -> None:
    tech1, tech2, disp = sign_in(client, "tech1"), sign_in(client, "tech2"), sign_in(client, "disp")
    a = world.orders["a"]
    result = tech1.push(
        [
            tech1.mutation("time.add", a, time_args(T10, T9)),
            tech1.mutation("time.add", a, time_args(T9, T9)),
            tech1.mutation("time.add", a, time_args(T9, T10, kind="lunch")),
            tech1.mutation("time.add", a, time_args("nine", T10)),
        ]
    )
    assert codes(result) == ["invalid_args"] * 4
    assert codes(tech2.push([tech2.mutation("time.add", a, time_args(T9, T10))])) == ["forbidden"]
    assert codes(disp.push([disp.mutation("time.add", a, time_args(T9, T10))])) == ["forbidden"]


# --- part.use ---------------------------------------------------------------------


def test_part_use_applies_and_the_catalogue_is_pulled_by_everyone(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    use = {"id": new_id(), "sku": "PIPE-CU-15", "quantity": 2.5}
    assert statuses(tech.push([tech.mutation("part.use", world.orders["a"], use)])) == ["applied"]
    row = pulled(tech, "part_usage")[use["id"]]
    assert row == {**use, "order_id": world.orders["a"], "user_id": tech.user_id, "voided": False}
    catalogue = sorted(pulled(sign_in(client, "tech2"), "part").values(), key=lambda p: p["sku"])
    assert catalogue[0] == {"sku": "FUSE-10A", "name": "Fuse 10 A", "unit": "pcs"}
    assert len(catalogue) == 2 and not pulled(sign_in(client, "outsider"), "part")
    again = tech.push([tech.mutation("part.use", world.orders["a"], use)])
    assert statuses(again) == ["applied"]
    assert codes(tech.push([tech.mutation("part.use", world.orders["a"], {**use, "quantity": 3})])) == [
        "id_conflict"
    ]


def test_part_use_rejections(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    a = world.orders["a"]
    result = tech1.push(
        [
            tech1.mutation("part.use", a, {"id": new_id(), "sku": "NOPE-1", "quantity": 1}),
            tech1.mutation("part.use", a, {"id": new_id(), "sku": "FUSE-10A", "quantity": 0}),
            tech1.mutation("part.use", a, {"id": new_id(), "sku": "FUSE-10A", "quantity": "two"}),
        ]
    )
    assert codes(result) == ["unknown_part", "invalid_args", "invalid_args"]
    use = {"id": new_id(), "sku": "FUSE-10A", "quantity": 1}
    assert codes(tech2.push([tech2.mutation("part.use", a, use)])) == ["forbidden"]


# --- signature.add ------------------------------------------------------------------


def test_signature_lets_an_order_that_requires_one_complete(
    client: TestClient, world: World, database_url: str
) -> None:
    tech = sign_in(client, "tech1")
    sig = world.orders["sig"]
    blocked = tech.push([move(tech, sig, "in_progress", "completed")])
    assert codes(blocked) == ["completion_blocked"]
    signature = signature_args()
    result = tech.push(
        [tech.mutation("signature.add", sig, signature), move(tech, sig, "in_progress", "completed")]
    )
    assert statuses(result) == ["applied", "applied"]
    assert read_order(database_url=database_url, order_id=sig)["status"] == "completed"  # type: ignore[index]
    row = pulled(tech, "signature")[signature["id"]]
    assert row == {"id": signature["id"], "order_id": sig, "signer_name": "Pat Customer", "sha256": SHA,
                   "signed_at": AT}  # fmt: skip


def test_signature_idempotency_and_rejections(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    a, signature = world.orders["a"], signature_args()
    first = tech1.push([tech1.mutation("signature.add", a, signature)])
    again = tech1.push([tech1.mutation("signature.add", a, signature)])
    assert again["results"][0]["seq"] == first["results"][0]["seq"]
    result = tech1.push(
        [
            tech1.mutation("signature.add", a, {**signature, "signer_name": "Someone else"}),
            tech1.mutation("signature.add", a, signature_args() | {"sha256": "ABC"}),
            tech1.mutation("signature.add", a, signature_args() | {"signer_name": ""}),
        ]
    )
    assert codes(result) == ["id_conflict", "invalid_args", "invalid_args"]
    assert codes(tech2.push([tech2.mutation("signature.add", a, signature_args())])) == ["forbidden"]


# --- photo.add --------------------------------------------------------------------


def test_photo_add_is_metadata_with_a_pending_blob(client: TestClient, world: World) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    a, photo = world.orders["a"], photo_args()
    by_dispatcher = photo_args(caption="From the office")
    result = tech.push([tech.mutation("photo.add", a, photo)])
    assert statuses(result) == ["applied"]
    assert statuses(disp.push([disp.mutation("photo.add", a, by_dispatcher)])) == ["applied"]
    rows = pulled(tech, "photo")
    assert rows[photo["id"]] == {
        **photo, "order_id": a, "author_id": tech.user_id, "blob_status": "pending", "voided": False,
    }  # fmt: skip
    assert rows[by_dispatcher["id"]]["author_id"] == disp.user_id
    again = tech.push([tech.mutation("photo.add", a, photo)])
    assert again["results"][0]["seq"] == result["results"][0]["seq"]
    assert codes(tech.push([tech.mutation("photo.add", a, {**photo, "caption": "Other"})])) == ["id_conflict"]


def test_photo_add_rejections(client: TestClient, world: World) -> None:
    tech1, tech2 = sign_in(client, "tech1"), sign_in(client, "tech2")
    a = world.orders["a"]
    bad = [{"sha256": "x" * 64}, {"size": 0}, {"width": -1}, {"taken_at": "yesterday"}, {"content_type": ""}]
    result = tech1.push([tech1.mutation("photo.add", a, photo_args() | b) for b in bad])
    assert codes(result) == ["invalid_args"] * len(bad)
    assert codes(tech2.push([tech2.mutation("photo.add", a, photo_args())])) == ["forbidden"]
