"""The managers' dashboard: the KPI facts read from this device's own rows (no network),
measured by app.domain.kpi.

A dispatcher's device holds every order of the organisation, its time logs and its
directory, so the figures are the organisation's as last synced, offline too. Reads only
the columns the measures need (10,000 orders in well under a second: bench/dashboard.py).
Schedules (PM intervals) are read from the `schedules` table when this device has one
(device migration 0013); without it PM compliance says there are no schedules.
Callers run it off the UI loop (app.views.desk.dashboard: asyncio.to_thread).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Role, Status
from app.domain.kpi import (
    Dashboard,
    Interval,
    OrderFacts,
    RangeChoice,
    Technician,
    TimeLogFacts,
    compute,
    interval_of,
    period_of,
)
from app.domain.rules import may_see_dashboard
from app.services.types import InvalidInput
from app.store.models import Order, TimeLog, User


@dataclass(frozen=True, slots=True)
class DashboardView:
    """What the screen shows: the figures, and what its filter offers."""

    figures: Dashboard
    choice: RangeChoice
    technician_id: str | None
    technicians: tuple[Technician, ...]  # every technician the filter offers, by name
    has_schedules: bool
    zone: str  # the zone the days are counted in, for people
    now: datetime


def device_zone() -> tzinfo:
    """This device's time zone, with its daylight-saving rules when it has a name (TZ, or
    /etc/localtime's link); otherwise the current fixed offset."""
    told = os.environ.get("TZ", "").removeprefix(":")
    # A TZ that names no zone (a POSIX rule such as "CET-1") is the offset it gives now.
    name = told if told else _localtime_name()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


def _localtime_name() -> str:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return ""
    _, found, name = target.partition("zoneinfo/")
    return name if found else ""


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def order_facts(session: Session) -> list[OrderFacts]:
    """Every order this device holds in scope, as the measures read it."""
    columns = (
        Order.id,
        Order.status,
        Order.created_at,
        Order.priority,
        Order.assignee_id,
        Order.due_at,
        Order.assigned_at,
        Order.first_assigned_at,
        Order.en_route_at,
        Order.started_at,
        Order.completed_at,
        Order.cannot_complete_at,
        Order.reopen_count,
        Order.follow_up_of,
        Order.source,
        Order.external_id,
    )
    facts = []
    for row in session.execute(select(*columns).where(Order.out_of_scope.is_(False))):
        try:
            status = Status(row.status)
        except ValueError:
            continue  # a status this client does not know: not measured
        created = _aware(row.created_at)
        if created is None:
            continue  # made here just now and not stamped: nothing to measure yet
        facts.append(
            OrderFacts(
                id=row.id,
                status=status,
                created_at=created,
                priority=row.priority or "normal",
                assignee_id=row.assignee_id,
                due_at=_aware(row.due_at),
                assigned_at=_aware(row.assigned_at),
                first_assigned_at=_aware(row.first_assigned_at),
                en_route_at=_aware(row.en_route_at),
                started_at=_aware(row.started_at),
                completed_at=_aware(row.completed_at),
                cannot_complete_at=_aware(row.cannot_complete_at),
                reopen_count=row.reopen_count or 0,
                follow_up_of=row.follow_up_of,
                source=row.source or "manual",
                external_id=row.external_id,
            )
        )
    return facts


def time_log_facts(session: Session, *, since: datetime) -> list[TimeLogFacts]:
    """Time logs not voided that may reach into the period (ended after `since`, or running)."""
    query = select(
        TimeLog.order_id, TimeLog.user_id, TimeLog.kind, TimeLog.started_at, TimeLog.ended_at
    ).where(TimeLog.voided.is_(False))
    found = []
    for row in session.execute(query):
        started, ended = _aware(row.started_at), _aware(row.ended_at)
        if started is None or (ended is not None and ended < since):
            continue
        found.append(
            TimeLogFacts(
                order_id=row.order_id, user_id=row.user_id, started_at=started, ended_at=ended, kind=row.kind
            )
        )
    return found


def technicians(session: Session) -> list[Technician]:
    """Active technicians, by name: the filter and the per-technician rows show who works
    here now (a former technician's orders still count in the organisation's figures)."""
    rows = session.execute(
        select(User.id, User.display_name, User.username).where(
            User.role == Role.TECHNICIAN.value, User.active.is_(True)
        )
    )
    people = [Technician(id=r.id, name=r.display_name or r.username) for r in rows]
    return sorted(people, key=lambda t: t.name.casefold())


def schedule_intervals(session: Session) -> dict[str, Interval] | None:
    """schedule id -> interval from the `schedules` table, or None when this device has no
    such table (before device migration 0013) or it lacks the columns. Rows whose values
    make no sense are left out."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedules'"
    ).first()
    if found is None:
        return None
    columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(schedules)")}
    if not {"id", "every_n", "every_unit"} <= columns:
        return None
    intervals = {}
    for schedule_id, n, unit in connection.exec_driver_sql("SELECT id, every_n, every_unit FROM schedules"):
        interval = interval_of(n, unit)
        if interval is not None and schedule_id:
            intervals[str(schedule_id)] = interval
    return intervals


def dashboard(
    session: Session,
    *,
    role: Role | str | None,
    choice: RangeChoice,
    technician_id: str | None,
    now: datetime,
    zone: tzinfo | None = None,
) -> DashboardView:
    """The dashboard for `choice` (local days in `zone`, the device's by default), of one
    technician's orders or everyone's. Dispatchers and admins only."""
    if not may_see_dashboard(role=role):
        raise InvalidInput("The dashboard is for dispatchers and admins.")
    where = zone or device_zone()
    period = period_of(choice, now=now, zone=where)
    people = technicians(session)
    if technician_id is not None and technician_id not in {t.id for t in people}:
        technician_id = None  # someone who left, or a stale choice: everyone
    schedules = schedule_intervals(session)
    figures = compute(
        orders=order_facts(session),
        time_logs=time_log_facts(session, since=period.start_at),
        technicians=people,
        period=period,
        now=now,
        technician_id=technician_id,
        schedules=schedules,
    )
    return DashboardView(
        figures=figures,
        choice=choice,
        technician_id=technician_id,
        technicians=tuple(people),
        has_schedules=bool(schedules),
        zone=str(getattr(where, "key", None) or now.astimezone(where).tzname() or "local"),
        now=now,
    )
