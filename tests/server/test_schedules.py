"""Preventive maintenance schedules on the server: schedule.save (dispatchers and admins),
pulled by the desk only, and the generator: each occurrence's order exactly once, catching
up after downtime, never touching orders already made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.domain import rules
from app.domain.protocol import MutationType
from app.domain.rules import Relation
from server_stub import cli
from server_stub.clock import FakeClock
from server_stub.db import Database, open_database
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, OrderEvent, Schedule, ScheduleOccurrence, WorkOrder
from server_stub.schedules import run_schedules
from server_stub.seeding.demo import seed_demo

from .conftest import START, World, sign_in
from .kit import codes, new_id, pulled, statuses

CHECKLIST = [
    {"position": 1, "label": "Burner cleaned", "kind": "check", "required": True},
    {"position": 2, "label": "Flue gas CO2", "kind": "number", "unit": "%", "min": 8.0, "max": 10.5},
]


def schedule(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Boiler service, Hall 2",
        "site": {"name": "Hall 2", "address": "Dock road 4", "lat": None, "lon": None},
        "asset": "BOILER-7",
        "every": {"n": 1, "unit": "month"},
        "anchor": "fixed",
        "starts_on": "2026-11-30",
        "lead_days": 7,
        "template": {
            "title": "Monthly boiler service",
            "description": "Clean, measure, test.",
            "kind": "maintenance",
            "priority": "high",
            "requires_signature": True,
            "checklist": CHECKLIST,
        },
        "assignee_id": None,
        "paused": False,
        "timezone": "Europe/Berlin",
    } | changes


def _save(client: TestClient, world: World, schedule_id: str, **changes: Any) -> dict[str, Any]:
    disp = sign_in(client, "disp")
    (result,) = disp.push([disp.mutation("schedule.save", schedule_id, schedule(**changes))])["results"]
    return result


def _orders(db: Database) -> list[WorkOrder]:
    with db.read() as session:
        return list(
            session.scalars(
                select(WorkOrder).where(WorkOrder.source == "schedule").order_by(WorkOrder.external_id)
            )
        )


def test_only_dispatch_may_save_a_schedule_in_the_rulebook() -> None:
    for relation in Relation:
        assert rules.access(MutationType.SCHEDULE_SAVE, relation).allowed == (relation is Relation.DISPATCH)


def test_a_dispatcher_saves_and_the_desk_pulls_it(client: TestClient, world: World) -> None:
    schedule_id = new_id()
    result = _save(client, world, schedule_id, assignee_id=world.users["tech1"])
    assert result["status"] == "applied"
    disp = sign_in(client, "disp")
    data = pulled(disp, "schedule")[schedule_id]
    want = schedule(assignee_id=world.users["tech1"])
    for key in ("name", "site", "asset", "every", "anchor", "starts_on", "lead_days", "paused", "timezone"):
        assert data[key] == want[key], key
    assert data["template"]["title"] == "Monthly boiler service"
    assert [i["label"] for i in data["template"]["checklist"]] == ["Burner cleaned", "Flue gas CO2"]
    assert data["next_due_on"] == "2026-11-30"
    assert data["updated_at"] == "2026-11-25T09:00:00Z"


def test_a_technician_is_refused_and_never_pulls_schedules(client: TestClient, world: World) -> None:
    _save(client, world, new_id())
    tech = sign_in(client, "tech1")
    answer = tech.push([tech.mutation("schedule.save", new_id(), schedule())])
    assert codes(answer) == ["forbidden"]
    changes, _ = tech.pull_all()
    assert not [c for c in changes if c["entity"] == "schedule"]
    outsider = sign_in(client, "outsider")
    assert pulled(outsider, "schedule") == {}


def test_bad_fields_are_refused_with_the_domain_sentence(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    bad = [
        schedule(timezone="Mars/Olympus"),
        schedule(starts_on="2026-02-30"),
        schedule(site={"name": ""}, asset=None),
        schedule(every={"n": 0, "unit": "month"}),
        schedule(assignee_id=world.users["disp"]),
    ]
    answer = disp.push([disp.mutation("schedule.save", new_id(), args) for args in bad])
    assert codes(answer) == [
        "invalid_args",
        "invalid_args",
        "invalid_args",
        "invalid_args",
        "unknown_assignee",
    ]
    assert "time zone" in answer["results"][0]["error"]["message"]


def test_the_generator_makes_each_occurrence_once(client: TestClient, world: World, db: Database) -> None:
    schedule_id = new_id()
    _save(client, world, schedule_id, assignee_id=world.users["tech1"])
    now = START  # 25 Nov: 30 Nov is within 7 days
    first = run_schedules(db, now=now)
    assert first.made == [f"{schedule_id}/2026-11-30"]
    again = run_schedules(db, now=now + timedelta(minutes=1))
    assert again.made == []
    (order,) = _orders(db)
    assert (order.title, order.kind, order.priority, order.status) == (
        "Monthly boiler service",
        "maintenance",
        "high",
        "assigned",
    )
    assert order.assignee_id == world.users["tech1"] and order.first_assigned_at is not None
    assert order.requires_signature and order.asset == "BOILER-7" and order.site["name"] == "Hall 2"
    # 17:00 in Berlin on 30 Nov (CET) is 16:00 UTC.
    assert order.due_at == datetime(2026, 11, 30, 16, 0)
    with db.read() as session:
        labels = session.scalars(
            select(ChecklistItem.label)
            .where(ChecklistItem.order_id == order.id)
            .order_by(ChecklistItem.position)
        ).all()
        events = session.scalars(select(OrderEvent.summary).where(OrderEvent.order_id == order.id)).all()
        stored = session.get(Schedule, schedule_id)
        assert stored is not None and stored.next_due_on == "2026-12-30"
    assert labels == ["Burner cleaned", "Flue gas CO2"]
    assert events == ["Made by schedule Boiler service, Hall 2"]
    # The technician pulls the order; its history says where it came from.
    tech = sign_in(client, "tech1")
    assert pulled(tech, "work_order")[order.id]["source"] == "schedule"
    disp = sign_in(client, "disp")
    history = client.get(f"/api/v1/orders/{order.id}/history", headers=disp.headers).json()
    assert history["entries"][0]["summary"] == "Made by schedule Boiler service, Hall 2"
    assert pulled(disp, "schedule")[schedule_id]["next_due_on"] == "2026-12-30"


def test_catch_up_after_downtime_without_duplicates(client: TestClient, world: World, db: Database) -> None:
    schedule_id = new_id()
    _save(client, world, schedule_id, every={"n": 1, "unit": "week"}, starts_on="2026-11-26", lead_days=0)
    assert run_schedules(db, now=START + timedelta(days=1)).made == [f"{schedule_id}/2026-11-26"]
    # Down for three weeks: the missed weeks are made once, then nothing more.
    later = START + timedelta(days=22)  # 17 Dec
    made = run_schedules(db, now=later).made
    assert made == [f"{schedule_id}/2026-12-03", f"{schedule_id}/2026-12-10", f"{schedule_id}/2026-12-17"]
    assert run_schedules(db, now=later).made == []
    assert len(_orders(db)) == 4
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleOccurrence)) == 4


def test_pausing_and_editing_never_touch_made_orders(client: TestClient, world: World, db: Database) -> None:
    schedule_id = new_id()
    _save(client, world, schedule_id)
    run_schedules(db, now=START)
    (made,) = _orders(db)
    before = (made.title, made.priority, made.due_at, made.seq, made.status)
    assert _save(client, world, schedule_id, paused=True)["status"] == "applied"
    assert run_schedules(db, now=START + timedelta(days=40)).made == []  # paused: nothing
    template = schedule()["template"] | {"title": "Changed title", "priority": "low"}
    _save(client, world, schedule_id, template=template, paused=False)
    (still,) = _orders(db)
    assert (still.title, still.priority, still.due_at, still.seq, still.status) == before
    # Resumed on 25 Nov + 0: the next one is made with the new fields.
    made_now = run_schedules(db, now=datetime(2026, 12, 24, 9, tzinfo=UTC)).made
    assert made_now == [f"{schedule_id}/2026-12-30"]
    assert [o.title for o in _orders(db)] == ["Monthly boiler service", "Changed title"]


def test_completion_anchor_waits_for_the_open_order(client: TestClient, world: World, db: Database) -> None:
    schedule_id = new_id()
    _save(client, world, schedule_id, anchor="completion", assignee_id=world.users["tech1"])
    assert len(run_schedules(db, now=START).made) == 1
    assert run_schedules(db, now=START + timedelta(days=90)).made == []  # still open: nothing
    with db.write() as session, session.begin():
        (order,) = session.scalars(select(WorkOrder).where(WorkOrder.source == "schedule"))
        order.status, order.completed_at = "completed", datetime(2026, 12, 2, 10, 0)
    report = run_schedules(db, now=datetime(2026, 12, 26, 9, tzinfo=UTC))
    assert report.made == [f"{schedule_id}/2027-01-02"]


def test_saving_the_same_schedule_again_changes_nothing(client: TestClient, world: World) -> None:
    schedule_id = new_id()
    first = _save(client, world, schedule_id)
    second = _save(client, world, schedule_id)
    assert statuses({"results": [first, second]}) == ["applied", "applied"]
    assert second["seq"] == first["seq"]


def test_the_demo_seed_has_schedules_that_make_no_order_yet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(url)
    seed_demo(database_url=url, now=START)
    database = open_database(url)
    try:
        with database.read() as session:
            rows = session.scalars(select(Schedule).order_by(Schedule.name)).all()
            assert [(r.name, r.paused) for r in rows] == [
                ("Boiler service, Harbour View", False),
                ("Fire alarm test, Riverside School", True),
            ]
        # First dates beyond their lead time: the demo's orders stay as seeded.
        assert run_schedules(database, now=START + timedelta(days=13)).made == []
        made = run_schedules(database, now=START + timedelta(days=14)).made
        assert made == [f"{rows[0].id}/2026-12-16"]
    finally:
        database.dispose()


def test_the_apps_timer_runs_the_generator_on_the_servers_clock(
    client: TestClient, world: World, db: Database, clock: FakeClock
) -> None:
    schedule_id = new_id()
    _save(client, world, schedule_id, every={"n": 1, "unit": "week"}, starts_on="2026-11-26", lead_days=0)
    timer = client.app.state.schedules  # type: ignore[attr-defined]
    clock.advance(seconds=24 * 3600)  # 26 Nov
    first = timer.run_once()
    assert first is not None and first.made == [f"{schedule_id}/2026-11-26"]
    clock.advance(seconds=7 * 24 * 3600)
    assert timer.run_once().made == [f"{schedule_id}/2026-12-03"]
    assert timer.run_once().made == []


def test_the_cli_runs_the_generator_once_for_cron(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cron.db'}"
    migrate(url)
    seed_demo(database_url=url, now=START)
    args = ["schedules", "run", "--database-url", url, "--at", "2026-12-09T08:00:00Z"]
    assert cli.main(args) == 0
    said = capsys.readouterr().out
    assert "1 orders made" in said and "/2026-12-16" in said, said
    assert cli.main(args) == 0
    assert "0 orders made" in capsys.readouterr().out
