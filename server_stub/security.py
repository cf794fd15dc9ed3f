"""Passwords (argon2) and bearer tokens (random, stored only as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.models import AccessToken, Device, User
from server_stub.timeutil import to_db

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong username costs the
# same time as a wrong password and does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("ordo-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(*, password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_token(
    session: Session, *, user: User, device_id: str, now: datetime, ttl_seconds: int
) -> IssuedToken:
    """Create a token bound to `device_id`, registering the device on first sign-in."""
    token = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            token_hash=token_digest(token),
            user_id=user.id,
            device_id=device_id,
            created_at=to_db(now),
            expires_at=to_db(now + timedelta(seconds=ttl_seconds)),
        )
    )
    device = session.get(Device, device_id)
    if device is None:
        session.add(Device(device_id=device_id, user_id=user.id, last_mid=0, created_at=to_db(now)))
    else:
        # The same installation may be used by someone else after a sign-out;
        # its mid counter belongs to the installation and carries on.
        device.user_id = user.id
    return IssuedToken(token=token, expires_in=ttl_seconds)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the signed-in user and the device their token is bound to."""

    user: User
    device_id: str


def authenticate(session: Session, *, token: str, now: datetime) -> Principal | None:
    row = session.execute(
        select(AccessToken).where(AccessToken.token_hash == token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= to_db(now):
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    return Principal(user=user, device_id=row.device_id)
