"""`Ordo`: the one object views talk to. Implements app.services.types.Services."""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.services import account, local_signin, queries
from app.services import media as media_records
from app.services.bulk_api import BulkApi
from app.services.capture import Capture
from app.services.connection import Connection
from app.services.customer_api import CustomerApi
from app.services.desk_api import DeskApi
from app.services.media_api import MediaApi
from app.services.observe import Listeners, UploadProgress
from app.services.schedules_api import ScheduleApi
from app.services.signin import normalize_url, request_token
from app.services.tokens import SessionTokens
from app.services.transport import check_transport
from app.services.types import (
    CurrentUser,
    InvalidInput,
    OrderDetail,
    OrderGroups,
    OrderId,
    ServerUnreachable,
    SignInError,
    SyncState,
    SyncStatus,
)
from app.services.work_api import WorkApi
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.apply import PROVISIONAL_PREFIX
from app.store.blobfiles import BlobFiles
from app.store.models import Order
from app.store.outbox import SignedInFacts, signed_in_facts, sync_state
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

LOCAL_ONLY = "Signed in on this device only: sign in with the server to sync. Your changes are kept."


def _signed_in(state: SignedInFacts) -> CurrentUser | None:
    """Who is signed in on this device, from its sync-state row; None when nobody is."""
    user, token, url = state.user, state.access_token, state.server_url
    if not user or not url or not (token or state.local_session):
        return None
    return CurrentUser(
        id=uuid.UUID(user["id"]),
        username=user["username"],
        display_name=user.get("display_name") or user["username"],
        role=user["role"],
        server_url=url,
        server_session=bool(token),
    )


class Ordo(WorkApi, MediaApi, DeskApi, ScheduleApi, CustomerApi, BulkApi):
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
        with self._store.read() as s:
            return _signed_in(signed_in_facts(s))

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
        except ServerUnreachable as exc:
            client.close()
            # No server to ask: the device's own check of the password may answer.
            return self._sign_in_here(url=url, username=username, password=password, why=str(exc))
        except BaseException:
            client.close()
            raise
        try:
            with self._store.transaction() as s:
                cleared = account.record_sign_in(
                    s, token=token, url=url, password=password, now=self._clock()
                )
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

    def _sign_in_here(self, *, url: str, username: str, password: str, why: str) -> CurrentUser:
        """Signed in on this device only, after one online sign-in here: work goes on offline,
        syncing waits for a sign-in with the server (the sync bar offers it)."""
        user = local_signin.check(
            self._store, url=url, username=username, password=password, now=self._clock(), why=why
        )
        with self._store.transaction() as s:
            cleared = account.record_local_sign_in(s, user=user, url=url)
        if cleared:
            self._files.clear()  # the previous user's photos leave with their orders
        self.live.stop()
        self.worker.poke()  # it says why it cannot sync: the bar offers the sign-in
        self._notify()
        signed = self.current_user()
        assert signed is not None  # just stored
        return signed

    def sign_out(self) -> None:
        # The user and their data stay (so unsent changes are never lost); only the tokens go.
        self.live.stop()
        self._forget_tokens(notice=None)

    def _forget_tokens(self, *, notice: str | None) -> None:
        account.forget_tokens(self._store, notice=notice)
        self._notify()

    def _current_engine(self) -> tuple[SyncEngine, BlobTransfer]:
        user, token, url = self._user_row()
        if not token or not url:
            raise NotSignedIn(LOCAL_ONLY if user else "Sign in to sync.")
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
        # A local write pokes the worker: its notes reach the search index here, off the
        # writer's thread, whether or not the server can be reached. Never at the cost of
        # the sync: a search catches up again before it reads the index.
        try:
            self.catch_up_search()
        except SQLAlchemyError:
            log.exception("the search index could not catch up; the next search will try again")
        # One sync at a time per device, even across a client swap after a new sign-in.
        with self._sync_lock:
            try:
                return self._tokens.run(self._sync_and_upload)
            except DeviceWiped:
                raise self._wipe() from None
            except AuthExpired as exc:
                # Keep everything. A revoked device is signed out (the administrator's word,
                # said at sign-in); a session that ran out stays signed in here, working
                # offline, and the sync bar asks for a sign-in to sync.
                revoked = isinstance(exc, DeviceRevoked)
                account.forget_tokens(self._store, notice=str(exc) if revoked else None, stay=not revoked)
                self._notify()
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
        with self._store.transaction() as s:
            if _signed_in(signed_in_facts(s)) is None:  # asked in the write's own transaction: one read less
                raise InvalidInput("Sign in first.")
            change(s, self._clock())
        return self._after_write(order_id)

    # --- sync status and listeners -------------------------------------------

    def sync_status(self) -> SyncStatus:
        status = self.worker.status
        user = self.current_user()
        if user is not None and not user.server_session:
            return dataclasses.replace(status, needs_sign_in=True, message=LOCAL_ONLY)
        if user is None and status.state is not SyncState.ERROR:
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
