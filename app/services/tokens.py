"""Keeping the session's access token good: renewed with the refresh token ahead of its
expiry, or once after a 401 token_expired (then the request again)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from app.services.connection import Connection
from app.services.signin import refresh_session
from app.store import LocalStore
from app.store.outbox import sync_state
from app.sync.errors import AuthExpired, TokenExpired
from app.sync.http import EXPIRED_MESSAGE

T = TypeVar("T")
# An access token this close to its expiry is renewed before a request rather than after a 401.
REFRESH_AHEAD = timedelta(minutes=2)


class SessionTokens:
    def __init__(self, *, store: LocalStore, link: Connection, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._link = link
        self._clock = clock
        # One refresh at a time: a refresh token is single use, and a second exchange of
        # the same one would look like theft to the server (which then revokes the family).
        self._lock = threading.Lock()

    def refresh(self, *, stale: str | None, required: bool) -> None:
        """Exchange the refresh token for a new pair, unless another thread already did
        (the access token is no longer `stale`). Without a refresh token (a session from an
        older server): AuthExpired when `required`, else nothing."""
        with self._lock:
            with self._store.read() as s:
                state = sync_state(s)
                token, spare, url, device_id = (
                    state.access_token, state.refresh_token, state.server_url, state.device_id
                )  # fmt: skip
            if token != stale or not url:
                return  # renewed (or signed out) meanwhile
            if not spare:
                if required:
                    raise AuthExpired(EXPIRED_MESSAGE)
                return
            engine, _ = self._link.current(url)
            answer = refresh_session(engine.client, refresh_token=spare, device_id=device_id)
            with self._store.transaction() as s:
                state = sync_state(s)
                if state.refresh_token != spare:
                    return  # a sign-in replaced the session while we asked
                state.access_token = answer.access_token
                state.refresh_token = answer.refresh_token
                state.token_expires_at = self._clock() + timedelta(seconds=answer.expires_in)

    def run(self, work: Callable[[], T]) -> T:
        """`work()` with a good access token: renewed ahead when it is about to expire, and
        on a 401 token_expired renewed once and `work()` tried again. A failed renewal raises
        AuthExpired (or DeviceRevoked / DeviceWiped): the caller's sign-in-again path."""
        with self._store.read() as s:
            state = sync_state(s)
            token, expires = state.access_token, state.token_expires_at
        if token and expires is not None and expires - self._clock() <= REFRESH_AHEAD:
            self.refresh(stale=token, required=False)
        with self._store.read() as s:
            token = sync_state(s).access_token
        try:
            return work()
        except TokenExpired:
            self.refresh(stale=token, required=True)
            return work()
