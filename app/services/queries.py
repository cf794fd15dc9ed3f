"""Read models for the views: grouping of the order list, order detail. Pure reads of the store."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from app.domain import Priority, Status
from app.domain.my_day import plan_day
from app.domain.protocol import MutationType
from app.domain.rules import Relation, is_dispatcher, judge_void, out_of_range
from app.domain.timer import Span, clock_kind, overlapping
from app.services.offers import moves_for, offers_for
from app.services.refusals import names, refusal_views
from app.services.timer import running_clock
from app.services.types import (
    ChecklistItemView,
    ItemId,
    NoteView,
    Offers,
    OrderDetail,
    OrderGroups,
    OrderId,
    OrderSummary,
    PartUsageView,
    TimeLogView,
)
from app.store.access import gates_of, relation_to
from app.store.models import ChecklistItem, Conflict, Note, Order, OutboxEntry, Part, PartUsage, TimeLog
from app.store.outbox import pending_order_ids


def _priority(value: str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        return Priority.NORMAL


def _status(value: str) -> Status:
    return Status(value)


def summary_of(order: Order, *, pending: bool, people: Mapping[str, str]) -> OrderSummary:
    return OrderSummary(
        id=OrderId(uuid.UUID(order.id)),
        number=order.number,
        title=order.title,
        priority=_priority(order.priority),
        status=_status(order.status),
        due_at=order.due_at,
        site_name=str((order.site or {}).get("name") or ""),
        pending=pending,
        assignee_name=assignee_name(order, people=people),
    )


def assignee_name(order: Order, *, people: Mapping[str, str]) -> str:
    if order.assignee_id is None:
        return ""
    return people.get(order.assignee_id, "Someone not in the directory")


def visible_clause(*, user_id: str, role: str) -> ColumnElement[bool]:
    """Which orders the signed-in user works on: a technician's own, everything for a dispatcher."""
    if is_dispatcher(role):
        return true()
    # Unassigned orders on a technician's device are their own follow-ups: the server
    # keeps those in their scope until a dispatcher assigns them.
    return or_(Order.assignee_id == user_id, Order.assignee_id.is_(None))


def visible_orders(session: Session, *, user_id: str, role: str) -> list[Order]:
    """The orders the signed-in user works on: a technician's own, everything for a dispatcher."""
    return list(session.scalars(select(Order).where(visible_clause(user_id=user_id, role=role))))


def list_groups(session: Session, *, user_id: str, role: str, now: datetime) -> OrderGroups:
    """A technician's "My day" at `now` (aware, in their zone): app.domain.my_day's groups,
    done today and the next order. Finished orders never sit under Today."""
    pending = pending_order_ids(session)
    orders = visible_orders(session, user_id=user_id, role=role)
    people = names(session)
    day = plan_day((_listed(o, pending=o.id in pending, people=people) for o in orders), now=now)
    return OrderGroups.of(day)


def _listed(order: Order, *, pending: bool, people: Mapping[str, str]) -> OrderSummary:
    """The card's summary with its completed time, which "done today" goes by."""
    summary = summary_of(order, pending=pending, people=people)
    return dataclasses.replace(summary, completed_at=order.completed_at)


def _item_view(item: ChecklistItem) -> ChecklistItemView:
    return ChecklistItemView(
        id=ItemId(uuid.UUID(item.id)),
        position=item.position,
        label=item.label,
        kind=item.kind,
        required=item.required,
        value=item.value,
        done=item.done,
        unit=item.unit,
        min=item.min,
        max=item.max,
        # Kept as measured; flagged wherever it is shown.
        out_of_range=out_of_range(kind=item.kind, value=item.value, low=item.min, high=item.max),
    )


def detail_of(session: Session, order: Order, *, user_id: str, role: str, now: datetime) -> OrderDetail:
    queued = list(session.scalars(select(OutboxEntry).where(OutboxEntry.entity_id == order.id)))
    pending_notes = _pending_ids(queued, MutationType.NOTE_ADD)
    items = list(
        session.scalars(
            select(ChecklistItem).where(ChecklistItem.order_id == order.id).order_by(ChecklistItem.position)
        )
    )
    notes = sorted(
        session.scalars(select(Note).where(Note.order_id == order.id, Note.voided.is_(False))),
        key=lambda n: (n.at is None, n.at or now),
    )
    people = names(session)
    relation = relation_to(order, user_id=user_id, role=role)
    gates = gates_of(session, order)
    checklist = [_item_view(i) for i in items]
    offers = offers_for(role=role, relation=relation, order=order)
    return OrderDetail(
        summary=summary_of(order, pending=bool(queued), people=people),
        description=order.description,
        kind=order.kind,
        customer=dict(order.customer or {}),
        site=dict(order.site or {}),
        requires_signature=order.requires_signature,
        checklist=checklist,
        notes=[
            NoteView(
                id=uuid.UUID(n.id),
                text=n.text,
                at=n.at or now,
                author_name="You" if n.author_id == user_id else people.get(n.author_id or "", "Someone"),
                pending=n.id in pending_notes,
            )
            for n in notes
        ],
        next_statuses=moves_for(role=role, relation=relation, order=order, gates=gates),
        blockers=list(gates.completion_blockers),
        refusals=refusal_views(session, order_id=order.id),
        time_logs=_time_logs(session, order.id, queued=queued, user_id=user_id, names=people),
        parts=_parts(session, order.id, queued=queued, user_id=user_id, relation=relation),
        open_conflicts=session.scalar(
            select(func.count())
            .select_from(Conflict)
            .where(Conflict.order_id == order.id, Conflict.status == "open")
        )
        or 0,
        offers=offers,
        assignee_id=uuid.UUID(order.assignee_id) if order.assignee_id else None,
        assignee_name=assignee_name(order, people=people),
        status_reason=order.status_reason,
        out_of_range=[i.label for i in checklist if i.out_of_range],
        required_skills=tuple(order.required_skills or ()),
        clock=running_clock(session, user_id=user_id),
        clock_offer=_clock_offer(order, offers=offers),
    )


def _clock_offer(order: Order, *, offers: Offers) -> str | None:
    """What Start counts here now: only where the rulebook lets this user log time."""
    kind = clock_kind(Status(order.status)) if offers.time_and_parts else None
    return kind.value if kind is not None else None


def _pending_ids(queued: list[OutboxEntry], kind: MutationType) -> set[str]:
    return {str(e.args.get("id")) for e in queued if e.type == kind}


def _time_logs(
    session: Session, order_id: str, *, queued: list[OutboxEntry], user_id: str, names: dict[str, str]
) -> list[TimeLogView]:
    pending = _pending_ids(queued, MutationType.TIME_ADD)
    rows = list(
        session.scalars(
            select(TimeLog)
            .where(TimeLog.order_id == order_id, TimeLog.voided.is_(False))
            .order_by(TimeLog.started_at)
        )
    )
    flagged = _overlaps(session, rows)
    return [
        TimeLogView(
            id=uuid.UUID(t.id),
            kind=t.kind,
            started_at=t.started_at,
            ended_at=t.ended_at,
            user_name="You" if t.user_id == user_id else names.get(t.user_id or "", "Someone"),
            pending=t.id in pending,
            mine=t.user_id == user_id,
            overlaps=t.id in flagged,
        )
        for t in rows
        if t.started_at is not None and t.ended_at is not None
    ]


def _overlaps(session: Session, logs: list[TimeLog]) -> set[str]:
    """Which of `logs` overlap another log of the same person, on any order on this device."""
    people = {t.user_id for t in logs if t.user_id}
    if not people:
        return set()
    theirs = session.scalars(select(TimeLog).where(TimeLog.user_id.in_(people), TimeLog.voided.is_(False)))
    return overlapping(
        Span(id=t.id, user_id=t.user_id or "", started_at=t.started_at, ended_at=t.ended_at)
        for t in theirs
        if t.started_at is not None and t.ended_at is not None
    )


def _parts(
    session: Session, order_id: str, *, queued: list[OutboxEntry], user_id: str, relation: Relation
) -> list[PartUsageView]:
    pending = _pending_ids(queued, MutationType.PART_USE)
    catalogue = {p.sku: p for p in session.scalars(select(Part))}
    rows = session.scalars(
        select(PartUsage).where(PartUsage.order_id == order_id, PartUsage.voided.is_(False))
    )
    views = []
    for u in rows:
        known = catalogue.get(u.sku)
        views.append(
            PartUsageView(
                id=uuid.UUID(u.id),
                sku=u.sku,
                name=known.name if known is not None else u.sku,
                quantity=u.quantity,
                unit=known.unit if known is not None else "",
                pending=u.id in pending,
                mine=u.user_id == user_id,
                # As entries.void_entry judges it: the author (while they reach the order) or a dispatcher.
                may_void=judge_void(relation=relation, is_author=u.user_id == user_id).allowed,
            )
        )
    return views
