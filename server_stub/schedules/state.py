"""A schedule row as the domain's Rule, and what the server knows of its occurrences."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status
from app.domain.schedules import (
    LastOccurrence,
    Rule,
    local_date,
    next_due_on,
    parse_date,
    rule_of,
)
from server_stub.models import Schedule, ScheduleOccurrence, WorkOrder

_DONE = (Status.COMPLETED.value, Status.CLOSED.value)


def rule(row: Schedule) -> Rule:
    return rule_of(
        {
            "every": row.every,
            "anchor": row.anchor,
            "starts_on": row.starts_on,
            "lead_days": row.lead_days,
            "timezone": row.timezone,
            "paused": row.paused,
        }
    )


def last_occurrence(session: Session, schedule_id: str) -> LastOccurrence | None:
    """The latest occurrence made, with how its order stands now."""
    found = session.execute(
        select(ScheduleOccurrence.due_on, WorkOrder.status, WorkOrder.completed_at)
        .join(WorkOrder, WorkOrder.id == ScheduleOccurrence.order_id)
        .where(ScheduleOccurrence.schedule_id == schedule_id)
        .order_by(ScheduleOccurrence.due_on.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    due_on = parse_date(found.due_on)
    if due_on is None:  # written by this module only: never
        return None
    done = found.status in _DONE and found.completed_at is not None
    return LastOccurrence(
        due_on=due_on,
        completed_at=found.completed_at if done else None,
        cancelled=found.status == Status.CANCELLED.value,
    )


def today(row: Schedule, now: datetime) -> date:
    return local_date(now, row.timezone)


def saved_on(row: Schedule) -> date:
    return local_date(row.saved_at, row.timezone)


def next_due(session: Session, row: Schedule, *, now: datetime) -> str | None:
    """The next due date not made yet, as stored and pulled (YYYY-MM-DD)."""
    found = next_due_on(
        rule(row), today=today(row, now), last=last_occurrence(session, row.id), saved_on=saved_on(row)
    )
    return None if found is None else found.isoformat()
