"""Follow-up work linked to its source order, with the source's photos, in one local transaction."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from PIL import Image
from store.kit import T0

from app.domain.limits import MAX_DESCRIPTION
from app.services.dispatch import follow_up_link
from app.services.types import InvalidInput, OrderId
from app.store.models import Order, Photo
from app.store.outbox import queued


def _source(rig) -> OrderId:
    return OrderId(uuid.UUID(rig.order))


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.entity_id, e.args) for e in queued(s)]


def _follow_up(rig, **fields):
    args = {"title": "Replace valve", "description": "Valve 2 weeps", "priority": "high", "kind": "repair"}
    return rig.ordo.create_follow_up(_source(rig), **{**args, **fields})


def _photo(rig, tmp_path, *, name: str, caption: str, color=(200, 30, 30)):
    path = tmp_path / name
    Image.new("RGB", (640, 480), color).save(path, "JPEG", quality=90)
    return rig.ordo.add_photos(_source(rig), [path], caption=caption).detail.photos[-1]


def test_the_new_order_names_its_source_and_the_source_gets_a_note(signed_in):
    rig = signed_in
    made = _follow_up(rig)
    assert made.description == "Follow-up of WO-000001: Fix pump\n\nValve 2 weeps"
    source = rig.ordo.get_order(_source(rig))
    assert [n.text for n in source.notes] == ["Follow-up work raised: Replace valve"]
    assert source.notes[0].pending and source.notes[0].author_name == "You"
    # One transaction, in this order: the new order first, then the note on the source.
    assert [(t, e) for t, e, _ in _outbox(rig)] == [
        ("order.create", str(made.summary.id)),
        ("note.add", rig.order),
    ]
    create = _outbox(rig)[0][2]
    assert (create["status"], create["assignee_id"], create["source"]) == ("new", None, "manual")
    assert create["description"] == made.description
    # The dashboard's link (its first-time fix): sent, and kept on the order here at once.
    assert create["follow_up_of"] == rig.order
    with rig.ordo._store.read() as s:
        assert s.get(Order, str(made.summary.id)).follow_up_of == rig.order


def test_an_empty_description_is_the_link_alone(signed_in):
    made = _follow_up(signed_in, description="   ")
    assert made.description == "Follow-up of WO-000001: Fix pump"


def test_a_source_still_under_its_provisional_number_is_named_by_its_title(signed_in):
    rig = signed_in
    first = _follow_up(rig, title="Replace valve")
    second = rig.ordo.create_follow_up(
        first.summary.id, title="Order the valve", description="", priority="normal", kind="repair"
    )
    assert first.summary.number.startswith("NEW-")
    assert second.description == "Follow-up of “Replace valve”"
    # Its creator may raise more work from their own follow-up: the note lands on it.
    assert [n.text for n in rig.ordo.get_order(first.summary.id).notes] == [
        "Follow-up work raised: Order the valve"
    ]


def test_the_link_words():
    assert (
        follow_up_link(number="WO-000123", title="Boiler service") == "Follow-up of WO-000123: Boiler service"
    )
    assert follow_up_link(number="NEW-1A2B3C", title="Boiler service") == "Follow-up of “Boiler service”"
    assert follow_up_link(number="", title="Boiler service") == "Follow-up of “Boiler service”"


def test_the_description_leaves_room_for_the_link(signed_in):
    rig = signed_in
    link = follow_up_link(number="WO-000001", title="Fix pump")
    room = MAX_DESCRIPTION - len(link) - 2
    with pytest.raises(InvalidInput, match=f"description is too long \\(at most {room} characters\\)"):
        _follow_up(rig, description="x" * (room + 1))
    assert _outbox(rig) == []
    made = _follow_up(rig, description="x" * room)
    assert len(made.description) == MAX_DESCRIPTION


def test_chosen_photos_of_the_source_are_added_to_the_new_order(signed_in, tmp_path):
    rig = signed_in
    before = _photo(rig, tmp_path, name="a.jpg", caption="Weeping valve")
    _photo(rig, tmp_path, name="b.jpg", caption="Meter reading", color=(20, 200, 30))
    queued_before = len(_outbox(rig))
    made = _follow_up(rig, photo_ids=[before.id])
    [copy] = made.photos
    assert (copy.sha256, copy.caption, copy.width, copy.height) == (
        before.sha256,
        "Weeping valve",
        before.width,
        before.height,
    )
    assert copy.id != before.id and copy.pending and copy.mine
    assert copy.state is before.state and copy.thumbnail == before.thumbnail  # the same bytes
    assert len(rig.ordo.get_order(_source(rig)).photos) == 2  # the source keeps its own
    added = _outbox(rig)[queued_before:]
    assert [t for t, _, _ in added] == ["order.create", "note.add", "photo.add"]
    _, entity, args = added[2]
    assert entity == str(made.summary.id) and args["id"] == str(copy.id)
    assert args["sha256"] == before.sha256 and args["taken_at"] == "2026-11-25T09:00:00Z"
    assert rig.ordo.sync_status().uploads == 2  # the bytes upload once, whichever order names them


def test_a_photo_not_on_the_source_is_refused_and_nothing_is_written(signed_in, tmp_path):
    rig = signed_in
    photo = _photo(rig, tmp_path, name="a.jpg", caption="")
    with rig.ordo._store.transaction() as s:
        s.get(Photo, str(photo.id)).voided = True
    queued_before = _outbox(rig)
    for photo_id in (photo.id, uuid.uuid4()):
        with pytest.raises(InvalidInput, match="That photo is no longer on WO-000001"):
            _follow_up(rig, photo_ids=[photo_id])
    assert _outbox(rig) == queued_before
    with rig.ordo._store.read() as s:
        assert s.query(Order).count() == 1


def test_the_mutations_reach_the_server_in_order(signed_in):
    rig = signed_in
    made = _follow_up(rig)
    rig.ordo.sync_blocking()
    [body] = rig.server.pushed
    assert [(m["mid"], m["type"], m["entity_id"]) for m in body["mutations"]] == [
        (1, "order.create", str(made.summary.id)),
        (2, "note.add", rig.order),
    ]
    assert body["mutations"][1]["args"]["text"] == "Follow-up work raised: Replace valve"


def test_a_technician_on_someone_elses_order_cannot(signed_in):
    rig = signed_in
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).assignee_id = str(uuid.uuid4())
    with pytest.raises(InvalidInput, match="Only the technician on this order or a dispatcher"):
        _follow_up(rig)
    assert _outbox(rig) == []


def test_a_dispatcher_raises_it_too_and_the_note_is_theirs(dispatcher):
    rig = dispatcher
    made = _follow_up(rig)
    assert made.offers.follow_up and made.summary.number.startswith("NEW-")
    assert [n.text for n in rig.ordo.get_order(_source(rig)).notes] == [
        "Follow-up work raised: Replace valve"
    ]
    assert made.description.startswith("Follow-up of WO-000001: Fix pump")
    assert made.summary.due_at == T0 + timedelta(hours=24)  # high priority's default
