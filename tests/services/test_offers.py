"""What the services offer and accept per role, relation and state, through the facade:
the rulebook's answers, the assignee's name, the reason of the status, flagged readings."""

import uuid

import pytest
from PIL import Image
from servicekit import conflicts_of
from store.kit import DISPATCHER, TECH, change

from app.domain import Status
from app.domain.protocol import Change
from app.services import media
from app.services.types import InvalidInput, Offers, OrderId
from app.store.models import ChecklistItem, Conflict, Order, Signature
from app.store.outbox import queued
from app.store.rows import apply_change

STROKES = [[(10, 10), (60, 40), (120, 20)]]


def _oid(rig):
    return OrderId(uuid.UUID(rig.order))


def _set(rig, **fields):
    with rig.ordo._store.transaction() as s:
        order = s.get(Order, rig.order)
        for name, value in fields.items():
            setattr(order, name, value)


def _pull(rig, entity, data, seq):
    with rig.ordo._store.transaction() as s:
        apply_change(s, Change.model_validate(change(entity, data, seq)))


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [e.type for e in queued(s)]


def _files(rig):
    root = rig.ordo._settings.blob_dir
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_assignee_is_offered_the_field_work(signed_in):
    detail = signed_in.ordo.get_order(_oid(signed_in))
    assert detail.offers == Offers(
        checklist=True, note=True, photo=True, signature=True, time_and_parts=True, follow_up=True
    )
    assert detail.next_statuses == [Status.EN_ROUTE, Status.IN_PROGRESS, Status.ON_HOLD]
    assert (detail.assignee_id, detail.assignee_name) == (uuid.UUID(TECH["id"]), "Tess Tech")
    assert detail.summary.assignee_name == "Tess Tech"


def test_a_dispatcher_gets_no_checklist_no_signature_no_field_moves(dispatcher):
    rig = dispatcher
    _set(rig, status="on_hold", status_reason="waiting for the part")
    detail = rig.ordo.get_order(_oid(rig))
    assert detail.offers == Offers(
        note=True, photo=True, assign=True, follow_up=True, reassign_needs_confirmation=True
    )
    # No "Resume work" or "Back on the road": those are the technician's.
    assert detail.next_statuses == [Status.CANCELLED]
    assert detail.status_reason == "waiting for the part"  # shown to everyone who sees the order
    with pytest.raises(InvalidInput, match="The technician doing the work moves an order"):
        rig.ordo.transition(_oid(rig), Status.IN_PROGRESS)
    with pytest.raises(InvalidInput, match="Only the technician assigned to this order can fill in"):
        rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.item), done=True)
    assert _outbox(rig) == []


def test_a_refused_signature_leaves_no_file_behind(dispatcher):
    rig = dispatcher
    with pytest.raises(InvalidInput, match="Only the technician assigned to this order can collect"):
        rig.ordo.add_signature(_oid(rig), signer_name="Ann", strokes=STROKES, width=300, height=150)
    assert _files(rig) == []
    with rig.ordo._store.read() as s:
        assert s.query(Signature).count() == 0
    assert _outbox(rig) == []


def test_a_signature_refused_in_its_transaction_removes_its_file(signed_in, monkeypatch):
    # The order changed between the check and the write: the image drawn meanwhile goes too.
    def refuse(*_a, **_k):
        raise InvalidInput("Only the technician assigned to this order can collect the signature.")

    monkeypatch.setattr(media, "add_signature", refuse)
    with pytest.raises(InvalidInput):
        signed_in.ordo.add_signature(
            _oid(signed_in), signer_name="Ann", strokes=STROKES, width=300, height=150
        )
    assert _files(signed_in) == []


def test_a_refused_photo_is_never_processed(signed_in, tmp_path):
    rig = signed_in
    _set(rig, assignee_id=str(uuid.uuid4()))  # someone else's order now
    path = tmp_path / "p.jpg"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(path, "JPEG")
    with pytest.raises(InvalidInput, match="Only people working on this order can add photos"):
        rig.ordo.add_photos(_oid(rig), [path])
    assert _files(rig) == [] and _outbox(rig) == []


@pytest.mark.parametrize("status", ["completed", "closed", "cancelled"])
def test_the_checklist_of_a_finished_order_is_read_only(signed_in, status):
    rig = signed_in
    _set(rig, status=status)
    detail = rig.ordo.get_order(_oid(rig))
    assert detail.offers.checklist is False
    with pytest.raises(InvalidInput, match=f"is {status}: its checklist is read-only"):
        rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.item), done=True)
    assert _outbox(rig) == []
    # Evidence is append-only in every state: notes are still offered and taken.
    assert detail.offers.note and rig.ordo.add_note(_oid(rig), "found later").notes


def test_an_out_of_range_number_is_accepted_as_measured_and_flagged(signed_in):
    rig = signed_in
    with rig.ordo._store.transaction() as s:
        item = s.get(ChecklistItem, rig.optional_item)
        item.label, item.unit, item.min, item.max = "Flue temperature", "°C", 55.0, 80.0
    detail = rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.optional_item), value="95", done=True)
    flue = detail.checklist[1]
    assert (flue.value, flue.done, flue.min, flue.max, flue.out_of_range) == (95.0, True, 55.0, 80.0, True)
    assert detail.out_of_range == ["Flue temperature"]
    detail = rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.optional_item), value="70", done=True)
    assert detail.checklist[1].out_of_range is False and detail.out_of_range == []


def test_a_text_value_takes_the_shared_limit(signed_in):
    rig = signed_in
    with rig.ordo._store.transaction() as s:
        s.get(ChecklistItem, rig.optional_item).kind = "text"
    rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.optional_item), value="x" * 2_000, done=True)
    with pytest.raises(InvalidInput, match="at most 2,000 characters"):
        rig.ordo.set_checklist(_oid(rig), uuid.UUID(rig.optional_item), value="x" * 2_001, done=True)


def test_complete_stays_offered_while_blocked_with_its_reasons(signed_in):
    rig = signed_in
    detail = rig.ordo.transition(_oid(rig), Status.IN_PROGRESS)
    assert Status.COMPLETED in detail.next_statuses
    assert detail.blockers == ["required checklist item not done: Check seal"]
    with pytest.raises(InvalidInput, match="Cannot complete yet: required checklist item not done"):
        rig.ordo.transition(_oid(rig), Status.COMPLETED)


def _status_conflict(rig):
    cid = str(uuid.uuid4())
    data = {
        "id": cid,
        "order_id": rig.order,
        "entity": "work_order",
        "entity_id": rig.order,
        "field": "status",
        "mine": "in_progress",
        "theirs": "on_hold",
        "mid": 1,
        "device_id": str(uuid.uuid4()),
        "status": "open",
        "resolution": None,
    }
    _pull(rig, "conflict", data, 50)
    return uuid.UUID(cid)


def test_a_technician_cannot_resolve_a_status_conflict(signed_in):
    rig = signed_in
    cid = _status_conflict(rig)
    [view] = conflicts_of(rig.ordo, _oid(rig))
    assert view.may_resolve is False
    with pytest.raises(InvalidInput, match="Only a dispatcher can decide the status"):
        rig.ordo.resolve_conflict(cid, choice="mine")
    assert _outbox(rig) == []


def test_a_dispatcher_resolves_a_status_conflict(dispatcher):
    rig = dispatcher
    _set(rig, status="on_hold")
    cid = _status_conflict(rig)
    [view] = conflicts_of(rig.ordo, _oid(rig))
    assert view.may_resolve is True
    detail = rig.ordo.resolve_conflict(cid, choice="mine")
    assert detail.summary.status is Status.IN_PROGRESS and _outbox(rig) == ["conflict.resolve"]
    with rig.ordo._store.read() as s:
        assert s.get(Conflict, str(cid)).status == "resolved"


def test_someone_elses_order_offers_nothing_of_the_work(signed_in):
    rig = signed_in
    _pull(rig, "user", {**DISPATCHER, "skills": []}, 60)
    _set(rig, assignee_id=DISPATCHER["id"])  # any other user will do
    detail = rig.ordo.get_order(_oid(rig))
    assert detail.offers == Offers() and detail.next_statuses == []
    assert detail.assignee_name == "Dee Spatch"


def test_an_order_leaving_the_device_offers_nothing(signed_in):
    rig = signed_in
    _set(rig, out_of_scope=True)
    detail = rig.ordo.get_order(_oid(rig))
    assert detail.offers == Offers() and detail.next_statuses == []


def test_a_technicians_unassigned_follow_up_takes_notes_but_no_moves(signed_in):
    rig = signed_in
    follow = rig.ordo.create_follow_up(
        _oid(rig), title="Valve", description="", priority="normal", kind="repair"
    )
    assert follow.offers == Offers(note=True, photo=True, follow_up=True) and follow.next_statuses == []
    assert follow.assignee_id is None and follow.summary.assignee_name == ""
