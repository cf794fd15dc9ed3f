"""The work clock on this device: started when the technician sets off or starts work,
stopped when they pause, complete or stop it; every stop writes what it counted as time logs
(app.services.entries.log_time) in the same transaction that removes the clock.

The clock is a row (`running_clocks`) written when it starts, so a crash or a closed app
never loses it: after a restart it still runs from when it started. One clock per person
(nobody works twice at once): starting one on another order stops the first.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status
from app.domain.protocol import MutationType
from app.domain.timer import TimeKind, clock_kind, closed_spans
from app.services.entries import log_time
from app.services.types import ClockView, InvalidInput, ServiceError
from app.services.writes import evidence_order
from app.store.access import device_user
from app.store.models import Order, OutboxEntry, RunningClock

log = logging.getLogger(__name__)


def running_clock(session: Session, *, user_id: str) -> ClockView | None:
    row = session.execute(
        select(RunningClock, Order.number)
        .join(Order, Order.id == RunningClock.order_id, isouter=True)
        .where(RunningClock.user_id == user_id)
    ).first()
    if row is None:
        return None
    clock, number = row
    return ClockView(
        order_id=uuid.UUID(clock.order_id),
        order_number=number or "",
        kind=clock.kind,
        started_at=clock.started_at,
    )


def start_clock(session: Session, *, order_id: uuid.UUID, now: datetime) -> TimeKind:
    """Start the clock on `order_id`, counting what its state runs (travel or work); a clock
    running elsewhere (or here, of another kind) is stopped and written first."""
    order = evidence_order(session, order_id=order_id, kind=MutationType.TIME_ADD)
    status = session.scalar(select(Order.status).where(Order.id == order.id))
    kind = clock_kind(Status(status)) if status else None
    if kind is None:
        raise InvalidInput(
            "The clock runs while you travel to or work on the order: start travel or work first."
        )
    user_id = device_user(session).id
    held = session.get(RunningClock, user_id)
    if held is not None and held.order_id == order.id and held.kind == kind.value:
        return kind  # already counting this: a second tap changes nothing
    stop_clock(session, now=now)
    session.add(RunningClock(user_id=user_id, order_id=order.id, kind=kind.value, started_at=now))
    session.flush()
    return kind


def stop_clock(session: Session, *, now: datetime, order_id: uuid.UUID | None = None) -> list[OutboxEntry]:
    """Stop the signed-in user's clock (only if it runs on `order_id`, when given) and queue
    the time it counted; returns the queued entries (none when no clock ran, or it ran under
    a second)."""
    user_id = device_user(session).id
    held = session.get(RunningClock, user_id)
    if held is None or (order_id is not None and held.order_id != str(order_id)):
        return []
    entries = [
        log_time(
            session,
            order_id=uuid.UUID(held.order_id),
            kind=held.kind,
            started_at=start,
            ended_at=end,
            now=now,
        )
        for start, end in closed_spans(started_at=held.started_at, ended_at=now)
    ]
    session.delete(held)
    session.flush()
    return entries


def before_move(session: Session, *, order_id: uuid.UUID, to: Status, now: datetime) -> None:
    """Before a status move made on this device: a move to a state that runs no clock (pause,
    complete, cannot complete, back to assigned) stops the clock on this order first, so its
    time is queued ahead of the move."""
    if clock_kind(to) is None:
        stop_clock(session, now=now, order_id=order_id)


def after_move(session: Session, *, order_id: uuid.UUID, to: Status, now: datetime) -> None:
    """After a move onto the road or to work: the clock counts travel or work from now. Not
    for one the rulebook would not let write the time (a dispatcher moving the order)."""
    if clock_kind(to) is None:
        return
    try:
        start_clock(session, order_id=order_id, now=now)
    except ServiceError:
        return
