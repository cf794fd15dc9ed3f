"""The dispatcher-owned fields of a work order: how a sent value is checked,
how it compares with the stored one, and how it is written (assigning included).
Used by order.update and by conflict.resolve."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import StrictBool, StringConstraints, TypeAdapter, ValidationError

from app.domain import LIFECYCLE_FIELDS, Kind, Priority, Status, limits, measures, rules
from app.domain.codes import Code
from app.domain.protocol import CustomerArgs, RequiredSkills, SiteArgs
from server_stub.auth import policy
from server_stub.models import WorkOrder
from server_stub.sync.apply import checklist_def, scope
from server_stub.sync.apply.common import Context, Rejected, parse_time, person
from server_stub.timeutil import to_db, to_wire

# Orders in these states keep their assignee (the rulebook's set).
NOT_REASSIGNABLE = rules.NOT_REASSIGNABLE


@dataclass(frozen=True, slots=True)
class FieldCodec:
    """`decode`: wire value -> stored value (raises Rejected); `wire`: stored -> wire."""

    decode: Callable[[Any], Any]
    wire: Callable[[Any], Any]


def _adapted(adapter: TypeAdapter[Any], *, name: str, then: Callable[[Any], Any] = lambda v: v) -> Any:
    def decode(value: Any) -> Any:
        try:
            return then(adapter.validate_python(value))
        except ValidationError as exc:
            raise Rejected(Code.INVALID_ARGS, f"fields.{name}: {exc.errors()[0]['msg']}") from None

    return decode


def _same(value: Any) -> Any:
    return value


def _due(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejected(Code.INVALID_ARGS, "fields.due_at: an ISO-8601 time or null")
    return parse_time(value, name="fields.due_at")


def _uuid_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


_SITE = TypeAdapter(SiteArgs)
_CUSTOMER = TypeAdapter(CustomerArgs)


def _site_wire(value: Any) -> Any:
    try:
        return SiteArgs.model_validate(value or {}).model_dump(mode="json")
    except ValidationError:
        return value  # a stored value from before these checks: compared as it is


def _customer_wire(value: Any) -> Any:
    try:
        return CustomerArgs.model_validate(value or {}).model_dump(mode="json")
    except ValidationError:
        return value


CODECS: dict[str, FieldCodec] = {
    "title": FieldCodec(
        _adapted(
            TypeAdapter(Annotated[str, StringConstraints(min_length=1, max_length=limits.MAX_TITLE)]),
            name="title",
        ),
        _same,
    ),
    "description": FieldCodec(
        _adapted(
            TypeAdapter(Annotated[str, StringConstraints(max_length=limits.MAX_DESCRIPTION)]),
            name="description",
        ),
        _same,
    ),
    "kind": FieldCodec(_adapted(TypeAdapter(Kind), name="kind", then=lambda k: k.value), _same),
    "priority": FieldCodec(_adapted(TypeAdapter(Priority), name="priority", then=lambda p: p.value), _same),
    "assignee_id": FieldCodec(
        _adapted(TypeAdapter(uuid.UUID | None), name="assignee_id", then=_uuid_text), _same
    ),
    "site": FieldCodec(_adapted(_SITE, name="site", then=lambda s: s.model_dump(mode="json")), _site_wire),
    "customer": FieldCodec(
        _adapted(_CUSTOMER, name="customer", then=lambda c: c.model_dump(mode="json")), _customer_wire
    ),
    "asset": FieldCodec(
        _adapted(
            TypeAdapter(Annotated[str, StringConstraints(max_length=limits.MAX_ASSET)] | None), name="asset"
        ),
        _same,
    ),
    "due_at": FieldCodec(_due, to_wire),
    "requires_signature": FieldCodec(_adapted(TypeAdapter(StrictBool), name="requires_signature"), _same),
    # Tags, normalised and each once (app.domain.skills); the list's order is kept.
    "required_skills": FieldCodec(
        _adapted(TypeAdapter(RequiredSkills), name="required_skills"), lambda v: list(v or [])
    ),
    # Stored as rows, not a column: `stored` reads it, `write` hands it to checklist_def.
    "checklist": FieldCodec(checklist_def.decode, _same),
}


def decode(name: str, value: Any) -> Any:
    codec = CODECS.get(name)
    if codec is None:
        raise Rejected(Code.INVALID_ARGS, f"fields.{name}: not a field an order.update may change")
    return codec.decode(value)


def wire_of(name: str, stored: Any) -> Any:
    return CODECS[name].wire(stored)


def stored(ctx: Context, *, order: WorkOrder, name: str) -> Any:
    """The server's value of a field, in the form `decode` returns."""
    if name == "checklist":
        return checklist_def.current(ctx, order)
    return getattr(order, name)


def write(ctx: Context, *, order: WorkOrder, name: str, value: Any, seq: int) -> bool:
    """Write one checked field at `seq`; assigning moves the status per the protocol.

    Returns True when a rule kept part of the value back (the result is `merged`).
    """
    kept_back = False
    was = _for_history(name, wire_of(name, stored(ctx, order=order, name=name)))
    if name == "checklist":
        kept_back = checklist_def.write(ctx, order=order, defs=value)
    elif name == "assignee_id":
        before = scope.seeing(ctx, order)
        _assign(ctx, order=order, assignee_id=value, seq=seq)
        order.assignee_id = value
        scope.changed(ctx, order=order, before=before)
    else:
        setattr(order, name, value)
    order.field_seqs = {**(order.field_seqs or {}), name: seq}
    ctx.changed(name, was, _for_history(name, wire_of(name, stored(ctx, order=order, name=name))))
    return kept_back


def _for_history(name: str, wire: Any) -> Any:
    """A field's value as the history keeps it: a checklist by its labels, in order."""
    if name == "checklist":
        return [item["label"] for item in wire]
    return wire


def check_assignable(ctx: Context, *, order: WorkOrder, assignee_id: str | None) -> None:
    """Raise Rejected when `assignee_id` may not be set on `order` now: the rulebook's
    judgement of the state, then whether that person is an active technician here."""
    judged = rules.judge_assign(status=Status(order.status), assignee_id=assignee_id)
    if not judged.allowed:
        raise Rejected.of(judged)
    if assignee_id is not None and not policy.may_be_assignee(person(ctx, assignee_id), org_id=order.org_id):
        raise Rejected(Code.UNKNOWN_ASSIGNEE, f"no active technician {assignee_id} in this organisation")


def _assign(ctx: Context, *, order: WorkOrder, assignee_id: str | None, seq: int) -> None:
    check_assignable(ctx, order=order, assignee_id=assignee_id)
    current = Status(order.status)
    to = rules.status_after_assign(status=current, assignee_id=assignee_id)
    if assignee_id is not None and assignee_id not in (order.past_assignees or []):
        order.past_assignees = [*(order.past_assignees or []), assignee_id]
    order.first_assigned_at = measures.first_assigned(
        current=order.first_assigned_at, assignee_id=assignee_id, at=to_db(ctx.now)
    )
    if to is not current:
        ctx.changed("status", current.value, to.value)
        order.status = to.value
        order.status_reason = None
        if to in LIFECYCLE_FIELDS:
            setattr(order, LIFECYCLE_FIELDS[to], to_db(ctx.now))
        order.field_seqs = {**(order.field_seqs or {}), "status": seq}
