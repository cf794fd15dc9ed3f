"""Words the services put in sentences for people: statuses, moves, fields."""

from __future__ import annotations

from app.domain import Status

STATUS_WORD: dict[Status, str] = {
    Status.NEW: "New",
    Status.ASSIGNED: "Assigned",
    Status.EN_ROUTE: "En route",
    Status.IN_PROGRESS: "In progress",
    Status.ON_HOLD: "On hold",
    Status.COMPLETED: "Completed",
    Status.CANNOT_COMPLETE: "Cannot complete",
    Status.CLOSED: "Closed",
    Status.CANCELLED: "Cancelled",
}

# A move, named by where it goes (what the button said).
MOVE_WORD: dict[Status, str] = {
    Status.NEW: "Unassign",
    Status.ASSIGNED: "Assign",
    Status.EN_ROUTE: "On my way",
    Status.IN_PROGRESS: "Start work",
    Status.ON_HOLD: "Put on hold",
    Status.COMPLETED: "Complete",
    Status.CANNOT_COMPLETE: "Cannot complete",
    Status.CLOSED: "Close",
    Status.CANCELLED: "Cancel",
}

_FIELD_WORD = {"assignee_id": "assignee", "due_at": "due time", "requires_signature": "signature requirement"}


def status_word(value: Status | str) -> str:
    try:
        return STATUS_WORD[Status(value)]
    except ValueError:
        return str(value).replace("_", " ").capitalize()


def field_label(name: str) -> str:
    return _FIELD_WORD.get(name, name.replace("_", " "))
