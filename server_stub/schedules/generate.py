"""The generator: each occurrence of each schedule becomes an order, exactly once.

What is due is worked out from a read (app.domain.schedules.dates_to_make); then each
occurrence is made in a transaction of its own which
1. locks the seq counter row first (as intake does; PostgreSQL), so generators in
   several processes take their turns, and the second one then sees the first one's
   occurrence row and makes nothing;
2. makes the order (`source: "schedule"`, `external_id: "<schedule id>/<due date>"`, the
   schedule's template and checklist, its default technician as assignee) with seqs and
   its number from the counters as every order creation does, and an OrderEvent for the
   order's history. Live pokes follow the commit (server_stub.announce);
3. inserts the occurrence's key (schedule_occurrences: schedule_id + due_on, the
   primary key) in the same transaction: should two writers ever get past 1 together,
   the database refuses the second insert and its whole transaction, order and all, is
   rolled back.
Orders already made are never touched again: pausing or editing a schedule changes
what is made from then on only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain import LIFECYCLE_FIELDS, Source, Status, format_number
from app.domain.protocol import MutationType
from app.domain.schedules import dates_to_make, due_at, external_id
from server_stub.auth import policy
from server_stub.db import SEQ_COUNTER, Database, next_order_number, next_seq
from server_stub.history.ledger import record_server_change
from server_stub.models import ChecklistItem, Counter, Schedule, ScheduleOccurrence, User, WorkOrder
from server_stub.schedules import state
from server_stub.timeutil import to_db

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunReport:
    made: list[str] = field(default_factory=list)  # external ids of the orders made
    skipped: int = 0  # occurrences another process made first
    moved: int = 0  # schedules whose next_due_on changed

    def words(self) -> str:
        made, skipped, moved = len(self.made), self.skipped, self.moved
        return f"{made} orders made, {skipped} already made elsewhere, {moved} schedules moved on"


def _assignee(session: Session, row: Schedule) -> str | None:
    """The default technician, while they may still take orders; otherwise the order is new."""
    if row.assignee_id is None:
        return None
    user = session.get(User, row.assignee_id)
    return row.assignee_id if policy.may_be_assignee(user, org_id=row.org_id) else None


def _make_order(session: Session, row: Schedule, *, due_on: date, now: datetime) -> WorkOrder:
    template = row.template or {}
    assignee = _assignee(session, row)
    status = Status.ASSIGNED if assignee else Status.NEW
    at = to_db(now)
    order_id = str(uuid.uuid4())
    lifecycle: dict[str, datetime | None] = dict.fromkeys(LIFECYCLE_FIELDS.values())
    if assignee:
        lifecycle[LIFECYCLE_FIELDS[Status.ASSIGNED]] = at
    order = WorkOrder(
        id=order_id,
        org_id=row.org_id,
        number=format_number(next_order_number(session, org_id=row.org_id)),
        title=str(template.get("title") or row.name),
        description=str(template.get("description") or ""),
        kind=str(template.get("kind") or "maintenance"),
        priority=str(template.get("priority") or "normal"),
        status=status.value,
        status_reason=None,
        assignee_id=assignee,
        customer={"name": "", "contact": None},
        site=dict(row.site or {}),
        asset=row.asset,
        due_at=to_db(due_at(due_on, row.timezone)),
        requires_signature=bool(template.get("requires_signature", False)),
        required_skills=[],
        source=Source.SCHEDULE.value,
        external_id=external_id(row.id, due_on),
        created_at=at,
        updated_at=at,
        seq=next_seq(session),
        field_seqs={},
        past_assignees=[assignee] if assignee else [],
        created_by=None,  # made by no person: no technician keeps it in scope but its assignee
        create_digest=None,
        first_assigned_at=at if assignee else None,
        reopen_count=0,
        follow_up_of=None,
        **lifecycle,
    )
    session.add(order)
    for spec in sorted(template.get("checklist") or [], key=lambda s: int(s.get("position") or 0)):
        session.add(
            ChecklistItem(
                id=str(uuid.uuid4()),
                order_id=order_id,
                position=int(spec["position"]),
                label=str(spec["label"]),
                kind=str(spec["kind"]),
                required=bool(spec.get("required", False)),
                value=None,
                done=False,
                unit=spec.get("unit"),
                min=spec.get("min"),
                max=spec.get("max"),
                seq=next_seq(session),
                value_seq=0,
                value_device_id=None,
            )
        )
    session.flush()
    return order


def _make_one(db: Database, *, schedule_id: str, due_on: date, now: datetime) -> str | None:
    """Make one occurrence's order; None when it exists already (or the schedule went)."""
    key = due_on.isoformat()
    try:
        with db.write() as session, session.begin():
            # The counter row first: writers in other processes queue here (see the module).
            session.execute(update(Counter).where(Counter.name == SEQ_COUNTER).values(value=Counter.value))
            if session.get(ScheduleOccurrence, (schedule_id, key)) is not None:
                return None
            row = session.get(Schedule, schedule_id)
            if row is None or row.paused:
                return None  # paused (or gone) since the read: nothing more is made
            order = _make_order(session, row, due_on=due_on, now=now)
            session.add(
                ScheduleOccurrence(
                    schedule_id=schedule_id,
                    due_on=key,
                    org_id=row.org_id,
                    order_id=order.id,
                    created_at=to_db(now),
                )
            )
            session.flush()  # the key: a second one fails here, and its order goes with it
            record_server_change(
                session,
                order=order,
                type_=MutationType.ORDER_CREATE,
                summary=f"Made by schedule {row.name}",
                now=now,
            )
            _move_on(session, row, now=now)
            return order.external_id
    except IntegrityError:
        # Another process took the key between our check and our insert: theirs stands.
        log.info("schedule %s %s: made by another process", schedule_id, key)
        return None


def _move_on(session: Session, row: Schedule, *, now: datetime) -> bool:
    """Store the schedule's next due date when it changed (a new seq: desks pull it)."""
    following = state.next_due(session, row, now=now)
    if following == row.next_due_on:
        return False
    row.next_due_on = following
    row.updated_at = to_db(now)
    row.seq = next_seq(session)
    session.flush()
    return True


def _due(db: Database, *, now: datetime) -> tuple[list[tuple[str, date]], list[str]]:
    """(schedule id, due date) to make, oldest first per schedule; and the schedules whose
    stored next due date is stale."""
    todo: list[tuple[str, date]] = []
    stale: list[str] = []
    with db.read() as session:
        for row in session.scalars(select(Schedule).order_by(Schedule.id)):
            last = state.last_occurrence(session, row.id)
            rule = state.rule(row)
            today = state.today(row, now)
            dates = dates_to_make(rule, today=today, last=last, saved_on=state.saved_on(row))
            todo += [(row.id, d) for d in dates]
            if not dates and state.next_due(session, row, now=now) != row.next_due_on:
                stale.append(row.id)
    return todo, stale


def run_schedules(db: Database, *, now: datetime) -> RunReport:
    """Make every occurrence due now (within its lead time) that is not made yet. Safe to
    run in any number of processes at once, and again after any downtime."""
    report = RunReport()
    todo, stale = _due(db, now=now)
    for schedule_id, due_on in todo:
        made = _make_one(db, schedule_id=schedule_id, due_on=due_on, now=now)
        if made is None:
            report.skipped += 1
        else:
            report.made.append(made)
    for schedule_id in stale:
        with db.write() as session, session.begin():
            row = session.get(Schedule, schedule_id, with_for_update=True)
            if row is not None and _move_on(session, row, now=now):
                report.moved += 1
    return report
