"""The demo's past (`seed_demo(history=True)`, `ordo-server seed --demo --history`): enough
completed work, with the usual blemishes, for a dashboard worth looking at."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.domain import Status
from app.domain.kpi import OrderFacts, Period, Rate, Technician, TimeLogFacts, compute, interval_of
from server_stub.db import Database, open_database
from server_stub.migrate import migrate
from server_stub.models import Schedule, TimeLog, User, WorkOrder
from server_stub.seeding.demo import seed_demo

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _aware(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(tzinfo=UTC)


def test_the_past_gives_the_dashboard_something_to_measure(database_url: str, db: Database) -> None:
    report = seed_demo(database_url=database_url, now=NOW, history=True)
    assert report.history >= 100 and report.orders == 64 + report.history
    with db.read() as session:
        orders = list(session.execute(select(WorkOrder)).scalars())
        logs = list(session.execute(select(TimeLog)).scalars())
        techs = list(session.execute(select(User).where(User.role == "technician")).scalars())
        schedules = list(session.execute(select(Schedule)).scalars())
    past = [
        o
        for o in orders
        if o.completed_at is not None and o.completed_at < NOW.replace(tzinfo=None) - timedelta(hours=1)
    ]
    assert sum(o.reopen_count for o in orders) == 1
    assert sum(o.cannot_complete_at is not None for o in past) == 1
    assert sum(o.follow_up_of is not None for o in orders) == 1
    assert all(o.first_assigned_at is not None for o in past)
    assert len(logs) == 2 * sum(o.source == "manual" for o in past)  # travel and work of each
    facts = [
        OrderFacts(
            id=o.id, status=Status(o.status), created_at=_aware(o.created_at), priority=o.priority,
            assignee_id=o.assignee_id, due_at=_aware(o.due_at), assigned_at=_aware(o.assigned_at),
            first_assigned_at=_aware(o.first_assigned_at), en_route_at=_aware(o.en_route_at),
            started_at=_aware(o.started_at), completed_at=_aware(o.completed_at),
            cannot_complete_at=_aware(o.cannot_complete_at), reopen_count=o.reopen_count,
            follow_up_of=o.follow_up_of, source=o.source, external_id=o.external_id,
        )
        for o in orders
    ]  # fmt: skip
    times = [
        TimeLogFacts(order_id=t.order_id, user_id=t.user_id, started_at=_aware(t.started_at),
                     ended_at=_aware(t.ended_at), kind=t.kind)
        for t in logs
    ]  # fmt: skip
    month = Period(start=date(2026, 10, 27), end=date(2026, 11, 26), zone=UTC)
    dash = compute(
        orders=facts,
        time_logs=times,
        technicians=[Technician(t.id, t.display_name) for t in techs],
        period=month,
        now=NOW,
    )
    assert dash.completed >= 30
    assert 0.5 < (dash.on_time.rate.value or 0) < 1.0  # some late
    assert 0.8 < (dash.first_time_fix.value or 0) < 1.0
    assert dash.to_assign.count >= 30 and dash.to_arrive.count >= 30
    assert all(t.completions > 0 and 0 < (t.utilisation or 0) < 1 for t in dash.technicians)
    assert len({t.completions for t in dash.technicians}) > 1  # they differ
    # The demo's schedules have a past: PM compliance over 90 days (one fire test missed).
    intervals = {s.id: interval_of(s.every["n"], s.every["unit"]) for s in schedules}
    quarter = Period(start=NOW.date() - timedelta(days=89), end=NOW.date() + timedelta(days=1), zone=UTC)
    pm = compute(orders=facts, period=quarter, now=NOW, schedules=intervals).pm
    assert pm is not None and pm.rate == Rate(hits=5, total=6) and pm.unknown == 0


def test_the_past_is_the_same_for_the_same_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path / name / 'ordo.db'}"
        migrate(url)
        seed_demo(database_url=url, now=NOW, history=True)
        database = open_database(url)
        with database.read() as session:
            seen.append(
                session.execute(select(WorkOrder.id, WorkOrder.completed_at).order_by(WorkOrder.number)).all()
            )
        database.dispose()
    assert seen[0] == seen[1]
