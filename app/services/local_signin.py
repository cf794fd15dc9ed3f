"""Signing in again without the server: after one online sign-in on this device, a person's
password is checked against a slow hash of it kept here (argon2, as on the server), with a
lock after a few wrong tries (app.domain.signin). The password itself is never stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.domain.signin import local_lock
from app.services.types import SignInError
from app.store import LocalStore
from app.store.models import LocalAccount

# Phone-sized argon2id (OWASP's 19 MiB, 2 passes): tens of milliseconds to check here, and as
# slow per guess for anyone who copies the database file.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def remember(session: Session, *, url: str, user: dict[str, Any], password: str) -> None:
    """After an online sign-in: keep what lets `user` sign in here again offline."""
    username = str(user["username"])
    held = _account(session, url=url, username=username)
    verifier = _HASHER.hash(password)
    if held is None:
        session.add(
            LocalAccount(server_url=url, username=username, user=dict(user), verifier=verifier, failures=0)
        )
        return
    held.user, held.verifier, held.failures, held.locked_until = dict(user), verifier, 0, None


def _account(session: Session, *, url: str, username: str) -> LocalAccount | None:
    # Matched as the server matches them at sign-in: exactly, once the typed one is trimmed.
    return session.get(LocalAccount, (url, username.strip()))


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def check(
    store: LocalStore, *, url: str, username: str, password: str, now: datetime, why: str
) -> dict[str, Any]:
    """The user `username` of `url`, when `password` is theirs as this device knows it.

    SignInError otherwise, in words: `why` the server could not be asked, and that a first
    sign-in needs it; or a wrong password (counted, committed at once so that a restart does
    not reset it); or how long the lock still holds."""
    with store.transaction() as s:
        held = _account(s, url=url, username=username)
        if held is None:
            raise SignInError(
                f"{why} Signing in without a connection works for someone who has signed in "
                "on this device before, with the server."
            )
        if held.locked_until is not None and held.locked_until > now:
            wait = _minutes((held.locked_until - now).total_seconds())
            raise SignInError(f"Too many wrong passwords on this device. Try again in {wait}.")
        try:
            _HASHER.verify(held.verifier, password)
        except (VerificationError, InvalidHashError):
            held.failures += 1
            lock = local_lock(held.failures)
            held.locked_until = now + lock if lock is not None else None
            wrong = "Wrong username or password."
            if lock is not None:
                wrong += f" Signing in on this device is locked for {_minutes(lock.total_seconds())}."
        else:
            held.failures, held.locked_until = 0, None
            return dict(held.user)
    raise SignInError(wrong)  # after the commit: the count holds
