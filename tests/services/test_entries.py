"""Time logs, parts and voiding through the facade: checked, one local transaction, queued."""

import math
import uuid
from datetime import timedelta

import pytest
from store.kit import T0, change

from app.domain.protocol import Change
from app.services.types import InvalidInput
from app.store.models import Note, Order, PartUsage, TimeLog
from app.store.outbox import queued
from app.store.rows import apply_change


def _order(rig):
    return uuid.UUID(rig.order)


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.mid, e.type, e.entity_id, e.args, e.base_seq) for e in queued(s)]


def test_log_time_queues_time_add_and_shows_pending(signed_in):
    rig = signed_in
    detail = rig.ordo.log_time(_order(rig), kind="travel", started_at=T0 - timedelta(hours=1), ended_at=T0)
    assert detail.summary.pending
    [view] = detail.time_logs
    assert (view.kind, view.started_at, view.ended_at, view.user_name, view.pending, view.mine) == (
        "travel",
        T0 - timedelta(hours=1),
        T0,
        "You",
        True,
        True,
    )
    [(mid, type_, entity, args, base_seq)] = _outbox(rig)
    assert (mid, type_, entity, base_seq) == (1, "time.add", rig.order, 1)
    assert args["kind"] == "travel" and args["started_at"] == "2026-11-25T08:00:00Z"
    assert args["ended_at"] == "2026-11-25T09:00:00Z"
    with rig.ordo._store.read() as s:
        log = s.get(TimeLog, args["id"])
        assert (log.order_id, log.user_id, log.kind) == (
            rig.order,
            "11111111-1111-4111-8111-111111111111",
            "travel",
        )


@pytest.mark.parametrize(
    ("kind", "start", "end", "says"),
    [
        ("nap", T0 - timedelta(hours=1), T0, "Choose travel, work or break"),
        ("work", T0, T0 - timedelta(minutes=1), "end must be after the start"),
        ("work", T0, T0, "end must be after the start"),
        ("work", T0 - timedelta(hours=25), T0, "at most 24 hours"),
        ("work", T0, T0 + timedelta(hours=1), "in the future"),
        ("work", T0.replace(tzinfo=None), T0, "needs a time zone"),
        ("work", None, T0, "Enter the start time"),
    ],
)
def test_bad_time_logs_are_refused_and_nothing_is_queued(signed_in, kind, start, end, says):
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.log_time(_order(signed_in), kind=kind, started_at=start, ended_at=end)
    assert _outbox(signed_in) == []


def test_only_the_assignee_logs_time_or_parts(rig):
    rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    rig.ordo.sync_blocking()
    with pytest.raises(InvalidInput, match="Only the technician assigned to this order can log time"):
        rig.ordo.log_time(_order(rig), kind="work", started_at=T0 - timedelta(hours=1), ended_at=T0)
    with pytest.raises(InvalidInput, match="Only the technician assigned to this order can record parts"):
        rig.ordo.use_part(_order(rig), sku="SEAL-10", quantity=1)
    assert _outbox(rig) == []


def test_evidence_is_append_only_in_every_state_even_closed(signed_in):
    # The rulebook: deletes never win over work evidence, and time found after closing is kept.
    with signed_in.ordo._store.transaction() as s:
        s.get(Order, signed_in.order).status = "closed"
    detail = signed_in.ordo.log_time(
        _order(signed_in), kind="work", started_at=T0 - timedelta(hours=1), ended_at=T0
    )
    assert [t.kind for t in detail.time_logs] == ["work"]
    assert [t for _, t, *_ in _outbox(signed_in)] == ["time.add"]


def test_use_part_accepts_a_decimal_comma(signed_in):
    rig = signed_in
    rig.ordo.use_part(_order(rig), sku="  PIPE-M ", quantity="2,5")
    [(_, type_, _, args, _)] = _outbox(rig)
    assert (type_, args["sku"], args["quantity"]) == ("part.use", "PIPE-M", 2.5)
    with rig.ordo._store.read() as s:
        assert s.get(PartUsage, args["id"]).quantity == 2.5


@pytest.mark.parametrize(
    ("sku", "quantity", "says"),
    [
        ("", 1, "Enter the part's SKU"),
        ("X" * 65, 1, "SKU is too long"),
        ("SEAL", 0, "more than zero"),
        ("SEAL", -2, "more than zero"),
        ("SEAL", "lots", "not a quantity"),
        ("SEAL", math.nan, "as a number"),
        ("SEAL", True, "as a number"),
        ("SEAL", 10**7, "too large"),
    ],
)
def test_bad_part_usage_is_refused(signed_in, sku, quantity, says):
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.use_part(_order(signed_in), sku=sku, quantity=quantity)
    assert _outbox(signed_in) == []


def test_a_known_catalogue_refuses_an_unknown_sku(signed_in):
    with signed_in.ordo._store.transaction() as s:
        data = {"id": "p1", "sku": "SEAL-10", "name": "Seal", "unit": "pcs"}
        apply_change(s, Change.model_validate(change("part", data, 9)))
    with pytest.raises(InvalidInput, match="no part 'SEAL-99'"):
        signed_in.ordo.use_part(_order(signed_in), sku="SEAL-99", quantity=1)
    detail = signed_in.ordo.use_part(_order(signed_in), sku="SEAL-10", quantity=3)
    assert [(p.sku, p.name, p.quantity, p.unit, p.pending) for p in detail.parts] == [
        ("SEAL-10", "Seal", 3.0, "pcs", True)
    ]
    detail = signed_in.ordo.void_entry(
        _order(signed_in), entity="part_usage", entry_id=detail.parts[0].id, reason="x"
    )
    assert detail.parts == []


def test_void_a_note_hides_it_and_queues_entry_void(signed_in):
    rig = signed_in
    detail = rig.ordo.add_note(_order(rig), "wrong order, sorry")
    note = detail.notes[0].id
    detail = rig.ordo.void_entry(_order(rig), entity="note", entry_id=note, reason="  typo ")
    assert detail.notes == []
    assert _outbox(rig)[-1][1:4] == (
        "entry.void",
        rig.order,
        {"entity": "note", "id": str(note), "reason": "typo"},
    )
    with pytest.raises(InvalidInput, match="already voided"):
        rig.ordo.void_entry(_order(rig), entity="note", entry_id=note, reason="again")


@pytest.mark.parametrize(
    ("entity", "reason", "says"),
    [
        ("signature", "x", "cannot be voided"),
        ("note", "   ", "Say why"),
        ("note", "x" * 2001, "reason is too long"),
    ],
)
def test_bad_voids_are_refused(signed_in, entity, reason, says):
    note = signed_in.ordo.add_note(_order(signed_in), "a note").notes[0].id
    with pytest.raises(InvalidInput, match=says):
        signed_in.ordo.void_entry(_order(signed_in), entity=entity, entry_id=note, reason=reason)
    assert len(_outbox(signed_in)) == 1


def test_a_technician_voids_only_their_own_entries(signed_in):
    rig = signed_in
    theirs = str(uuid.uuid4())
    with rig.ordo._store.transaction() as s:
        data = {
            "id": theirs,
            "order_id": rig.order,
            "author_id": str(uuid.uuid4()),
            "text": "x",
            "at": "2026-11-25T08:00:00Z",
        }
        apply_change(s, Change.model_validate(change("note", data, 9)))
    with pytest.raises(InvalidInput, match="Only its author or a dispatcher"):
        rig.ordo.void_entry(_order(rig), entity="note", entry_id=uuid.UUID(theirs), reason="not mine")
    with pytest.raises(InvalidInput, match="not part of the order"):
        rig.ordo.void_entry(_order(rig), entity="time_log", entry_id=uuid.UUID(theirs), reason="x")
    with rig.ordo._store.read() as s:
        assert s.get(Note, theirs).voided is False
