"""Integration API keys (`X-API-Key`): made by `ordo-server apikey create`, shown
once, kept only as a SHA-256. Each key acts as its own `integration` user of one
organisation, so what it adds (orders, notes) has an author like anything else."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Role
from server_stub.models import ApiKey, User
from server_stub.seeding.records import create_user
from server_stub.timeutil import to_db

KEY_PREFIX = "ordo_ik_"
# Longer than any key we issue, short enough that a hostile header costs nothing to hash.
MAX_KEY_LENGTH = 200
# Not an argon2 hash, so no password ever verifies against it: the account cannot sign in.
NO_PASSWORD = "!integration-key-only"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: str  # shown once; only its digest is stored
    key_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class KeyPrincipal:
    """Who is calling with an API key: the key and the integration user it acts as."""

    key_id: str
    user: User


def create_api_key(session: Session, *, org_id: str, name: str, now: datetime) -> IssuedKey:
    """A new integration key of `org_id`, with its own integration user."""
    key_id = str(uuid.uuid4())
    user = create_user(
        session,
        org_id=org_id,
        username=f"apikey-{key_id}",
        password_hash=NO_PASSWORD,
        role=Role.INTEGRATION,
        display_name=name,
    )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            id=key_id,
            org_id=org_id,
            user_id=user.id,
            name=name,
            key_hash=key_digest(key),
            created_at=to_db(now),
            revoked_at=None,
        )
    )
    session.flush()
    return IssuedKey(key=key, key_id=key_id, user_id=user.id)


def revoke_api_key(session: Session, *, key_id: str, now: datetime) -> bool:
    """Revoke a key by its id (printed when it was made); False when there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = to_db(now)
    return True


def authenticate_key(session: Session, *, key: str) -> KeyPrincipal | None:
    """The caller of a key, or None for an unknown or revoked key (or a disabled user)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == key_digest(key))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.org_id != row.org_id or user.disabled_at is not None:
        return None
    return KeyPrincipal(key_id=row.id, user=user)
