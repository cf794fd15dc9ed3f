"""Read models for the views: grouping of the order list, order detail. Pure reads of the store."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain import (
    DISPATCHER_FIELDS,
    PRIORITY_RANK,
    ChecklistState,
    Priority,
    Role,
    Status,
    completion_blockers,
    is_overdue,
    next_statuses,
)
from app.domain.protocol import MutationType
from app.services.types import (
    ChecklistItemView,
    ConflictView,
    ItemId,
    NoteView,
    OrderDetail,
    OrderGroups,
    OrderId,
    OrderSummary,
    PartUsageView,
    TimeLogView,
)
from app.store.models import (
    ChecklistItem,
    Conflict,
    Note,
    Order,
    OutboxEntry,
    Part,
    PartUsage,
    Rejection,
    Signature,
    TimeLog,
    User,
)
from app.store.outbox import pending_order_ids

# Refusals older than this are no longer "recent".
REJECTION_WINDOW = timedelta(days=7)
MAX_REJECTIONS = 5


def _priority(value: str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        return Priority.NORMAL


def _status(value: str) -> Status:
    return Status(value)


def summary_of(order: Order, *, pending: bool) -> OrderSummary:
    return OrderSummary(
        id=OrderId(uuid.UUID(order.id)),
        number=order.number,
        title=order.title,
        priority=_priority(order.priority),
        status=_status(order.status),
        due_at=order.due_at,
        site_name=str((order.site or {}).get("name") or ""),
        pending=pending,
    )


def _sort_key(s: OrderSummary) -> tuple[bool, datetime, int]:
    far = datetime.max.replace(tzinfo=s.due_at.tzinfo) if s.due_at else datetime.max
    return (s.due_at is None, s.due_at or far, PRIORITY_RANK[s.priority])


def group_orders(summaries: Iterable[OrderSummary], *, now: datetime) -> OrderGroups:
    """Overdue (due before now, not settled), today (due on now's local date), upcoming (the rest).

    `now` must be aware; its zone is the user's: "today" is its date there.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    groups = OrderGroups()
    for s in summaries:
        if is_overdue(status=s.status, due_at=s.due_at, now=now):
            groups.overdue.append(s)
        elif s.due_at is not None and s.due_at.astimezone(now.tzinfo).date() == now.date():
            groups.today.append(s)
        else:
            groups.upcoming.append(s)
    for bucket in (groups.overdue, groups.today, groups.upcoming):
        bucket.sort(key=_sort_key)
    return groups


def visible_orders(session: Session, *, user_id: str, role: str) -> list[Order]:
    """The orders the signed-in user works on: a technician's own, everything for a dispatcher."""
    stmt = select(Order)
    if role not in (Role.DISPATCHER, Role.ADMIN):
        # Unassigned orders on a technician's device are their own follow-ups: the server
        # keeps those in their scope until a dispatcher assigns them.
        stmt = stmt.where(or_(Order.assignee_id == user_id, Order.assignee_id.is_(None)))
    return list(session.scalars(stmt))


def list_groups(session: Session, *, user_id: str, role: str, now: datetime) -> OrderGroups:
    pending = pending_order_ids(session)
    orders = visible_orders(session, user_id=user_id, role=role)
    return group_orders((summary_of(o, pending=o.id in pending) for o in orders), now=now)


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def detail_of(session: Session, order: Order, *, user_id: str, role: str, now: datetime) -> OrderDetail:
    queued = list(session.scalars(select(OutboxEntry).where(OutboxEntry.entity_id == order.id)))
    pending_notes = {str(e.args.get("id")) for e in queued if e.type == MutationType.NOTE_ADD}
    items = list(
        session.scalars(
            select(ChecklistItem).where(ChecklistItem.order_id == order.id).order_by(ChecklistItem.position)
        )
    )
    notes = sorted(
        session.scalars(select(Note).where(Note.order_id == order.id, Note.voided.is_(False))),
        key=lambda n: (n.at is None, n.at or now),
    )
    names = {u.id: u.display_name or u.username for u in session.scalars(select(User))}
    has_signature = session.scalar(select(Signature.id).where(Signature.order_id == order.id)) is not None
    rejections = session.scalars(
        select(Rejection)
        .where(Rejection.order_id == order.id, Rejection.at >= now - REJECTION_WINDOW)
        .order_by(Rejection.mid.desc())
        .limit(MAX_REJECTIONS)
    )
    status = _status(order.status)
    user_role = _role(role)
    blockers = completion_blockers(
        checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in items],
        requires_signature=order.requires_signature,
        has_signature=has_signature,
    )
    return OrderDetail(
        summary=summary_of(order, pending=bool(queued)),
        description=order.description,
        kind=order.kind,
        customer=dict(order.customer or {}),
        site=dict(order.site or {}),
        requires_signature=order.requires_signature,
        checklist=[
            ChecklistItemView(
                id=ItemId(uuid.UUID(i.id)),
                position=i.position,
                label=i.label,
                kind=i.kind,
                required=i.required,
                value=i.value,
                done=i.done,
                unit=i.unit,
            )
            for i in items
        ],
        notes=[
            NoteView(
                id=uuid.UUID(n.id),
                text=n.text,
                at=n.at or now,
                author_name="You" if n.author_id == user_id else names.get(n.author_id or "", "Someone"),
                pending=n.id in pending_notes,
            )
            for n in notes
        ],
        next_statuses=next_statuses(status, role=user_role) if user_role else [],
        blockers=blockers,
        rejections=[r.message for r in rejections],
        time_logs=_time_logs(session, order.id, queued=queued, user_id=user_id, names=names),
        parts=_parts(session, order.id, queued=queued, user_id=user_id),
        open_conflicts=session.scalar(
            select(func.count())
            .select_from(Conflict)
            .where(Conflict.order_id == order.id, Conflict.status == "open")
        )
        or 0,
    )


def _pending_ids(queued: list[OutboxEntry], kind: MutationType) -> set[str]:
    return {str(e.args.get("id")) for e in queued if e.type == kind}


def _time_logs(
    session: Session, order_id: str, *, queued: list[OutboxEntry], user_id: str, names: dict[str, str]
) -> list[TimeLogView]:
    pending = _pending_ids(queued, MutationType.TIME_ADD)
    rows = session.scalars(
        select(TimeLog)
        .where(TimeLog.order_id == order_id, TimeLog.voided.is_(False))
        .order_by(TimeLog.started_at)
    )
    return [
        TimeLogView(
            id=uuid.UUID(t.id),
            kind=t.kind,
            started_at=t.started_at,
            ended_at=t.ended_at,
            user_name="You" if t.user_id == user_id else names.get(t.user_id or "", "Someone"),
            pending=t.id in pending,
            mine=t.user_id == user_id,
        )
        for t in rows
        if t.started_at is not None and t.ended_at is not None
    ]


def _parts(
    session: Session, order_id: str, *, queued: list[OutboxEntry], user_id: str
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
            )
        )
    return views


def conflicts_of(session: Session, *, order_id: str, role: str) -> list[ConflictView]:
    """The conflicts of one order, open ones first, then newest first."""
    rows = list(session.scalars(select(Conflict).where(Conflict.order_id == order_id)))
    deciding = {
        str(e.args.get("conflict_id"))
        for e in session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.entity_id == order_id, OutboxEntry.type == MutationType.CONFLICT_RESOLVE
            )
        )
    }
    dispatcher = role in (Role.DISPATCHER, Role.ADMIN)
    views = []
    for c in sorted(rows, key=lambda c: (c.status != "open", -c.seq)):
        field = c.field or ""
        label = field.replace("_", " ")
        if c.entity == "checklist_item" and c.entity_id:
            item = session.get(ChecklistItem, c.entity_id)
            label = f"checklist: {item.label}" if item is not None else "checklist item"
        owned = c.entity == "work_order" and field in DISPATCHER_FIELDS
        views.append(
            ConflictView(
                id=uuid.UUID(c.id),
                entity=c.entity,
                field=field,
                label=label,
                mine=c.mine,
                theirs=c.theirs,
                status=c.status,
                resolution=c.resolution,
                pending=c.id in deciding,
                may_resolve=c.status == "open" and (dispatcher or not owned),
            )
        )
    return views
