"""Sign-in throttling: a sliding window over recorded wrong credentials."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server_stub.models import LoginFailure
from server_stub.timeutil import to_db


def retry_after(
    session: Session,
    *,
    username: str,
    address: str,
    now: datetime,
    window_seconds: int,
    max_per_user: int,
    max_per_address: int,
) -> int | None:
    """Seconds the caller must wait, or None when a sign-in may be tried."""
    since = to_db(now - timedelta(seconds=window_seconds))
    waits: list[int] = []
    for column, key, limit in (
        (LoginFailure.username, username, max_per_user),
        (LoginFailure.address, address, max_per_address),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == key, LoginFailure.at > since)
        ).one()
        if count >= limit and oldest is not None:
            expires = oldest + timedelta(seconds=window_seconds)
            waits.append(max(1, math.ceil((expires - to_db(now)).total_seconds())))
    return max(waits) if waits else None


def record_failure(
    session: Session, *, username: str, address: str, now: datetime, window_seconds: int
) -> None:
    session.add(LoginFailure(username=username, address=address, at=to_db(now)))
    # Old failures no longer count; pruning here keeps the table small.
    cutoff = to_db(now - timedelta(seconds=2 * window_seconds))
    session.execute(delete(LoginFailure).where(LoginFailure.at < cutoff))
