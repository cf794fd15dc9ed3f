"""The push/pull engine: one `sync_once()` pushes the outbox, then pulls until caught up."""

from __future__ import annotations

import gc
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH,
    PullResponse,
    PushResponse,
    ResultStatus,
    push_body,
)
from app.store import LocalStore
from app.store.bulk import apply_changes
from app.store.models import Order, OutboxEntry, Rejection
from app.store.outbox import drop_acknowledged, restart_pull, sync_state, unanswered
from app.store.rebase import rebase
from app.store.rows import reset_server_rows, sweep_departed
from app.sync.ahead import PageAhead
from app.sync.errors import NotSignedIn, ProtocolError
from app.sync.http import parse, request, send, server_message, server_name

log = logging.getLogger(__name__)

PUSH_PATH = "/api/v1/sync/push"
PULL_PATH = "/api/v1/sync/pull"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync_once did."""

    push_requests: int = 0
    pushed: int = 0
    results: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    changes: int = 0
    dropped: int = 0
    resets: int = 0
    stale_pages: int = 0  # pages served from behind our cursor, ignored whole


def _behind(page: PullResponse, *, high_seq: int) -> bool:
    """Whether `page` was served from behind the cursor we hold (a duplicated or delayed answer).

    Cursors are opaque, so this never reads one: changes come in seq order after the cursor
    asked with, so a page after ours brings at least one seq above the highest we took.
    """
    if page.reset or not page.changes:
        return False
    return max(c.seq for c in page.changes) <= high_seq


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection while a page is read and written. A page makes thousands of
    short-lived objects (freed by reference counting, few in cycles), and each collection
    they set off walks every object the app holds: a third of the time of reading a page.
    Cycles made meanwhile are collected once it is on again."""
    if not gc.isenabled():  # another page (or someone else) paused it: theirs to resume
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _keep_refusal(s: Session, entry: OutboxEntry, *, code: str, message: str, at: datetime) -> None:
    """Keep what the refused change was, to show the user until they dismiss it. A repeated
    answer for the same mutation updates the reason, never un-dismisses it."""
    order = s.get(Order, entry.entity_id)
    row = s.get(Rejection, entry.mid)
    if row is None:
        row = Rejection(mid=entry.mid, dismissed=False, at=at)
        s.add(row)
    row.order_id, row.type, row.args = entry.entity_id, entry.type, dict(entry.args or {})
    row.code, row.message = code, message
    row.order_number = order.number if order is not None else row.order_number or ""


# Pull pages at least this large let go of the page cache before they are written.
SHRINK_FROM = 500


class SyncEngine:
    """Talks to one server through the httpx.Client it is given (it never builds one:
    tests hand it a client over a MockTransport or a fault-injecting transport)."""

    def __init__(self, *, store: LocalStore, client: httpx.Client, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self._lock = threading.Lock()  # one sync at a time, whoever asks

    def sync_once(self) -> SyncReport:
        with self._lock:
            with self.store.read() as s:
                state = sync_state(s)
                token, device_id = state.access_token, state.device_id
            if not token:
                raise NotSignedIn("Sign in to sync.")
            push_requests, pushed, results = self._push(token=token, device_id=device_id)
            pages, changes, dropped, resets, stale = self._pull(token=token)
            with self.store.transaction() as s:
                sync_state(s).last_synced_at = self.clock()
            return SyncReport(
                push_requests=push_requests,
                pushed=pushed,
                results=dict(results),
                pages=pages,
                changes=changes,
                dropped=dropped,
                resets=resets,
                stale_pages=stale,
            )

    def get_json(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Any:
        """A signed-in GET of JSON beside the sync (the desk's reads: an order's history).
        The body; None for 404; otherwise the SyncError of the answer (Offline, ...). It takes
        no lock and writes nothing, so it may run while a sync does."""
        with self.store.read() as s:
            token = sync_state(s).access_token
        if not token:
            raise NotSignedIn("Sign in first.")
        response = request(self.client, "GET", path, token=token, params=dict(params or {}))
        url = server_name(self.client)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            detail = server_message(response)
            raise ProtocolError(
                f"{url} answered HTTP {response.status_code}" + (f": {detail}" if detail else "")
            )
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(f"{url} did not answer like an Ordo server (the answer is not JSON)") from exc

    # --- push ---------------------------------------------------------------

    def _push(self, *, token: str, device_id: str) -> tuple[int, int, Counter[str]]:
        requests, sent, results = 0, 0, Counter[str]()
        while True:
            with self.store.read() as s:
                batch = unanswered(s, limit=MAX_BATCH)
            if not batch:
                break
            response = send(
                self.client,
                "POST",
                PUSH_PATH,
                token=token,
                content=push_body(device_id=device_id, mutations=[e.json for e in batch]),
                headers={"Content-Type": "application/json"},
            )
            requests += 1
            sent += len(batch)
            answer = parse(self.client, response, PushResponse)
            answered = self._record(answer, mids={e.mid for e in batch})
            results.update(answered.values())
            # The server stops at a gap (or answered only part): pull, and push the rest next time.
            if len(answered) < len(batch):
                break
        return requests, sent, results

    def _record(self, answer: PushResponse, *, mids: set[int]) -> dict[int, str]:
        """Write each result onto its outbox row. Rows stay queued until a pull acknowledges them."""
        answered: dict[int, str] = {}
        now = self.clock()
        with self.store.transaction() as s:
            # One read and one executemany for the batch: ORM rows, each read with its args
            # and written back one by one, were most of a push's time on the device.
            wanted = [r.mid for r in answer.results if r.mid in mids]
            held = set(s.scalars(select(OutboxEntry.mid).where(OutboxEntry.mid.in_(wanted))))
            mine = [r for r in answer.results if r.mid in held]
            if not mine:
                return answered
            s.execute(
                update(OutboxEntry),
                [
                    {
                        "mid": r.mid,
                        "result_status": r.status.value,
                        "result_error": r.error.model_dump() if r.error else None,
                    }
                    for r in mine
                ],
            )
            answered.update((r.mid, r.status.value) for r in mine)
            refused = {r.mid: r for r in mine if r.status is ResultStatus.REJECTED}
            if refused:
                for entry in s.scalars(select(OutboxEntry).where(OutboxEntry.mid.in_(refused))):
                    error = refused[entry.mid].error
                    _keep_refusal(
                        s,
                        entry,
                        code=error.code if error else "",
                        at=now,
                        message=error.message if error else "",
                    )
        return answered

    # --- pull ---------------------------------------------------------------

    def _pull(self, *, token: str) -> tuple[int, int, int, int, int]:
        with PageAhead(lambda cursor: self._ask_page(token=token, cursor=cursor)) as ahead:
            return self._pull_pages(token=token, ahead=ahead)

    def _ask_page(self, *, token: str, cursor: str | None) -> httpx.Response:
        params: dict[str, str | int] = {"limit": DEFAULT_PULL_LIMIT}
        if cursor is not None:
            params["cursor"] = cursor
        return send(self.client, "GET", PULL_PATH, token=token, params=params)

    def _pull_pages(self, *, token: str, ahead: PageAhead) -> tuple[int, int, int, int, int]:
        pages = changes = dropped = resets = stale = 0
        empty_resets = 0
        skip_to: str | None = None  # an empty page's cursor, followed but not kept (see _apply_page_in)
        while True:
            with self.store.read() as s:
                cursor = sync_state(s).cursor
            if skip_to is not None:
                cursor, skip_to = skip_to, None
            response = ahead.take(cursor)
            if response is None:
                response = self._ask_page(token=token, cursor=cursor)
            with _collector_paused():
                page = parse(self.client, response, PullResponse)
                del response  # its body is read: not held while the page is written
                pages += 1
                if page.has_more and page.changes and page.cursor is not None:
                    # Taking it, the page leaves its cursor as ours: the next page is known.
                    ahead.ask(page.cursor)
                taken = self._apply_page(page)
            if taken is None:
                # Served from behind our cursor: nothing of it is taken. Asking again now could
                # bring the same stale answer; the next sync asks from our cursor.
                stale += 1
                log.warning("%s sent a pull page from behind our cursor; ignored", server_name(self.client))
                break
            dropped += taken
            changes += len(page.changes)
            if page.reset:
                resets += 1
                if not page.changes:
                    # Re-pull from the beginning; a server that keeps answering only "reset" is broken.
                    empty_resets += 1
                    if empty_resets > 1:
                        raise ProtocolError(f"{server_name(self.client)} keeps asking to reset the sync")
                    continue
            empty_resets = 0
            if not page.has_more:
                break
            if page.cursor is None:
                raise ProtocolError(f"{server_name(self.client)} says there is more but gives no cursor")
            if not page.changes and page.cursor == cursor:
                raise ProtocolError(f"{server_name(self.client)} says there is more but sends nothing new")
            if not page.changes and not page.reset:
                skip_to = page.cursor
        return pages, changes, dropped, resets, stale

    def _apply_page(self, page: PullResponse) -> int | None:
        """Rows, cursor, dropping of acknowledged mutations and the re-base: one transaction.
        Returns how many queued mutations were dropped, or None for a page from behind our cursor."""
        try:
            with self.store.transaction() as s:
                return self._apply_page_in(s, page)
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(
                f"{server_name(self.client)} sent a change this app cannot read ({exc}); nothing was changed"
            ) from exc

    def _apply_page_in(self, s: Session, page: PullResponse) -> int | None:
        if len(page.changes) >= SHRINK_FROM:
            # Let go of the page cache the pages before filled: a first sync otherwise
            # grows it to its cap (32 MiB, app.store.db) on top of everything else, which
            # took the process past 150 MiB (issue 11). Each page then costs a few percent
            # more (index pages read again from the file system's cache); small everyday
            # pages keep what they have.
            s.connection().exec_driver_sql("PRAGMA shrink_memory")
        state = sync_state(s)
        if _behind(page, high_seq=state.high_seq):
            # Its rows could bring back what a later page removed, its last_mid could be old:
            # the whole page is ignored, not only its cursor.
            return None
        if page.reset:
            # The server re-sends the scope from the beginning: the cursor legitimately restarts.
            reset_server_rows(s)
            restart_pull(state)
        # In bulk, as apply_change would write them one by one, orders before children.
        apply_changes(s, page.changes)
        gone = drop_acknowledged(s, last_mid=page.last_mid)
        queued_now = rebase(s, dropped=gone)  # replays, and counts, what is still queued
        if gone:
            # An order is marked departed only while work for it is queued, and queued work
            # goes only here: with nothing dropped there is nothing to sweep (the sweep
            # reads every order, each page of a first sync).
            sweep_departed(s)
        if page.changes:
            state.high_seq = max(state.high_seq, *(c.seq for c in page.changes))
            if page.cursor is not None:
                state.cursor = page.cursor
        # An empty page moves nothing: it cannot show that its cursor is not behind ours,
        # and keeping ours only costs asking again from there.
        if queued_now == 0:
            # Nothing queued: take the server's count as ours, so the next mid follows it
            # without a gap and never repeats one the server already holds.
            state.last_mid = page.last_mid
            state.acked_mid = page.last_mid
        else:
            state.acked_mid = max(state.acked_mid, page.last_mid)
        return len(gone)
