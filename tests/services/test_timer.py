"""The work clock through the facade: it follows the moves, survives a crash, writes its time
as queued time logs in the move's own transaction, and runs once per person."""

import uuid
from datetime import timedelta

import httpx
import pytest
from store.kit import T0, change, new_id, order_data

from app.domain import Status
from app.domain.protocol import Change
from app.services.facade import Ordo
from app.services.types import InvalidInput
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import RunningClock
from app.store.outbox import queued
from app.store.rows import apply_change


def _order(rig) -> uuid.UUID:
    return uuid.UUID(rig.order)


def _queued(rig) -> list[tuple[str, dict]]:
    with rig.ordo._store.read() as s:
        return [(e.type, e.args) for e in queued(s)]


def _times(rig) -> list[tuple[str, str, str]]:
    return [(a["kind"], a["started_at"], a["ended_at"]) for t, a in _queued(rig) if t == "time.add"]


def test_starting_work_starts_the_clock_and_pausing_writes_its_time_before_the_move(signed_in):
    rig = signed_in
    detail = rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    assert detail.clock is not None
    assert (detail.clock.kind, detail.clock.started_at, detail.clock.order_number) == (
        "work",
        T0,
        "WO-000001",
    )
    assert _times(rig) == []  # nothing counted yet: the clock is a row, not a log

    rig.clock.advance(minutes=42)
    detail = rig.ordo.transition(_order(rig), Status.ON_HOLD, reason="Waiting for a part")
    assert detail.clock is None and detail.clock_offer is None
    assert [t for t, _ in _queued(rig)] == ["order.transition", "time.add", "order.transition"]
    assert _times(rig) == [("work", "2026-11-25T09:00:00Z", "2026-11-25T09:42:00Z")]
    [log] = detail.time_logs
    assert (log.kind, log.ended_at - log.started_at, log.pending, log.mine) == (
        "work",
        timedelta(minutes=42),
        True,
        True,
    )

    rig.clock.advance(minutes=10)
    detail = rig.ordo.transition(_order(rig), Status.IN_PROGRESS)  # resume: a new work entry runs
    assert detail.clock is not None and detail.clock.started_at == T0 + timedelta(minutes=52)


def test_the_road_counts_travel_and_arriving_switches_to_work(signed_in):
    rig = signed_in
    detail = rig.ordo.transition(_order(rig), Status.EN_ROUTE)
    assert detail.clock is not None and detail.clock.kind == "travel"
    assert detail.clock_offer == "travel"
    rig.clock.advance(minutes=25)
    detail = rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    assert _times(rig) == [("travel", "2026-11-25T09:00:00Z", "2026-11-25T09:25:00Z")]
    assert detail.clock is not None and detail.clock.kind == "work"
    assert detail.clock.started_at == T0 + timedelta(minutes=25)
    assert detail.clock_offer == "work"


def test_completing_closes_the_open_entry(signed_in):
    rig = signed_in
    rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    rig.ordo.set_checklist(_order(rig), uuid.UUID(rig.item), value=None, done=True)
    rig.clock.advance(hours=1, minutes=5)
    detail = rig.ordo.transition(_order(rig), Status.COMPLETED)
    assert detail.clock is None
    assert _times(rig) == [("work", "2026-11-25T09:00:00Z", "2026-11-25T10:05:00Z")]


def test_a_refused_move_leaves_the_clock_running_and_writes_nothing(signed_in):
    rig = signed_in
    rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    rig.clock.advance(minutes=30)
    with pytest.raises(InvalidInput):  # the required item is not done
        rig.ordo.transition(_order(rig), Status.COMPLETED)
    detail = rig.ordo.get_order(_order(rig))
    assert detail.clock is not None and detail.clock.started_at == T0
    assert _times(rig) == []


def test_stop_and_start_by_hand(signed_in):
    rig = signed_in
    with pytest.raises(InvalidInput, match="start travel or work first"):
        rig.ordo.start_clock(_order(rig))  # assigned: the clock does not run yet
    rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    rig.clock.advance(minutes=20)
    detail = rig.ordo.stop_clock(_order(rig))
    assert detail.clock is None and detail.clock_offer == "work"
    assert _times(rig) == [("work", "2026-11-25T09:00:00Z", "2026-11-25T09:20:00Z")]
    rig.clock.advance(minutes=15)
    detail = rig.ordo.start_clock(_order(rig))
    assert detail.clock is not None and detail.clock.started_at == T0 + timedelta(minutes=35)
    rig.clock.advance(minutes=1)
    again = rig.ordo.start_clock(_order(rig))  # a second tap changes nothing
    assert again.clock == detail.clock
    # Stop and start again within a second: nothing worth a log is written.
    rig.ordo.stop_clock(_order(rig))
    rig.ordo.start_clock(_order(rig))
    rig.ordo.stop_clock(_order(rig))
    assert len(_times(rig)) == 2


def test_a_crash_never_loses_a_running_clock(signed_in, tmp_path):
    rig = signed_in
    rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    rig.ordo.close()  # the app is closed (or killed) with the clock running: the row is committed
    store = LocalStore.open(tmp_path / "ordo.db")
    rig.clock.advance(hours=2)
    again = Ordo(
        store=store,
        client_factory=lambda url: httpx.Client(base_url=url, transport=rig.server.transport()),
        clock=rig.clock,
        settings=ClientSettings(data_dir=tmp_path, server_url="https://ordo.test"),
        start_worker=False,
    )
    try:
        detail = again.get_order(_order(rig))
        assert detail.clock is not None and detail.clock.started_at == T0
        detail = again.stop_clock(_order(rig))
        with store.read() as s:
            logs = [(e.args["started_at"], e.args["ended_at"]) for e in queued(s) if e.type == "time.add"]
        assert logs == [("2026-11-25T09:00:00Z", "2026-11-25T11:00:00Z")]
    finally:
        again.close()


def test_one_clock_per_person_starting_elsewhere_stops_the_first(signed_in):
    rig = signed_in
    other = new_id()
    with rig.ordo._store.transaction() as s:
        apply_change(s, Change.model_validate(change("work_order", order_data(other, number="WO-000002"), 9)))
    rig.ordo.transition(_order(rig), Status.IN_PROGRESS)
    rig.clock.advance(minutes=30)
    detail = rig.ordo.transition(uuid.UUID(other), Status.EN_ROUTE)
    assert detail.clock is not None and (detail.clock.kind, detail.clock.order_number) == (
        "travel",
        "WO-000002",
    )
    assert _times(rig) == [("work", "2026-11-25T09:00:00Z", "2026-11-25T09:30:00Z")]
    first = rig.ordo.get_order(_order(rig))
    # The first order is still in progress: it shows the clock runs elsewhere, and offers Start.
    assert first.clock is not None and first.clock.order_id == uuid.UUID(other)
    assert first.clock_offer == "work"
    # Stopping from the first order's screen leaves the other order's clock alone.
    rig.ordo.stop_clock(_order(rig))
    with rig.ordo._store.read() as s:
        assert [c.order_id for c in s.query(RunningClock)] == [other]


def test_a_dispatcher_moving_an_order_runs_no_clock(dispatcher):
    rig = dispatcher
    detail = rig.ordo.get_order(_order(rig))
    assert detail.clock_offer is None
    with pytest.raises(InvalidInput):
        rig.ordo.start_clock(_order(rig))


def test_overlapping_entries_of_one_person_are_flagged_and_kept(signed_in):
    rig = signed_in
    rig.ordo.log_time(
        _order(rig), kind="work", started_at=T0 - timedelta(hours=3), ended_at=T0 - timedelta(hours=1)
    )
    detail = rig.ordo.log_time(
        _order(rig), kind="travel", started_at=T0 - timedelta(hours=2), ended_at=T0 - timedelta(minutes=30)
    )
    assert [log.overlaps for log in detail.time_logs] == [True, True]
    detail = rig.ordo.log_time(_order(rig), kind="break", started_at=T0 - timedelta(minutes=30), ended_at=T0)
    assert [log.overlaps for log in detail.time_logs] == [True, True, False]  # touching ends do not
