"""What this device still has to send, for the sync screen: queued changes by order, in words,
and the photos and signatures whose bytes are not on the server yet. Pure reads of the store."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.protocol import MutationType
from app.store.models import BlobUpload, Order, OutboxEntry, Photo, Signature
from app.sync.blobs import UploadState

# What one queued change is, for people; counted per order ("2 notes, 1 move").
_NOUN: dict[str, tuple[str, str]] = {
    MutationType.ORDER_CREATE.value: ("new order", "new orders"),
    MutationType.ORDER_UPDATE.value: ("edit", "edits"),
    MutationType.ORDER_TRANSITION.value: ("status move", "status moves"),
    MutationType.CHECKLIST_SET.value: ("checklist value", "checklist values"),
    MutationType.NOTE_ADD.value: ("note", "notes"),
    MutationType.PHOTO_ADD.value: ("photo", "photos"),
    MutationType.TIME_ADD.value: ("time entry", "time entries"),
    MutationType.PART_USE.value: ("part", "parts"),
    MutationType.SIGNATURE_ADD.value: ("signature", "signatures"),
    MutationType.ENTRY_VOID.value: ("removal", "removals"),
    MutationType.CONFLICT_RESOLVE.value: ("conflict decision", "conflict decisions"),
    MutationType.TEMPLATE_SAVE.value: ("template", "templates"),
    MutationType.SCHEDULE_SAVE.value: ("schedule", "schedules"),
}


def counted(n: int, nouns: tuple[str, str]) -> str:
    return f"{n} {nouns[0] if n == 1 else nouns[1]}"


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    order_id: uuid.UUID
    number: str  # "" when the order is no longer on this device
    title: str
    changes: int
    words: str  # "2 notes, 1 status move"


@dataclass(frozen=True, slots=True)
class WaitingFile:
    sha256: str
    what: str  # photo or signature
    number: str  # the order it belongs to ("" when not known here)
    size: int
    sent: int  # bytes the server said it holds
    problem: str = ""  # why the server will not take it, in words; "" while it may

    @property
    def percent(self) -> int:
        return 100 if self.size <= 0 else min(100, round(100 * self.sent / self.size))


@dataclass(frozen=True, slots=True)
class Waiting:
    orders: list[WaitingOrder] = field(default_factory=list)
    files: list[WaitingFile] = field(default_factory=list)


def waiting(session: Session) -> Waiting:
    queued = list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.mid)))
    by_order: dict[str, Counter[str]] = {}
    for entry in queued:
        by_order.setdefault(entry.entity_id, Counter())[entry.type] += 1
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(by_order)))}
    rows = []
    for order_id, kinds in by_order.items():  # in the order they were first queued
        order = orders.get(order_id)
        rows.append(
            WaitingOrder(
                order_id=uuid.UUID(order_id),
                number=order.number if order is not None else "",
                title=order.title if order is not None else "",
                changes=sum(kinds.values()),
                words=", ".join(
                    counted(n, _NOUN.get(kind, ("change", "changes"))) for kind, n in kinds.most_common()
                ),
            )
        )
    return Waiting(orders=rows, files=_files(session))


def _files(session: Session) -> list[WaitingFile]:
    uploads = list(
        session.scalars(
            select(BlobUpload)
            .where(BlobUpload.state != UploadState.DONE.value)
            .order_by(BlobUpload.created_at)
        )
    )
    if not uploads:
        return []
    shas = [u.sha256 for u in uploads]
    owners: dict[str, tuple[str, str]] = {}
    for what, model in (("signature", Signature), ("photo", Photo)):
        for sha, order_id in session.execute(
            select(model.sha256, model.order_id).where(model.sha256.in_(shas))
        ):
            owners[sha] = (what, order_id)
    order_ids = {oid for _, oid in owners.values()}
    numbers: dict[str, str] = {
        oid: number
        for oid, number in session.execute(select(Order.id, Order.number).where(Order.id.in_(order_ids)))
    }
    files = []
    for upload in uploads:
        what, order_id = owners.get(upload.sha256, ("file", ""))
        refused = upload.state == UploadState.REFUSED.value
        files.append(
            WaitingFile(
                sha256=upload.sha256,
                what=what,
                number=numbers.get(order_id, ""),
                size=upload.size,
                sent=upload.offset,
                problem=(upload.error or "The server will not take this file.") if refused else "",
            )
        )
    return files
