"""Sign-in: username + password + device id → a bearer token bound to the device."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.domain.protocol import TokenRequest, TokenResponse, UserInfo
from server_stub import throttle
from server_stub.api.deps import ClockDep, DbDep, SettingsDep
from server_stub.api.errors import ApiError
from server_stub.models import User
from server_stub.security import issue_token, verify_password

router = APIRouter(tags=["auth"])


@router.post("/auth/token", responses={401: {}, 429: {}})
def sign_in(
    body: TokenRequest, request: Request, db: DbDep, settings: SettingsDep, clock: ClockDep
) -> TokenResponse:
    now = clock.now()
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
            issued = issue_token(
                session,
                user=user,
                device_id=str(body.device_id),
                now=now,
                ttl_seconds=settings.token_ttl_seconds,
            )
    if user is None or not ok:
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    return TokenResponse(
        access_token=issued.token,
        expires_in=issued.expires_in,
        user=UserInfo(
            id=uuid.UUID(user.id), username=user.username, display_name=user.display_name, role=user.role
        ),
    )
