"""Pure rules shared by client and server: no I/O, imports nothing of ours.

Who may do what is `app.domain.rules` (the rulebook); sizes are `app.domain.limits`;
rejection codes and their plain sentences are `app.domain.codes`; the skills an order
needs, as tags, `app.domain.skills`."""

from app.domain.orders import (
    DEFAULT_DUE,
    DISPATCHER_FIELDS,
    LIFECYCLE_FIELDS,
    PRIORITY_RANK,
    SETTLED,
    ChecklistKind,
    ChecklistState,
    Kind,
    Priority,
    Source,
    completion_blockers,
    default_due,
    format_number,
    is_overdue,
)
from app.domain.states import (
    DISPATCHER_MOVES,
    FIELD_MOVES,
    OPEN,
    REASON_REQUIRED,
    SHARED_MOVES,
    TERMINAL,
    TRANSITIONS,
    Role,
    Status,
    is_legal,
    next_statuses,
    role_may_move,
)

__all__ = [
    "DEFAULT_DUE",
    "DISPATCHER_FIELDS",
    "DISPATCHER_MOVES",
    "FIELD_MOVES",
    "LIFECYCLE_FIELDS",
    "OPEN",
    "PRIORITY_RANK",
    "REASON_REQUIRED",
    "SETTLED",
    "SHARED_MOVES",
    "TERMINAL",
    "TRANSITIONS",
    "ChecklistKind",
    "ChecklistState",
    "Kind",
    "Priority",
    "Role",
    "Source",
    "Status",
    "completion_blockers",
    "default_due",
    "format_number",
    "is_legal",
    "is_overdue",
    "next_statuses",
    "role_may_move",
]
