"""Every commit that took seqs announces its highest one, so live pokes (server_stub.live)
follow every change without any applier having to remember.

`db.next_seq` records each seq it hands out on the session. Just before the outermost
commit, the highest is read from the counter inside the transaction (a push batch,
which hands out seqs from memory, has written it back by then: db.seq_block), and a message
    {"seq": N, "orgs": [...], "users": [...]}
goes out: on PostgreSQL by NOTIFY, which the server delivers only once the transaction
has committed (never if it rolls back) to every process that LISTENs — the sender's own
included, and commits made by `ordo-server` commands too; on SQLite to the process's own
listeners, after the commit.

"orgs" are the organisations of the rows the session held: whose dispatchers the commit
concerns. "users" are the people whose pull scope can have changed besides them — the
assignee (or creator) of each order touched, whoever a conflict or a scope exit is for —
and is left out (everyone of those organisations may be concerned) unless every seq the
commit took is on a row flushed through the session whose audience is known that way.
Both only narrow which streams are checked; the check itself is the pull's scope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from itertools import chain
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.db import LIVE_CHANNEL, SEQ_TAKEN, current_seq

Message = dict[str, Any]

# session.info keys: seq -> who a flushed row carrying it concerns (None: anyone); the
# message of a committing transaction (SQLite, sent after the commit).
_AUDIENCE = "ordo_seq_audience"
_COMMITTING = "ordo_seq_committing"
_ORGS = "ordo_seq_orgs"  # organisations named by `concerns`
# A commit naming more than these (a seed, a bulk import) names none: every listener's
# scope is asked, rather than a NOTIFY payload (at most 8000 bytes) growing without bound.
MAX_ORGS_NAMED = 16
MAX_USERS_NAMED = 64
# A transaction taking more seqs than this is a bulk job: its audience is not worked out.
MAX_SEQS_FOLLOWED = 1000
# Tables whose rows no technician pulls (server_stub/sync/feed.py): the ledger (the order
# history reads it; nobody pulls it) and what only dispatchers pull. A row of any table
# not covered here or by the rules of _audience concerns everyone of its organisation.
NOT_PULLED_BY_TECHNICIANS = frozenset(
    {"ledger", "device_status", "checklist_templates", "schedules", "schedule_occurrences"}
)


def announce_commits(
    maker: sessionmaker[Session], *, listeners: list[Callable[[Message], None]], postgres: bool
) -> None:
    """Hook `maker`'s sessions (savepoints fire these events too; only the outermost
    transaction counts)."""

    @event.listens_for(maker, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        taken = session.info.get(SEQ_TAKEN)
        if not taken or len(taken) > MAX_SEQS_FOLLOWED:
            return
        audience: dict[int, set[str] | None] = session.info.setdefault(_AUDIENCE, {})
        orders = {o.id: o for o in session.identity_map.values() if hasattr(o, "assignee_id")}  # type: ignore[attr-defined]
        for obj in chain(session.new, session.dirty):
            seq = getattr(obj, "seq", None)
            if isinstance(seq, int) and seq in taken:
                who = _audience(obj, orders)
                known = audience.get(seq, set())
                audience[seq] = None if who is None or known is None else known | who

    @event.listens_for(maker, "before_commit")
    def _committing(session: Session) -> None:
        if session.in_nested_transaction() or not session.info.get(SEQ_TAKEN):
            return
        session.flush()  # what is still pending is counted too (after_flush above)
        taken: set[int] = session.info.pop(SEQ_TAKEN)
        audience: dict[int, set[str] | None] = session.info.pop(_AUDIENCE, {})
        message: Message = {"seq": current_seq(session)}
        orgs = _organisations(session)
        if orgs:
            message["orgs"] = orgs
        users = _users(taken, audience)
        if users is not None:
            message["users"] = users
        if postgres:
            session.execute(select(func.pg_notify(LIVE_CHANNEL, json.dumps(message))))
        else:
            session.info[_COMMITTING] = message

    @event.listens_for(maker, "after_commit")
    def _committed(session: Session) -> None:
        if session.in_nested_transaction():
            return
        message = session.info.pop(_COMMITTING, None)
        if message is not None:
            for listener in list(listeners):
                listener(message)

    @event.listens_for(maker, "after_rollback")
    def _rolled_back(session: Session) -> None:
        if not session.in_nested_transaction():
            for key in (SEQ_TAKEN, _AUDIENCE, _COMMITTING, _ORGS):
                session.info.pop(key, None)  # never committed


def concerns(
    session: Session, seqs: Iterable[int], *, people: Iterable[str | None] = (), orgs: Collection[str] = ()
) -> None:
    """Seqs written by a bulk insert rather than a flush (the push's ledger rows, an order's
    new children: sync.apply.new_rows): whose technician scope their rows are in, besides
    the dispatchers' (none for the ledger), which a flush would have told _flushed; and
    `orgs`, the organisations of rows written while the session held none of theirs."""
    if orgs:  # rarely: every new row of a push batch comes here with none
        session.info.setdefault(_ORGS, set()).update(orgs)
    if len(session.info.get(SEQ_TAKEN, ())) > MAX_SEQS_FOLLOWED:
        return
    who = _people(*people)
    audience: dict[int, set[str] | None] = session.info.setdefault(_AUDIENCE, {})
    for seq in seqs:
        known = audience.get(seq, set())
        audience[seq] = None if known is None else known | who


def _organisations(session: Session) -> list[str]:
    """The organisations of the rows this session holds (orders, users, parts, ... carry
    org_id; an order's children come with their order, which its applier loaded)."""
    orgs = {
        org
        for obj in chain(session.identity_map.values(), session.new)
        if isinstance(org := getattr(obj, "org_id", None), str)
    } | session.info.pop(_ORGS, set())
    return sorted(orgs) if len(orgs) <= MAX_ORGS_NAMED else []


def _audience(obj: object, orders: dict[str, Any]) -> set[str] | None:
    """Whose technician scope a changed row is in, besides the organisation's dispatchers;
    None when that is anyone's (a person, a part) or cannot be told."""
    if getattr(obj, "__tablename__", None) in NOT_PULLED_BY_TECHNICIANS:
        return set()
    if hasattr(obj, "assignee_id"):  # an order: its assignee, or the creator of a follow-up
        return _people(getattr(obj, "assignee_id", None), getattr(obj, "created_by", None))
    order = orders.get(getattr(obj, "order_id", None))  # type: ignore[arg-type]
    if order is None:
        return None
    # A child follows its order; a conflict or a scope exit is for its user too.
    return _people(order.assignee_id, order.created_by, getattr(obj, "user_id", None))


def _people(*ids: object) -> set[str]:
    return {i for i in ids if isinstance(i, str)}


def _users(taken: Iterable[int], audience: dict[int, set[str] | None]) -> list[str] | None:
    users: set[str] = set()
    for seq in taken:
        who = audience.get(seq)
        if who is None:  # not on a flushed row (raw SQL, a rolled-back savepoint) or anyone's
            return None
        users |= who
    return sorted(users) if len(users) <= MAX_USERS_NAMED else None
