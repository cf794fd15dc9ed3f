"""The pull feed: every row change in the caller's scope, in seq order.

A page costs about its own size, not the scope's (issue 11: a first pull of 10,000
orders is some 90,000 changes):
1. which rows: per entity, the rows in scope after the cursor, each walked in seq
   order, merged and cut at limit + 1 (one statement, built once: `_feed`);
2. their data: per entity on the page, those rows by id, as JSON made by the database
   (page_json; else from the pulled columns as plain rows, serialize.PULLED).
Each change is JSON from then on; the route sends `Page.json`, `pull` a PullResponse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, lru_cache, partial
from typing import Any, cast

from pydantic_core import from_json, to_json
from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Executable,
    Integer,
    Select,
    String,
    Text,
    TypeDecorator,
    bindparam,
    exists,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.domain import rules
from app.domain.protocol import Entity, PullResponse
from server_stub import serialize
from server_stub.auth import policy
from server_stub.db import Database
from server_stub.models import (
    ORDER_CHILDREN,
    ChecklistTemplate,
    Conflict,
    Device,
    DeviceStatus,
    Part,
    Schedule,
    ScopeExit,
    User,
    WorkOrder,
)
from server_stub.sync import devices, page_json
from server_stub.sync.cursor import Position, decode_position, encode
from server_stub.sync.shared_pages import SharedPage, SharedPages
from server_stub.sync.tombstones import pruned_mark, pruned_through
from server_stub.timeutil import to_wire

log = logging.getLogger(__name__)

# Internal marker of a tombstone row in the feed; it goes out as a deleted work_order.
_OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class _Arm:
    """One entity's share of a caller's feed: its rows in scope (`scope`, without the
    seq bound) and the column sent as the change's id."""

    entity: str
    model: Any
    scope: ColumnElement[bool]
    key: Any


def _arms(user: User, *, resumed: bool) -> list[_Arm]:
    """The caller's feed, entity by entity (the scope of sync-protocol.md, "Pull").

    Scope lives in policy.visible_orders; children follow their order. An order
    entering a scope has had its children re-stamped (apply.scope); one leaving
    it comes as a tombstone from scope_exits.
    """
    visible = policy.visible_orders(user)
    orders = select(WorkOrder.id).where(visible)
    in_scope: Callable[[Any], ColumnElement[bool]]
    if policy.role_of(user) in rules.DISPATCH_ROLES:
        # The whole organisation: each table is walked by its seq index from the cursor,
        # each row's order looked up by key, until the page is full. (As `IN (orders)`,
        # SQLite would read every child of every order and sort them, for every page.)
        def in_scope(model: Any) -> ColumnElement[bool]:
            return exists().where(WorkOrder.id == model.order_id, visible)
    else:
        # A technician's few orders: their children are found through them, the orders
        # listed once per statement rather than once for each kind of child.
        listed = orders.cte("scope_orders")

        def in_scope(model: Any) -> ColumnElement[bool]:
            return model.order_id.in_(select(listed.c.id))

    arms = [
        _Arm(Entity.WORK_ORDER.value, WorkOrder, visible, WorkOrder.id),
        *(_Arm(entity.value, model, in_scope(model), model.id) for entity, model in ORDER_CHILDREN),
        _Arm(Entity.USER.value, User, User.org_id == user.org_id, User.id),
        _Arm(Entity.PART.value, Part, Part.org_id == user.org_id, Part.id),
    ]
    if rules.is_dispatcher(user.role):
        # The desk's own rows: the organisation's templates, and how far each technician's
        # device has pulled (sync.devices; never written for these callers' own devices).
        arms += [
            _Arm(entity.value, model, model.org_id == user.org_id, model.id)
            for entity, model in (
                (Entity.CHECKLIST_TEMPLATE, ChecklistTemplate),
                (Entity.SCHEDULE, Schedule),
                (Entity.DEVICE, DeviceStatus),
            )
        ]
    if resumed and policy.role_of(user) not in rules.DISPATCH_ROLES:
        # A device pulling from the beginning holds nothing to remove. An order that
        # came back into scope since is sent as itself, not as a tombstone. Dispatch
        # roles see every order of the organisation: none ever leaves their scope (and
        # without this arm their feed names no user, so their pages are shared).
        gone = (ScopeExit.user_id == user.id) & ScopeExit.order_id.not_in(orders)
        arms.append(_Arm(_OUT_OF_SCOPE, ScopeExit, gone, ScopeExit.order_id))
    if policy.sees_all_conflicts(user):
        of_org = exists().where(WorkOrder.id == Conflict.order_id, WorkOrder.org_id == user.org_id)
        arms.append(_Arm(Entity.CONFLICT.value, Conflict, of_org, Conflict.id))
    else:
        arms.append(_Arm(Entity.CONFLICT.value, Conflict, Conflict.user_id == user.id, Conflict.id))
    return arms


def _arm_query(arm: _Arm, *, after: Any) -> Select[Any]:
    return select(literal(arm.entity).label("entity"), arm.key.label("id"), arm.model.seq.label("seq")).where(
        arm.scope, arm.model.seq > after
    )


def _scope_queries(user: User, *, after: int) -> list[Select[Any]]:
    """One (entity, id, seq) query per entity, each limited to `user`'s scope (live
    pokes ask the same union for its newest seq: server_stub.live.scope)."""
    return [_arm_query(arm, after=after) for arm in _arms(user, resumed=after > 0)]


@dataclass(frozen=True, slots=True)
class _Caller:
    """Stands in for a User while a feed statement is built: the role as itself, the
    ids as bound parameters (all that policy and the arms read of a user)."""

    role: str
    id: Any = field(default_factory=lambda: bindparam("pull_user", type_=String))
    org_id: Any = field(default_factory=lambda: bindparam("pull_org", type_=String))


@lru_cache(maxsize=32)
def _feed(*, role: str, resumed: bool, limit_each: bool) -> Executable:
    """The statement for a page: (entity, id, seq) of the next `pull_limit` changes
    after `pull_after` in the scope of the caller `pull_user` of `pull_org`, merged
    from the arms' walks in seq order, so no arm reads much further than a page.

    How the merge stops early differs. SQLite merges plain arms itself, each walking
    its seq index, and stops at the limit (an arm made a limited subquery is sorted
    whole first). PostgreSQL merges arms that are limited each (without that, it may
    scan and sort every arm whole, for every page): `limit_each`.

    Built once per role and kind of walk, not per page (building it costs more than
    SQLite takes to run it); the scope's shape depends on nothing else of a user."""
    caller = cast(User, _Caller(role=role))
    after, limit = bindparam("pull_after", type_=BigInteger), bindparam("pull_limit", type_=Integer)
    queries = [_arm_query(arm, after=after) for arm in _arms(caller, resumed=resumed)]
    if not limit_each:
        return union_all(*queries).order_by(literal_column("seq")).limit(limit)
    arms = [query.order_by(query.selected_columns.seq).limit(limit).subquery() for query in queries]
    feed = union_all(*(select(arm) for arm in arms)).subquery()
    return select(feed).order_by(feed.c.seq).limit(limit)


@cache
def _names_user(*, role: str, resumed: bool) -> bool:
    """Whether the feed of `role` names its caller, not only their organisation."""
    compiled = _feed(role=role, resumed=resumed, limit_each=False).compile()
    return "pull_user" in compiled.params


def _share_key(user: User, *, after: int, floor: int, limit: int, dialect: str) -> Hashable:
    """Callers who get the same page: the same feed statement with the same parameters
    (shared_pages). A dispatch role's feed names only the organisation; a technician's
    names them."""
    who = user.id if _names_user(role=user.role, resumed=after > 0) else user.org_id
    return (who, user.role, after, floor, limit, dialect)


def _page_rows(session: Session, user: User, *, after: int, limit: int) -> Sequence[Any]:
    """(entity, id, seq) of the next limit + 1 changes in `user`'s scope after `after`."""
    sqlite = _dialect(session) == "sqlite"
    feed = _feed(role=user.role, resumed=after > 0, limit_each=not sqlite)
    params = {"pull_user": user.id, "pull_org": user.org_id, "pull_after": after, "pull_limit": limit + 1}
    return session.execute(feed, params).all()


def _dialect(session: Session) -> str:
    """The database the session reads: sqlite or postgresql."""
    return session.get_bind().dialect.name


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
        if entity != _OUT_OF_SCOPE:
            wanted.setdefault(entity, []).append(row_id)
    data: dict[tuple[str, str], bytes] = {}
    sqlite = _dialect(session) == "sqlite"
    for entity, ids in wanted.items():
        if not _read_as_json(session, entity, ids, into=data):
            pulled = serialize.PULLED[entity]
            at, from_row = pulled.id_index, pulled.from_row
            for found in session.execute(_load(entity, sqlite=sqlite), {"ids": ids}).all():
                data[(entity, found[at])] = to_json(from_row(found), inf_nan_mode="null")
    changes: list[bytes] = []
    for entity, row_id, seq in page:
        if entity == _OUT_OF_SCOPE:
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
    dialect = _dialect(session)
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
        if _dialect(session) == "postgresql":
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
            key = _share_key(user, after=after, floor=floor, limit=limit, dialect=_dialect(session))
            kept = shared.get(key)
        if kept is not None:  # only full pages are kept: there is more after it
            answer = replace(answer, cursor=kept.cursor, has_more=True, shared=kept)
        else:
            rows = _page_rows(session, user, after=after, limit=limit)
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
