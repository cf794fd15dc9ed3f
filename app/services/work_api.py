"""The field's writes (moves, checklist values, notes, time, parts, voids, follow-up work,
a dispatcher's edits and assigning), refusals and conflicts, mixed into `Ordo`.

Each method is a thin shell over `Ordo._write` (one local transaction makes the change and
queues its mutation; then the worker is poked and listeners hear it) or one read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.domain import Status
from app.services import catalogue, dispatch, entries, picker, refusals, timer, waiting, writes
from app.services.types import (
    CurrentUser,
    ItemId,
    OrderDetail,
    OrderId,
    PartChoice,
    RefusalView,
    TechnicianChoice,
)
from app.services.waiting import Waiting

if TYPE_CHECKING:
    from app.store import LocalStore
    from app.sync.worker import SyncWorker


class WorkApi:
    # Provided by Ordo (app.services.facade).
    _store: LocalStore
    _clock: Callable[[], datetime]
    worker: SyncWorker

    def current_user(self) -> CurrentUser | None:
        raise NotImplementedError

    def _who(self) -> CurrentUser:
        raise NotImplementedError

    def _after_write(self, order_id: OrderId) -> OrderDetail:
        raise NotImplementedError

    def _write(self, order_id: OrderId, change: Callable[[Session, datetime], object]) -> OrderDetail:
        raise NotImplementedError

    # --- the field's writes ------------------------------------------------------

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail:
        def move(s: Session, now: datetime) -> None:
            # The clock follows the move, in its transaction: stopped (its time queued) before a
            # pause or completion, started after setting off or starting work.
            timer.before_move(s, order_id=order_id, to=to, now=now)
            writes.transition(s, order_id=order_id, to=to, reason=reason, now=now)
            timer.after_move(s, order_id=order_id, to=to, now=now)

        return self._write(order_id, move)

    def start_clock(self, order_id: OrderId) -> OrderDetail:
        return self._write(order_id, lambda s, now: timer.start_clock(s, order_id=order_id, now=now))

    def stop_clock(self, order_id: OrderId) -> OrderDetail:
        """Stop the clock running on `order_id`, queueing the time it counted (nothing when it
        runs elsewhere: that order's screen stops it)."""
        return self._write(order_id, lambda s, now: timer.stop_clock(s, order_id=order_id, now=now))

    def set_checklist(
        self, order_id: OrderId, item_id: ItemId, *, value: Any = None, done: bool
    ) -> OrderDetail:
        return self._write(
            order_id,
            lambda s, now: writes.set_checklist(
                s, order_id=order_id, item_id=item_id, value=value, done=done, now=now
            ),
        )

    def add_note(self, order_id: OrderId, text: str) -> OrderDetail:
        return self._write(order_id, lambda s, now: writes.add_note(s, order_id=order_id, text=text, now=now))

    def log_time(
        self, order_id: OrderId, *, kind: str, started_at: datetime, ended_at: datetime
    ) -> OrderDetail:
        return self._write(
            order_id,
            lambda s, now: entries.log_time(
                s, order_id=order_id, kind=kind, started_at=started_at, ended_at=ended_at, now=now
            ),
        )

    def use_part(self, order_id: OrderId, *, sku: str, quantity: float | str) -> OrderDetail:
        return self._write(
            order_id,
            lambda s, now: entries.use_part(s, order_id=order_id, sku=sku, quantity=quantity, now=now),
        )

    def search_parts(self, query: str, *, limit: int = 20) -> list[PartChoice]:
        if self.current_user() is None:
            return []
        with self._store.read() as s:
            return catalogue.search_parts(s, query=query, limit=limit)

    def void_entry(self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str) -> OrderDetail:
        return self._write(
            order_id,
            lambda s, now: entries.void_entry(
                s, order_id=order_id, entity=entity, entry_id=entry_id, reason=reason, now=now
            ),
        )

    def create_follow_up(
        self,
        from_order_id: OrderId,
        *,
        title: str,
        description: str,
        priority: str,
        kind: str,
        photo_ids: Sequence[uuid.UUID] = (),
    ) -> OrderDetail:
        self._who()
        with self._store.transaction() as s:
            entry = dispatch.create_follow_up(
                s,
                from_order_id=from_order_id,
                title=title,
                description=description,
                priority=priority,
                kind=kind,
                now=self._clock(),
                photo_ids=photo_ids,
            )
        return self._after_write(OrderId(uuid.UUID(entry.entity_id)))

    # --- assigning and refusals ------------------------------------------------

    def list_technicians(self, order_id: OrderId, *, query: str = "") -> list[TechnicianChoice]:
        self._who()
        with self._store.read() as s:
            return picker.technicians(s, order_id=order_id, query=query, now=self._clock().astimezone())

    def assign(self, order_id: OrderId, assignee_id: uuid.UUID | None) -> OrderDetail:
        return self._write(
            order_id, lambda s, now: dispatch.assign(s, order_id=order_id, assignee_id=assignee_id, now=now)
        )

    def list_refusals(self) -> list[RefusalView]:
        if self.current_user() is None:
            return []
        with self._store.read() as s:
            return refusals.refusal_views(s)

    def dismiss_refusal(self, refusal_id: int) -> None:
        self._who()
        with self._store.transaction() as s:
            refusals.dismiss(s, refusal_id=refusal_id)
        self.worker.refresh()  # the sync bar's count changed: its listeners (and ours) hear it

    # --- what is still to send -----------------------------------------------------

    def waiting_work(self) -> Waiting:
        if self.current_user() is None:
            return Waiting()
        with self._store.read() as s:
            return waiting.waiting(s)

    # --- conflicts ---------------------------------------------------------------

    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail:
        self._who()
        with self._store.transaction() as s:
            entry = dispatch.resolve_conflict(
                s, conflict_id=conflict_id, choice=choice, value=value, now=self._clock()
            )
        return self._after_write(OrderId(uuid.UUID(entry.entity_id)))
