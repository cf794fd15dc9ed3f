"""Work orders and what they hold: checklist items, evidence (notes, photos, time, parts,
signatures), conflicts, the parts catalogue and checklist templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text

from app.domain.protocol import Entity
from server_stub.models.base import ID, Base


# The rows an order holds name it with `order`, a relationship nothing reads or sets: it
# only tells a flush to insert the order before them, so a push batch can create orders and
# their rows in one flush at the end (server_stub.sync.push) instead of one per order.
class WorkOrder(Base):
    __tablename__ = "work_orders"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    site: Mapped[dict[str, Any]] = mapped_column(JSON)
    asset: Mapped[str | None] = mapped_column(String(200), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    requires_signature: Mapped[bool] = mapped_column(Boolean, default=False)
    # Skills whoever takes it needs, as tags (app.domain.skills): the suggestion matches them.
    required_skills: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    on_hold_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    cannot_complete_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When it first had an assignee (assigned_at moves with each reassignment), how many
    # times it was taken back to work after completion, and the order a follow-up was made
    # from: what the dashboard's time to assign and first-time fix read (revision 0009).
    first_assigned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    follow_up_of: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # field name -> seq of its last change, for the dispatcher-owned merge rule.
    field_seqs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Everyone who was ever the assignee: their evidence is kept after a reassignment.
    past_assignees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Who made it by an order.create (None for seeded and intake orders): a
    # technician keeps seeing their follow-up order until it is assigned.
    created_by: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    # SHA-256 of the order.create args, so the same create under a new mid is recognised.
    create_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("uq_work_orders_org_number", "org_id", "number", unique=True),
        # A dispatcher's pull walks the organisation's orders in seq order (revision 0008).
        Index("ix_work_orders_org_seq", "org_id", "seq"),
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(30), nullable=True)
    min: Mapped[float | None] = mapped_column(Float, nullable=True)
    max: Mapped[float | None] = mapped_column(Float, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # seq and device of the last value change: the checklist conflict rule needs both.
    value_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    value_device_id: Mapped[str | None] = mapped_column(ID, nullable=True)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Photo(Base):
    """Photo metadata; the bytes are a blob uploaded apart (blob_status says whether they came)."""

    __tablename__ = "photos"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, default="")
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    blob_status: Mapped[str] = mapped_column(String(16), default="pending")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class TimeLog(Base):
    __tablename__ = "time_logs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    # Overlap is checked per person across all their orders.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class PartUsage(Base):
    __tablename__ = "part_usages"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Signature(Base):
    __tablename__ = "signatures"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    # Who captured it (not pulled; the signer is signer_name).
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Part(Base):
    """The organisation's parts catalogue, pulled by everyone of it."""

    __tablename__ = "parts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)

    __table_args__ = (Index("uq_parts_org_sku", "org_id", "sku", unique=True),)


class Conflict(Base):
    __tablename__ = "conflicts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order: Mapped[WorkOrder] = relationship(lazy="raise")  # see WorkOrder: never read
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(ID)
    field: Mapped[str] = mapped_column(String(64))
    mine: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    mid: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(ID)
    # Who sent the losing mutation: a technician pulls their own conflicts.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[Any] = mapped_column(JSON, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # Server time it was opened (null only if revision 0006 found no time for an older row).
    created_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The order's number, for the conflicts desk (a server number never changes).
    order_number: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ChecklistTemplate(Base):
    """A reusable checklist of the organisation (entity `checklist_template`), written by
    template.save and pulled by its dispatchers and admins."""

    __tablename__ = "checklist_templates"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    # [{position, label, kind, required, unit, min, max}] by position.
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


# An order's children, with the entity name each is pulled as: whoever sees the
# order sees them, and they travel with it when it enters a scope. One table, so
# a new kind of child cannot be pulled but left behind (or the reverse).
ORDER_CHILDREN: tuple[tuple[Entity, Any], ...] = (
    (Entity.CHECKLIST_ITEM, ChecklistItem),
    (Entity.NOTE, Note),
    (Entity.PHOTO, Photo),
    (Entity.TIME_LOG, TimeLog),
    (Entity.PART_USAGE, PartUsage),
    (Entity.SIGNATURE, Signature),
)
