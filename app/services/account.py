"""The signed-in account on this device: recording a sign-in, forgetting tokens, a wipe."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.domain.protocol import TokenResponse
from app.services import local_signin
from app.services import wipe as wiping
from app.services.types import SignInError
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.blobfiles import BlobFiles
from app.store.models import BlobUpload
from app.store.outbox import count, restart_pull, sync_state, uploads_waiting
from app.store.rows import clear_server_rows
from app.sync.errors import DeviceWiped

log = logging.getLogger(__name__)


def _switch_to(session: Session, *, user: dict[str, Any], url: str) -> bool:
    """Make `user` of `url` the one whose data is on this device. Another user (or server)
    replaces the previous one's orders, but never while anything of theirs is unsent
    (SignInError). Returns whether the previous rows were cleared (their photo files must
    go too, after the commit)."""
    state = sync_state(session)
    old = state.user
    other_user = old is not None and old.get("id") != user["id"]
    other_server = bool(state.server_url) and state.server_url != url
    waiting = count(session) + uploads_waiting(session)  # a photo's bytes are part of its change
    if other_user and waiting:
        owner = (old or {}).get("username", "the previous user")
        raise SignInError(
            f"{waiting} change{'s' if waiting != 1 else ''} of {owner} "
            f"{'are' if waiting != 1 else 'is'} still waiting to be sent. "
            f"Sign in as {owner} on {state.server_url} and sync first."
        )
    cleared = False
    if (other_user or other_server) and not waiting:
        # Another user's (or server's) orders must not show; nothing of theirs is unsent.
        clear_server_rows(session)
        session.execute(delete(BlobUpload))
        restart_pull(state)
        cleared = True
    state.user = dict(user)
    state.server_url = url
    state.notice = None
    return cleared


def record_sign_in(session: Session, *, token: TokenResponse, url: str, password: str, now: datetime) -> bool:
    """Keep the new tokens and user, and what lets them sign in here again offline (see
    _switch_to for another user's data). Returns whether the previous rows were cleared."""
    user = token.user.model_dump(mode="json")
    cleared = _switch_to(session, user=user, url=url)
    state = sync_state(session)
    state.access_token = token.access_token
    state.refresh_token = token.refresh_token
    state.token_expires_at = now + timedelta(seconds=token.expires_in)
    state.local_session = False
    local_signin.remember(session, url=url, user=user, password=password)
    return cleared


def record_local_sign_in(session: Session, *, user: dict[str, Any], url: str) -> bool:
    """Signed in with the device's own check of the password: local work goes on, syncing
    waits for a sign-in with the server. Returns whether the previous rows were cleared."""
    cleared = _switch_to(session, user=user, url=url)
    state = sync_state(session)
    state.access_token = state.refresh_token = None
    state.token_expires_at = None
    state.local_session = True
    return cleared


def forget_tokens(store: LocalStore, *, notice: str | None, stay: bool = False) -> None:
    """The tokens go; the user and their data stay (nothing unsent is lost). Signed out, or
    with `stay` still signed in on this device only (the server's session ran out: local
    work goes on, syncing waits for a sign-in)."""
    with store.transaction() as s:
        state = sync_state(s)
        state.access_token = None
        state.refresh_token = None
        state.token_expires_at = None
        state.local_session = stay
        if notice is not None:
            state.notice = notice


def wipe(store: LocalStore, files: BlobFiles, *, settings: ClientSettings, now: datetime) -> DeviceWiped:
    """An administrator's wipe: unsent work exported, then local data erased
    (app.services.wipe). Returns the error to raise, its text fit to show."""
    try:
        report = wiping.wipe_device(
            store,
            files,
            exports_dir=settings.data_dir / "exports",
            incoming_dir=settings.incoming_dir,
            now=now,
        )
    except wiping.ExportFailed as exc:
        log.error("wipe postponed: %s", exc)
        # Nothing erased, tokens kept: the next sync hears device_wiped again and retries.
        return DeviceWiped(
            "This device was signed out by an administrator and must erase its data, but its"
            f" unsent work could not be saved first ({exc}). Nothing was erased yet."
        )
    log.warning("device wiped by an administrator: %s", report)
    return DeviceWiped(report.message)
