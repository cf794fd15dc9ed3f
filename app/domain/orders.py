"""Rules of the work order besides its states: priorities, due times,
field ownership and the completion gate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.states import Status


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Kind(StrEnum):
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    INSPECTION = "inspection"
    INSTALLATION = "installation"


class Source(StrEnum):
    MANUAL = "manual"
    REQUEST = "request"
    ALERT = "alert"
    SCHEDULE = "schedule"
    IMPORT = "import"  # a row of a CSV file (server_stub.imports)


class ChecklistKind(StrEnum):
    CHECK = "check"
    NUMBER = "number"
    TEXT = "text"
    PASS_FAIL = "pass_fail"


DEFAULT_DUE: Mapping[Priority, timedelta] = {
    Priority.URGENT: timedelta(hours=4),
    Priority.HIGH: timedelta(hours=24),
    Priority.NORMAL: timedelta(days=3),
    Priority.LOW: timedelta(days=7),
}

PRIORITY_RANK: Mapping[Priority, int] = {
    Priority.URGENT: 0,
    Priority.HIGH: 1,
    Priority.NORMAL: 2,
    Priority.LOW: 3,
}


def default_due(
    *, priority: Priority, created_at: datetime, overrides: Mapping[Priority, timedelta] | None = None
) -> datetime:
    """Due time of an order made at `created_at`, from its priority."""
    table = {**DEFAULT_DUE, **(overrides or {})}
    return created_at + table[priority]


# Fields only a dispatcher decides; a technician's edit to them is a conflict.
DISPATCHER_FIELDS: frozenset[str] = frozenset(
    {
        "title",
        "description",
        "kind",
        "priority",
        "assignee_id",
        "site",
        "asset",
        "customer",
        "due_at",
        "requires_signature",
        "checklist",
        "required_skills",  # who may take it: tags, app.domain.skills
    }
)

# The timestamp field set when an order enters each state.
LIFECYCLE_FIELDS: Mapping[Status, str] = {
    Status.ASSIGNED: "assigned_at",
    Status.EN_ROUTE: "en_route_at",
    Status.IN_PROGRESS: "started_at",
    Status.ON_HOLD: "on_hold_at",
    Status.COMPLETED: "completed_at",
    Status.CANNOT_COMPLETE: "cannot_complete_at",
    Status.CLOSED: "closed_at",
    Status.CANCELLED: "cancelled_at",
}


@dataclass(frozen=True, slots=True)
class ChecklistState:
    """What the completion gate needs of one checklist item."""

    label: str
    required: bool
    done: bool


def completion_blockers(
    *, checklist: Iterable[ChecklistState], requires_signature: bool, has_signature: bool
) -> list[str]:
    """Why an order may not be completed yet; empty when it may."""
    reasons = [f"required checklist item not done: {i.label}" for i in checklist if i.required and not i.done]
    if requires_signature and not has_signature:
        reasons.append("a signature is required")
    return reasons


# Statuses in which a late order is no longer anyone's worry.
SETTLED: frozenset[Status] = frozenset({Status.COMPLETED, Status.CLOSED, Status.CANCELLED})


def is_overdue(*, status: Status, due_at: datetime | None, now: datetime) -> bool:
    """Late and still to be done: what the list groups and paints red."""
    return due_at is not None and due_at < now and status not in SETTLED


def format_number(n: int) -> str:
    """The human number of the n-th order of an organisation."""
    return f"WO-{n:06d}"
