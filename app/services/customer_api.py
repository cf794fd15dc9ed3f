"""The desk's customer tools, mixed into `Ordo`: an order's status link and its completion
report, asked of the server (app.services.status_links) with the session's token kept good
(SessionTokens.run: renewed once on a 401 token_expired). What the screen may offer is
`customer_tools`, read from this device's rows and the rulebook alone (no network)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from app.domain import Status, rules
from app.domain.customer import report_ready
from app.services import status_links
from app.services.status_links import StatusLink
from app.services.types import CurrentUser, OrderId
from app.store.access import relation_of
from app.store.models import Order
from app.store.outbox import sync_state
from app.sync.errors import NotSignedIn

if TYPE_CHECKING:
    import httpx

    from app.services.tokens import SessionTokens
    from app.store import LocalStore

T = TypeVar("T")
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class CustomerTools:
    """What the order screen offers about the customer, and why not when it does not."""

    offered: bool  # the rulebook: dispatchers and admins only (rules.offers_customer_tools)
    on_server: bool  # the server has the order (it was pulled, not only made here)
    report_ready: bool  # completed (or closed after completion): the PDF exists
    report_name: str  # the file name the report is saved as


class CustomerApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _tokens: SessionTokens

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _http(self) -> Any:
        """The signed-in sync engine (its httpx client and store)."""
        raise NotImplementedError

    def customer_tools(self, order_id: OrderId) -> CustomerTools:
        self._who()
        with self._store.read() as s:
            order = s.get(Order, str(order_id))
            if order is None:
                return CustomerTools(offered=False, on_server=False, report_ready=False, report_name="")
            status = Status(order.status)
            return CustomerTools(
                offered=rules.offers_customer_tools(relation_of(s, order)),
                on_server=order.server_data is not None,
                report_ready=report_ready(
                    status, completed_at=order.completed_at, cannot_complete_at=order.cannot_complete_at
                ),
                report_name=f"{_SAFE.sub('-', order.number).strip('-') or 'order'}-report.pdf",
            )

    def _online(self, call: Callable[[httpx.Client, str], T]) -> T:
        """`call(client, token)` with the current access token, renewed once if it expired."""
        self._who()

        def work() -> T:
            engine = self._http()
            with self._store.read() as s:
                token = sync_state(s).access_token
            if not token:
                raise NotSignedIn("Sign in with the server first.")
            return call(engine.client, token)

        return self._tokens.run(work)

    # Blocking (network): views run these off the UI event.

    def status_link(self, order_id: OrderId) -> StatusLink | None:
        return self._online(
            lambda c, t: status_links.current_link(c, token=t, order_id=uuid.UUID(str(order_id)))
        )

    def new_status_link(self, order_id: OrderId) -> StatusLink:
        return self._online(lambda c, t: status_links.new_link(c, token=t, order_id=uuid.UUID(str(order_id))))

    def revoke_status_link(self, order_id: OrderId) -> None:
        self._online(lambda c, t: status_links.revoke_link(c, token=t, order_id=uuid.UUID(str(order_id))))

    def completion_report(self, order_id: OrderId) -> bytes:
        return self._online(
            lambda c, t: status_links.report_pdf(c, token=t, order_id=uuid.UUID(str(order_id)))
        )
