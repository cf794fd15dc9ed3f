"""The desk's services against a real ordo-server process: an order created on the desk is
pushed, assigned, reaches the technician's phone ("on the phone" on the board), and its
history comes from the server's ledger, live and then offline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from servicekit import update_fields
from zones import local_zone, morning_zone

from app.services.desk_types import Lane, OrderDraft
from app.services.facade import Ordo
from server_stub.testing import running_server

from .devices import Switch, device, now

pytestmark = pytest.mark.slow
T = TypeVar("T")


def _synced_lane(desk: Ordo, oid) -> Lane | None:
    desk.sync_blocking()
    lane = next(lane for lane in desk.board().lanes if lane.username == "tech1")
    card = next(c for c in lane.cards if c.summary.id == oid)
    return lane if card.on_device else None


def _eventually(check: Callable[[], T | None], *, within: float = 10.0) -> T:
    deadline = time.monotonic() + within
    while (found := check()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s")
        threading.Event().wait(0.1)
    return found


@pytest.fixture(autouse=True)
def _mid_morning() -> Iterator[None]:
    """The order made here is due in an hour and looked for in the board's lane of today's
    work: late in the evening that would be tomorrow (tests/zones.py)."""
    with local_zone(morning_zone(datetime.now(UTC))):
        yield


def test_create_assign_on_the_phone_and_history(tmp_path, server_database):
    with running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        network = Switch()
        desk = device(server.url, tmp_path / "desk", network)
        phone = device(server.url, tmp_path / "phone", httpx.HTTPTransport())
        try:
            desk.sign_in(server_url=server.url, username="dispatcher", password="demo-dispatcher")
            desk.sync_blocking()
            alex = next(lane for lane in desk.board().lanes if lane.username == "tech1")
            draft = OrderDraft(
                title="Desk test: replace filter",
                priority="high",
                due_at=now() + timedelta(hours=1),
                site={
                    "name": "Harbour View Offices",
                    "address": "12 Quay Street",
                    "lat": 51.4545,
                    "lon": -2.597,
                },
                customer={"name": "Harbour Properties Ltd"},
                assignee_id=alex.technician_id,
            )
            detail = desk.create_order(draft)
            oid = detail.summary.id
            assert detail.summary.number.startswith("NEW-")
            desk.sync_blocking()
            created = desk.get_order(oid)
            assert created.summary.number.startswith("WO-") and not created.summary.pending
            card = next(c for lane in desk.board().lanes for c in lane.cards if c.summary.id == oid)
            assert card.on_device is None or card.on_device is False  # the phone has not pulled it yet

            phone.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            phone.sync_blocking()
            assert phone.get_order(oid) is not None
            # The server records the phone's pull once it has answered it: the desk's next
            # pulls bring that row.
            lane = _eventually(lambda: _synced_lane(desk, oid))
            assert lane.last_synced_at is not None

            view = desk.order_history(oid)
            assert view.live and view.message == "" and view.order_number == created.summary.number
            assert [(e.type, e.result, e.device) for e in view.entries] == [
                ("order.create", "applied", "this device"),
                ("order.update", "applied", "this device"),
            ]
            assert {e.who for e in view.entries} == {"Dana Dispatch"}
            assert all(e.summary for e in view.entries)

            network.cut = True
            update_fields(desk, oid, {"priority": "urgent"})
            offline = desk.order_history(oid)
            assert not offline.live and "network cut by the test" in offline.message
            assert [(e.type, e.result, e.unsent) for e in offline.entries] == [
                ("order.create", "applied", False),
                ("order.update", "applied", False),
                ("order.update", "unsent", True),
            ]
            assert offline.entries[-1].summary == "Change priority"
            assert offline.entries[-1].fields == {"priority": ("high", "urgent")}
        finally:
            desk.close()
            phone.close()
