"""An order's history (sync-protocol.md, "Order history"): every mutation pushed about
it, from the ledger, whatever became of it, and the changes nobody pushed (intake
made the order, an alert came again: `order_events`), oldest first by seq.

Who reads it is the rulebook's (app.domain.rules.HISTORY_READERS): a dispatcher or
admin of the order's organisation and its assignee see everything; a former assignee
sees their own entries only; everyone else is answered as if the order did not exist.
An order that has no creation entry (made by the demo seed, or before the history was
kept) starts with one at seq 0.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from app.domain import Source, rules
from app.domain.protocol import HistoryEntry, HistoryPage, MutationType, ResultStatus
from server_stub.auth import policy
from server_stub.db import Database, next_seq
from server_stub.history import words as history_words
from server_stub.models import ChecklistItem, Conflict, LedgerEntry, OrderEvent, User, WorkOrder
from server_stub.sync.cursor import decode, encode
from server_stub.timeutil import to_db, to_wire

CREATED_FROM = {
    Source.REQUEST.value: "Created from a request",
    Source.ALERT.value: "Created from an alert",
    Source.SCHEDULE.value: "Created from a schedule",
    Source.IMPORT.value: "Created by an import",
}


class NoSuchOrder(LookupError):
    """Unknown, or not the caller's to read: the same answer (404)."""


def record_server_change(
    session: Session,
    *,
    order: WorkOrder,
    type_: MutationType,
    summary: str,
    now: datetime,
    fields: dict[str, list[Any]] | None = None,
) -> None:
    """Keep a change nobody pushed (intake, the server's own moves) in the order's
    history, inside the caller's write transaction."""
    session.add(
        OrderEvent(
            id=str(uuid.uuid4()),
            order_id=order.id,
            seq=next_seq(session),
            at=to_db(now),
            type=type_.value,
            summary=summary,
            fields=fields,
        )
    )


def order_history(
    db: Database, *, user_id: str, order_id: str, cursor: str | None, limit: int
) -> HistoryPage:
    """A page of `order_id`'s history after `cursor` (cursor.BadCursor for a bad one;
    NoSuchOrder when the caller may not read it)."""
    after = -1 if not cursor else decode(cursor)  # no cursor: from the creation (seq 0) on
    with db.read() as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # One snapshot for the ledger and the events: a page never holds a later seq of
            # one while an earlier seq of the other commits unseen (and is skipped for good).
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        user = session.get(User, user_id)
        order = session.get(WorkOrder, order_id)
        if user is None or order is None:
            raise NoSuchOrder(order_id)
        # Who reads how much is the rulebook's (rules.HISTORY_READERS); others: 404.
        reading = rules.history_reading(policy.order_access(user=user, order=order))
        if reading is None:
            raise NoSuchOrder(order_id)
        own = reading is rules.HistoryReading.OWN
        entries = _ledger(session, order=order, user_id=user.id if own else None, after=after, limit=limit)
        if not own:
            entries += _events(session, order=order, after=after, limit=limit)
            if after < 0 and not _has_creation(session, order):
                entries.append(_creation(order))
        entries.sort(key=lambda e: e.seq)
        page = entries[:limit]
        return HistoryPage(
            entries=page,
            cursor=encode(page[-1].seq) if page else cursor or None,
            has_more=len(entries) > limit,
        )


def _ledger(
    session: Session, *, order: WorkOrder, user_id: str | None, after: int, limit: int
) -> list[HistoryEntry]:
    query: Select[Any] = (
        select(LedgerEntry, User.display_name)
        .join(User, User.id == LedgerEntry.user_id)
        # Pushes about this order by people of its organisation (another organisation's
        # push naming it was refused as about an unknown order: not this order's story).
        .where(
            LedgerEntry.entity_id == order.id,
            LedgerEntry.type.not_in([MutationType.TEMPLATE_SAVE.value, MutationType.SCHEDULE_SAVE.value]),
            LedgerEntry.seq > after,
            User.org_id == order.org_id,
        )
        .order_by(LedgerEntry.seq)
        .limit(limit + 1)
    )
    if user_id is not None:
        query = query.where(LedgerEntry.user_id == user_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    details = [(row, dict(row.detail or {})) for row, _ in rows]
    names = _names(session, order=order, details=[d for _, d in details])
    item_labels = select(ChecklistItem.id, ChecklistItem.label).where(ChecklistItem.order_id == order.id)
    labels = {item_id: label for item_id, label in session.execute(item_labels)}
    about = select(Conflict.id, Conflict.field).where(Conflict.order_id == order.id)
    conflict_fields = {conflict_id: field for conflict_id, field in session.execute(about)}
    entries = []
    for (row, detail), (_, display_name) in zip(details, rows, strict=True):
        fields = {str(k): list(v) for k, v in (detail.get("fields") or {}).items()}
        words = history_words.summary(
            row.type,
            result=row.status,
            brief=detail.get("brief") or {},
            fields=fields,
            names=names,
            labels=labels,
            conflict_fields=conflict_fields,
        )
        entries.append(
            HistoryEntry(
                seq=int(row.seq or 0),
                at=to_wire(row.created_at) or "",
                user_id=row.user_id,
                user_name=display_name,
                device_id=row.device_id,
                type=row.type,
                summary=words,
                result=ResultStatus(row.status),
                fields=fields,
            )
        )
    return entries


def _names(session: Session, *, order: WorkOrder, details: list[dict[str, Any]]) -> dict[str, str]:
    """Display names of the people the entries' fields name (assignees)."""
    ids = {
        str(value)
        for detail in details
        for value in (detail.get("fields") or {}).get("assignee_id", [])
        if value is not None
    }
    ids |= {str(d["brief"]["assignee_id"]) for d in details if (d.get("brief") or {}).get("assignee_id")}
    if not ids:
        return {}
    found = session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids), User.org_id == order.org_id)
    )
    return {user_id: name for user_id, name in found}


def _events(session: Session, *, order: WorkOrder, after: int, limit: int) -> list[HistoryEntry]:
    rows = session.execute(
        select(OrderEvent)
        .where(OrderEvent.order_id == order.id, OrderEvent.seq > after)
        .order_by(OrderEvent.seq)
        .limit(limit + 1)
    ).scalars()
    return [
        HistoryEntry(
            seq=row.seq,
            at=to_wire(row.at) or "",
            user_id=None,
            user_name=None,
            device_id=None,
            type=row.type,
            summary=row.summary,
            result=ResultStatus.APPLIED,
            fields={str(k): list(v) for k, v in (row.fields or {}).items()},
        )
        for row in rows
    ]


def _has_creation(session: Session, order: WorkOrder) -> bool:
    created = MutationType.ORDER_CREATE.value
    pushed = exists().where(
        LedgerEntry.entity_id == order.id,
        LedgerEntry.type == created,
        or_(
            LedgerEntry.status == ResultStatus.APPLIED.value, LedgerEntry.status == ResultStatus.MERGED.value
        ),
    )
    made = exists().where(OrderEvent.order_id == order.id, OrderEvent.type == created)
    return bool(session.execute(select(or_(pushed, made))).scalar())


def _creation(order: WorkOrder) -> HistoryEntry:
    """The order's making, when no entry tells of it (seeded, or older than the history)."""
    return HistoryEntry(
        seq=0,
        at=to_wire(order.created_at) or "",
        user_id=None,
        user_name=None,
        device_id=None,
        type=MutationType.ORDER_CREATE.value,
        summary=CREATED_FROM.get(order.source, "Created"),
        result=ResultStatus.APPLIED,
        fields={},
    )
