"""An order read for the customer's eyes: what the status page and the completion report
show, gathered in one read transaction. Nothing here renders; `status` and `pdf` do.

Times are turned into the display zone here, once. People of the organisation appear by
their first name only (app.domain.customer.first_name): the page and the PDF go to the
customer, who needs to know who came, not the staff directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status, rules
from app.domain.blobs import BLOB_STORED
from app.domain.customer import Stage, first_name, report_ready, stage_of
from server_stub.models import (
    ChecklistItem,
    Note,
    Organisation,
    Part,
    PartUsage,
    Photo,
    Signature,
    TimeLog,
    User,
    WorkOrder,
)

# Each step of the order, as the report lists its dates (the columns of work_orders).
STEPS: tuple[tuple[str, str], ...] = (
    ("created_at", "Created"),
    ("first_assigned_at", "Assigned"),
    ("en_route_at", "Technician on the way"),
    ("started_at", "Work started"),
    ("on_hold_at", "Put on hold"),
    ("cannot_complete_at", "Could not be completed"),
    ("completed_at", "Completed"),
    ("closed_at", "Closed"),
    ("cancelled_at", "Cancelled"),
)


@cache
def display_zone(name: str) -> tuple[tzinfo, str]:
    """The zone times are stated in, and its name as said beside them. An unknown name (or a
    machine without the zone database) states times in UTC rather than failing the page."""
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC, "UTC"
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return UTC, "UTC"


@dataclass(frozen=True, slots=True)
class CheckLine:
    label: str
    kind: str
    value: Any
    unit: str | None
    done: bool
    failed: bool  # a "fail", or a number outside the item's limits
    required: bool


@dataclass(frozen=True, slots=True)
class ChecklistOutcome:
    done: int
    total: int
    failed: tuple[str, ...]  # labels

    def words(self) -> str:
        """'8 of 8 checks done' (and which failed)."""
        said = f"{self.done} of {self.total} {'check' if self.total == 1 else 'checks'} done"
        if self.failed:
            said += "; failed: " + ", ".join(self.failed)
        return said


@dataclass(frozen=True, slots=True)
class PhotoLine:
    caption: str
    taken_at: datetime
    sha256: str
    uploaded: bool  # the bytes reached the server


@dataclass(frozen=True, slots=True)
class TimeLine:
    kind: str
    who: str
    started_at: datetime
    ended_at: datetime

    @property
    def length(self) -> timedelta:
        return self.ended_at - self.started_at


@dataclass(frozen=True, slots=True)
class PartLine:
    sku: str
    name: str
    quantity: float
    unit: str


@dataclass(frozen=True, slots=True)
class SignatureLine:
    signer: str
    signed_at: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class NoteLine:
    at: datetime
    who: str
    text: str


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order as the customer may see it; `zone_name` is said beside every time."""

    order_id: str
    org_id: str
    org_name: str
    number: str
    title: str
    description: str
    kind: str
    priority: str
    status: Status
    stage: Stage
    report_ready: bool
    technician: str  # first name, "" when nobody is assigned
    due_at: datetime | None
    en_route_at: datetime | None
    steps: tuple[tuple[str, datetime], ...]
    site: dict[str, Any]
    customer: dict[str, Any]
    checklist: tuple[CheckLine, ...]
    outcome: ChecklistOutcome
    notes: tuple[NoteLine, ...]
    photos: tuple[PhotoLine, ...]
    time_logs: tuple[TimeLine, ...]
    parts: tuple[PartLine, ...]
    signatures: tuple[SignatureLine, ...]
    zone_name: str

    @property
    def time_total(self) -> timedelta:
        return sum((t.length for t in self.time_logs), timedelta())


def _local(at: datetime | None, zone: tzinfo) -> datetime | None:
    if at is None:
        return None
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone)


def _failed(item: ChecklistItem) -> bool:
    if item.kind == "pass_fail":
        return item.value == "fail"
    return rules.out_of_range(kind=item.kind, value=item.value, low=item.min, high=item.max)


def _as_dict(value: Any) -> dict[str, Any]:
    """A site or customer as stored: a mapping, or (older intake rows) a bare name."""
    if isinstance(value, dict):
        return dict(value)
    return {"name": str(value)} if value else {}


def outcome_of(lines: tuple[CheckLine, ...]) -> ChecklistOutcome:
    return ChecklistOutcome(
        done=sum(1 for line in lines if line.done),
        total=len(lines),
        failed=tuple(line.label for line in lines if line.failed),
    )


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: first_name(name) for user_id, name in rows}


def load_record(session: Session, *, order: WorkOrder, zone_name: str, full: bool) -> OrderRecord:
    """The order's record in the display zone. `full` (the report) reads notes, photos, time
    and parts too; the status page needs only the checklist and the signatures."""
    zone, said = display_zone(zone_name)
    status = Status(order.status)
    org = session.get(Organisation, order.org_id)
    items = session.scalars(
        select(ChecklistItem).where(ChecklistItem.order_id == order.id).order_by(ChecklistItem.position)
    ).all()
    checklist = tuple(
        CheckLine(
            label=i.label, kind=i.kind, value=i.value, unit=i.unit, done=bool(i.done),
            failed=_failed(i), required=bool(i.required),
        )
        for i in items
    )  # fmt: skip
    signatures = tuple(
        SignatureLine(
            signer=s.signer_name, signed_at=_local(s.signed_at, zone) or s.signed_at, sha256=s.sha256
        )
        for s in session.scalars(
            select(Signature)
            .where(Signature.order_id == order.id)
            .order_by(Signature.signed_at, Signature.seq)
        )
    )
    notes: tuple[NoteLine, ...] = ()
    photos: tuple[PhotoLine, ...] = ()
    times: tuple[TimeLine, ...] = ()
    parts: tuple[PartLine, ...] = ()
    if full:
        note_rows = session.scalars(
            select(Note).where(Note.order_id == order.id, Note.voided.is_(False)).order_by(Note.at, Note.seq)
        ).all()
        photo_rows = session.scalars(
            select(Photo)
            .where(Photo.order_id == order.id, Photo.voided.is_(False))
            .order_by(Photo.taken_at, Photo.seq)
        ).all()
        time_rows = session.scalars(
            select(TimeLog)
            .where(TimeLog.order_id == order.id, TimeLog.voided.is_(False))
            .order_by(TimeLog.started_at, TimeLog.seq)
        ).all()
        part_rows = session.execute(
            select(PartUsage, Part.name, Part.unit)
            .outerjoin(Part, (Part.org_id == order.org_id) & (Part.sku == PartUsage.sku))
            .where(PartUsage.order_id == order.id, PartUsage.voided.is_(False))
            .order_by(PartUsage.seq)
        ).all()
        people = _names(session, {n.author_id for n in note_rows} | {t.user_id for t in time_rows})
        notes = tuple(
            NoteLine(at=_local(n.at, zone) or n.at, who=people.get(n.author_id, ""), text=n.text)
            for n in note_rows
        )
        photos = tuple(
            PhotoLine(
                caption=p.caption or "", taken_at=_local(p.taken_at, zone) or p.taken_at, sha256=p.sha256,
                uploaded=p.blob_status == BLOB_STORED,
            )
            for p in photo_rows
        )  # fmt: skip
        times = tuple(
            TimeLine(
                kind=t.kind, who=people.get(t.user_id, ""),
                started_at=_local(t.started_at, zone) or t.started_at,
                ended_at=_local(t.ended_at, zone) or t.ended_at,
            )
            for t in time_rows
        )  # fmt: skip
        parts = tuple(
            PartLine(sku=u.sku, name=name or "(not in the catalogue)", quantity=u.quantity, unit=unit or "")
            for u, name, unit in part_rows
        )
    assignee = session.get(User, order.assignee_id) if order.assignee_id else None
    # Orders assigned before revision 0009 have no first assignment: their last one will do.
    first = {"first_assigned_at": order.first_assigned_at or order.assigned_at}
    steps = tuple(
        (label, local)
        for column, label in STEPS
        if (local := _local(first.get(column, getattr(order, column)), zone)) is not None
    )
    return OrderRecord(
        order_id=order.id,
        org_id=order.org_id,
        org_name=org.name if org is not None else "",
        number=order.number,
        title=order.title,
        description=order.description or "",
        kind=order.kind,
        priority=order.priority,
        status=status,
        stage=stage_of(status, completed_at=order.completed_at, cannot_complete_at=order.cannot_complete_at),
        report_ready=report_ready(
            status, completed_at=order.completed_at, cannot_complete_at=order.cannot_complete_at
        ),
        technician=first_name(assignee.display_name) if assignee is not None else "",
        due_at=_local(order.due_at, zone),
        en_route_at=_local(order.en_route_at, zone),
        steps=steps,
        site=_as_dict(order.site),
        customer=_as_dict(order.customer),
        checklist=checklist,
        outcome=outcome_of(checklist),
        notes=notes,
        photos=photos,
        time_logs=times,
        parts=parts,
        signatures=signatures,
        zone_name=said,
    )
