"""The dashboard from a dispatcher's device rows: pulled orders, time logs and the
directory become the figures, offline, for a range and a technician."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import pytest
from store.kit import DISPATCHER, T0, TECH, change, new_id, order_data, wire

from app.domain.kpi import EveryUnit, Interval, RangeChoice, Rate
from app.domain.protocol import Change
from app.services import dashboard
from app.services.types import InvalidInput
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}
H = timedelta(hours=1)
D = timedelta(days=1)
SCHEDULE = "5c4e0000-0000-4000-8000-00000000000a"


def pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


def done(number, seq, *, created, completed, due, who=ANA, **more):
    data = order_data(
        new_id(),
        number=number,
        status="completed",
        assignee_id=who["id"],
        created_at=wire(created),
        first_assigned_at=wire(created + H),
        assigned_at=wire(created + H),
        en_route_at=wire(completed - 3 * H),
        started_at=wire(completed - 2 * H),
        completed_at=wire(completed),
        due_at=wire(due),
        **more,
    )
    return change("work_order", data, seq)


def log(seq, order_id, *, start, hours, who=ANA, kind="work", voided=False):
    data = {
        "id": new_id(),
        "order_id": order_id,
        "user_id": who["id"],
        "kind": kind,
        "started_at": wire(start),
        "ended_at": wire(start + hours * H),
        "voided": voided,
    }
    return change("time_log", data, seq)


@pytest.fixture
def desk(dispatcher):
    """Ana's week (T0 is Wednesday 25 Nov, 09:00 UTC): two completions, one late and reopened
    once; a follow-up made from the first; Tess has the rig's order (assigned, due T0+6h)."""
    rig = dispatcher
    first = done("WO-000101", 201, created=T0 - 3 * D, completed=T0 - 2 * D, due=T0 - D)
    late = done("WO-000102", 202, created=T0 - 3 * D, completed=T0 - H, due=T0 - 2 * D, reopen_count=1)
    follow_up = order_data(
        new_id(),
        number="WO-000103",
        status="new",
        assignee_id=None,
        created_at=wire(T0 - D),
        follow_up_of=first["id"],
    )
    pull(
        rig,
        change("user", {**TECH, "role": "technician", "skills": []}, 100),
        change("user", {**ANA, "role": "technician", "skills": []}, 101),
        change("user", {**DISPATCHER, "skills": []}, 102),
        first,
        late,
        change("work_order", follow_up, 203),
        log(301, first["id"], start=T0 - 2 * D - 4 * H, hours=4),
        log(302, late["id"], start=T0 - 3 * H, hours=2),
        log(303, late["id"], start=T0 - 5 * H, hours=1, kind="break"),
        log(304, late["id"], start=T0 - 6 * D, hours=8, voided=True),
    )
    rig.ids = {"first": first["id"], "late": late["id"], "follow_up": follow_up["id"]}
    return rig


def read(rig, **kw):
    with rig.ordo._store.read() as s:
        return dashboard.dashboard(s, role="dispatcher", now=T0, zone=UTC, **kw)


def test_the_dashboard_measures_the_devices_own_rows(desk) -> None:
    view = read(desk, choice=RangeChoice.LAST_7, technician_id=None)
    f = view.figures
    assert (f.period.start.isoformat(), f.period.end.isoformat()) == ("2026-11-19", "2026-11-26")
    assert (f.created, f.completed) == (4, 2)  # every order here was made this week
    assert f.on_time.rate == Rate(hits=1, total=2)
    assert f.first_time_fix == Rate(hits=0, total=2)  # one followed up, one reopened
    assert f.backlog.total == 2 and f.backlog.by_status["new"] == 1 and f.backlog.by_status["assigned"] == 1
    assert f.to_assign.count == 2 and f.to_assign.mean == H
    assert f.to_arrive.mean == H and f.to_complete.p90 == 3 * D - H
    assert [t.name for t in view.technicians] == ["Ana Alvarez", "Tess Tech"]
    ana = next(t for t in f.technicians if t.id == ANA["id"])
    # Mon 23, Tue 24, Wed 25 (today) are the weekdays so far; Thu 19, Fri 20 too: 5 x 8 h.
    assert ana.logged == 6 * H and ana.available == 40 * H
    assert (ana.completions, ana.open_load) == (2, 0)
    assert view.has_schedules is False and f.pm is None
    assert view.zone == "UTC"


def test_the_technician_filter_and_the_service_on_ordo(desk) -> None:
    view = desk.ordo.dashboard(choice=RangeChoice.LAST_30, technician_id=TECH["id"])
    assert view.technician_id == TECH["id"]
    assert [t.id for t in view.figures.technicians] == [TECH["id"]]
    assert view.figures.completed == 0 and view.figures.backlog.total == 1
    anyone = desk.ordo.dashboard(choice=RangeChoice.LAST_30, technician_id="not-a-technician")
    assert anyone.technician_id is None and anyone.figures.completed == 2


def test_a_technician_is_refused(rig) -> None:
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    with pytest.raises(InvalidInput, match="dispatchers and admins"):
        rig.ordo.dashboard(choice=RangeChoice.LAST_7)


def test_pm_compliance_reads_the_schedules_table_when_there_is_one(desk) -> None:
    with desk.ordo._store.read() as s:
        assert dashboard.schedule_intervals(s) in (None, {})  # no table (before 0013), or empty
    with desk.ordo._store.transaction() as s:
        connection = s.connection()
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedules'"
        ).first()
        if exists is None:  # before device migration 0013: the columns the dashboard reads
            connection.exec_driver_sql(
                "CREATE TABLE schedules (id TEXT PRIMARY KEY, every_n INT, every_unit TEXT)"
            )
        connection.exec_driver_sql("DELETE FROM schedules")
        names = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(schedules)")}
        row = {"id": SCHEDULE, "every_n": 1, "every_unit": "week"}
        # Other columns of a fuller table get what a NOT NULL needs: the dashboard reads none.
        filler = {n: "" for n in names - set(row)}
        cols = [*row, *filler]
        connection.exec_driver_sql(
            f"INSERT INTO schedules ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            tuple([*row.values(), *filler.values()]),
        )
    day = (T0 - 2 * D).date()
    pull(
        desk,
        done(
            "WO-000104",
            204,
            created=T0 - 4 * D,
            completed=T0 - 2 * D + H,
            due=T0,
            source="schedule",
            external_id=f"{SCHEDULE}/{day.isoformat()}",
        ),
    )
    with desk.ordo._store.read() as s:
        assert dashboard.schedule_intervals(s) == {SCHEDULE: Interval(1, EveryUnit.WEEK)}
    view = read(desk, choice=RangeChoice.LAST_7, technician_id=None)
    assert view.has_schedules is True
    assert view.figures.pm is not None and view.figures.pm.rate == Rate(hits=1, total=1)


def test_unknown_statuses_and_unstamped_rows_are_left_out(desk) -> None:
    odd = order_data(new_id(), number="WO-000105", status="teleported", created_at=wire(T0 - H))
    pull(desk, change("work_order", odd, 205))
    with desk.ordo._store.read() as s:
        ids = {f.id for f in dashboard.order_facts(s)}
    assert odd["id"] not in ids and desk.ids["late"] in ids
    assert uuid.UUID(desk.ids["follow_up"])


def test_the_devices_zone_keeps_its_rules_when_it_has_a_name(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert getattr(dashboard.device_zone(), "key", None) == "Europe/Berlin"
    monkeypatch.setenv("TZ", "ORDO-3")  # a POSIX rule (tests/zones.py): the offset it gives now
    zone = dashboard.device_zone()
    assert getattr(zone, "key", None) is None
