"""Sign-in (username + password + device id → a token pair bound to the device) and
refresh (a spent-on-use refresh token → a new pair)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.domain.protocol import RefreshRequest, TokenRequest, TokenResponse, UserInfo
from server_stub.api.deps import ClockDep, DbDep, SettingsDep, unauthorized
from server_stub.api.errors import ApiError
from server_stub.auth import throttle
from server_stub.auth.security import (
    AuthFailure,
    Denied,
    DeviceTaken,
    IssuedTokens,
    issue_tokens,
    refresh,
    signing_key,
    verify_password,
)
from server_stub.auth.signing import TokenKind, verify
from server_stub.models import User

router = APIRouter(tags=["auth"])


def _answer(user: User, issued: IssuedTokens) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        user=UserInfo(
            id=uuid.UUID(user.id), username=user.username, display_name=user.display_name, role=user.role
        ),
    )


@router.post("/auth/token", responses={401: {}, 409: {}, 429: {}})
def sign_in(
    body: TokenRequest, request: Request, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> TokenResponse:
    now = clock.now()
    key = signing_key(settings)
    address = request.client.host if request.client else "unknown"
    limits = {
        "window_seconds": settings.login_window_seconds,
        "max_per_user": settings.login_max_failures_per_user,
        "max_per_address": settings.login_max_failures_per_address,
    }
    with db.read() as session:
        wait = throttle.retry_after(session, username=body.username, address=address, now=now, **limits)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"too many failed sign-ins; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        user = session.execute(select(User).where(User.username == body.username)).scalar_one_or_none()
    ok = verify_password(password_hash=user.password_hash if user else None, password=body.password)
    # A disabled account answers exactly as a wrong password (and counts as one), so
    # the answer never tells whether a username exists.
    ok = ok and user is not None and user.disabled_at is None
    with db.write() as session, session.begin():
        if user is None or not ok:
            throttle.record_failure(
                session,
                username=body.username,
                address=address,
                now=now,
                window_seconds=limits["window_seconds"],
            )
        else:
            try:
                issued = issue_tokens(
                    session,
                    key=key,
                    user=user,
                    device_id=str(body.device_id),
                    now=now,
                    access_ttl=settings.token_ttl_seconds,
                    refresh_ttl=settings.refresh_ttl_seconds,
                )
            except DeviceTaken:
                raise ApiError(
                    409,
                    "device_in_use",
                    "this device id is registered to another organisation;"
                    " reinstall the app to get a new one",
                ) from None
    if user is None or not ok:
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    return _answer(user, issued)


@router.post("/auth/refresh", responses={401: {}})
def refresh_route(body: RefreshRequest, db: DbDep, settings: SettingsDep, clock: ClockDep) -> TokenResponse:
    key = signing_key(settings)
    if verify(key=key, token=body.refresh_token, kind=TokenKind.REFRESH) is None:
        # Garbage and forgeries are turned away before they take the write lock.
        raise unauthorized(AuthFailure(Denied.INVALID))
    failure: AuthFailure | None = None
    # Committed whether or not the exchange succeeds: a detected reuse revokes the family.
    with db.write() as session, session.begin():
        try:
            user, issued = refresh(
                session,
                key=key,
                token=body.refresh_token,
                device_id=str(body.device_id),
                now=clock.now(),
                access_ttl=settings.token_ttl_seconds,
                refresh_ttl=settings.refresh_ttl_seconds,
            )
        except AuthFailure as exc:
            failure = exc
    if failure is not None:
        raise unauthorized(failure)
    return _answer(user, issued)
