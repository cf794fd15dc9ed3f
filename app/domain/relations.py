"""How a user stands to one order: the first fact every judgement of the rulebook
(app.domain.rules, which re-exports these) starts from."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.domain.states import DISPATCH_ROLES, Role

# Roles that sign in on a device and sync; integration keys only feed the intake API.
SYNC_ROLES: frozenset[Role] = DISPATCH_ROLES | {Role.TECHNICIAN}


def parse_role(value: Role | str | None) -> Role | None:
    try:
        return Role(value) if value is not None else None
    except ValueError:
        return None


def is_dispatcher(role: Role | str | None) -> bool:
    """Dispatchers and admins: they see and edit every order of their organisation."""
    return parse_role(role) in DISPATCH_ROLES


class Relation(StrEnum):
    """How a user stands to one order."""

    ASSIGNEE = "assignee"
    FORMER_ASSIGNEE = "former_assignee"  # reassigned away: their evidence still counts
    CREATOR = "creator"  # technician who made this follow-up order, not assigned yet
    OTHER_TECHNICIAN = "other_technician"  # a technician of the organisation with no tie to it
    DISPATCH = "dispatch"  # dispatcher or admin of the order's organisation
    OUTSIDER = "outsider"  # another organisation, or a role that never sees orders


def relation_of(
    *,
    role: Role | str | None,
    user_id: str,
    same_org: bool,
    assignee_id: str | None,
    past_assignees: Iterable[str] = (),
    created_by: str | None = None,
) -> Relation:
    """The user's relation to an order, from who they are and who the order has had."""
    parsed = parse_role(role)
    if not same_org or parsed not in SYNC_ROLES:
        return Relation.OUTSIDER
    if parsed in DISPATCH_ROLES:
        return Relation.DISPATCH
    if assignee_id is not None and assignee_id == user_id:
        return Relation.ASSIGNEE
    if user_id in set(past_assignees):
        return Relation.FORMER_ASSIGNEE
    if assignee_id is None and created_by is not None and created_by == user_id:
        return Relation.CREATOR
    return Relation.OTHER_TECHNICIAN
