"""Administering accounts and devices (what `ordo-server user|device` runs): create a
user, reset a password, disable or enable a user, list and revoke devices.

Every function works in the caller's write transaction and raises AccountError,
whose text is fit to print, for anything the administrator must fix.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import Role, rules
from server_stub.auth.security import hash_password, revoke_device_tokens, revoke_user_tokens
from server_stub.db import next_seq
from server_stub.models import AccessToken, Device, Organisation, User
from server_stub.seeding.records import create_organisation, create_user
from server_stub.timeutil import to_db

# People sign in with these roles (the rulebook's syncing roles, in Role's order);
# `integration` is an API key, not a user.
USER_ROLES: tuple[Role, ...] = tuple(r for r in Role if r in rules.SYNC_ROLES)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # app.domain.protocol.TokenRequest
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}")


class AccountError(Exception):
    """Something the administrator must fix; the text says what."""


def check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            f"{username!r} is not a valid username: 1 to 150 letters, digits and . _ @ + -,"
            " starting with a letter or digit"
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise AccountError("the password contains control characters")
    return password


def find_organisation(session: Session, ref: str) -> Organisation | None:
    """By id, else by exact name; AccountError when the name is ambiguous."""
    org = session.get(Organisation, ref)
    if org is not None:
        return org
    named = list(session.execute(select(Organisation).where(Organisation.name == ref)).scalars())
    if len(named) > 1:
        ids = ", ".join(o.id for o in named)
        raise AccountError(f"{len(named)} organisations are named {ref!r}; give the id instead: {ids}")
    return named[0] if named else None


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    return user


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    org: str,
    display_name: str | None,
    create_org: bool,
    now: datetime,
) -> tuple[User, Organisation, bool]:
    """A new user; returns (user, organisation, whether the organisation was made now)."""
    check_username(username)
    check_password(password)
    if role not in USER_ROLES:
        raise AccountError(f"role must be one of {', '.join(r.value for r in USER_ROLES)}")
    if session.execute(select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(f"the username {username!r} is taken")
    organisation = find_organisation(session, org)
    made = False
    if organisation is None:
        if not create_org:
            names = sorted(session.execute(select(Organisation.name)).scalars())
            known = f" Known: {', '.join(names)}." if names else " There is none yet."
            raise AccountError(f"there is no organisation {org!r}.{known} Pass --create-org to make it.")
        organisation = create_organisation(session, name=org, now=now)
        made = True
    name = (display_name or "").strip() or username
    if len(name) > 200:
        raise AccountError("the display name is too long: at most 200 characters")
    user = create_user(
        session,
        org_id=organisation.id,
        username=username,
        password=password,
        role=role,
        display_name=name,
    )
    return user, organisation, made


def reset_password(session: Session, *, username: str, password: str, now: datetime) -> int:
    """Set a new password and revoke every token of the user; returns how many were live."""
    user = _user(session, username)
    user.password_hash = hash_password(check_password(password))
    return revoke_user_tokens(session, user_id=user.id, now=now)


def disable_user(session: Session, *, username: str, now: datetime) -> int:
    """Refuse the user's sign-ins from now on and revoke their tokens; returns how many were live."""
    user = _user(session, username)
    if user.disabled_at is None:
        user.disabled_at = to_db(now)
        user.seq = next_seq(session)  # devices pull the directory row, now inactive
    return revoke_user_tokens(session, user_id=user.id, now=now)


def enable_user(session: Session, *, username: str) -> bool:
    """Let a disabled user sign in again; False when they were not disabled."""
    user = _user(session, username)
    was = user.disabled_at is not None
    if was:
        user.disabled_at = None
        user.seq = next_seq(session)  # devices pull the directory row, active again
    return was


@dataclass(frozen=True, slots=True)
class DeviceRow:
    device_id: str
    username: str
    created_at: datetime
    last_sign_in: datetime | None
    live_tokens: int
    status: str  # active, revoked, revoked+wipe


def list_devices(session: Session, *, username: str | None, now: datetime) -> list[DeviceRow]:
    query = select(Device, User.username).join(User, User.id == Device.user_id)
    if username is not None:
        query = query.where(User.id == _user(session, username).id)
    rows: list[DeviceRow] = []
    for device, owner in session.execute(query.order_by(User.username, Device.created_at)).all():
        last, live = session.execute(
            select(
                func.max(AccessToken.created_at),
                func.count().filter(AccessToken.revoked_at.is_(None), AccessToken.expires_at > to_db(now)),
            ).where(AccessToken.device_id == device.device_id)
        ).one()
        status = "active" if device.revoked_at is None else ("revoked+wipe" if device.wipe else "revoked")
        rows.append(
            DeviceRow(
                device_id=device.device_id,
                username=owner,
                created_at=device.created_at,
                last_sign_in=last,
                live_tokens=int(live or 0),
                status=status,
            )
        )
    return rows


def revoke_device(session: Session, *, device_id: str, wipe: bool, now: datetime) -> tuple[str, int]:
    """Revoke a device's tokens (its next request gets 401 device_revoked, or device_wiped
    with `wipe`); returns (its user's username, live tokens revoked)."""
    try:
        key = str(uuid.UUID(device_id))
    except ValueError:
        raise AccountError(
            f"{device_id!r} is not a device id (a UUID; see `ordo-server device list`)"
        ) from None
    device = session.get(Device, key)
    if device is None:
        raise AccountError(f"there is no device {key} (see `ordo-server device list`)")
    device.revoked_at = to_db(now)
    device.wipe = wipe
    owner = session.get(User, device.user_id)
    live = revoke_device_tokens(session, device_id=key, now=now, wipe=wipe)
    return (owner.username if owner else "?"), live
