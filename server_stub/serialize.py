"""Rows as pulled (sync-protocol.md, "Rows as pulled").

Each entity's row is described once (`Pulled`): the keys it is sent with, each the
column of that name, in the order sent; which of them are times; and what little else
the row needs. A pull turns plain rows of exactly those columns into dicts
(`Pulled.from_row`, without building ORM objects); everyone else passes an ORM object
(`Pulled.from_object`, or the functions below)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.domain import LIFECYCLE_FIELDS
from app.domain.protocol import Entity
from server_stub.models import (
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    DeviceStatus,
    Note,
    Part,
    PartUsage,
    Photo,
    Schedule,
    Signature,
    TimeLog,
    User,
    WorkOrder,
)
from server_stub.timeutil import to_wire


@dataclass(frozen=True, slots=True)
class Pulled:
    """How one entity is pulled.

    `fields`: the keys sent, in order, each read from the column of that name.
    `times`: those sent as wire times. `finish`: what the row needs besides (it may
    add a key from a column read for it). `extra`: columns read for `finish`, not sent.
    """

    model: Any
    fields: tuple[str, ...]
    times: tuple[str, ...] = ()
    finish: Callable[[dict[str, Any]], None] | None = None
    extra: tuple[str, ...] = ()
    # The columns a pull selects: the fields, then the extra ones, then `id` if not sent
    # (a page finds its rows by id).
    columns: tuple[str, ...] = field(init=False)
    id_index: int = field(init=False)
    _unsent: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        unsent = (*self.extra, *(() if "id" in self.fields else ("id",)))
        columns = (*self.fields, *unsent)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "id_index", columns.index("id"))
        object.__setattr__(self, "_unsent", unsent)

    def from_row(self, row: Any) -> dict[str, Any]:
        """The row as sent, from a row of `columns` in that order."""
        data = dict(zip(self.columns, row, strict=True))
        return self._finished(data)

    def from_object(self, row: Any) -> dict[str, Any]:
        """The row as sent, from anything with the columns as attributes (an ORM object)."""
        return self._finished({name: getattr(row, name) for name in self.columns})

    def _finished(self, data: dict[str, Any]) -> dict[str, Any]:
        for name in self.times:
            data[name] = to_wire(data[name])
        if self.finish is not None:
            self.finish(data)
        for name in self._unsent:
            del data[name]
        return data


def _keys(text: str, *more: str) -> tuple[str, ...]:
    return (*text.split(), *more)


def _order(data: dict[str, Any]) -> None:
    data["required_skills"] = list(data["required_skills"] or [])


def _user(data: dict[str, Any]) -> None:
    data["skills"] = list(data["skills"] or [])
    # False once `ordo-server user disable` ran: kept in the directory (their
    # past work names them), never offered as an assignee.
    data["active"] = data["disabled_at"] is None


def _template(data: dict[str, Any]) -> None:
    data["items"] = [dict(item) for item in data["items"] or []]


# entity -> how it is pulled.
PULLED: dict[str, Pulled] = {
    Entity.WORK_ORDER.value: Pulled(
        WorkOrder,
        _keys(
            """id number title description kind priority status status_reason assignee_id customer
            site asset due_at requires_signature required_skills source external_id created_at
            updated_at""",
            *LIFECYCLE_FIELDS.values(),
            # The dashboard's facts (app.domain.measures), after the lifecycle's times.
            "first_assigned_at",
            "reopen_count",
            "follow_up_of",
        ),
        times=("due_at", "created_at", "updated_at", *LIFECYCLE_FIELDS.values(), "first_assigned_at"),
        finish=_order,
    ),
    Entity.CHECKLIST_ITEM.value: Pulled(
        ChecklistItem, _keys("id order_id position label kind required value done unit min max")
    ),
    Entity.NOTE.value: Pulled(Note, _keys("id order_id author_id text at voided"), times=("at",)),
    Entity.PHOTO.value: Pulled(
        Photo,
        _keys(
            "id order_id author_id sha256 size content_type width height caption taken_at blob_status voided"
        ),
        times=("taken_at",),
    ),
    Entity.TIME_LOG.value: Pulled(
        TimeLog,
        _keys("id order_id user_id kind started_at ended_at voided"),
        times=("started_at", "ended_at"),
    ),
    Entity.PART_USAGE.value: Pulled(PartUsage, _keys("id order_id user_id sku quantity voided")),
    Entity.SIGNATURE.value: Pulled(
        Signature, _keys("id order_id signer_name sha256 signed_at"), times=("signed_at",)
    ),
    Entity.PART.value: Pulled(Part, _keys("sku name unit")),
    Entity.CONFLICT.value: Pulled(
        Conflict,
        # Who made the losing change, when the server kept it, and on which order, after the rest.
        _keys(
            """id order_id entity entity_id field mine theirs mid device_id status resolution user_id
            created_at order_number"""
        ),
        times=("created_at",),
    ),
    Entity.USER.value: Pulled(
        User, _keys("id username display_name role skills"), finish=_user, extra=("disabled_at",)
    ),
    Entity.CHECKLIST_TEMPLATE.value: Pulled(
        ChecklistTemplate,
        _keys("id name kind items archived updated_at"),
        times=("updated_at",),
        finish=_template,
    ),
    # `timezone` is a protocol addition (shared/sync-protocol.md, Schedules): the zone its
    # dates are counted in.
    Entity.SCHEDULE.value: Pulled(
        Schedule,
        _keys(
            """id name site asset every anchor starts_on lead_days template assignee_id paused next_due_on
            timezone updated_at"""
        ),
        times=("updated_at",),
    ),
    Entity.DEVICE.value: Pulled(
        DeviceStatus,
        _keys("id user_id last_pull_at pulled_seq last_push_at"),
        times=("last_pull_at", "last_push_at"),
    ),
}


def work_order(row: WorkOrder) -> dict[str, Any]:
    return PULLED[Entity.WORK_ORDER.value].from_object(row)


def checklist_item(row: ChecklistItem) -> dict[str, Any]:
    return PULLED[Entity.CHECKLIST_ITEM.value].from_object(row)


def note(row: Note) -> dict[str, Any]:
    return PULLED[Entity.NOTE.value].from_object(row)


def photo(row: Photo) -> dict[str, Any]:
    return PULLED[Entity.PHOTO.value].from_object(row)


def time_log(row: TimeLog) -> dict[str, Any]:
    return PULLED[Entity.TIME_LOG.value].from_object(row)


def part_usage(row: PartUsage) -> dict[str, Any]:
    return PULLED[Entity.PART_USAGE.value].from_object(row)


def signature(row: Signature) -> dict[str, Any]:
    return PULLED[Entity.SIGNATURE.value].from_object(row)


def part(row: Part) -> dict[str, Any]:
    return PULLED[Entity.PART.value].from_object(row)


def conflict(row: Conflict) -> dict[str, Any]:
    return PULLED[Entity.CONFLICT.value].from_object(row)


def checklist_template(row: ChecklistTemplate) -> dict[str, Any]:
    return PULLED[Entity.CHECKLIST_TEMPLATE.value].from_object(row)


def device(row: DeviceStatus) -> dict[str, Any]:
    return PULLED[Entity.DEVICE.value].from_object(row)


def user(row: User) -> dict[str, Any]:
    return PULLED[Entity.USER.value].from_object(row)
