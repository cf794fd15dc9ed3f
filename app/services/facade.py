"""`Ordo`: the one object views talk to. Implements app.services.types.Services."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Status
from app.services import account, dispatch, entries, picker, queries, refusals, writes
from app.services import media as media_records
from app.services.capture import Capture
from app.services.connection import Connection
from app.services.desk_api import DeskApi
from app.services.observe import Listeners, UploadProgress
from app.services.signin import normalize_url, request_token
from app.services.tokens import SessionTokens
from app.services.transport import check_transport
from app.services.types import (
    ConflictView,
    CurrentUser,
    InvalidInput,
    ItemId,
    OrderDetail,
    OrderGroups,
    OrderId,
    PhotoBatch,
    RefusalView,
    SignInError,
    SyncState,
    SyncStatus,
    TechnicianChoice,
)
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.apply import PROVISIONAL_PREFIX
from app.store.blobfiles import BlobFiles
from app.store.models import Order
from app.store.outbox import sync_state
from app.sync.backoff import Backoff
from app.sync.blobs import BlobTransfer
from app.sync.engine import SyncEngine, SyncReport
from app.sync.errors import (
    AuthExpired,
    DeviceRevoked,
    DeviceWiped,
    NotSignedIn,
)
from app.sync.live import LiveListener
from app.sync.worker import SyncWorker, Waiter

log = logging.getLogger(__name__)


class Ordo(DeskApi):
    def __init__(
        self,
        *,
        store: LocalStore,
        client_factory: Callable[[str], httpx.Client],
        clock: Callable[[], datetime],
        settings: ClientSettings,
        start_worker: bool = True,
        waiter: Waiter | None = None,
        rng: random.Random | None = None,
        live: bool | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._sync_lock = threading.Lock()
        self._files = BlobFiles(settings.blob_dir)
        self._capture = Capture(
            store=store,
            files=self._files,
            incoming=settings.incoming_dir,
            clock=clock,
            keep_metadata=settings.keep_photo_metadata,
        )
        self._uploading = UploadProgress()
        self._listeners = Listeners()
        self._link = Connection(
            store=store,
            files=self._files,
            client_factory=client_factory,
            clock=clock,
            on_progress=self._upload_progress,
            chunk_size=settings.upload_chunk_bytes,
        )
        self._tokens = SessionTokens(store=store, link=self._link, clock=clock)
        self.worker = SyncWorker(
            store=store,
            sync=self.sync_blocking,
            backoff=Backoff(base=settings.backoff_base, cap=settings.backoff_cap, rng=rng or random.Random()),
            offline_cap=settings.offline_retry_cap,
            interval=settings.sync_interval,
            waiter=waiter,
        )
        self.worker.add_listener(lambda _status: self._notify())
        # Live pokes start a sync the moment the server says something changed; they only
        # poke the worker, so by default they run where the worker runs (ORDO_LIVE=0: off).
        self._live = settings.live and (start_worker if live is None else live)
        self.live = LiveListener(
            store=store,
            client=self._link.client,
            poke=self.worker.poke,
            backoff=Backoff(base=settings.backoff_base, cap=settings.backoff_cap, rng=rng or random.Random()),
            offline_cap=settings.offline_retry_cap,
        )
        if start_worker:
            self.worker.start()
        if self._live and self.current_user() is not None:
            self.live.start()

    # --- session --------------------------------------------------------------

    def _user_row(self) -> tuple[dict[str, Any] | None, str | None, str | None]:
        with self._store.read() as s:
            state = sync_state(s)
            return state.user, state.access_token, state.server_url

    def current_user(self) -> CurrentUser | None:
        user, token, url = self._user_row()
        if not user or not token or not url:
            return None
        return CurrentUser(
            id=uuid.UUID(user["id"]),
            username=user["username"],
            display_name=user.get("display_name") or user["username"],
            role=user["role"],
            server_url=url,
        )

    def default_server_url(self) -> str:
        _, _, url = self._user_row()
        return url or self._settings.server_url

    def sign_in(
        self, *, server_url: str, username: str, password: str, allow_insecure: bool = False
    ) -> CurrentUser:
        url = normalize_url(server_url)
        check_transport(url, allow_insecure=allow_insecure or self._settings.allow_insecure_http)
        with self._store.read() as s:
            device_id = sync_state(s).device_id
        try:
            client = self._link.make_client(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise SignInError(f"{server_url.strip()!r} is not a valid server address: {exc}") from exc
        try:
            token = request_token(client, url=url, username=username, password=password, device_id=device_id)
        except BaseException:
            client.close()
            raise
        try:
            with self._store.transaction() as s:
                cleared = account.record_sign_in(s, token=token, url=url, now=self._clock())
        except SignInError:
            client.close()
            raise
        if cleared:
            self._files.clear()  # the previous user's photos leave with their orders
        self._link.replace(client)
        self.worker.poke()
        if self._live:
            self.live.restart()
        self._notify()
        user = self.current_user()
        assert user is not None  # just stored
        return user

    def sign_out(self) -> None:
        # The user and their data stay (so unsent changes are never lost); only the tokens go.
        self.live.stop()
        self._forget_tokens(notice=None)

    def _forget_tokens(self, *, notice: str | None) -> None:
        account.forget_tokens(self._store, notice=notice)
        self._notify()

    def _current_engine(self) -> tuple[SyncEngine, BlobTransfer]:
        _, token, url = self._user_row()
        if not token or not url:
            raise NotSignedIn("Sign in to sync.")
        return self._link.current(url)

    def _sync_and_upload(self) -> SyncReport:
        engine, transfer = self._current_engine()
        report = engine.sync_once()
        # Metadata first (photo.add shows everywhere at once), then the bytes.
        uploads = transfer.upload_pending()
        if uploads.uploaded or uploads.refused or uploads.restarts:
            log.info("uploads: %s", uploads)
        return report

    def _http(self) -> SyncEngine:
        # The desk's own reads (order history) go through the sync engine's signed-in client.
        return self._current_engine()[0]

    def _poke_and_notify(self) -> None:
        self.worker.poke()
        self._notify()

    def _wipe(self) -> DeviceWiped:
        error = account.wipe(self._store, self._files, settings=self._settings, now=self._clock())
        self._notify()
        return error

    def sync_blocking(self) -> SyncReport:
        """One sync on the calling thread (the worker's); raises SyncError subclasses."""
        # One sync at a time per device, even across a client swap after a new sign-in.
        with self._sync_lock:
            try:
                return self._tokens.run(self._sync_and_upload)
            except DeviceWiped:
                raise self._wipe() from None
            except AuthExpired as exc:
                # Keep everything; forgetting the tokens sends the user to sign in again.
                self._forget_tokens(notice=str(exc) if isinstance(exc, DeviceRevoked) else None)
                raise
            finally:
                self._uploading.clear()

    # --- reads ----------------------------------------------------------------

    def _who(self) -> CurrentUser:
        user = self.current_user()
        if user is None:
            raise InvalidInput("Sign in first.")
        return user

    def list_orders(self) -> OrderGroups:
        user = self.current_user()
        if user is None:
            return OrderGroups()
        with self._store.read() as s:
            return queries.list_groups(
                s, user_id=str(user.id), role=user.role, now=self._clock().astimezone()
            )

    def get_order(self, order_id: OrderId) -> OrderDetail | None:
        user = self.current_user()
        if user is None:
            return None
        with self._store.read() as s:
            order = s.get(Order, str(order_id))
            if order is None:
                return None
            now = self._clock()
            detail = queries.detail_of(s, order, user_id=str(user.id), role=user.role, now=now)
            return media_records.with_media(
                s, detail, user_id=str(user.id), files=self._files, active=self._uploading.snapshot(), now=now
            )

    def get_order_by_number(self, number: str) -> OrderDetail | None:
        with self._store.read() as s:
            order_id = s.scalar(select(Order.id).where(Order.number == number.strip()))
            tail = number.strip().removeprefix(PROVISIONAL_PREFIX).lower()
            if order_id is None and number.strip().startswith(PROVISIONAL_PREFIX) and len(tail) == 6:
                # A screen opened on a provisional number keeps its order once the server renumbers it.
                order_id = s.scalar(select(Order.id).where(Order.id.startswith(tail)).limit(1))
        return None if order_id is None else self.get_order(OrderId(uuid.UUID(order_id)))

    # --- writes ---------------------------------------------------------------

    def _after_write(self, order_id: OrderId) -> OrderDetail:
        self.worker.poke()
        self._notify()
        detail = self.get_order(order_id)
        assert detail is not None  # the write just touched it
        return detail

    def _write(self, order_id: OrderId, change: Callable[[Session, datetime], object]) -> OrderDetail:
        """One local transaction makes the change and queues its mutation; then sync and redraw."""
        self._who()
        with self._store.transaction() as s:
            change(s, self._clock())
        return self._after_write(order_id)

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail:
        return self._write(
            order_id, lambda s, now: writes.transition(s, order_id=order_id, to=to, reason=reason, now=now)
        )

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

    def void_entry(self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str) -> OrderDetail:
        return self._write(
            order_id,
            lambda s, now: entries.void_entry(
                s, order_id=order_id, entity=entity, entry_id=entry_id, reason=reason, now=now
            ),
        )

    def create_follow_up(
        self, from_order_id: OrderId, *, title: str, description: str, priority: str, kind: str
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
            )
        return self._after_write(OrderId(uuid.UUID(entry.entity_id)))

    def update_order(self, order_id: OrderId, fields: Mapping[str, Any]) -> OrderDetail:
        return self._write(
            order_id, lambda s, now: dispatch.update_order(s, order_id=order_id, fields=fields, now=now)
        )

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

    # --- photos and signatures -------------------------------------------------

    def add_photos(
        self,
        order_id: OrderId,
        files: Sequence[Path],
        *,
        caption: str = "",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> PhotoBatch:
        self._who()
        added, problems = self._capture.add_photos(
            order_id=order_id, paths=files, caption=caption, progress=progress
        )
        return PhotoBatch(detail=self._after_write(order_id), added=added, problems=problems)

    def add_signature(
        self,
        order_id: OrderId,
        *,
        signer_name: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: float,
        height: float,
    ) -> OrderDetail:
        self._who()
        self._capture.add_signature(
            order_id=order_id,
            signer_name=signer_name,
            strokes=strokes,
            width=width,
            height=height,
        )
        return self._after_write(order_id)

    def photo_bytes(self, sha256: str) -> bytes:
        data = self._files.read(sha256)
        if data is not None:
            return data
        with media_records.download_errors():
            data = self._tokens.run(lambda: self._current_engine()[1].download(sha256))
        self._capture.cache_thumbnail(sha256, data)
        self._notify()  # its thumbnail can show now
        return data

    def incoming_dir(self) -> Path:
        self._settings.incoming_dir.mkdir(parents=True, exist_ok=True)
        return self._settings.incoming_dir

    def _upload_progress(self, sha256: str, done: int, total: int) -> None:
        if self._uploading.record(sha256, done, total):
            self._notify()

    def list_conflicts(self, order_id: OrderId) -> list[ConflictView]:
        user = self.current_user()
        if user is None:
            return []
        with self._store.read() as s:
            return queries.conflicts_of(s, order_id=str(order_id))

    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail:
        self._who()
        with self._store.transaction() as s:
            entry = dispatch.resolve_conflict(
                s, conflict_id=conflict_id, choice=choice, value=value, now=self._clock()
            )
        return self._after_write(OrderId(uuid.UUID(entry.entity_id)))

    # --- sync status and listeners -------------------------------------------

    def sync_status(self) -> SyncStatus:
        status = self.worker.status
        if self.current_user() is None and status.state is not SyncState.ERROR:
            return SyncStatus(
                state=SyncState.NEVER,
                waiting=status.waiting,
                uploads=status.uploads,
                last_synced_at=status.last_synced_at,
                # Why nobody is: an administrator signed this device out (and where a wipe
                # saved its unsent work), until someone signs in again.
                message=self._notice() or "Not signed in",
            )
        return status

    def _notice(self) -> str | None:
        with self._store.read() as s:
            return sync_state(s).notice

    def sign_in_notice(self) -> str | None:
        return self._notice()

    def sync_now(self) -> None:
        self.worker.poke()

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self._listeners.add(callback)

    def _notify(self) -> None:
        self._listeners.notify()

    def close(self) -> None:
        self.live.stop()
        self.worker.stop()
        self._link.replace(None)
