"""Sync truth (issue 10): a `device` row per technician device, written by its pulls and
pushes (throttled), pulled by the organisation's dispatchers and admins, and never
written for a dispatcher's own device (whose pulls would otherwise loop)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.domain import Role
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.models import DeviceStatus, User
from server_stub.seeding.records import create_user
from server_stub.sync import devices
from server_stub.sync.cursor import decode

from .conftest import Device, World, _password_hash, sign_in
from .kit import AT, new_id, pulled, update


def _row(db: Database, device: Device) -> DeviceStatus | None:
    with db.read() as session:
        return session.get(DeviceStatus, device.device_id)


def _rows(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(DeviceStatus)).scalar_one()


def _note(dev: Device, order: str) -> dict[str, Any]:
    return dev.mutation("note.add", order, {"id": new_id(), "text": "on site", "at": AT})


def test_a_technicians_pull_is_seen_by_the_desk(client: TestClient, world: World, db: Database) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    _, cursor = tech.pull_all()
    row = _row(db, tech)
    assert row is not None and row.pulled_seq == decode(cursor) > 0
    devices = pulled(disp, "device")
    assert devices == {
        tech.device_id: {
            "id": tech.device_id,
            "user_id": world.users["tech1"],
            "last_pull_at": "2026-11-25T09:00:00Z",  # the server's (injected) clock
            "pulled_seq": decode(cursor),
            "last_push_at": None,
        }
    }
    # Technicians pull no device rows, theirs included; another organisation sees none.
    assert pulled(tech, "device") == {} and pulled(sign_in(client, "outsider"), "device") == {}


def test_dispatchers_and_admins_devices_never_get_a_row(
    client: TestClient, world: World, db: Database
) -> None:
    with db.write() as session, session.begin():
        create_user(
            session, org_id=world.org_id, username="admin", password_hash=_password_hash(), role=Role.ADMIN,
            display_name="Admin",
        )  # fmt: skip
    disp, admin = sign_in(client, "disp"), sign_in(client, "admin")
    for dev in (disp, admin):
        dev.pull_all()
        dev.push([_note(dev, world.orders["a"])])
        dev.pull_all()
    assert _rows(db) == 0


def test_the_desk_pulling_the_rows_does_not_loop(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    tech.pull_all()
    _, cursor = disp.pull_all()
    for _ in range(3):
        clock.advance(seconds=61)
        page = disp.pull(cursor=cursor)
        assert page["changes"] == [] and not page["has_more"]
        cursor = page["cursor"]


def test_a_pull_writes_only_when_the_position_moved_or_a_minute_passed(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech, disp = sign_in(client, "tech1"), sign_in(client, "disp")
    _, cursor = tech.pull_all()
    first = _row(db, tech)
    assert first is not None
    clock.advance(seconds=30)
    cursor = tech.pull(cursor=cursor)["cursor"]  # nothing new, half a minute later: no write
    assert _row(db, tech).seq == first.seq  # type: ignore[union-attr]
    clock.advance(seconds=31)
    cursor = tech.pull(cursor=cursor)["cursor"]  # a minute since the last write: it is refreshed
    refreshed = _row(db, tech)
    assert refreshed is not None and refreshed.seq > first.seq
    assert refreshed.last_pull_at == (clock.now()).replace(tzinfo=None)
    assert refreshed.pulled_seq == first.pulled_seq
    # A dispatcher's change enters the technician's scope: the next pull moves the row at once.
    a = world.orders["a"]
    (result,) = disp.push([update(disp, a, refreshed.pulled_seq, priority="urgent")])["results"]
    assert result["status"] == "applied"
    tech.pull(cursor=cursor)
    moved = _row(db, tech)
    assert moved is not None and moved.pulled_seq >= result["seq"] > refreshed.pulled_seq
    # "On the phone": the order's seq is at or below the device's position.
    orders = pulled(disp, "work_order")
    assert orders[a]["priority"] == "urgent"
    assert pulled(disp, "device")[tech.device_id]["pulled_seq"] >= result["seq"]


def test_a_walk_of_several_pages_is_written_at_its_end(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech = sign_in(client, "tech1")
    page = tech.pull(limit=2)  # no row yet: written whatever the page
    assert page["has_more"] and _row(db, tech).pulled_seq == decode(page["cursor"])  # type: ignore[union-attr]
    seqs = {_row(db, tech).seq}  # type: ignore[union-attr]
    while page["has_more"]:
        page = tech.pull(cursor=page["cursor"], limit=2)
        seqs.add(_row(db, tech).seq)  # type: ignore[union-attr]
    # One more write, at the last page (none while more were waiting, within the minute).
    assert len(seqs) == 2
    assert _row(db, tech).pulled_seq == decode(page["cursor"])  # type: ignore[union-attr]


def test_a_push_is_recorded_first_then_at_most_once_a_minute(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    tech = sign_in(client, "tech1")
    a = world.orders["a"]
    tech.push([_note(tech, a)])
    first = _row(db, tech)
    assert first is not None and first.last_push_at == clock.now().replace(tzinfo=None)
    assert first.last_pull_at is None and first.pulled_seq == 0
    clock.advance(seconds=20)
    tech.push([_note(tech, a)])
    assert _row(db, tech).seq == first.seq  # type: ignore[union-attr]
    clock.advance(seconds=45)
    tech.push([_note(tech, a)])
    later = _row(db, tech)
    assert later is not None and later.seq > first.seq
    assert later.last_push_at == clock.now().replace(tzinfo=None)


def test_each_device_of_a_technician_has_its_own_row(client: TestClient, world: World, db: Database) -> None:
    phone, tablet, disp = sign_in(client, "tech1"), sign_in(client, "tech1"), sign_in(client, "disp")
    phone.pull_all()
    tablet.push([_note(tablet, world.orders["a"])])
    rows = pulled(disp, "device")
    assert set(rows) == {phone.device_id, tablet.device_id}
    assert {r["user_id"] for r in rows.values()} == {world.users["tech1"]}
    assert rows[tablet.device_id]["last_pull_at"] is None and rows[tablet.device_id]["last_push_at"]


def test_writes_arriving_while_one_is_made_go_together_in_the_next_transaction(
    client: TestClient, world: World, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the rows of many devices are written in one transaction (issue 11): the
    first write holds its transaction open here until two more devices have recorded."""
    phone, tablet, other = (sign_in(client, u) for u in ("tech1", "tech1", "tech2"))
    with db.read() as session:
        user1, user2 = session.get(User, world.users["tech1"]), session.get(User, world.users["tech2"])
    assert user1 is not None and user2 is not None
    real, batches = devices._write_batch, []
    writing, go_on = threading.Event(), threading.Event()

    def write_batch(database: Database, batch: dict[str, Any]) -> None:
        batches.append(sorted(batch))
        if len(batches) == 1:
            writing.set()
            assert go_on.wait(timeout=30)
        real(database, batch)

    monkeypatch.setattr(devices, "_write_batch", write_batch)
    first = threading.Thread(
        target=devices.record_pull,
        args=(db,),
        kwargs={"user": user1, "device_id": phone.device_id, "pulled_seq": 7, "now": clock.now()},
    )
    first.start()
    assert writing.wait(timeout=30)
    # A write is under way: these return at once, leaving their rows to it.
    devices.record_pull(db, user=user1, device_id=tablet.device_id, pulled_seq=8, now=clock.now())
    devices.record_push(db, user=user2, device_id=other.device_id, now=clock.now())
    devices.record_pull(db, user=user2, device_id=other.device_id, pulled_seq=9, now=clock.now())
    assert len(batches) == 1
    go_on.set()
    first.join(timeout=30)
    assert batches == [[phone.device_id], sorted([tablet.device_id, other.device_id])]
    rows = {d.device_id: _row(db, d) for d in (phone, tablet, other)}
    assert {d: r.pulled_seq for d, r in rows.items() if r is not None} == {
        phone.device_id: 7,
        tablet.device_id: 8,
        other.device_id: 9,
    }
    assert rows[other.device_id].last_push_at == clock.now().replace(tzinfo=None)  # type: ignore[union-attr]
    assert rows[other.device_id].user_id == world.users["tech2"]  # type: ignore[union-attr]
    assert len({r.seq for r in rows.values() if r is not None}) == 3  # each row its own seq
