"""The pull feed: every row change in the caller's scope, in seq order.

A page costs about its own size, not the scope's (issue 11: a first pull of 10,000
orders is some 90,000 changes):
1. which rows: per entity, the rows in scope after the cursor, each walked in seq
   order, merged and cut at limit + 1 (one statement, built once: sync.feed);
2. their data: per entity on the page, those rows by id, as JSON made by the database
   (page_json; else from the pulled columns as plain rows, serialize.PULLED).
Each change is JSON from then on; the route sends `Page.json`, `pull` a PullResponse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, partial
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy import (
    JSON,
    Select,
    Text,
    TypeDecorator,
    bindparam,
    select,
    type_coerce,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.domain.protocol import Entity, PullResponse
from server_stub import serialize
from server_stub.db import Database
from server_stub.models import (
    Device,
    DeviceStatus,
    User,
)
from server_stub.sync import devices, feed, page_json
from server_stub.sync.cursor import Position, decode_position, encode
from server_stub.sync.shared_pages import SharedPage, SharedPages
from server_stub.sync.tombstones import pruned_mark, pruned_through
from server_stub.timeutil import to_wire

log = logging.getLogger(__name__)


class _JsonText(TypeDecorator[Any]):
    """A JSON column as SQLite holds it (text), parsed by pydantic-core: SQLAlchemy's
    JSON type parses with the json module through two wrappers, some 4 us a value,
    which was a fifth of a page's time (a work order has three JSON columns)."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if not isinstance(value, str):
            # None, or a JSON number: the column's NUMERIC affinity stores one as a number.
            return value
        try:
            return from_json(value)
        except ValueError:  # what only the json module reads (a lone surrogate escape)
            return json.loads(value)


@cache
def _load(entity: str, *, sqlite: bool) -> Select[Any]:
    """The pulled columns of an entity's rows with the given ids (`ids`)."""
    pulled = serialize.PULLED[entity]
    table = pulled.model.__table__
    columns = [table.c[name] for name in pulled.columns]
    if sqlite:
        columns = [type_coerce(c, _JsonText) if isinstance(c.type, JSON) else c for c in columns]
    return select(*columns).where(table.c.id.in_(bindparam("ids", expanding=True)))


def _changes(session: Session, page: Sequence[Any]) -> list[bytes]:
    """The page's changes as JSON, keys in the protocol's order (PullResponse's), each
    row's data read by id: made by the database itself where it can (page_json), else
    from its entity's pulled columns in Python."""
    wanted: dict[str, list[str]] = {}
    for entity, row_id, _seq in page:
        if entity != feed.OUT_OF_SCOPE:
            wanted.setdefault(entity, []).append(row_id)
    data: dict[tuple[str, str], bytes] = {}
    sqlite = feed.dialect(session) == "sqlite"
    for entity, ids in wanted.items():
        if not _read_as_json(session, entity, ids, into=data):
            pulled = serialize.PULLED[entity]
            at, from_row = pulled.id_index, pulled.from_row
            for found in session.execute(_load(entity, sqlite=sqlite), {"ids": ids}).all():
                data[(entity, found[at])] = to_json(from_row(found), inf_nan_mode="null")
    changes: list[bytes] = []
    for entity, row_id, seq in page:
        if entity == feed.OUT_OF_SCOPE:
            tombstone = {
                "entity": Entity.WORK_ORDER.value,
                "id": row_id,
                "seq": seq,
                "deleted": True,
                "reason": entity,
            }
            changes.append(to_json(tombstone))
            continue
        # Both steps read one snapshot, so every row listed is found; were one not, the
        # page must fail (and be asked again) rather than move the cursor past it.
        row = data[(entity, row_id)]
        changes.append(b'{"entity":"%b","id":%b,"seq":%d,"deleted":false,"data":%b}' % (
            entity.encode(), to_json(row_id), seq, row
        ))  # fmt: skip
    return changes


def _read_as_json(
    session: Session, entity: str, ids: list[str], *, into: dict[tuple[str, str], bytes]
) -> bool:
    """Read the rows' data as the database makes it (page_json); False when it cannot (a
    JSON column holding what SQLite does not read as JSON), and nothing was read."""
    dialect = feed.dialect(session)
    postgres = dialect == "postgresql"
    try:
        with session.begin_nested() if postgres else nullcontext():  # PostgreSQL: an error aborts
            rows = session.execute(
                page_json.data_json(entity, dialect=dialect), {"ids": json.dumps(ids)}
            ).all()
    except DBAPIError as exc:
        log.warning("%s rows made in Python: the database could not make their JSON (%s)", entity, exc.orig)
        return False
    into.update(((entity, row_id), made.encode()) for row_id, made in rows)
    return True


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of GET /sync/pull: a PullResponse's fields, each change as its JSON
    (keys of a None value left out, as response_model_exclude_none does)."""

    changes: list[bytes]
    cursor: str
    has_more: bool
    last_mid: int
    server_time: str
    reset: bool
    # The page as kept for callers with the same scope and cursor (its changes then empty).
    shared: SharedPage | None = None

    def head(self) -> bytes:
        """The body up to the per-caller fields: the changes as they are, the rest by
        pydantic-core's encoder, the one FastAPI's PullResponse path used; nothing is
        made into models and checked again."""
        rest = to_json({"cursor": self.cursor, "has_more": self.has_more})
        return b'{"changes":[%b],%b,' % (b",".join(self.changes), rest[1:-1])

    def _tail(self) -> bytes:
        return to_json({"last_mid": self.last_mid, "server_time": self.server_time, "reset": self.reset})[1:]

    def json(self) -> bytes:
        if self.shared is not None:
            return self.shared.json(self._tail())
        return self.head() + self._tail()

    def gzip(self) -> bytes | None:
        """The body gzipped from the kept page, or None when it is not one."""
        return None if self.shared is None else self.shared.gzip(self._tail())

    def response(self) -> PullResponse:
        return PullResponse.model_validate_json(self.json())


def pull(
    *, db: Database, user_id: str, device_id: str, cursor: str | None, limit: int, now: Callable[[], datetime]
) -> PullResponse:
    """One page of changes after `cursor`, as a model (see `read_page`)."""
    return read_page(
        db=db, user_id=user_id, device_id=device_id, cursor=cursor, limit=limit, now=now
    ).response()


def read_page(
    *,
    db: Database,
    user_id: str,
    device_id: str,
    cursor: str | None,
    limit: int,
    now: Callable[[], datetime],
    later: Callable[[Callable[[], None]], None] | None = None,
    user: User | None = None,
    shared: SharedPages | None = None,
) -> Page:
    """One page of changes after `cursor` (raises cursor.BadCursor for a bad one).

    A cursor below the highest pruned tombstone may have missed one, so it is not
    followed: the answer says `reset` and is the first page of the caller's scope.
    A technician's pull then records how far their device has got (sync.devices):
    handed to `later` when given (the route runs it once the answer is sent: on SQLite
    that write queues at the write gate behind pushes, and under load the device
    waited seconds for it), else written before returning. `user` is the caller's row when
    already read (by authentication), saving a query. `shared`: full pages kept for
    callers with the same scope and cursor (shared_pages), taken from and added to.
    """
    position = decode_position(cursor)
    answer, user, before = _read(
        db=db,
        user_id=user_id,
        device_id=device_id,
        position=position,
        limit=limit,
        now=now,
        user=user,
        shared=shared,
    )
    if devices.tracked(user):
        pulled_seq = decode_position(answer.cursor).seq
        moment = now()
        if devices.pull_needs_write(before, pulled_seq=pulled_seq, walk_done=not answer.has_more, now=moment):
            record = partial(
                devices.record_pull, db, user=user, device_id=device_id, pulled_seq=pulled_seq, now=moment
            )
            if later is None:
                record()
            else:
                later(record)
    return answer


def _read(
    *,
    db: Database,
    user_id: str,
    device_id: str,
    position: Position,
    limit: int,
    now: Callable[[], datetime],
    user: User | None,
    shared: SharedPages | None,
) -> tuple[Page, User, devices.Seen | None]:
    """The page, the caller, and the caller's device row as it was (sync truth)."""
    with db.read() as session:
        if feed.dialect(session) == "postgresql":
            # One snapshot for the id query, the row loads and the pruning mark, so data
            # matches its seq and a prune committing meanwhile is either wholly seen or not.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        if user is None:
            user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} vanished during a pull")
        last_mid, mark, before = _device_facts(session, device_id=device_id)
        # From the beginning (asked for, or by reset), nothing pruned so far can concern
        # the device: the walk carries the mark as its floor (cursor.Position).
        reset = position.seq > 0 and position.covered < mark
        fresh = position.seq == 0 or reset
        after = 0 if reset else position.seq
        floor = mark if fresh else position.floor
        answer = Page(
            changes=[],
            cursor=encode(after, floor=floor),
            has_more=False,
            last_mid=last_mid,
            server_time=to_wire(now()) or "",
            reset=reset,
        )
        key = kept = None
        if shared is not None and shared.enabled:
            key = feed.share_key(user, after=after, floor=floor, limit=limit, dialect=feed.dialect(session))
            kept = shared.get(key)
        if kept is not None:  # only full pages are kept: there is more after it
            answer = replace(answer, cursor=kept.cursor, has_more=True, shared=kept)
        else:
            rows = feed.page_rows(session, user, after=after, limit=limit)
            page = rows[:limit]
            answer = replace(answer, changes=_changes(session, page), has_more=len(rows) > limit)
            if page:
                answer = replace(answer, cursor=encode(page[-1].seq, floor=floor))
            if shared is not None and key is not None and answer.has_more:
                made = SharedPage.of(answer.head(), cursor=answer.cursor, changes=len(page), made_at=now())
                shared.put(key, made)
                answer = replace(answer, changes=[], shared=made)
        return answer, user, before if devices.tracked(user) else None


def _device_facts(session: Session, *, device_id: str) -> tuple[int, int, devices.Seen | None]:
    """The device's last_mid, the pruning mark and the device's sync-truth row, in one
    statement (three ORM loads were a third of a small pull's time, issue 11). All are
    read in the page's own snapshot, so their order does not matter."""
    device, status = Device.__table__, DeviceStatus.__table__
    found = session.execute(
        select(
            device.c.last_mid,
            pruned_mark(),
            status.c.id,
            status.c.last_pull_at,
            status.c.pulled_seq,
            status.c.last_push_at,
        )
        .select_from(device.outerjoin(status, status.c.id == device.c.device_id))
        .where(device.c.device_id == device_id)
    ).first()
    if found is None:  # no device row (status rows need one): nothing pushed or seen
        return 0, pruned_through(session), None
    last_mid, mark, status_id, last_pull_at, pulled_seq, last_push_at = found
    before = None if status_id is None else devices.Seen(last_pull_at, pulled_seq, last_push_at)
    return last_mid, mark or 0, before
