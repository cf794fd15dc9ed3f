"""Which rows a pull page holds: per entity, the rows in the caller's scope after the
cursor, each walked in seq order, merged and cut at limit + 1 (one statement per role
and kind of walk, built once: `_feed`). What those rows say is sync.pull's part.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    Integer,
    Select,
    String,
    bindparam,
    exists,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.domain import rules
from app.domain.protocol import Entity
from server_stub.auth import policy
from server_stub.models import (
    ORDER_CHILDREN,
    ChecklistTemplate,
    Conflict,
    DeviceStatus,
    Part,
    Schedule,
    ScopeExit,
    User,
    WorkOrder,
)

# Internal marker of a tombstone row in the feed; it goes out as a deleted work_order.
OUT_OF_SCOPE = "out_of_scope"


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
        arms.append(_Arm(OUT_OF_SCOPE, ScopeExit, gone, ScopeExit.order_id))
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


def scope_queries(user: User, *, after: int) -> list[Select[Any]]:
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


def share_key(user: User, *, after: int, floor: int, limit: int, dialect: str) -> Hashable:
    """Callers who get the same page: the same feed statement with the same parameters
    (shared_pages). A dispatch role's feed names only the organisation; a technician's
    names them."""
    who = user.id if _names_user(role=user.role, resumed=after > 0) else user.org_id
    return (who, user.role, after, floor, limit, dialect)


def page_rows(session: Session, user: User, *, after: int, limit: int) -> Sequence[Any]:
    """(entity, id, seq) of the next limit + 1 changes in `user`'s scope after `after`."""
    sqlite = dialect(session) == "sqlite"
    feed = _feed(role=user.role, resumed=after > 0, limit_each=not sqlite)
    params = {"pull_user": user.id, "pull_org": user.org_id, "pull_after": after, "pull_limit": limit + 1}
    return session.execute(feed, params).all()


def dialect(session: Session) -> str:
    """The database the session reads: sqlite or postgresql."""
    return session.get_bind().dialect.name
