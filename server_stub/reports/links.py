"""An order's one status link: made, shown, revoked by a dispatcher; looked up by its token.

The token is 128 random bits (`secrets.token_urlsafe(16)`) and the only key to the page: it
is kept as is (the desk shows the link again), looked up by its unique index and then
compared in constant time, and anything not shaped like a token is refused before a query.
Unknown and revoked tokens are one answer (`None`): nothing tells them apart.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain import rules
from app.domain.protocol.links import STATUS_PAGE_PREFIX, TOKEN_BYTES, TOKEN_PATTERN
from server_stub.auth import policy
from server_stub.models import User, WorkOrder
from server_stub.models.links import StatusLink
from server_stub.timeutil import to_db

_TOKEN = re.compile(TOKEN_PATTERN)


class NoSuchOrder(LookupError):
    """Unknown, or another organisation's: one answer (404)."""


class NotAllowed(PermissionError):
    """The caller's role never manages status links (a technician): 403."""


@dataclass(frozen=True, slots=True)
class Link:
    order_id: str
    token: str
    created_at: datetime


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def page_url(*, base: str, token: str) -> str:
    """The customer's URL: the server's public base (or the request's) and `/s/<token>`."""
    return f"{base.rstrip('/')}{STATUS_PAGE_PREFIX}/{token}"


def _managed_order(session: Session, *, user_id: str, order_id: str) -> WorkOrder:
    user = session.get(User, user_id)
    if user is None or not rules.is_dispatcher(user.role):
        raise NotAllowed("only a dispatcher or admin manages status links")
    order = session.get(WorkOrder, order_id)
    if order is None or not rules.may_manage_status_link(policy.order_access(user=user, order=order)):
        raise NoSuchOrder(order_id)
    return order


def renew(session: Session, *, user_id: str, order_id: str, now: datetime) -> Link:
    """A new token for the order, replacing any earlier one (whose page then answers 404).
    Inside the caller's write transaction."""
    order = _managed_order(session, user_id=user_id, order_id=order_id)
    session.execute(delete(StatusLink).where(StatusLink.order_id == order.id))
    link = StatusLink(order_id=order.id, org_id=order.org_id, token=new_token(), created_at=to_db(now))
    session.add(link)
    session.flush()
    return Link(order_id=order.id, token=link.token, created_at=link.created_at)


def revoke(session: Session, *, user_id: str, order_id: str) -> None:
    """The order's link stops working; revoking an order without one changes nothing."""
    order = _managed_order(session, user_id=user_id, order_id=order_id)
    session.execute(delete(StatusLink).where(StatusLink.order_id == order.id))


def current(session: Session, *, user_id: str, order_id: str) -> Link | None:
    order = _managed_order(session, user_id=user_id, order_id=order_id)
    row = session.get(StatusLink, order.id)
    if row is None:
        return None
    return Link(order_id=row.order_id, token=row.token, created_at=row.created_at)


def order_for_token(session: Session, *, token: str) -> WorkOrder | None:
    """The order behind a live token; None for anything else (malformed, unknown, revoked)."""
    if _TOKEN.fullmatch(token) is None:
        return None
    row = session.execute(select(StatusLink).where(StatusLink.token == token)).scalar_one_or_none()
    # The index found it; the comparison that decides is constant-time all the same (a
    # database collation that folded case, say, must not let a near miss through).
    if row is None or not hmac.compare_digest(row.token.encode(), token.encode()):
        return None
    order = session.get(WorkOrder, row.order_id)
    if order is None or order.org_id != row.org_id:
        return None
    return order
