"""The dispatcher's board and the assignee suggestion: reads of the local store (a
dispatcher's device holds every order, technician and device of the organisation). The
conflicts desk is app.services.conflicts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain import OPEN, PRIORITY_RANK, Priority, Status
from app.domain.sla import UNDER_WAY, day_ends, lateness, lateness_words, load_ratio, load_words, todays_work
from app.domain.suggest import Candidate, Job, Place, rank, required_skills
from app.services import picker
from app.services.conflicts import open_conflict_count
from app.services.desk_types import Board, BoardCard, Lane, Suggestion
from app.services.queries import summary_of
from app.services.refusals import names
from app.services.types import OrderId
from app.services.writes import order_on_device
from app.store.models import DeviceStatus, Order
from app.store.outbox import pending_order_ids

# --- the board ------------------------------------------------------------------------


def _device_sync(session: Session) -> tuple[dict[str, int], dict[str, datetime]]:
    """Per technician: the highest seq any of their devices has pulled past, and their
    latest pull."""
    pulled: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for d in session.scalars(select(DeviceStatus)):
        pulled[d.user_id] = max(pulled.get(d.user_id, 0), d.pulled_seq)
        if d.last_pull_at is not None and (d.user_id not in last or d.last_pull_at > last[d.user_id]):
            last[d.user_id] = d.last_pull_at
    return pulled, last


def _on_device(order: Order, *, pending: set[str], pulled: Mapping[str, int]) -> bool | None:
    """Whether the assignee's device holds this order as it stands: None when unassigned or
    none of their devices has pulled yet. A change still queued here, or an order the server
    has not seen (seq 0), cannot be on any phone yet."""
    if order.assignee_id is None or order.assignee_id not in pulled:
        return None
    if order.id in pending or order.seq <= 0:
        return False
    return order.seq <= pulled[order.assignee_id]


def _card(
    order: Order,
    *,
    now: datetime,
    pending: set[str],
    people: Mapping[str, str],
    pulled: Mapping[str, int],
) -> BoardCard:
    return BoardCard(
        summary=summary_of(order, pending=order.id in pending, people=people),
        kind=order.kind,
        source=order.source,
        asset=order.asset,
        created_at=order.created_at,
        lateness=lateness(status=order.status, due_at=order.due_at, now=now),
        lateness_words=lateness_words(status=order.status, due_at=order.due_at, now=now),
        on_device=_on_device(order, pending=pending, pulled=pulled),
        required_skills=tuple(str(skill) for skill in order.required_skills or ()),
    )


def _rank(priority: Priority) -> int:
    return PRIORITY_RANK.get(priority, len(PRIORITY_RANK))


def _queue_key(card: BoardCard) -> tuple[int, bool, float, str]:
    # Most urgent first; within a priority the newest first (unknown creation time last).
    made = card.created_at.timestamp() if card.created_at is not None else 0.0
    return (_rank(card.summary.priority), card.created_at is None, -made, card.summary.number)


def _due_key(card: BoardCard) -> tuple[bool, float, int, str]:
    due = card.summary.due_at
    return (due is None, due.timestamp() if due else 0.0, _rank(card.summary.priority), card.summary.number)


def board(session: Session, *, now: datetime) -> Board:
    """The unassigned queue, a lane per active technician with today's work, the open
    conflicts. `now` must be aware: "today" is its date in its zone."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    pending = pending_order_ids(session)
    people = names(session)
    pulled, last_pull = _device_sync(session)
    technicians = picker.active_technicians(session)
    working = {user.id for user in technicians}
    # Read only what can be shown (the loop below decides): at 10,000 orders, reading every
    # open order was most of a cold start, and most are another day's work.
    shown = or_(
        Order.assignee_id.is_(None),
        Order.assignee_id.not_in(working),
        Order.status.in_([s.value for s in UNDER_WAY]),
        Order.due_at < day_ends(now),
    )
    open_orders = session.scalars(select(Order).where(Order.status.in_([s.value for s in OPEN]), shown))
    queue: list[BoardCard] = []
    stranded: list[BoardCard] = []
    today: dict[str, list[BoardCard]] = defaultdict(list)
    card = partial(_card, now=now, pending=pending, people=people, pulled=pulled)
    for order in open_orders:
        if order.status == Status.NEW and order.assignee_id is None:
            queue.append(card(order))
        elif order.assignee_id is not None and order.assignee_id not in working:
            # Nobody's lane would show it, and nobody will do it: every day's, not just today's.
            who = people.get(order.assignee_id) or "Its technician"
            words = f"{who} can no longer take work: reassign it"
            stranded.append(replace(card(order), stranded_words=words))
        elif order.assignee_id is not None and todays_work(status=order.status, due_at=order.due_at, now=now):
            today[order.assignee_id].append(card(order))
    lanes = []
    for user in technicians:
        cards = sorted(today.get(user.id, []), key=_due_key)
        lanes.append(
            Lane(
                technician_id=uuid.UUID(user.id),
                username=user.username,
                display_name=user.display_name or user.username,
                skills=picker.skills_of(user),
                cards=cards,
                open_today=len(cards),
                load_ratio=load_ratio(len(cards)),
                load_words=load_words(len(cards)),
                last_synced_at=last_pull.get(user.id),
            )
        )
    lanes.sort(key=lambda lane: (lane.display_name.casefold(), lane.username))
    return Board(
        unassigned=sorted(stranded, key=_due_key) + sorted(queue, key=_queue_key),
        lanes=lanes,
        open_conflicts=open_conflict_count(session),
        now=now,
    )


# --- the suggestion ---------------------------------------------------------------------


def _place(site: Mapping[str, Any] | None) -> Place | None:
    lat, lon = (site or {}).get("lat"), (site or {}).get("lon")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    return Place(float(lat), float(lon))


def last_positions(session: Session, user_ids: Iterable[str]) -> dict[str, Place]:
    """Where each technician is or last worked: the site of their order in progress, else
    of the order they most recently started or completed (only sites with coordinates)."""
    best: dict[str, tuple[tuple[bool, float], Place]] = {}
    for order in session.scalars(select(Order).where(Order.assignee_id.in_(set(user_ids)))):
        place = _place(order.site)
        times = [t.timestamp() for t in (order.started_at, order.completed_at) if t is not None]
        in_progress = order.status == Status.IN_PROGRESS
        if place is None or not (times or in_progress):
            continue
        key = (in_progress, max(times, default=float("-inf")))
        who = str(order.assignee_id)
        if who not in best or key > best[who][0]:
            best[who] = (key, place)
    return {who: place for who, (_, place) in best.items()}


def job_of(order: Order) -> Job:
    """The order as the ranking sees it. Required skills: its kind's, plus those the order
    names (as edited here, before the server has them too)."""
    explicit = [str(s) for s in order.required_skills or []]
    try:
        priority = Priority(order.priority)
    except ValueError:
        priority = Priority.NORMAL
    return Job(
        kind=order.kind,
        required_skills=required_skills(kind=order.kind, explicit=explicit),
        site=_place(order.site),
        due_at=order.due_at,
        priority=priority,
    )


def suggestions(session: Session, *, order_id: OrderId, now: datetime, limit: int) -> list[Suggestion]:
    """The best technicians for an order, best first, with their reasons. Its current
    assignee is left out: the suggestion is whom to give it to."""
    order = order_on_device(session, order_id)
    choices = [c for c in picker.technicians(session, order_id=order_id, query="", now=now) if not c.current]
    positions = last_positions(session, (str(c.id) for c in choices))
    by_id = {str(c.id): c for c in choices}
    candidates = [
        Candidate(
            id=str(c.id),
            name=c.display_name,
            skills=tuple(c.skills),
            open_today=c.open_today,
            position=positions.get(str(c.id)),
        )
        for c in choices
    ]
    ranked = rank(job_of(order), candidates, now=now, limit=limit)
    return [
        Suggestion(rank=n, technician=by_id[r.candidate.id], score=r.score, reasons=list(r.reasons))
        for n, r in enumerate(ranked, start=1)
    ]
