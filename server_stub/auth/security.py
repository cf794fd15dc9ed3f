"""Passwords (argon2) and tokens: signed (server_stub.auth.signing), stored only as SHA-256,
short-lived access tokens renewed with single-use refresh tokens, all revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server_stub.auth.signing import TokenKind, load_key, sign, token_digest, verify
from server_stub.models import AccessToken, Device, RefreshToken, User
from server_stub.settings import Settings
from server_stub.timeutil import to_db

__all__ = [
    "AuthFailure",
    "Denied",
    "DeviceTaken",
    "IssuedTokens",
    "Principal",
    "authenticate",
    "hash_password",
    "issue_tokens",
    "refresh",
    "revoke_device_tokens",
    "revoke_user_tokens",
    "signing_key",
    "token_digest",
    "verify_password",
]

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


def signing_key(settings: Settings) -> bytes:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return load_key(secret=secret, data_dir=settings.data_dir)


class Denied(StrEnum):
    """Why a token was turned away: the `code` of the 401."""

    INVALID = "unauthorized"  # not ours, garbage, unknown
    EXPIRED = "token_expired"  # genuine but past its time: refresh
    REVOKED = "token_revoked"  # password reset, user disabled, refresh token reused
    DEVICE_REVOKED = "device_revoked"  # an admin revoked this device
    DEVICE_WIPED = "device_wiped"  # ... and asked it to erase its data


_MESSAGES = {
    Denied.INVALID: "the token is unknown or has expired; sign in again",
    Denied.EXPIRED: "the access token has expired; refresh it or sign in again",
    Denied.REVOKED: "the token was revoked; sign in again",
    Denied.DEVICE_REVOKED: "this device was signed out by an administrator",
    Denied.DEVICE_WIPED: "this device was signed out by an administrator and must erase its data",
}


class AuthFailure(Exception):
    def __init__(self, reason: Denied, *, breached_family: str | None = None) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason
        self.message = _MESSAGES[reason]
        # A token family that two parties turn out to hold: the caller revokes it (revoke_family)
        # and commits, even though the request fails.
        self.breached_family = breached_family

    @property
    def wipe(self) -> bool:
        return self.reason is Denied.DEVICE_WIPED


def _revoked(reason: str | None) -> Denied:
    try:
        return Denied(reason) if reason else Denied.REVOKED
    except ValueError:
        return Denied.REVOKED


class DeviceTaken(Exception):
    """Sign-in with a device id registered to another organisation: refused."""


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str


def _new_pair(
    session: Session,
    *,
    key: bytes,
    user_id: str,
    device_id: str,
    family_id: str,
    now: datetime,
    access_ttl: int,
    refresh_ttl: int,
) -> IssuedTokens:
    access_expires = now + timedelta(seconds=access_ttl)
    refresh_expires = now + timedelta(seconds=refresh_ttl)
    access = sign(key=key, kind=TokenKind.ACCESS, expires_at=access_expires)
    refresh_token = sign(key=key, kind=TokenKind.REFRESH, expires_at=refresh_expires)
    common = {"user_id": user_id, "device_id": device_id, "family_id": family_id, "created_at": to_db(now)}
    session.add(AccessToken(token_hash=token_digest(access), expires_at=to_db(access_expires), **common))
    session.add(
        RefreshToken(token_hash=token_digest(refresh_token), expires_at=to_db(refresh_expires), **common)
    )
    return IssuedTokens(access_token=access, expires_in=access_ttl, refresh_token=refresh_token)


def issue_tokens(
    session: Session,
    *,
    key: bytes,
    user: User,
    device_id: str,
    now: datetime,
    access_ttl: int,
    refresh_ttl: int,
) -> IssuedTokens:
    """A sign-in: a new token family bound to `device_id`, registering the device on first
    sign-in. Signing in again on a revoked device (with the password) makes it usable again.
    DeviceTaken when the device id is registered to another organisation."""
    device = session.get(Device, device_id)
    if device is None:
        session.add(Device(device_id=device_id, user_id=user.id, last_mid=0, created_at=to_db(now)))
    else:
        owner = session.get(User, device.user_id)
        if owner is not None and owner.org_id != user.org_id:
            # Its ledger (the answers to its mids) belongs to the other organisation.
            raise DeviceTaken(device_id)
        # The same installation may be used by someone else after a sign-out;
        # its mid counter belongs to the installation and carries on.
        device.user_id = user.id
        device.revoked_at = None
        device.wipe = False
    return _new_pair(
        session,
        key=key,
        user_id=user.id,
        device_id=device_id,
        family_id=str(uuid.uuid4()),
        now=now,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
    )


def revoke_family(
    session: Session, *, family_id: str, now: datetime, reason: Denied = Denied.REVOKED
) -> None:
    for model in (AccessToken, RefreshToken):
        session.execute(
            update(model)
            .where(model.family_id == family_id, model.revoked_at.is_(None))
            .values(revoked_at=to_db(now), revoked_reason=reason.value)
        )


# revoked_reason of a refresh token replaced by a lost-answer retry (never a 401 code itself).
SUPERSEDED = "superseded"
# How long after an exchange its device may ask again because the answer was lost.
LOST_ANSWER_GRACE = timedelta(hours=1)


def _lost_answer(
    session: Session, *, spent: RefreshToken, now: datetime, grace: timedelta
) -> RefreshToken | None:
    """The refresh token issued when `spent` was exchanged, if that exchange's answer looks
    lost: it is the family's newest, still unused and unrevoked, and the exchange was recent."""
    if spent.used_at is None or to_db(now) - spent.used_at > grace:
        return None
    # Issued by that exchange: same family, made at the moment the spent one was used.
    issued = (
        session.execute(
            select(RefreshToken).where(
                RefreshToken.family_id == spent.family_id,
                RefreshToken.created_at >= spent.used_at,
                RefreshToken.token_hash != spent.token_hash,
            )
        )
        .scalars()
        .all()
    )
    if len(issued) != 1:
        return None  # none, or later exchanges followed: not a lost answer
    successor = issued[0]
    if successor.used_at is not None or successor.revoked_at is not None:
        return None
    return successor


def refresh(
    session: Session,
    *,
    key: bytes,
    token: str,
    device_id: str,
    now: datetime,
    access_ttl: int,
    refresh_ttl: int,
    grace: timedelta = LOST_ANSWER_GRACE,
) -> tuple[User, IssuedTokens]:
    """Exchange a refresh token for a new pair (same family); the old one is spent.

    A spent token presented again means two parties hold it (a copy was stolen, or a
    device was cloned): the whole family is revoked and both must sign in again. One
    exception: the same device asking again within `grace` while the pair its exchange
    issued is unused — that answer was lost in transit (sync-protocol.md, Identity).
    Raises AuthFailure. The caller commits even on failure, so a revocation sticks.
    """
    if verify(key=key, token=token, kind=TokenKind.REFRESH) is None:
        raise AuthFailure(Denied.INVALID)
    row = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.device_id != device_id:
        raise AuthFailure(Denied.INVALID)
    if row.revoked_at is not None:
        if row.revoked_reason == SUPERSEDED:
            # Replaced by a lost-answer retry below, yet presented: two parties hold the family.
            revoke_family(session, family_id=row.family_id, now=now, reason=Denied.REVOKED)
            raise AuthFailure(Denied.REVOKED)
        raise AuthFailure(_revoked(row.revoked_reason))
    if row.used_at is not None:
        successor = _lost_answer(session, spent=row, now=now, grace=grace)
        if successor is None:
            revoke_family(session, family_id=row.family_id, now=now, reason=Denied.REVOKED)
            raise AuthFailure(Denied.REVOKED)
        # The answer to this token's exchange never reached the device (it asks again, soon,
        # and nobody has used what that answer held): answer again with a new pair. The unsent
        # one is superseded, so whoever presents it later reveals a second holder.
        successor.revoked_at, successor.revoked_reason = to_db(now), SUPERSEDED
        # Its access token too, with the same mark: presented later, it reveals a second holder.
        session.execute(
            update(AccessToken)
            .where(
                AccessToken.family_id == row.family_id,
                AccessToken.created_at == successor.created_at,
                AccessToken.revoked_at.is_(None),
            )
            .values(revoked_at=to_db(now), revoked_reason=SUPERSEDED)
        )
    if row.expires_at <= to_db(now):
        raise AuthFailure(Denied.EXPIRED)
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        raise AuthFailure(Denied.INVALID)
    row.used_at = to_db(now)  # the latest exchange: its answer is the one that may be lost
    # The access tokens issued before in this family go too: one live pair per sign-in.
    session.execute(
        update(AccessToken)
        .where(AccessToken.family_id == row.family_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=to_db(now), revoked_reason=Denied.REVOKED.value)
    )
    issued = _new_pair(
        session,
        key=key,
        user_id=user.id,
        device_id=device_id,
        family_id=row.family_id,
        now=now,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
    )
    return user, issued


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the signed-in user and the device their token is bound to."""

    user: User
    device_id: str


def authenticate(session: Session, *, key: bytes, token: str, now: datetime) -> Principal:
    """The caller behind an access token; AuthFailure says why not. The signature is
    checked before any query, so garbage costs one HMAC."""
    claims = verify(key=key, token=token, kind=TokenKind.ACCESS)
    if claims is None:
        raise AuthFailure(Denied.INVALID)
    # The token's row and its user in one query: every request of a device pays for it,
    # and each statement costs more in SQLAlchemy than in the database (issue 11).
    found = session.execute(
        select(AccessToken, User)
        .outerjoin(User, User.id == AccessToken.user_id)
        .where(AccessToken.token_hash == token_digest(token))
    ).one_or_none()
    if found is None:
        raise AuthFailure(Denied.INVALID)
    row, user = found
    # Revocation before expiry: a wiped device must learn it even with an old token.
    if row.revoked_at is not None:
        if row.revoked_reason == SUPERSEDED:
            # A pair whose answer was taken for lost is in use after all: two holders.
            raise AuthFailure(Denied.REVOKED, breached_family=row.family_id)
        raise AuthFailure(_revoked(row.revoked_reason))
    if row.expires_at <= to_db(now) or claims.expires_at <= now:
        raise AuthFailure(Denied.EXPIRED)
    if user is None or user.disabled_at is not None:
        raise AuthFailure(Denied.REVOKED)
    return Principal(user=user, device_id=row.device_id)


def revoke_user_tokens(session: Session, *, user_id: str, now: datetime) -> int:
    """Revoke every token of a user (password reset, disable); returns how many were live."""
    revoked = 0
    for model in (AccessToken, RefreshToken):
        result = session.execute(
            update(model)
            .where(model.user_id == user_id, model.revoked_at.is_(None), model.expires_at > to_db(now))
            .values(revoked_at=to_db(now), revoked_reason=Denied.REVOKED.value)
        )
        revoked += result.rowcount or 0
    return revoked


def revoke_device_tokens(session: Session, *, device_id: str, now: datetime, wipe: bool) -> int:
    """Revoke every token ever bound to a device; returns how many were still live. Their
    next use answers device_revoked or device_wiped: expired and already revoked ones too,
    so the device learns of a wipe whichever token it still holds."""
    reason = Denied.DEVICE_WIPED if wipe else Denied.DEVICE_REVOKED
    live = 0
    for model in (AccessToken, RefreshToken):
        live += session.execute(
            select(func.count())
            .select_from(model)
            .where(model.device_id == device_id, model.revoked_at.is_(None), model.expires_at > to_db(now))
        ).scalar_one()
        session.execute(
            update(model)
            .where(model.device_id == device_id)
            .values(revoked_at=func.coalesce(model.revoked_at, to_db(now)), revoked_reason=reason.value)
        )
    return live
