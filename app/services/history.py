"""An order's history: the server's ledger (sync-protocol.md, "Order history") as a readable
timeline. Fetched when online and kept; offline, the copy fetched last plus this device's
changes not sent yet, marked as such."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.protocol import DEFAULT_HISTORY_LIMIT, HistoryPage, MutationType
from app.domain.protocol import HistoryEntry as WireEntry
from app.services.conflicts import device_words
from app.services.desk_types import HistoryEntry, HistoryView
from app.services.refusals import names, what_of
from app.store import LocalStore
from app.store.checklist_def import items_of
from app.store.models import HistoryCache, Order, OutboxEntry
from app.store.outbox import sync_state
from app.sync.errors import ProtocolError, SyncError

HISTORY_PATH = "/api/v1/orders/{order_id}/history"
UNREADABLE = "The server's history did not read as the protocol says"
MAX_PAGES = 1000  # 100 000 entries: a server that never stops saying "more" is broken


class NoHistory(SyncError):
    """The server has no history of this order for this user (404): not sent yet, or not theirs."""


class JsonGetter(Protocol):
    """What fetch_entries needs: the sync engine's signed-in GET (app.sync.engine.SyncEngine)."""

    def get_json(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Any: ...


def fetch_entries(http: JsonGetter, *, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every page of the order's history, oldest first, as the server sent its entries.
    Raises SyncError: Offline and the like, NoHistory for a 404, ProtocolError for nonsense."""
    path = HISTORY_PATH.format(order_id=order_id)
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"limit": DEFAULT_HISTORY_LIMIT}
        if cursor is not None:
            params["cursor"] = cursor
        body = http.get_json(path, params=params)
        if body is None:
            raise NoHistory("The server has no history of this order yet.")
        try:
            page = HistoryPage.model_validate(body)
            for entry in page.entries:
                _time(entry.at)
        except ValidationError as exc:
            raise ProtocolError(f"{UNREADABLE} ({exc.error_count()} unexpected fields)") from exc
        except ValueError as exc:
            raise ProtocolError(f"{UNREADABLE} ({exc})") from exc
        # Kept as the wire has them (the cache holds the server's entries), read by _from_server.
        entries.extend(e.model_dump(mode="json") for e in page.entries)
        if not page.has_more:
            return entries
        if page.cursor is None or page.cursor == cursor:
            raise ProtocolError("The server says there is more history but gives no new cursor")
        cursor = page.cursor
    raise ProtocolError("The server's history never ends")


def _time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"a time without a zone: {text!r}")
    return at


def _who(entry: WireEntry, *, people: Mapping[str, str]) -> str:
    if entry.user_name:
        return entry.user_name
    if entry.user_id is None:
        # Nobody typed it: an order made from a request or an alert, or the server's own move.
        return "Intake" if entry.type == MutationType.ORDER_CREATE else "Server"
    return people.get(entry.user_id, "Someone not in the directory")


def _pairs(fields: Mapping[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    pairs: dict[str, tuple[Any, Any]] = {}
    for name, value in (fields or {}).items():
        if isinstance(value, list | tuple) and len(value) == 2:
            pairs[name] = (value[0], value[1])
        else:
            pairs[name] = (None, value)
    return pairs


def _from_server(raw: Any, *, people: Mapping[str, str], ours: str) -> HistoryEntry | None:
    try:
        entry = WireEntry.model_validate(raw)
        at = _time(entry.at)
    except (ValidationError, ValueError):
        return None  # a cached entry this version cannot read: left out, never a crash
    return HistoryEntry(
        seq=entry.seq,
        at=at,
        who=_who(entry, people=people),
        device=device_words(entry.device_id, ours=ours),
        type=entry.type,
        summary=entry.summary or entry.type.replace(".", " ").replace("_", " ").capitalize(),
        result=entry.result.value,
        fields=_pairs(entry.fields),
    )


def _labels(defs: Any) -> list[str]:
    if not isinstance(defs, list):
        return []
    return [str(d.get("label") or "") for d in defs if isinstance(d, Mapping)]


def _pulled_labels(session: Session, order_id: str) -> list[str]:
    """The checklist's labels as last pulled, by position (items made here are not in it)."""
    pulled = [i.server_data for i in items_of(session, order_id) if i.server_data is not None]
    return _labels(sorted(pulled, key=lambda d: int(d.get("position") or 0)))


def _unsent_fields(session: Session, entry: OutboxEntry, order: Order | None) -> dict[str, tuple[Any, Any]]:
    """Before and after of a queued change, where the row as last pulled tells the before. A
    checklist by its labels, as the server's history keeps it."""
    before = (order.server_data if order is not None else None) or {}
    if entry.type == MutationType.ORDER_UPDATE:
        changed = dict(entry.args.get("fields") or {})
        pairs = {name: (before.get(name), value) for name, value in changed.items()}
        if "checklist" in changed:
            pairs["checklist"] = (_pulled_labels(session, entry.entity_id), _labels(changed["checklist"]))
        return pairs
    if entry.type == MutationType.ORDER_TRANSITION:
        return {"status": (entry.args.get("from"), entry.args.get("to"))}
    return {}


def _unsent(session: Session, *, order_id: str, who: str, people: Mapping[str, str]) -> list[HistoryEntry]:
    """This device's changes to the order that no push has carried yet, oldest first."""
    order = session.get(Order, order_id)
    rows = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.entity_id == order_id, OutboxEntry.result_status.is_(None))
        .order_by(OutboxEntry.mid)
    )
    return [
        HistoryEntry(
            seq=None,
            at=e.created_at,
            who=who,
            device="this device",
            type=e.type,
            summary=what_of(session, type=e.type, args=e.args or {}, people=people),
            result="unsent",
            fields=_unsent_fields(session, e, order),
            unsent=True,
        )
        for e in rows
    ]


def _when(at: datetime) -> str:
    return f"{at.astimezone():%d %b %Y %H:%M}"


def _message(reason: SyncError, *, fetched_at: datetime | None) -> str:
    why = str(reason).rstrip(".") + "."
    if fetched_at is None:
        return f"{why} The server's history was never fetched on this device: only its unsent changes show."
    return f"{why} Showing the copy fetched {_when(fetched_at)}, with this device's unsent changes."


def _view(
    session: Session,
    *,
    order_id: uuid.UUID,
    user_id: str,
    raw: list[Any],
    fetched_at: datetime | None,
    live: bool,
    message: str,
) -> HistoryView:
    people = names(session)
    ours = sync_state(session).device_id
    order = session.get(Order, str(order_id))
    entries = [e for e in (_from_server(r, people=people, ours=ours) for r in raw) if e is not None]
    entries += _unsent(session, order_id=str(order_id), who=people.get(user_id, "You"), people=people)
    return HistoryView(
        order_id=order_id,
        order_number=order.number if order is not None else "",
        entries=entries,
        fetched_at=fetched_at,
        live=live,
        message=message,
    )


def order_history(
    *,
    store: LocalStore,
    fetch: Callable[[], list[dict[str, Any]]],
    order_id: uuid.UUID,
    user_id: str,
    now: datetime,
) -> HistoryView:
    """The server's history fetched now (and kept), or, when that fails for any sync reason
    (offline, signed out, a server in trouble), the copy kept last time; both with this
    device's unsent changes after them."""
    try:
        raw = fetch()
    except SyncError as exc:
        with store.read() as s:
            cache = s.get(HistoryCache, str(order_id))
            fetched_at = cache.fetched_at if cache is not None else None
            return _view(
                s,
                order_id=order_id,
                user_id=user_id,
                raw=list(cache.entries or []) if cache is not None else [],
                fetched_at=fetched_at,
                live=False,
                message=_message(exc, fetched_at=fetched_at),
            )
    with store.transaction() as s:
        cache = s.get(HistoryCache, str(order_id))
        if cache is None:
            cache = HistoryCache(order_id=str(order_id), fetched_at=now, entries=raw)
            s.add(cache)
        cache.fetched_at, cache.entries = now, raw
        s.flush()
        return _view(s, order_id=order_id, user_id=user_id, raw=raw, fetched_at=now, live=True, message="")
