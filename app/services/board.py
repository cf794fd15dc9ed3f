"""The dispatcher's board, the assignee suggestion and the conflicts desk: reads of the local
store (a dispatcher's device holds every order, technician and device of the organisation)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import OPEN, PRIORITY_RANK, Priority, Status
from app.domain.protocol import Entity
from app.domain.sla import lateness, lateness_words, load_ratio, load_words, todays_work
from app.domain.suggest import Candidate, Job, Place, rank, required_skills
from app.services import picker
from app.services.desk_types import Board, BoardCard, ConflictRow, Lane, Suggestion
from app.services.queries import conflicts_of, summary_of
from app.services.refusals import item_state, names
from app.services.types import OrderId
from app.services.words import status_word
from app.services.writes import order_on_device
from app.store.models import ChecklistItem, Conflict, DeviceStatus, Order
from app.store.outbox import pending_order_ids, sync_state

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
    open_orders = session.scalars(select(Order).where(Order.status.in_([s.value for s in OPEN])))
    queue: list[BoardCard] = []
    today: dict[str, list[BoardCard]] = defaultdict(list)
    for order in open_orders:
        if order.status == Status.NEW and order.assignee_id is None:
            queue.append(_card(order, now=now, pending=pending, people=people, pulled=pulled))
        elif order.assignee_id is not None and todays_work(status=order.status, due_at=order.due_at, now=now):
            today[order.assignee_id].append(
                _card(order, now=now, pending=pending, people=people, pulled=pulled)
            )
    lanes = []
    for user in picker.active_technicians(session):
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
        unassigned=sorted(queue, key=_queue_key),
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
    """The order as the ranking sees it. Required skills: its kind's, plus any the server's
    row names (`required_skills`, when present)."""
    named = (order.server_data or {}).get("required_skills") or []
    explicit = [str(s) for s in named] if isinstance(named, list) else []
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


# --- the conflicts desk ----------------------------------------------------------------------


def device_words(device_id: str | None, *, ours: str) -> str:
    """Which device, for people: "this device", or the start of its id."""
    if not device_id:
        return ""
    return "this device" if device_id == ours else f"device {device_id[:8]}"


def _time_words(value: Any, *, form: str = "%d %b %Y %H:%M") -> str:
    """A wire time in this device's zone ("25 Nov 2026 13:00"); as it came when unreadable."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format(at.astimezone() if at.tzinfo is not None else at, form)


def _span_words(span: Any) -> str:
    """A logged span of time: "Work 25 Nov 2026 08:00 – 09:30"."""
    if not isinstance(span, Mapping):
        return str(span)
    start, end = span.get("started_at"), span.get("ended_at")
    kind = str(span.get("kind") or "work").capitalize()
    if start is None or end is None:
        return kind
    return f"{kind} {_time_words(start)} – {_time_words(end, form='%H:%M')}"


def _checklist_words(value: Any, item: ChecklistItem | None) -> str:
    if not isinstance(value, Mapping):
        value = {"value": value, "done": value is not None}
    typed, done = value.get("value"), bool(value.get("done"))
    if typed is None or isinstance(typed, bool):
        return "Done" if done else "Not done"
    if item is not None and item.kind == "pass_fail":
        words = {"pass": "Pass", "fail": "Fail"}.get(str(typed), str(typed))
    else:
        words = item_state(value=typed, done=done)
        if item is not None and item.unit and isinstance(typed, int | float):
            words += f" {item.unit}"
    return words if done else f"{words} (not done)"


def _joined(value: Mapping[str, Any], keys: Iterable[str]) -> str:
    return ", ".join(str(value[k]) for k in keys if value.get(k) not in (None, ""))


def value_words(session: Session, conflict: Conflict, value: Any, *, people: Mapping[str, str]) -> str:
    """One side of a conflict for people: "Urgent", "72.5 °C", "Done", "Ben Brook"; never JSON."""
    field = conflict.field or ""
    if conflict.entity == Entity.CHECKLIST_ITEM and field == "value":
        return _checklist_words(value, session.get(ChecklistItem, conflict.entity_id or ""))
    if conflict.entity == Entity.TIME_LOG and field == "overlap":
        spans = value if isinstance(value, list) else [value]
        return "; ".join(_span_words(s) for s in spans) or "Nothing"
    if field == "assignee_id":
        return "Unassigned" if not value else people.get(str(value), "Someone not in the directory")
    if value is None or value == "":
        return "Nothing"
    if field == "status":
        return status_word(str(value))
    if field in ("priority", "kind"):
        return str(value).replace("_", " ").capitalize()
    if field == "due_at":
        return _time_words(value)
    if field == "requires_signature":
        return "Required" if value else "Not required"
    if isinstance(value, Mapping):
        return _joined(value, ("name", "address", "contact")) or "Nothing"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return item_state(value=value, done=True) if isinstance(value, float) else str(value)


def open_conflict_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open")) or 0


def open_conflicts(session: Session, *, user_id: str) -> list[ConflictRow]:
    """Every open conflict on this device (a dispatcher's: the organisation's), newest first,
    both values in words, who made the losing change, when and on which device."""
    rows = list(session.scalars(select(Conflict).where(Conflict.status == "open")))
    people = names(session)
    ours = sync_state(session).device_id
    views = {}
    # The labels, pending decisions and who may decide: the order page's read model, reused.
    for order_id in {c.order_id for c in rows if c.order_id is not None}:
        views.update({str(v.id): v for v in conflicts_of(session, order_id=order_id)})
    result = []
    for c in rows:
        view = views.get(c.id)
        if view is None:
            continue  # no order to decide it on: conflicts are always about an order
        order = session.get(Order, c.order_id) if c.order_id else None
        who = "You" if c.user_id and c.user_id == user_id else people.get(c.user_id or "", "")
        result.append(
            ConflictRow(
                conflict=view,
                order_id=uuid.UUID(c.order_id) if c.order_id else None,
                order_number=(order.number if order is not None else "") or c.order_number,
                order_title=order.title if order is not None else "",
                mine_words=value_words(session, c, c.mine, people=people),
                theirs_words=value_words(session, c, c.theirs, people=people),
                made_by=who,
                made_at=c.created_at,
                device=device_words(c.device_id, ours=ours),
            )
        )
    # Newest first; those the server gave no time last.
    result.sort(
        key=lambda r: (
            r.made_at is None,
            -(r.made_at.timestamp() if r.made_at is not None else 0.0),
            r.order_number,
            r.conflict.label,
        )
    )
    return result
