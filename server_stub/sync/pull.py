"""The pull feed: every row change in the caller's scope, in seq order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from app.domain import rules
from app.domain.protocol import Change, Entity, PullResponse
from server_stub import policy, serialize
from server_stub.db import Database
from server_stub.models import (
    ORDER_CHILDREN,
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    Device,
    DeviceStatus,
    Note,
    Part,
    PartUsage,
    Photo,
    ScopeExit,
    Signature,
    TimeLog,
    User,
    WorkOrder,
)
from server_stub.sync import devices
from server_stub.sync.cursor import Position, decode_position, encode
from server_stub.sync.tombstones import pruned_through
from server_stub.timeutil import to_wire

# Internal marker of a tombstone row in the feed; it goes out as a deleted work_order.
_OUT_OF_SCOPE = "out_of_scope"

# entity -> (model, serializer)
_ENTITIES: dict[Entity, tuple[Any, Callable[[Any], dict[str, Any]]]] = {
    Entity.WORK_ORDER: (WorkOrder, serialize.work_order),
    Entity.CHECKLIST_ITEM: (ChecklistItem, serialize.checklist_item),
    Entity.NOTE: (Note, serialize.note),
    Entity.PHOTO: (Photo, serialize.photo),
    Entity.TIME_LOG: (TimeLog, serialize.time_log),
    Entity.PART_USAGE: (PartUsage, serialize.part_usage),
    Entity.SIGNATURE: (Signature, serialize.signature),
    Entity.PART: (Part, serialize.part),
    Entity.CONFLICT: (Conflict, serialize.conflict),
    Entity.USER: (User, serialize.user),
    Entity.CHECKLIST_TEMPLATE: (ChecklistTemplate, serialize.checklist_template),
    Entity.DEVICE: (DeviceStatus, serialize.device),
}


def _scope_queries(user: User, *, after: int) -> list[Select[Any]]:
    """One (entity, id, seq) query per entity, each limited to `user`'s scope.

    Scope lives in policy.visible_orders; children follow their order. An order
    entering a scope has had its children re-stamped (apply.scope); one leaving
    it comes as a tombstone from scope_exits.
    """
    visible = policy.visible_orders(user)
    orders = select(WorkOrder.id).where(visible)
    queries: list[Select[Any]] = [
        select(
            literal(Entity.WORK_ORDER.value).label("entity"),
            WorkOrder.id.label("id"),
            WorkOrder.seq.label("seq"),
        ).where(visible, WorkOrder.seq > after),
        *(
            select(literal(entity.value), model.id, model.seq).where(
                model.order_id.in_(orders), model.seq > after
            )
            for entity, model in ORDER_CHILDREN
        ),
        select(literal(Entity.USER.value), User.id, User.seq).where(
            User.org_id == user.org_id, User.seq > after
        ),
        select(literal(Entity.PART.value), Part.id, Part.seq).where(
            Part.org_id == user.org_id, Part.seq > after
        ),
    ]
    if rules.is_dispatcher(user.role):
        # The desk's own rows: the organisation's templates, and how far each technician's
        # device has pulled (sync.devices; never written for these callers' own devices).
        queries += [
            select(literal(entity.value), model.id, model.seq).where(
                model.org_id == user.org_id, model.seq > after
            )
            for entity, model in (
                (Entity.CHECKLIST_TEMPLATE, ChecklistTemplate),
                (Entity.DEVICE, DeviceStatus),
            )
        ]
    if after > 0:
        # A device pulling from the beginning holds nothing to remove. An order that
        # came back into scope since is sent as itself, not as a tombstone.
        exits = select(literal(_OUT_OF_SCOPE), ScopeExit.order_id, ScopeExit.seq).where(
            ScopeExit.user_id == user.id, ScopeExit.seq > after, ScopeExit.order_id.not_in(orders)
        )
        queries.append(exits)
    conflicts = select(literal(Entity.CONFLICT.value), Conflict.id, Conflict.seq).where(Conflict.seq > after)
    if policy.sees_all_conflicts(user):
        all_orders = select(WorkOrder.id).where(WorkOrder.org_id == user.org_id)
        conflicts = conflicts.where(Conflict.order_id.in_(all_orders))
    else:
        conflicts = conflicts.where(Conflict.user_id == user.id)
    queries.append(conflicts)
    return queries


def _load(session: Session, page: Sequence[Any]) -> list[Change]:
    wanted: dict[Entity, list[str]] = {}
    for row in page:
        if row.entity != _OUT_OF_SCOPE:
            wanted.setdefault(Entity(row.entity), []).append(row.id)
    data: dict[tuple[Entity, str], dict[str, Any]] = {}
    for entity, ids in wanted.items():
        model, to_data = _ENTITIES[entity]
        for obj in session.execute(select(model).where(model.id.in_(ids))).scalars():
            data[(entity, obj.id)] = to_data(obj)
    return [
        Change(entity=Entity.WORK_ORDER.value, id=row.id, seq=row.seq, deleted=True, reason=_OUT_OF_SCOPE)
        if row.entity == _OUT_OF_SCOPE
        else Change(entity=row.entity, id=row.id, seq=row.seq, data=data[(Entity(row.entity), row.id)])
        for row in page
    ]


def pull(
    *, db: Database, user_id: str, device_id: str, cursor: str | None, limit: int, now: Callable[[], datetime]
) -> PullResponse:
    """One page of changes after `cursor` (raises cursor.BadCursor for a bad one).

    A cursor below the highest pruned tombstone may have missed one, so it is not
    followed: the answer says `reset` and is the first page of the caller's scope.
    A technician's pull then records how far their device has got (sync.devices).
    """
    position = decode_position(cursor)
    answer, user, before = _read(
        db=db, user_id=user_id, device_id=device_id, position=position, limit=limit, now=now
    )
    if devices.tracked(user):
        pulled_seq = decode_position(answer.cursor).seq
        moment = now()
        if devices.pull_needs_write(before, pulled_seq=pulled_seq, walk_done=not answer.has_more, now=moment):
            devices.record_pull(db, user=user, device_id=device_id, pulled_seq=pulled_seq, now=moment)
    return answer


def _read(
    *, db: Database, user_id: str, device_id: str, position: Position, limit: int, now: Callable[[], datetime]
) -> tuple[PullResponse, User, devices.Seen | None]:
    """The page, the caller, and the caller's device row as it was (sync truth)."""
    with db.read() as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # One snapshot for the id query, the row loads and the pruning mark, so data
            # matches its seq and a prune committing meanwhile is either wholly seen or not.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} vanished during a pull")
        mark = pruned_through(session)
        # From the beginning (asked for, or by reset), nothing pruned so far can concern
        # the device: the walk carries the mark as its floor (cursor.Position).
        reset = position.seq > 0 and position.covered < mark
        fresh = position.seq == 0 or reset
        after = 0 if reset else position.seq
        floor = mark if fresh else position.floor
        feed = union_all(*_scope_queries(user, after=after)).subquery()
        rows = session.execute(select(feed).order_by(feed.c.seq).limit(limit + 1)).all()
        page = rows[:limit]
        changes = _load(session, page)
        device = session.get(Device, device_id)
        answer = PullResponse(
            changes=changes,
            cursor=encode(page[-1].seq if page else after, floor=floor),
            has_more=len(rows) > limit,
            last_mid=device.last_mid if device else 0,
            server_time=to_wire(now()) or "",
            reset=reset,
        )
        before = devices.seen(session.get(DeviceStatus, device_id)) if devices.tracked(user) else None
        return answer, user, before
