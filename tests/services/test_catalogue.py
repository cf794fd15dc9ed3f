"""The parts catalogue on this device, searched through the facade (a real SQLite store), and
who may void a part used on an order, as the order's view says and void_entry agrees."""

import uuid

import pytest
from store.kit import TECH, change

from app.domain.protocol import Change
from app.services.catalogue import MAX_CHOICES
from app.services.types import InvalidInput, OrderId, PartChoice
from app.store.outbox import queued
from app.store.rows import apply_change

# The seeded server's catalogue (server_stub/seeding/data.py), and one name only Unicode folds.
CATALOGUE = [
    ("FLT-G4-592", "Air filter G4 592×592", "pcs"),
    ("BLT-SPA-1250", "V-belt SPA 1250", "pcs"),
    ("FUSE-10A", "Fuse 10 A, type gG", "pcs"),
    ("RCD-40-30", "RCD 40 A / 30 mA", "pcs"),
    ("SEAL-EPDM-22", "EPDM seal 22 mm", "pcs"),
    ("PIPE-CU-15", "Copper pipe 15 mm", "m"),
    ("REFR-R32", "Refrigerant R32", "kg"),
    ("CBL-NYM-3X15", "Cable NYM 3×1.5 mm²", "m"),
    ("KM-R290", "Kältemittel R290", "kg"),
]


def _pull(rig, entity, data, seq):
    with rig.ordo._store.transaction() as s:
        apply_change(s, Change.model_validate(change(entity, data, seq)))


def _catalogue(rig, rows=CATALOGUE, *, first_seq=100):
    for n, (sku, name, unit) in enumerate(rows):
        _pull(rig, "part", {"id": f"part-{sku}", "sku": sku, "name": name, "unit": unit}, first_seq + n)


def _skus(choices):
    return [c.sku for c in choices]


@pytest.fixture
def stocked(signed_in):
    _catalogue(signed_in)
    return signed_in


def test_a_word_of_the_name_finds_the_part_whatever_its_case(stocked):
    found = stocked.ordo.search_parts("PIPE")
    assert found == [PartChoice(sku="PIPE-CU-15", name="Copper pipe 15 mm", unit="m")]
    assert stocked.ordo.search_parts("  copper ") == found


def test_part_of_the_sku_finds_the_part(stocked):
    assert _skus(stocked.ordo.search_parts("r32")) == ["REFR-R32"]
    assert _skus(stocked.ordo.search_parts("epdm-2")) == ["SEAL-EPDM-22"]
    assert _skus(stocked.ordo.search_parts("1250")) == ["BLT-SPA-1250"]


def test_every_word_must_match_in_the_name_or_the_sku(stocked):
    assert _skus(stocked.ordo.search_parts("copper 15")) == ["PIPE-CU-15"]
    # "mm" is in three names; "cable" in one of them only.
    assert _skus(stocked.ordo.search_parts("mm")) == ["CBL-NYM-3X15", "PIPE-CU-15", "SEAL-EPDM-22"]
    assert _skus(stocked.ordo.search_parts("mm cable")) == ["CBL-NYM-3X15"]
    assert stocked.ordo.search_parts("copper 22") == []


def test_matches_come_by_name_and_an_exact_sku_first(stocked):
    assert _skus(stocked.ordo.search_parts("R")) == [
        "FLT-G4-592",  # Air filter
        "PIPE-CU-15",  # Copper pipe
        "KM-R290",  # Kältemittel
        "RCD-40-30",  # RCD
        "REFR-R32",  # Refrigerant
    ]
    # Typed (or scanned) in full, the SKU's part leads even where others match by name.
    _pull(stocked, "part", {"id": "p-fuse", "sku": "FUSE", "name": "Zinc fuse holder", "unit": "pcs"}, 300)
    assert _skus(stocked.ordo.search_parts("fuse")) == ["FUSE", "FUSE-10A"]


def test_case_is_folded_beyond_ascii(stocked):
    # SQLite's LIKE and lower() fold ASCII letters only.
    assert _skus(stocked.ordo.search_parts("KÄLTE")) == ["KM-R290"]
    assert _skus(stocked.ordo.search_parts("3×1.5")) == ["CBL-NYM-3X15"]


def test_an_empty_query_lists_the_first_parts_by_name(stocked):
    assert _skus(stocked.ordo.search_parts("", limit=3)) == ["FLT-G4-592", "CBL-NYM-3X15", "PIPE-CU-15"]
    assert len(stocked.ordo.search_parts("   ")) == len(CATALOGUE)


def test_the_limit_is_kept_within_bounds(stocked):
    assert stocked.ordo.search_parts("", limit=0) == []
    assert stocked.ordo.search_parts("", limit=-5) == []
    many = [(f"BOLT-{n:03}", f"Bolt {n:03}", "pcs") for n in range(MAX_CHOICES + 20)]
    _catalogue(stocked, many, first_seq=1000)
    assert len(stocked.ordo.search_parts("bolt", limit=10_000)) == MAX_CHOICES
    assert len(stocked.ordo.search_parts("bolt")) == 20  # the default


def test_nothing_matches(stocked):
    assert stocked.ordo.search_parts("gasket") == []


def test_one_sku_is_offered_once_with_its_latest_name(signed_in):
    _pull(signed_in, "part", {"id": "a", "sku": "SEAL-1", "name": "Seal (old name)", "unit": "pcs"}, 5)
    _pull(signed_in, "part", {"id": "b", "sku": "SEAL-1", "name": "Seal kit", "unit": "pcs"}, 6)
    assert signed_in.ordo.search_parts("seal") == [PartChoice(sku="SEAL-1", name="Seal kit", unit="pcs")]


def test_a_part_without_a_name_or_unit_is_offered_by_its_sku(signed_in):
    _pull(signed_in, "part", {"id": "a", "sku": "X-1", "name": "", "unit": ""}, 5)
    assert signed_in.ordo.search_parts("x-1") == [PartChoice(sku="X-1", name="X-1", unit="")]


def test_no_catalogue_before_the_first_sync_and_none_signed_out(rig):
    assert rig.ordo.search_parts("") == []  # signed out: nothing to show, nothing raised
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    assert rig.ordo.search_parts("") == []  # the scripted server sends no catalogue


# --- who may void a part used on an order --------------------------------------------------


def _oid(rig):
    return OrderId(uuid.UUID(rig.order))


def _used_by(rig, user_id, *, sku="PIPE-CU-15", quantity=2.0, seq=200):
    """A part usage as pulled (logged on another device, by `user_id`); returns its id."""
    pid = str(uuid.uuid4())
    data = {"id": pid, "order_id": rig.order, "user_id": user_id, "sku": sku, "quantity": quantity}
    _pull(rig, "part_usage", {**data, "voided": False}, seq)
    return uuid.UUID(pid)


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.args) for e in queued(s)]


def test_a_technician_may_void_their_own_part_not_another_persons(stocked):
    rig = stocked
    theirs = _used_by(rig, str(uuid.uuid4()))
    detail = rig.ordo.use_part(_oid(rig), sku="SEAL-EPDM-22", quantity="2")
    views = {p.id: p for p in detail.parts}
    [mine] = [p for p in detail.parts if p.id != theirs]
    assert (mine.sku, mine.name, mine.unit, mine.pending, mine.mine, mine.may_void) == (
        "SEAL-EPDM-22",
        "EPDM seal 22 mm",
        "pcs",
        True,
        True,
        True,
    )
    assert (views[theirs].mine, views[theirs].may_void) == (False, False)
    # What the view offers is what void_entry accepts.
    with pytest.raises(InvalidInput, match="Only its author or a dispatcher"):
        rig.ordo.void_entry(_oid(rig), entity="part_usage", entry_id=theirs, reason="not mine")
    detail = rig.ordo.void_entry(_oid(rig), entity="part_usage", entry_id=mine.id, reason=" wrong part ")
    assert [p.id for p in detail.parts] == [theirs]
    assert _outbox(rig)[-1] == (
        "entry.void",
        {"entity": "part_usage", "id": str(mine.id), "reason": "wrong part"},
    )


def test_a_dispatcher_may_void_the_technicians_part(dispatcher):
    rig = dispatcher
    _catalogue(rig)
    used = _used_by(rig, TECH["id"])
    [part] = rig.ordo.get_order(_oid(rig)).parts
    assert (part.id, part.name, part.unit, part.mine, part.may_void) == (
        used,
        "Copper pipe 15 mm",
        "m",
        False,
        True,
    )
    detail = rig.ordo.void_entry(_oid(rig), entity="part_usage", entry_id=used, reason="logged twice")
    assert detail.parts == []


def test_a_part_voided_elsewhere_leaves_the_list(stocked):
    rig = stocked
    used = _used_by(rig, TECH["id"], seq=200)
    assert [p.may_void for p in rig.ordo.get_order(_oid(rig)).parts] == [True]
    data = {"id": str(used), "order_id": rig.order, "user_id": TECH["id"], "sku": "PIPE-CU-15"}
    _pull(rig, "part_usage", {**data, "quantity": 2.0, "voided": True}, 201)
    assert rig.ordo.get_order(_oid(rig)).parts == []
