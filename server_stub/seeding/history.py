"""The demo organisation's past: completed work over the last ~90 days, so the managers'
dashboard has something to measure from the first sign-in.

Each past order goes through a realistic lifecycle on the technician's working day:
made, first assigned minutes to hours later, travelled to, worked, completed, and (after a
day or two) closed; the technician's travel and work are time logs. Some finish after
their due time; one was reopened; one could not be completed on the first visit; one had
follow-up work raised from it. Technicians differ (the first is quick, the last slow), so
the per-technician figures differ too.

Deterministic for a given `now` (its own seeded generator, name-based ids), and written
in one go with the ORM's bulk inserts: a few hundred rows, well under a second.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Kind, Priority, Source, Status, default_due
from server_stub.db import next_seq
from server_stub.models import TimeLog, User, WorkOrder
from server_stub.seeding.data import CUSTOMERS, SITES, TITLES
from server_stub.seeding.records import OrderSpec, create_order
from server_stub.seeding.schedules import schedule_id
from server_stub.timeutil import to_db

DAYS = 90
SPEED = (0.7, 0.85, 1.0, 1.2, 1.5)  # each technician's pace (their time x this)


@dataclass(frozen=True, slots=True)
class HistoryReport:
    orders: int
    time_logs: int


def _at_work(rng: random.Random, day: datetime) -> datetime:
    """A time in working hours (07:30-16:30 UTC) on `day`."""
    return day.replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(minutes=rng.randint(0, 540))


def _lifecycle(rng: random.Random, *, made: datetime, priority: Priority, pace: float) -> dict[str, datetime]:
    urgent = priority in (Priority.URGENT, Priority.HIGH)
    assign = timedelta(minutes=rng.randint(4, 45) if urgent else rng.randint(20, 300))
    wait = timedelta(minutes=rng.randint(10, 90) if urgent else rng.randint(60, 60 * 30))
    if rng.random() < 0.12:  # a part to wait for, a customer not in: a promise broken
        wait += timedelta(hours=rng.randint(6, 80))
    travel = timedelta(minutes=rng.randint(20, 60) * pace)
    work = timedelta(minutes=rng.randint(60, 240) * pace)
    assigned = made + assign
    en_route = assigned + wait
    started = en_route + travel
    completed = started + work
    return {
        "assigned_at": assigned,
        "en_route_at": en_route,
        "started_at": started,
        "completed_at": completed,
    }


def seed_history(session: Session, *, org_id: str, technicians: list[User], now: datetime) -> HistoryReport:
    """Past completed orders of `technicians` (in the order of seed_data.TECHNICIANS)."""
    rng = random.Random(f"ordo-history:{now.date().isoformat()}")

    def ids() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    _spread_current(session, org_id=org_id, now=now, rng=rng)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    made_orders: list[tuple[str, User, dict[str, datetime]]] = []
    logs = 0
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(5, 9)):
            t = rng.randrange(len(technicians))
            tech, pace = technicians[t], SPEED[t % len(SPEED)]
            priority = rng.choices(list(Priority), weights=[3, 6, 3, 1])[0]
            made = _at_work(rng, day)
            times = _lifecycle(rng, made=made, priority=priority, pace=pace)
            if times["completed_at"] >= now - timedelta(hours=1):
                continue  # the past only
            kind = rng.choice(list(Kind))
            title, description = rng.choice(TITLES[kind])
            site = rng.choice(SITES)
            closed = times["completed_at"] + timedelta(hours=rng.randint(20, 60))
            status = Status.CLOSED if closed < now else Status.COMPLETED
            if status is Status.CLOSED:
                times["closed_at"] = closed
            spec = OrderSpec(
                title=f"{title} — {site['name']}",
                kind=kind,
                priority=priority,
                status=status,
                assignee_id=tech.id,
                description=description,
                customer=dict(rng.choice(CUSTOMERS)),
                site=dict(site),
                asset=f"{kind.value[:3].upper()}-{rng.randint(1000, 9999)}",
                due_at=default_due(priority=priority, created_at=made),
                source=Source.MANUAL,
                lifecycle=dict(times),
            )
            order = create_order(session, org_id=org_id, spec=spec, now=made, ids=ids)
            order.updated_at = max(times.values()).replace(tzinfo=None)
            made_orders.append((order.id, tech, times))
            for kind_, start, end in (
                ("travel", times["en_route_at"], times["started_at"]),
                ("work", times["started_at"], times["completed_at"]),
            ):
                session.add(
                    TimeLog(
                        id=ids(),
                        order_id=order.id,
                        user_id=tech.id,
                        kind=kind_,
                        started_at=start.replace(tzinfo=None),
                        ended_at=end.replace(tzinfo=None),
                        voided=False,
                        seq=next_seq(session),
                    )
                )
                logs += 1
    session.flush()
    _second_visits(session, org_id=org_id, orders=made_orders, now=now, ids=ids)
    pm = _past_occurrences(session, org_id=org_id, technicians=technicians, now=now, rng=rng, ids=ids)
    return HistoryReport(orders=len(made_orders) + 1 + pm, time_logs=logs)


# Past occurrences of the demo's schedules (server_stub.seeding.schedules, by name): the
# fortnightly fire alarm test and the quarterly boiler service, so PM compliance has a
# figure. Each made as the generator makes it: the template's title, the schedule's site and
# asset. (schedule name, title, site, asset, every n days, technician index, days late of
# each occurrence)
PAST_PM: tuple[tuple[str, str, dict[str, object], str, int, int, tuple[float, ...]], ...] = (
    ("Fire alarm test, Riverside School", "Fortnightly fire alarm test", SITES[3], "FIRE-PANEL-RS", 14, 2,
     (0.2, -0.5, 0.0, 3.5, 0.3, 1.0)),
    ("Boiler service, Harbour View", "Quarterly boiler service", SITES[0], "BOILER-HV-1", 91, 0, (2.0,)),
)  # fmt: skip


def _past_occurrences(
    session: Session,
    *,
    org_id: str,
    technicians: list[User],
    now: datetime,
    rng: random.Random,
    ids: Callable[[], str],
) -> int:
    """Scheduled orders made and done before: each due `n` days apart back from today,
    completed some days from its due date (one fire alarm test 3.5 days late: missed)."""
    made = 0
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for name, title, site, asset, every, who, lateness in PAST_PM:
        sid = schedule_id(name)
        tech = technicians[who % len(technicians)]
        for k, late in enumerate(lateness, start=1):
            due = today - timedelta(days=every * k)
            done = due + timedelta(days=late, hours=10 + rng.randint(0, 5))
            if done >= now:
                continue
            times = {
                "assigned_at": due - timedelta(days=3),  # made with its technician, lead days ahead
                "en_route_at": done - timedelta(minutes=70),
                "started_at": done - timedelta(minutes=45),
                "completed_at": done,
                "closed_at": done + timedelta(days=1),
            }
            spec = OrderSpec(
                title=title,
                site=dict(site),
                asset=asset,
                kind=Kind.INSPECTION if every < 30 else Kind.MAINTENANCE,
                priority=Priority.NORMAL,
                status=Status.CLOSED,
                assignee_id=tech.id,
                due_at=due + timedelta(hours=17),
                source=Source.SCHEDULE,
                external_id=f"{sid}/{due.date().isoformat()}",
                lifecycle=times,
            )
            create_order(session, org_id=org_id, spec=spec, now=due - timedelta(days=3), ids=ids)
            made += 1
    return made


def _spread_current(session: Session, *, org_id: str, now: datetime, rng: random.Random) -> None:
    """The demo's current orders were all made at `now`: with a past, they were made over the
    last days instead (before their assignment), or the dashboard shows them all made today."""
    made_now = to_db(now)
    rows = session.execute(
        select(WorkOrder)
        .where(WorkOrder.org_id == org_id, WorkOrder.created_at == made_now)
        .order_by(WorkOrder.number)
    ).scalars()
    for order in rows:
        before = order.assigned_at or made_now
        order.created_at = before - timedelta(minutes=rng.randint(20, 12 * 60))
        order.first_assigned_at = order.assigned_at


def _second_visits(
    session: Session,
    *,
    org_id: str,
    orders: list[tuple[str, User, dict[str, datetime]]],
    now: datetime,
    ids: Callable[[], str],
) -> None:
    """The orders that were not fixed on the first visit: one reopened after completion,
    one that could not be completed at first, one with follow-up work raised from it."""
    recent = [o for o in orders if now - o[2]["completed_at"] < timedelta(days=20)]
    reopened, retried, followed = recent[-3], recent[-6], recent[-9]
    row = session.get(WorkOrder, reopened[0])
    if row is not None:
        row.reopen_count = 1
    row = session.get(WorkOrder, retried[0])
    if row is not None:
        times = retried[2]
        row.cannot_complete_at = (
            times["started_at"] + (times["completed_at"] - times["started_at"]) / 3
        ).replace(tzinfo=None)
    source = session.get(WorkOrder, followed[0])
    if source is not None:
        made = followed[2]["completed_at"] + timedelta(minutes=5)
        spec = OrderSpec(
            title=f"Follow-up: {source.title}"[:200],
            kind=Kind(source.kind),
            priority=Priority.NORMAL,
            status=Status.NEW,
            description=f"Follow-up of {source.number}: {source.title}",
            customer=dict(source.customer or {}),
            site=dict(source.site or {}),
            asset=source.asset,
            due_at=default_due(priority=Priority.NORMAL, created_at=made),
            follow_up_of=source.id,
        )
        create_order(session, org_id=org_id, spec=spec, now=made, ids=ids)
