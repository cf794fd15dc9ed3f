"""What the server shows outside the organisation: a customer's status link (revision 0009).
Not a synced entity: a dispatcher asks for it online (server_stub.reports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import Base


class StatusLink(Base):
    """An order's one status link: `token` is 128 random bits (URL-safe base64) and the
    only key to the page `/s/<token>`. Revoking deletes the row; renewing replaces it."""

    __tablename__ = "status_links"
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("uq_status_links_token", "token", unique=True),)
