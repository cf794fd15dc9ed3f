"""What the hub asks the database: is anything newer in a caller's pull scope, and are
the tokens streams were opened with still good. Blocking; the hub runs these in threads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from server_stub.db import Database, current_seq
from server_stub.models import AccessToken, User
from server_stub.sync.feed import scope_queries  # the pull's own scope: a poke never says more
from server_stub.timeutil import to_db

# The answer for a user who is gone or disabled: their streams end.
GONE = -1


@dataclass(frozen=True, slots=True)
class Checked:
    newest: dict[str, int | None]  # user id -> highest seq in their scope above `after`, or GONE
    dead: set[str]  # token digests revoked, expired or unknown


def check(db: Database, *, after: dict[str, int], tokens: Iterable[str], now: datetime) -> Checked:
    """One checking round's reads, in one session: which tokens are dead, and for each user
    the highest seq in their pull scope above their `after` (None: nothing newer).

    The scope is the pull's own union of queries, each a range scan on its seq index, so
    it costs little when `after` is recent."""
    with db.read() as session:
        return Checked(
            newest={user_id: _newest(session, user_id=user_id, after=seq) for user_id, seq in after.items()},
            dead=_dead(session, digests=set(tokens), now=now),
        )


def _newest(session: Session, *, user_id: str, after: int) -> int | None:
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return GONE
    feed = union_all(*scope_queries(user, after=after)).subquery()
    newest = session.execute(select(func.max(feed.c.seq))).scalar_one_or_none()
    return int(newest) if newest is not None else None


def _dead(session: Session, *, digests: set[str], now: datetime) -> set[str]:
    if not digests:
        return set()
    good = session.execute(
        select(AccessToken.token_hash).where(
            AccessToken.token_hash.in_(digests),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > to_db(now),
        )
    ).scalars()
    return digests - set(good)


def latest_seq(db: Database) -> int:
    with db.read() as session:
        return current_seq(session)


def opening(db: Database, *, digest: str) -> tuple[datetime | None, int]:
    """For a stream about to open: its access token's expiry, and the seq now."""
    with db.read() as session:
        expires = session.execute(
            select(AccessToken.expires_at).where(AccessToken.token_hash == digest)
        ).scalar_one_or_none()
        return expires, current_seq(session)
