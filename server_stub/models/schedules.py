"""Preventive maintenance schedules (revision 0010): the synced entity `schedule`, and
the occurrences whose orders were made (server_stub.schedules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import ID, Base


class Schedule(Base):
    """A recurring job of the organisation, written whole by schedule.save and pulled by its
    dispatchers and admins. `next_due_on` is the server's (the generator moves it)."""

    __tablename__ = "schedules"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    site: Mapped[dict[str, Any]] = mapped_column(JSON)  # {name, address, lat, lon}
    asset: Mapped[str | None] = mapped_column(String(200), nullable=True)
    every: Mapped[dict[str, Any]] = mapped_column(JSON)  # {n, unit}
    anchor: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    lead_days: Mapped[int] = mapped_column(Integer)
    # {title, description, kind, priority, requires_signature, checklist: [item defs]}
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    assignee_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # When a person last saved it (not moved by the generator): dates before that day are
    # never made (app.domain.schedules).
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class ScheduleOccurrence(Base):
    """An occurrence whose order was made: the key (schedule_id, due_on) is unique, so a
    second process making the same one fails its insert and makes nothing."""

    __tablename__ = "schedule_occurrences"
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id"), primary_key=True)
    due_on: Mapped[str] = mapped_column(String(10), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
