"""Creating organisations, users and orders directly in the database: for the
demo seed and for tests. Every row takes its seq like any other change."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain import ChecklistKind, Kind, Priority, Role, Source, Status, format_number, measures
from server_stub.auth.security import hash_password
from server_stub.db import next_order_number, next_seq, order_number_counter
from server_stub.models import ChecklistItem, Counter, Organisation, Part, User, WorkOrder
from server_stub.timeutil import to_db

IdMaker = Callable[[], str]


def _uuid4() -> str:
    return str(uuid.uuid4())


def create_organisation(session: Session, *, name: str, now: datetime, ids: IdMaker = _uuid4) -> Organisation:
    org = Organisation(id=ids(), name=name, created_at=to_db(now))
    session.add(org)
    session.add(Counter(name=order_number_counter(org.id), value=0))
    session.flush()
    return org


def create_user(
    session: Session,
    *,
    org_id: str,
    username: str,
    password: str | None = None,
    password_hash: str | None = None,
    role: Role,
    display_name: str,
    skills: list[str] | None = None,
    ids: IdMaker = _uuid4,
) -> User:
    if password_hash is None:
        if not password:
            raise ValueError("a user needs a password or a password hash")
        password_hash = hash_password(password)
    user = User(
        id=ids(),
        org_id=org_id,
        username=username,
        display_name=display_name,
        role=role.value,
        # A precomputed hash (password_hash=) lets tests skip argon2's deliberate slowness.
        password_hash=password_hash,
        skills=list(skills or []),
        seq=next_seq(session),
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True, slots=True)
class ItemSpec:
    label: str
    kind: ChecklistKind
    required: bool = False
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    value: Any = None
    done: bool = False


@dataclass(frozen=True, slots=True)
class OrderSpec:
    title: str
    kind: Kind = Kind.REPAIR
    priority: Priority = Priority.NORMAL
    status: Status = Status.NEW
    assignee_id: str | None = None
    description: str = ""
    customer: dict[str, Any] = field(default_factory=lambda: {"name": "", "contact": ""})
    site: dict[str, Any] = field(
        default_factory=lambda: {"name": "", "address": "", "lat": None, "lon": None}
    )
    asset: str | None = None
    due_at: datetime | None = None
    requires_signature: bool = False
    required_skills: tuple[str, ...] = ()  # tags, as app.domain.skills makes them
    source: Source = Source.MANUAL
    lifecycle: dict[str, datetime] = field(default_factory=dict)  # e.g. {"assigned_at": ...}
    checklist: list[ItemSpec] = field(default_factory=list)
    # The dashboard's facts (app.domain.measures); first_assigned_at defaults to the
    # lifecycle's assigned_at (else `now` when there is an assignee).
    first_assigned_at: datetime | None = None
    reopen_count: int = 0
    follow_up_of: str | None = None
    external_id: str | None = None


def _first_assigned(spec: OrderSpec, *, now: datetime) -> datetime | None:
    """first_assigned_at as stored (naive UTC), or None."""
    at = spec.first_assigned_at or spec.lifecycle.get("assigned_at")
    first = measures.first_assigned(current=at, assignee_id=spec.assignee_id, at=now)
    return None if first is None else to_db(first)


def create_order(
    session: Session, *, org_id: str, spec: OrderSpec, now: datetime, ids: IdMaker = _uuid4
) -> WorkOrder:
    number = format_number(next_order_number(session, org_id=org_id))
    seq = next_seq(session)
    order = WorkOrder(
        id=ids(),
        org_id=org_id,
        number=number,
        title=spec.title,
        description=spec.description,
        kind=spec.kind.value,
        priority=spec.priority.value,
        status=spec.status.value,
        status_reason=None,
        assignee_id=spec.assignee_id,
        customer=spec.customer,
        site=spec.site,
        asset=spec.asset,
        due_at=to_db(spec.due_at) if spec.due_at else None,
        requires_signature=spec.requires_signature,
        required_skills=list(spec.required_skills),
        source=spec.source.value,
        external_id=spec.external_id,
        created_at=to_db(now),
        updated_at=to_db(now),
        seq=seq,
        field_seqs={},
        past_assignees=[spec.assignee_id] if spec.assignee_id else [],
        **{name: to_db(at) for name, at in spec.lifecycle.items()},
        first_assigned_at=_first_assigned(spec, now=now),
        reopen_count=spec.reopen_count,
        follow_up_of=spec.follow_up_of,
    )
    session.add(order)
    session.flush()
    for position, item in enumerate(spec.checklist, start=1):
        item_seq = next_seq(session)
        session.add(
            ChecklistItem(
                id=ids(),
                order_id=order.id,
                position=position,
                label=item.label,
                kind=item.kind.value,
                required=item.required,
                value=item.value,
                done=item.done,
                unit=item.unit,
                min=item.min,
                max=item.max,
                seq=item_seq,
                value_seq=item_seq if item.done or item.value is not None else 0,
                value_device_id=None,
            )
        )
    session.flush()
    return order


def create_part(
    session: Session, *, org_id: str, sku: str, name: str, unit: str, ids: IdMaker = _uuid4
) -> Part:
    """One entry of the organisation's parts catalogue."""
    part = Part(id=ids(), org_id=org_id, sku=sku, name=name, unit=unit, seq=next_seq(session))
    session.add(part)
    session.flush()
    return part
