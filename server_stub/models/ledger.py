"""What the server keeps about changes: the push ledger, counters, changes nobody pushed,
scope exits and intake records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import ID, Base


class LedgerEntry(Base):
    """One row per mutation a device sent: replays answer from here, and an order's
    history reads its changes from here (server_stub.history.ledger)."""

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
    # "brief": what the args said, in a few keys (server_stub.history.ledger.brief)}.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


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
