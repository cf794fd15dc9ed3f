"""The work order's states and who may move it between them.

The table of design.md, held once, shared by client and server.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANNOT_COMPLETE = "cannot_complete"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Role(StrEnum):
    TECHNICIAN = "technician"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"
    INTEGRATION = "integration"


S = Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.EN_ROUTE, S.IN_PROGRESS, S.ON_HOLD, S.NEW, S.CANCELLED}),
    S.EN_ROUTE: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.ASSIGNED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.CANNOT_COMPLETE}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.EN_ROUTE, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CANNOT_COMPLETE: frozenset({S.ASSIGNED, S.CANCELLED, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Moves that need a reason from whoever makes them.
REASON_REQUIRED: frozenset[Status] = frozenset({S.ON_HOLD, S.CANNOT_COMPLETE})

# Who makes which move (design.md: "Dispatchers alone assign, unassign, cancel, close
# and reopen"). The field's moves are the technician's: a dispatcher at a desk does not
# travel, start, resume or complete the work. Putting an order on hold is both sides'
# (a customer calls the office to postpone; a technician waits for a part).
# Assigning is really an `order.update` of assignee_id; the state moves that mean the
# same are held here so no technician can make them by a transition.
DISPATCHER_MOVES: frozenset[tuple[Status, Status]] = frozenset(
    {(S.NEW, S.ASSIGNED), (S.ASSIGNED, S.NEW), (S.CANNOT_COMPLETE, S.ASSIGNED)}
    | {(f, S.CANCELLED) for f in S if S.CANCELLED in TRANSITIONS[f]}
    | {(f, S.CLOSED) for f in S if S.CLOSED in TRANSITIONS[f]}
    | {(S.COMPLETED, S.IN_PROGRESS)}
)
SHARED_MOVES: frozenset[tuple[Status, Status]] = frozenset(
    {(f, S.ON_HOLD) for f in S if S.ON_HOLD in TRANSITIONS[f]}
)
FIELD_MOVES: frozenset[tuple[Status, Status]] = frozenset(
    {(f, t) for f in S for t in TRANSITIONS[f]} - DISPATCHER_MOVES - SHARED_MOVES
)

# Roles that see and edit every order of their organisation.
DISPATCH_ROLES: frozenset[Role] = frozenset({Role.DISPATCHER, Role.ADMIN})

TERMINAL: frozenset[Status] = frozenset({S.CLOSED, S.CANCELLED})
OPEN: frozenset[Status] = frozenset(set(S) - TERMINAL - {S.COMPLETED})


def is_legal(frm: Status, to: Status) -> bool:
    """Whether the state table allows moving from `frm` to `to`."""
    return to in TRANSITIONS[frm]


def role_may_move(role: Role, frm: Status, to: Status) -> bool:
    """Whether `role` may make this (legal) move at all."""
    move = (frm, to)
    if role in DISPATCH_ROLES:
        return move in DISPATCHER_MOVES or move in SHARED_MOVES
    if role is Role.TECHNICIAN:
        return move in FIELD_MOVES or move in SHARED_MOVES
    return False


def next_statuses(current: Status, *, role: Role) -> list[Status]:
    """The legal moves from `current` that `role` may make, in table order."""
    return [to for to in S if to in TRANSITIONS[current] and role_may_move(role, current, to)]
