"""The desk's services (board, search, create, edit, templates, conflicts, history), mixed into `Ordo`.

Each method is a thin shell: who is signed in, one local read or transaction, then the
module that knows the work (board, search, templates, create, history). The contract is
`app.services.desk_types`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.domain.kpi import RangeChoice
from app.services import board, conflicts, create, dashboard, edit, history, picker, search, templates
from app.services.dashboard import DashboardView
from app.services.desk_types import (
    Board,
    ConflictRow,
    HistoryView,
    KnownPlaces,
    OrderDraft,
    OrderEdit,
    OrderPage,
    OrderQuery,
    Suggestion,
    TemplateDraft,
    TemplateView,
)
from app.services.types import CurrentUser, InvalidInput, OrderDetail, OrderId
from app.store import search as store_search

if TYPE_CHECKING:
    from app.services.tokens import SessionTokens
    from app.store import LocalStore


class DeskApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _clock: Callable[[], datetime]
    _tokens: SessionTokens

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _after_write(self, order_id: OrderId) -> OrderDetail:
        raise NotImplementedError

    def get_order(self, order_id: OrderId) -> OrderDetail | None:
        raise NotImplementedError

    def _notify(self) -> None:
        raise NotImplementedError

    def _http(self) -> Any:
        """The signed-in httpx client (blocking calls only), refreshed tokens included."""
        raise NotImplementedError

    # --- the board and the suggestion ------------------------------------------

    def board(self) -> Board:
        self._who()
        with self._store.read() as s:
            return board.board(s, now=self._clock().astimezone())

    def dashboard(self, *, choice: RangeChoice, technician_id: str | None = None) -> DashboardView:
        """The managers' dashboard from this device's rows (app.services.dashboard): a local
        read of every order, so callers run it off the UI loop."""
        user = self._who()
        with self._store.read() as s:
            return dashboard.dashboard(
                s, role=user.role, choice=choice, technician_id=technician_id, now=self._clock().astimezone()
            )

    def suggest_technicians(self, order_id: OrderId, *, limit: int = 3) -> list[Suggestion]:
        self._who()
        with self._store.read() as s:
            return board.suggestions(s, order_id=order_id, now=self._clock().astimezone(), limit=limit)

    def list_open_conflicts(self, *, order_id: OrderId | None = None) -> list[ConflictRow]:
        """Open conflicts, newest first: of every order on this device, or of `order_id`'s
        (app.services.conflicts.conflict_rows)."""
        user = self._who()
        with self._store.read() as s:
            return conflicts.conflict_rows(
                s, user_id=str(user.id), order_id=None if order_id is None else str(order_id)
            )

    def open_conflict_count(self) -> int:
        self._who()
        with self._store.read() as s:
            return conflicts.open_conflict_count(s)

    # --- finding orders --------------------------------------------------------

    def catch_up_search(self) -> None:
        """Bring the search index up to date with the notes written since (app.store.search):
        before a search reads it, and on the sync worker after a write. Nearly always a read
        that finds nothing to do."""
        with self._store.read() as s:
            if not store_search.is_behind(s):
                return
        with self._store.transaction() as s:
            store_search.catch_up(s)

    def search_orders(self, query: OrderQuery) -> OrderPage:
        user = self._who()
        self.catch_up_search()
        with self._store.read() as s:
            return search.search(
                s, query, user_id=str(user.id), role=user.role, now=self._clock().astimezone()
            )

    # --- creating orders and templates -----------------------------------------

    def create_order(self, draft: OrderDraft) -> OrderDetail:
        user = self._who()
        with self._store.transaction() as s:
            order_id = create.create_order(s, draft, user_id=str(user.id), role=user.role, now=self._clock())
        return self._after_write(OrderId(uuid.UUID(order_id)))

    def known_skills(self) -> list[str]:
        """Skill tags to offer the form: active technicians' and those orders here require, sorted."""
        self._who()
        with self._store.read() as s:
            return picker.known_skills(s)

    # --- editing an order ------------------------------------------------------

    def edit_draft(self, order_id: OrderId) -> OrderEdit:
        self._who()
        with self._store.read() as s:
            return edit.edit_draft(s, order_id=order_id)

    def save_edit(self, order_id: OrderId, draft: OrderDraft) -> OrderDetail:
        """ONE order.update of the changed fields (checklist and required skills included),
        applied here at once; nothing changed: the order as it is, nothing queued."""
        self._who()
        with self._store.transaction() as s:
            entry = edit.save_edit(s, order_id=order_id, draft=draft, now=self._clock())
        if entry is None:
            detail = self.get_order(order_id)
            if detail is None:  # gone since the check (a pull removed it): as if never here
                raise InvalidInput("This order is not on this device.")
            return detail
        return self._after_write(order_id)

    def known_places(self) -> KnownPlaces:
        self._who()
        with self._store.read() as s:
            return create.known_places(s)

    def list_templates(self, *, kind: str | None = None, archived: bool = False) -> list[TemplateView]:
        self._who()
        with self._store.read() as s:
            return templates.list_templates(s, kind=kind, archived=archived)

    def save_template(self, template_id: uuid.UUID | None, draft: TemplateDraft) -> TemplateView:
        user = self._who()
        with self._store.transaction() as s:
            saved = templates.save_template(
                s, template_id=template_id, draft=draft, role=user.role, now=self._clock()
            )
        self._poke_and_notify()
        return saved

    def _poke_and_notify(self) -> None:
        raise NotImplementedError

    # --- history ---------------------------------------------------------------

    def order_history(self, order_id: OrderId) -> HistoryView:
        """Blocking (network): views run it off the UI event. Offline, the last fetched copy
        plus this device's unsent changes."""
        user = self._who()
        return history.order_history(
            store=self._store,
            fetch=lambda: self._tokens.run(lambda: history.fetch_entries(self._http(), order_id=order_id)),
            order_id=order_id,
            user_id=str(user.id),
            now=self._clock(),
        )
