"""Intake (sync-protocol.md, "Intake"): requests and alerts from other systems
become orders. Idempotent on the sender's `external_id` (per organisation and
kind); an alert for an asset that already has an open order raised by the same
source adds a note to that order instead of a duplicate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain import SETTLED, Kind, Priority, Source, Status, default_due, format_number
from app.domain.protocol import IntakeAlert, IntakeCustomer, IntakeRequest, IntakeResult, MutationType
from server_stub.db import SEQ_COUNTER, Database, next_order_number, next_seq
from server_stub.history.ledger import CREATED_FROM, record_server_change
from server_stub.models import Counter, IntakeRecord, Note, User, WorkOrder
from server_stub.timeutil import to_db

REQUEST = "request"
ALERT = "alert"
TITLE_LENGTH = 120


@dataclass(frozen=True, slots=True)
class Taken:
    order: IntakeResult
    created: bool  # 201 when True, else 200


def _result(order: WorkOrder, *, created: bool) -> Taken:
    return Taken(
        order=IntakeResult(id=uuid.UUID(order.id), number=order.number, status=order.status),
        created=created,
    )


def _title(text: str, *, prefix: str = "") -> str:
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    title = f"{prefix}{first}" if first else prefix.rstrip(": ") or "Request"
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _serialise_intake(session: Session) -> None:
    # Lock the seq counter row first (PostgreSQL; SQLite writers queue anyway): two
    # copies of one alert, or two alerts for one asset, are taken one after the other,
    # so the second sees the first's record instead of making a duplicate order.
    session.execute(update(Counter).where(Counter.name == SEQ_COUNTER).values(value=Counter.value))


def _recorded(session: Session, *, org_id: str, kind: str, external_id: str) -> WorkOrder | None:
    order_id = session.execute(
        select(IntakeRecord.order_id).where(
            IntakeRecord.org_id == org_id, IntakeRecord.kind == kind, IntakeRecord.external_id == external_id
        )
    ).scalar_one_or_none()
    return session.get(WorkOrder, order_id) if order_id is not None else None


def _record(
    session: Session,
    *,
    org_id: str,
    kind: str,
    external_id: str,
    source: str | None,
    order_id: str,
    now: datetime,
) -> None:
    session.add(
        IntakeRecord(
            id=str(uuid.uuid4()), org_id=org_id, kind=kind, external_id=external_id, source=source,
            order_id=order_id, created_at=now,
        )
    )  # fmt: skip


def _new_order(
    session: Session,
    *,
    org_id: str,
    title: str,
    description: str,
    priority: Priority,
    source: Source,
    external_id: str,
    customer: dict[str, str | None],
    site: dict[str, object],
    asset: str | None,
    required_skills: list[str],
    now: datetime,
) -> WorkOrder:
    order = WorkOrder(
        id=str(uuid.uuid4()),
        org_id=org_id,
        number=format_number(next_order_number(session, org_id=org_id)),
        title=title,
        description=description,
        kind=Kind.REPAIR.value,
        priority=priority.value,
        status=Status.NEW.value,
        status_reason=None,
        assignee_id=None,
        customer=customer,
        site=site,
        asset=asset,
        due_at=default_due(priority=priority, created_at=now),
        requires_signature=False,
        required_skills=list(required_skills),
        source=source.value,
        external_id=external_id,
        created_at=now,
        updated_at=now,
        seq=next_seq(session),
        field_seqs={},
        past_assignees=[],
        created_by=None,  # made by no person: no technician keeps it in scope
        create_digest=None,
    )
    session.add(order)
    session.flush()
    return order


def take_request(db: Database, *, user: User, body: IntakeRequest, now: datetime) -> Taken:
    at = to_db(now)
    with db.write() as session, session.begin():
        _serialise_intake(session)
        known = _recorded(session, org_id=user.org_id, kind=REQUEST, external_id=body.external_id)
        if known is not None:
            return _result(known, created=False)
        customer = body.customer
        if not isinstance(customer, IntakeCustomer):
            customer = IntakeCustomer(name=customer)
        order = _new_order(
            session,
            org_id=user.org_id,
            title=_title(body.description),
            description=body.description,
            priority=Priority(body.priority),
            source=Source.REQUEST,
            external_id=body.external_id,
            customer=customer.model_dump(mode="json"),
            site=body.site.model_dump(mode="json"),
            asset=None,
            required_skills=body.required_skills,
            now=at,
        )
        _record(session, org_id=user.org_id, kind=REQUEST, external_id=body.external_id, source=None,
                order_id=order.id, now=at)  # fmt: skip
        record_server_change(
            session, order=order, type_=MutationType.ORDER_CREATE, summary=CREATED_FROM[REQUEST], now=at
        )
        return _result(order, created=True)


def _open_alert_order(session: Session, *, org_id: str, source: str, asset: str) -> WorkOrder | None:
    """The oldest order not yet settled that an alert of `source` raised for `asset`."""
    return (
        session.execute(
            select(WorkOrder)
            .join(IntakeRecord, IntakeRecord.order_id == WorkOrder.id)
            .where(
                WorkOrder.org_id == org_id,
                WorkOrder.source == Source.ALERT.value,
                WorkOrder.asset == asset,
                WorkOrder.status.not_in([s.value for s in SETTLED]),
                IntakeRecord.kind == ALERT,
                IntakeRecord.source == source,
            )
            .order_by(WorkOrder.created_at, WorkOrder.id)
            .limit(1)
        )
        .scalars()
        .first()
    )


def take_alert(db: Database, *, user: User, body: IntakeAlert, now: datetime) -> Taken:
    at = to_db(now)
    with db.write() as session, session.begin():
        _serialise_intake(session)
        known = _recorded(session, org_id=user.org_id, kind=ALERT, external_id=body.external_id)
        if known is not None:
            return _result(known, created=False)
        order = _open_alert_order(session, org_id=user.org_id, source=body.source, asset=body.asset)
        created = order is None
        if order is None:
            order = _new_order(
                session,
                org_id=user.org_id,
                title=_title(body.message, prefix=f"{body.asset}: "),
                description=body.message,
                priority=Priority(body.severity),
                source=Source.ALERT,
                external_id=body.external_id,
                customer={"name": "", "contact": None},
                site={"name": "", "address": None, "lat": None, "lon": None},
                asset=body.asset,
                required_skills=body.required_skills,
                now=at,
            )
            record_server_change(
                session, order=order, type_=MutationType.ORDER_CREATE, summary=CREATED_FROM[ALERT], now=at
            )
        else:
            # The same trouble again: the people on the order read it as a note (the
            # order's required skills stay the dispatcher's to change).
            text = f"Alert {body.external_id} from {body.source} ({body.severity}): {body.message}"
            session.add(
                Note(
                    id=str(uuid.uuid4()), order_id=order.id, author_id=user.id, text=text, at=at,
                    voided=False, seq=next_seq(session),
                )
            )  # fmt: skip
            record_server_change(
                session,
                order=order,
                type_=MutationType.NOTE_ADD,
                summary=f"Alert again from {body.source}: note added",
                now=at,
            )
        _record(session, org_id=user.org_id, kind=ALERT, external_id=body.external_id, source=body.source,
                order_id=order.id, now=at)  # fmt: skip
        return _result(order, created=created)
