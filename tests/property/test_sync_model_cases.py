"""Cases the sync model test found, kept as plain tests on the same in-process world."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import conflicts_of, update_fields
from sqlalchemy import select

from app.domain import Status
from app.store import models as local

from .world import Device, World, device_view, minutes


def _order_titled(device, title: str) -> uuid.UUID:
    with device.store.read() as s:
        return uuid.UUID(s.scalar(select(local.Order.id).where(local.Order.title == title)))


@pytest.fixture
def synced_pair(tmp_path) -> Iterator[tuple[World, Device, Device, uuid.UUID]]:
    """A world with tech1's and the dispatcher's devices, both synced, and order A1 (tech1's)."""
    world = World.build(tmp_path / "world", Path(tempfile.mkdtemp(dir=tmp_path)))
    try:
        tech, disp = world.add_device("tech1", seed=1), world.add_device("disp", seed=2)
        for device in (tech, disp):
            device.ordo.sync_blocking()
        yield world, tech, disp, _order_titled(tech, "A1")
    finally:
        world.close()


def test_a_conflict_lost_on_an_order_reassigned_away_stays_like_on_a_fresh_device(synced_pair):
    # Found by test_sync_model: the server sends a technician the conflicts they lost even after
    # the order left them, but the device swept them away with the order, so it disagreed with
    # a fresh device of the same user, which pulls them.
    world, tech, disp, a1 = synced_pair
    tech.ordo.transition(a1, Status.EN_ROUTE)  # offline: not pushed yet
    update_fields(disp.ordo, a1, {"assignee_id": world.users["tech2"]})
    disp.ordo.sync_blocking()
    tech.ordo.sync_blocking()  # the move comes too late: a conflict for the dispatcher
    disp.ordo.sync_blocking()

    assert [c.field for c in conflicts_of(disp.ordo, a1)] == ["status"]
    assert tech.ordo.get_order(a1) is None  # left tech1's scope, with its children...
    [kept] = world.server_view("tech1")["conflicts"].values()
    assert kept[1:3] == ("status", "en_route")  # ...but for the conflict tech1 lost
    assert device_view(tech) == world.server_view("tech1")
    fresh = world.add_device("tech1", seed=3)
    fresh.ordo.sync_blocking()
    assert device_view(fresh) == device_view(tech)


def test_an_untick_sent_after_the_order_was_completed_does_not_reopen_a_required_item(tmp_path):
    # Found while writing test_sync_model's legality invariant (its random runs had not hit it):
    # a technician unticks a required item offline while the order is completed elsewhere
    # (their other device: only the technician completes); applying the untick would leave
    # a completed order with required work open, which no transition could have produced.
    # A completed order's checklist is read-only (rules.judge_checklist): the untick is refused.
    world = World.build(tmp_path / "world", Path(tempfile.mkdtemp(dir=tmp_path)))
    try:
        tech, tablet = world.add_device("tech1", seed=1), world.add_device("tech1", seed=2)
        tech.ordo.sync_blocking()
        a2 = _order_titled(tech, "A2")  # in progress
        items = {i.label: i for i in tech.ordo.get_order(a2).checklist}
        tech.ordo.set_checklist(a2, items["Isolate supply"].id, done=True)
        tech.ordo.set_checklist(a2, items["Findings"].id, value="seal worn", done=True)
        tech.ordo.sync_blocking()
        tech.ordo.set_checklist(a2, items["Isolate supply"].id, done=False)  # offline
        tablet.ordo.sync_blocking()
        tablet.ordo.transition(a2, Status.COMPLETED)
        tablet.ordo.sync_blocking()
        tech.ordo.sync_blocking()

        assert world.required_open().get(str(a2)) is None
        assert world.ledger()[(tech.device_id, 3)][0] == "rejected"  # the untick
        assert not [c for c in conflicts_of(tech.ordo, a2) if c.field == "value"]
        assert device_view(tech) == world.server_view("tech1")
    finally:
        world.close()


def test_a_decision_refused_as_made_already_is_undone_on_the_desk(synced_pair):
    # Found by test_sync_model (its settle_twice race): the technician keeps their time log
    # and the dispatcher, not knowing, voids it ("theirs"). The dispatcher's decision comes
    # second and is refused; the desk had voided the log at once, and must show it again.
    world, tech, disp, a1 = synced_pair
    end = world.clock()
    tech.ordo.log_time(a1, kind="work", started_at=end - minutes(60), ended_at=end - minutes(10))
    tech.ordo.log_time(a1, kind="work", started_at=end - minutes(30), ended_at=end)
    for device in (tech, disp):
        device.ordo.sync_blocking()
    [conflict] = [c for c in conflicts_of(disp.ordo, a1) if c.status == "open"]
    assert conflict.field == "overlap" and conflict.may_resolve
    tech.ordo.resolve_conflict(conflict.id, choice="mine")
    disp.ordo.resolve_conflict(conflict.id, choice="theirs")
    for device in (tech, disp):
        device.ordo.sync_blocking()

    refused = [key for key, (status, kind, _) in world.ledger().items() if status == "rejected"]
    assert [key[0] for key in refused] == [disp.device_id]
    assert device_view(disp) == world.server_view("disp")
    assert device_view(tech) == world.server_view("tech1")
