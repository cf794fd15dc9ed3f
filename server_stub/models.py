"""The server's tables. Every synced row carries `seq`: the value of the one
global counter taken when the row last changed (db.next_seq), which is what a
pull cursor walks."""

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.domain.protocol import Entity

ID = String(36)  # UUIDs as text: the same on SQLite and PostgreSQL, and on the wire


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # Set by `ordo-server user disable`: sign-in answers as for a wrong password.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AccessToken(Base):
    """A signed access token (server_stub.signing); the signature rejects garbage without a
    query, this row keeps it revocable. Only a SHA-256 of the token is kept: a leaked
    database holds no usable token."""

    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # One sign-in starts a family; every refresh adds to it; reuse of a spent refresh
    # token revokes the whole family.
    family_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The 401 code a revoked token answers with: token_revoked, device_revoked, device_wiped.
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RefreshToken(Base):
    """A signed, single-use refresh token: spent (`used_at`) when exchanged for a new pair."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Device(Base):
    __tablename__ = "devices"
    device_id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    last_mid: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # `ordo-server device revoke [--wipe]`; a later sign-in on the device clears both.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    wipe: Mapped[bool] = mapped_column(Boolean, default=False)


class DeviceStatus(Base):
    """ "Sync truth" for the desk (entity `device`): how far a technician's device has
    pulled and when it last pulled and pushed. Written only for technicians' devices:
    a dispatcher's own pulls would otherwise change rows that dispatchers pull."""

    __tablename__ = "device_status"
    id: Mapped[str] = mapped_column(ForeignKey("devices.device_id"), primary_key=True)  # the device's id
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The cursor's seq the device was last given: it holds every change of its scope up to here.
    pulled_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class LedgerEntry(Base):
    """One row per mutation a device sent: replays answer from here, and an order's
    history reads its changes from here (server_stub.history)."""

    __tablename__ = "ledger"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.device_id"), primary_key=True)
    mid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))
    # The push response's result, exactly: replays answer with it.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Its place in the order's history: a seq taken when the row was written (null only
    # for rows from before revision 0006 that it could not number).
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # For the history, never sent in a push response: {"fields": {name: [before, after]},
    # "brief": what the args said, in a few keys (server_stub.history.brief)}.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


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

    __table_args__ = (Index("uq_work_orders_org_number", "org_id", "number", unique=True),)


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
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


class OrderEvent(Base):
    """A change of an order that nobody pushed (intake made it, an alert came again, the
    server moved it): the ledger has no row for it, the order's history shows this."""

    __tablename__ = "order_events"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    type: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ScopeExit(Base):
    """An order left a technician's scope (reassigned, unassigned, or their follow-up
    was assigned): their next pull gets a `deleted`, `out_of_scope` change for it.
    One row per (user, order), moved to a new seq each time it leaves again."""

    __tablename__ = "scope_exits"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # When it (last) left: tombstones are kept for a retention window (sync.tombstones).
    left_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(150), index=True)
    address: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ApiKey(Base):
    """An integration key (`X-API-Key`) of one organisation, for the intake endpoints
    only. It acts as its own `integration` user (the author of the notes it adds).
    Keys are long random strings, so a SHA-256 is enough: a leaked database holds none."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class IntakeRecord(Base):
    """One request or alert taken in, by its sender's `external_id`: the same one
    again answers with the same order. Alerts de-duplicated onto an open order get
    their own row pointing at that order."""

    __tablename__ = "intake_records"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))  # request | alert
    external_id: Mapped[str] = mapped_column(String(200))
    # The alerting system's name (an alert's `source`); None for requests.
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("uq_intake_records_org_kind_external", "org_id", "kind", "external_id", unique=True),
    )


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
