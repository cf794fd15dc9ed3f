from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain import (
    DISPATCHER_FIELDS,
    LIFECYCLE_FIELDS,
    ChecklistState,
    Priority,
    Status,
    completion_blockers,
    default_due,
    format_number,
    is_overdue,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_default_due_by_priority() -> None:
    assert default_due(priority=Priority.URGENT, created_at=T0) == T0 + timedelta(hours=4)
    assert default_due(priority=Priority.HIGH, created_at=T0) == T0 + timedelta(hours=24)
    assert default_due(priority=Priority.NORMAL, created_at=T0) == T0 + timedelta(days=3)
    assert default_due(priority=Priority.LOW, created_at=T0) == T0 + timedelta(days=7)


def test_default_due_is_configurable() -> None:
    due = default_due(priority=Priority.LOW, created_at=T0, overrides={Priority.LOW: timedelta(days=14)})
    assert due == T0 + timedelta(days=14)
    # Other priorities keep their defaults.
    assert default_due(
        priority=Priority.URGENT, created_at=T0, overrides={Priority.LOW: timedelta(days=14)}
    ) == T0 + timedelta(hours=4)


def test_completion_needs_required_items_and_signature() -> None:
    items = [
        ChecklistState(label="Isolate power", required=True, done=True),
        ChecklistState(label="Photo of meter", required=True, done=False),
        ChecklistState(label="Tidy up", required=False, done=False),
    ]
    assert completion_blockers(checklist=items, requires_signature=True, has_signature=False) == [
        "required checklist item not done: Photo of meter",
        "a signature is required",
    ]
    done = [ChecklistState(label=i.label, required=i.required, done=i.required) for i in items]
    assert completion_blockers(checklist=done, requires_signature=True, has_signature=True) == []
    assert completion_blockers(checklist=done, requires_signature=False, has_signature=False) == []


def test_field_ownership_names_the_protocol_fields() -> None:
    assert {"title", "priority", "assignee_id", "due_at", "requires_signature"} <= DISPATCHER_FIELDS
    assert "status" not in DISPATCHER_FIELDS


def test_each_state_after_new_has_a_lifecycle_timestamp() -> None:
    assert set(LIFECYCLE_FIELDS) == set(Status) - {Status.NEW}


def test_format_number() -> None:
    assert format_number(123) == "WO-000123"


def test_overdue_only_while_there_is_work_left() -> None:
    late = T0 - timedelta(minutes=1)
    assert is_overdue(status=Status.IN_PROGRESS, due_at=late, now=T0)
    assert is_overdue(status=Status.ON_HOLD, due_at=late, now=T0)
    assert not is_overdue(status=Status.COMPLETED, due_at=late, now=T0)
    assert not is_overdue(status=Status.CANCELLED, due_at=late, now=T0)
    assert not is_overdue(status=Status.ASSIGNED, due_at=T0, now=T0)
    assert not is_overdue(status=Status.ASSIGNED, due_at=None, now=T0)
