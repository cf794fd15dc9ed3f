"""The rulebook: who may do what to an order, as data plus pure functions.

Every action of sync-protocol.md's mutation table is judged here from the user's
role, their relation to the order and the order's state. The answer is a `Verdict`:
allowed, recorded as a conflict (kept for a dispatcher, never applied), or refused
with a protocol rejection code. The server's policy and appliers read their answers
from these functions; the client's services and screens ask the same functions what
to offer, and its optimistic local apply uses the same transition and assignment
rules, so a lone device shows what the server will hold. How a user stands to an
order (`Relation`) is app.domain.relations, re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.codes import Code
from app.domain.limits import MAX_CHECKLIST_TEXT
from app.domain.protocol import Entity, MutationType

# Re-exported: callers read the whole rulebook from this module.
from app.domain.relations import SYNC_ROLES, Relation, is_dispatcher, parse_role, relation_of  # noqa: F401
from app.domain.states import (
    DISPATCH_ROLES,
    REASON_REQUIRED,
    TRANSITIONS,
    Role,
    Status,
    is_legal,
    role_may_move,
)


class Outcome(StrEnum):
    ALLOW = "allow"
    CONFLICT = "conflict"  # kept as a conflict row for a dispatcher, never applied
    REFUSE = "refuse"  # rejected with `code`


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    code: Code | None = None
    detail: str = ""  # why, in a sentence (for the server's message and the UI's reason)

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW


ALLOW = Verdict(Outcome.ALLOW)


def refuse(code: Code, detail: str) -> Verdict:
    return Verdict(Outcome.REFUSE, code, detail)


def as_conflict(detail: str = "") -> Verdict:
    return Verdict(Outcome.CONFLICT, None, detail)


# sync-protocol.md, "Mutation types" (who) and "Reassigned or cancelled while a
# technician worked offline": a former assignee's evidence applies, their status
# moves become conflicts, anyone else is refused. A technician's edit to a
# dispatcher-owned field is a conflict for a dispatcher, never an overwrite.
# order.create is judged by `judge_create` (there is no order yet to stand to).
_R, _O = Relation, Outcome
_EVIDENCE = {_R.ASSIGNEE: _O.ALLOW, _R.FORMER_ASSIGNEE: _O.ALLOW}
_SEEN_BY_ALL = {**_EVIDENCE, _R.DISPATCH: _O.ALLOW, _R.CREATOR: _O.ALLOW}
ACCESS: Mapping[MutationType, Mapping[Relation, Outcome]] = {
    MutationType.ORDER_UPDATE: {
        _R.DISPATCH: _O.ALLOW,
        _R.ASSIGNEE: _O.CONFLICT,
        _R.FORMER_ASSIGNEE: _O.CONFLICT,
        _R.CREATOR: _O.CONFLICT,
    },
    MutationType.ORDER_TRANSITION: {
        _R.ASSIGNEE: _O.ALLOW,
        _R.DISPATCH: _O.ALLOW,
        _R.FORMER_ASSIGNEE: _O.CONFLICT,
    },
    MutationType.CHECKLIST_SET: _EVIDENCE,
    MutationType.NOTE_ADD: _SEEN_BY_ALL,
    MutationType.PHOTO_ADD: _SEEN_BY_ALL,
    MutationType.TIME_ADD: _EVIDENCE,
    MutationType.PART_USE: _EVIDENCE,
    MutationType.SIGNATURE_ADD: _EVIDENCE,
    # Authorship is judged per entry by judge_void; here: who may void anything at all.
    MutationType.ENTRY_VOID: _SEEN_BY_ALL,
    # Whose conflict it is is judged per row by judge_resolve.
    MutationType.CONFLICT_RESOLVE: _SEEN_BY_ALL,
    # Checklist templates belong to the organisation, not to an order: whoever stands to
    # its orders as dispatch (a dispatcher or admin of it) manages them.
    MutationType.TEMPLATE_SAVE: {_R.DISPATCH: _O.ALLOW},
    # Preventive maintenance schedules likewise (app.domain.schedules).
    MutationType.SCHEDULE_SAVE: {_R.DISPATCH: _O.ALLOW},
}


def access(mutation_type: MutationType | str, relation: Relation) -> Verdict:
    """The first question for every mutation on an existing order: may this relation send it?"""
    try:
        kind = MutationType(mutation_type)
    except ValueError:
        return refuse(Code.UNSUPPORTED_MUTATION, f"unknown mutation type {mutation_type!r}")
    outcome = ACCESS.get(kind, {}).get(relation, Outcome.REFUSE)
    if outcome is Outcome.REFUSE:
        return refuse(Code.FORBIDDEN, f"you may not {kind.value} this work order")
    return Verdict(outcome)


def judge_create(*, role: Role | str | None, assigned: bool) -> Verdict:
    """Dispatchers create any order; a technician only unassigned follow-up work."""
    parsed = parse_role(role)
    if parsed in DISPATCH_ROLES or (parsed is Role.TECHNICIAN and not assigned):
        return ALLOW
    return refuse(Code.FORBIDDEN, "only a dispatcher creates assigned orders")


# --- status moves ---------------------------------------------------------------


class Move(StrEnum):
    """What a pushed transition does to the order, once judged."""

    APPLY = "apply"  # sent from the current status: applied as sent
    MERGE = "merge"  # sent from another status, but legal from the current one
    ALREADY = "already"  # the order is in that status already: nothing to change
    CONFLICT = "conflict"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class MoveVerdict:
    move: Move
    code: Code | None = None
    detail: str = ""

    @property
    def changes_status(self) -> bool:
        return self.move in (Move.APPLY, Move.MERGE)


@dataclass(frozen=True, slots=True)
class Gates:
    """What the gates of a move need to know of the order besides its status."""

    has_assignee: bool
    completion_blockers: Sequence[str] = ()


def gate(to: Status, gates: Gates) -> Verdict:
    """The order's content allows entering `to` (assignee set; completion's blockers clear)."""
    if to is Status.ASSIGNED and not gates.has_assignee:
        return refuse(Code.NO_ASSIGNEE, "an order without an assignee cannot be assigned")
    if to is Status.COMPLETED and gates.completion_blockers:
        return refuse(Code.COMPLETION_BLOCKED, "; ".join(gates.completion_blockers))
    return ALLOW


def judge_transition(
    *,
    role: Role | str | None,
    relation: Relation,
    sent_from: Status,
    to: Status,
    current: Status,
    reason: str | None,
    gates: Gates,
) -> MoveVerdict:
    """sync-protocol.md, "Status": the state machine, who may move, the merge and the gates."""
    first = access(MutationType.ORDER_TRANSITION, relation)
    if first.outcome is Outcome.REFUSE:
        return MoveVerdict(Move.REFUSE, first.code, first.detail)
    if to in REASON_REQUIRED and not (reason or "").strip():
        return MoveVerdict(Move.REFUSE, Code.REASON_REQUIRED, f"moving to {to.value} needs a reason")
    if not is_legal(sent_from, to):
        return MoveVerdict(
            Move.REFUSE, Code.ILLEGAL_TRANSITION, f"{sent_from.value} → {to.value} is not in the state table"
        )
    parsed = parse_role(role)
    if parsed is None or not role_may_move(parsed, sent_from, to):
        return MoveVerdict(
            Move.REFUSE,
            Code.FORBIDDEN,
            f"your role may not move an order from {sent_from.value} to {to.value}",
        )
    if first.outcome is Outcome.CONFLICT:
        # A former assignee's status move is kept for the dispatcher, never applied.
        return MoveVerdict(Move.CONFLICT, None, "the order was reassigned")
    if to is current:
        return MoveVerdict(Move.ALREADY)
    if sent_from is current:
        move = Move.APPLY
    elif is_legal(current, to) and role_may_move(parsed, current, to):
        move = Move.MERGE
    else:
        return MoveVerdict(Move.CONFLICT, None, f"the order is {current.value} now")
    gated = gate(to, gates)
    if not gated.allowed:
        return MoveVerdict(Move.REFUSE, gated.code, gated.detail)
    return MoveVerdict(move)


def offered_moves(
    *, role: Role | str | None, relation: Relation, current: Status, gates: Gates
) -> list[Status]:
    """The moves a screen offers this user now, in table order. Completing stays offered
    while blocked (the screen shows it disabled with the reasons); assigning a new order
    goes through the assignee picker, not a bare move."""
    offered = []
    for to in Status:
        if to not in TRANSITIONS[current]:
            continue
        verdict = judge_transition(
            role=role,
            relation=relation,
            sent_from=current,
            to=to,
            current=current,
            reason="(asked for by the screen)",
            gates=Gates(has_assignee=gates.has_assignee),
        )
        if verdict.move is Move.APPLY:
            offered.append(to)
    return offered


# --- assigning ------------------------------------------------------------------

# Orders in these states keep their assignee: the work is done or will never be.
NOT_REASSIGNABLE: frozenset[Status] = frozenset({Status.COMPLETED, Status.CLOSED, Status.CANCELLED})


def judge_assign(*, status: Status, assignee_id: str | None) -> Verdict:
    """Whether the assignee may be set to `assignee_id` (None: unassign) in `status`."""
    if status in NOT_REASSIGNABLE:
        return refuse(Code.NOT_REASSIGNABLE, f"a {status.value} order cannot be reassigned")
    if assignee_id is None and status is not Status.ASSIGNED:
        return refuse(Code.UNASSIGN_REFUSED, f"only an assigned order can be unassigned, not {status.value}")
    return ALLOW


def status_after_assign(*, status: Status, assignee_id: str | None) -> Status:
    """The status an (allowed) change of assignee leaves: new → assigned, assigned → new on
    unassigning, cannot_complete → assigned (handing the job to someone). Reassigning an
    en_route, in_progress or on_hold order keeps its status."""
    if assignee_id is None:
        return Status.NEW if status is Status.ASSIGNED else status
    if status in (Status.NEW, Status.CANNOT_COMPLETE):
        return Status.ASSIGNED
    return status


# --- field edits, checklist values, evidence ---------------------------------------


def judge_field_edit(*, relation: Relation) -> Verdict:
    """order.update of dispatcher-owned fields: a dispatcher's applies, a technician's is a conflict."""
    return access(MutationType.ORDER_UPDATE, relation)


# A checklist is measured while the work is open; afterwards it is the record.
CHECKLIST_LOCKED: frozenset[Status] = frozenset({Status.COMPLETED, Status.CLOSED})


def judge_checklist(*, relation: Relation, status: Status) -> Verdict:
    """checklist.set. Read-only once completed or closed (refused). On a cancelled order a
    value measured offline is evidence: kept in a conflict row, never lost, never applied."""
    first = access(MutationType.CHECKLIST_SET, relation)
    if not first.allowed:
        return first
    if status in CHECKLIST_LOCKED:
        return refuse(Code.ILLEGAL_STATE, f"the order is {status.value}: its checklist is read-only")
    if status is Status.CANCELLED:
        return as_conflict("the order was cancelled: the value is kept for the dispatcher")
    return ALLOW


def checklist_editable(*, relation: Relation, status: Status) -> bool:
    return judge_checklist(relation=relation, status=status).allowed


EVIDENCE_TYPES: frozenset[MutationType] = frozenset(
    {
        MutationType.NOTE_ADD,
        MutationType.PHOTO_ADD,
        MutationType.TIME_ADD,
        MutationType.PART_USE,
        MutationType.SIGNATURE_ADD,
    }
)


def judge_evidence(mutation_type: MutationType, *, relation: Relation) -> Verdict:
    """Notes, photos, time, parts, signatures: append-only, in every state (deletes never
    win over work evidence)."""
    if mutation_type not in EVIDENCE_TYPES:
        raise ValueError(f"{mutation_type} is not work evidence")
    return access(mutation_type, relation)


def judge_void(*, relation: Relation, is_author: bool) -> Verdict:
    """An entry is voided by its author (while they still reach the order) or a dispatcher."""
    first = access(MutationType.ENTRY_VOID, relation)
    if not first.allowed:
        return first
    if relation is Relation.DISPATCH or is_author:
        return ALLOW
    return refuse(Code.FORBIDDEN, "only its author or a dispatcher may void this entry")


# Conflicts over fields a technician owns: the author of the losing side may settle them.
TECHNICIAN_CONFLICTS: frozenset[tuple[str, str]] = frozenset(
    {(Entity.CHECKLIST_ITEM.value, "value"), (Entity.TIME_LOG.value, "overlap")}
)


def judge_resolve(*, relation: Relation, is_loser: bool, entity: str, field: str) -> Verdict:
    """A dispatcher resolves any conflict of the organisation; the technician who lost one
    over a technician-owned field (a checklist value, an overlap of time) may resolve that one."""
    first = access(MutationType.CONFLICT_RESOLVE, relation)
    if not first.allowed:
        return first
    if relation is Relation.DISPATCH:
        return ALLOW
    if is_loser and (entity, field) in TECHNICIAN_CONFLICTS:
        return ALLOW
    return refuse(Code.FORBIDDEN, "a dispatcher resolves this conflict")


# --- checklist values ---------------------------------------------------------------


def checklist_value_problem(*, kind: str, value: Any, done: bool) -> str | None:
    """Why `value` cannot be an item's value (None when it can). A measured number outside
    the item's limits is a valid value: it is kept as measured and flagged (`out_of_range`)."""
    if value is not None:
        fits = {
            "check": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool) and _finite(value),
            "text": isinstance(value, str) and len(value) <= MAX_CHECKLIST_TEXT,
            "pass_fail": value in ("pass", "fail"),
        }.get(kind, False)
        if not fits:
            return f"value {value!r} does not fit a {kind} item"
    if done and kind != "check" and value is None:
        return f"a {kind.replace('_', '/')} item needs a value before it is done"
    return None


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def out_of_range(*, kind: str, value: Any, low: float | None, high: float | None) -> bool:
    """A number item's value below its min or above its max: kept, and shown as out of range."""
    if kind != "number" or isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return (low is not None and value < low) or (high is not None and value > high)


# --- reading an order's history -------------------------------------------------------


class HistoryReading(StrEnum):
    ALL = "all"
    OWN = "own"  # a former assignee: their own entries only


# GET /orders/{id}/history, by the reader's relation to the order: dispatch and the
# assignee read every entry, a former assignee their own; anyone else is answered as if
# the order did not exist (404).
HISTORY_READERS: Mapping[Relation, HistoryReading] = {
    Relation.DISPATCH: HistoryReading.ALL,
    Relation.ASSIGNEE: HistoryReading.ALL,
    Relation.FORMER_ASSIGNEE: HistoryReading.OWN,
}


def history_reading(relation: Relation) -> HistoryReading | None:
    """How much of an order's history this relation reads; None: none (404)."""
    return HISTORY_READERS.get(relation)


# --- the customer's status link and the completion report -------------------------------

# sync-protocol.md, "Customer status links" and "Reports": a dispatcher or admin of the
# order's organisation makes, shows and revokes its link; the report is theirs and the
# assignee's to read; anyone else is answered as if the order did not exist (404).
STATUS_LINK_MANAGERS: frozenset[Relation] = frozenset({Relation.DISPATCH})
REPORT_READERS: frozenset[Relation] = frozenset({Relation.DISPATCH, Relation.ASSIGNEE})


def may_manage_status_link(relation: Relation) -> bool:
    return relation in STATUS_LINK_MANAGERS


def may_read_report(relation: Relation) -> bool:
    return relation in REPORT_READERS


def offers_customer_tools(relation: Relation) -> bool:
    """The app offers the status link and the report download on the desk alone: never on a
    technician's screen (the assignee may still fetch the report from the server)."""
    return relation is Relation.DISPATCH


# Relations that see an order, so may name it as the order a follow-up was made from;
# any other (another technician's order, another organisation's) is `not_found`, as
# unknown ones are: a create must not reveal that an order exists.
FOLLOW_UP_SOURCES: frozenset[Relation] = frozenset(
    {Relation.ASSIGNEE, Relation.FORMER_ASSIGNEE, Relation.CREATOR, Relation.DISPATCH}
)


def judge_follow_up_of(*, relation: Relation | None) -> Verdict:
    """Whether an order.create may name this order (None: unknown) in `follow_up_of`."""
    if relation in FOLLOW_UP_SOURCES:
        return ALLOW
    return refuse(Code.NOT_FOUND, "follow_up_of: no such work order")


def may_see_dashboard(*, role: Role | str | None) -> bool:
    """The dashboard (every technician's figures) is for dispatchers and admins only."""
    return is_dispatcher(role)
