# ruff: noqa: E501  (the tables below are read as tables; their rows stay whole)
"""The rulebook's verdicts, written out by hand (issue 9, "What must be shown").

Nothing here is computed from app/domain/rules.py: each verdict is read off
sync-protocol.md ("Mutation types", "Merge rules", "Rejection codes") and design.md's
state table, and typed in. test_rulebook_matrix.py drives the real client services and
a real server through every cell and compares both with this table.

Relations (columns), each a real user of the demo organisation:
  A  assignee            tech1, the order's assignee
  F  former assignee     tech2, who had the order until it was reassigned away
  O  other technician    tech3, no tie to the order
  C  creator             tech4, technician who made the (new, unassigned) follow-up
  D  dispatcher          dispatcher of the organisation
  M  admin               admin of the organisation

A verdict is `apply` (result applied or merged), `conflict` (a conflict row is kept,
nothing applied), a rejection code (result rejected with that code), or `.` where the
relation cannot exist in that state (only a new, unassigned order has a creator; a
new order has no assignee).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain import Status


class Rel(StrEnum):
    ASSIGNEE = "A"
    FORMER = "F"
    OTHER = "O"
    CREATOR = "C"
    DISPATCHER = "D"
    ADMIN = "M"


RELS: tuple[Rel, ...] = tuple(Rel)
APPLY = "apply"
CONFLICT = "conflict"
ANY_STATE = "*"
NO_STATE = "-"


@dataclass(frozen=True, slots=True)
class Cell:
    action: str  # move, note, photo, time, part, signature, void_own, void_other, resolve_*, edit,
    #              checklist, assign, unassign, create_follow_up, create_assigned
    state: Status | None  # the order's state when the action is made (None: order.create)
    rel: Rel
    expect: str  # apply, conflict, or a rejection code
    to: Status | None = None  # the target of a move

    @property
    def id(self) -> str:
        where = self.state.value if self.state is not None else "-"
        what = f"{self.action}->{self.to.value}" if self.to is not None else self.action
        return f"{what}:{where}:{self.rel.name.lower()}"

    @property
    def refused_code(self) -> str | None:
        return None if self.expect in (APPLY, CONFLICT) else self.expect


# design.md's state table, every move it names. Field moves are the assignee's, putting
# on hold is both sides', and "dispatchers alone assign, unassign, cancel, close and
# reopen". A former assignee's field move is kept as a conflict; a move their role may
# not make at all is refused like any technician's. Assigning a new order is done by
# choosing a technician (order.update), so a bare new → assigned has no assignee.
MOVES = """
from             to               A               F               O          C          D            M
new              assigned         .               forbidden       forbidden  forbidden  no_assignee  no_assignee
new              cancelled        .               forbidden       forbidden  forbidden  apply        apply
assigned         en_route         apply           conflict        forbidden  .          forbidden    forbidden
assigned         in_progress      apply           conflict        forbidden  .          forbidden    forbidden
assigned         on_hold          apply           conflict        forbidden  .          apply        apply
assigned         new              forbidden       forbidden       forbidden  .          apply        apply
assigned         cancelled        forbidden       forbidden       forbidden  .          apply        apply
en_route         in_progress      apply           conflict        forbidden  .          forbidden    forbidden
en_route         on_hold          apply           conflict        forbidden  .          apply        apply
en_route         assigned         apply           conflict        forbidden  .          forbidden    forbidden
in_progress      on_hold          apply           conflict        forbidden  .          apply        apply
in_progress      completed        apply           conflict        forbidden  .          forbidden    forbidden
in_progress      cannot_complete  apply           conflict        forbidden  .          forbidden    forbidden
on_hold          in_progress      apply           conflict        forbidden  .          forbidden    forbidden
on_hold          en_route         apply           conflict        forbidden  .          forbidden    forbidden
on_hold          cancelled        forbidden       forbidden       forbidden  .          apply        apply
completed        closed           forbidden       forbidden       forbidden  .          apply        apply
completed        in_progress      forbidden       forbidden       forbidden  .          apply        apply
cannot_complete  assigned         forbidden       forbidden       forbidden  .          apply        apply
cannot_complete  cancelled        forbidden       forbidden       forbidden  .          apply        apply
cannot_complete  closed           forbidden       forbidden       forbidden  .          apply        apply
"""

# Every move the state table does NOT name (self-moves aside): illegal for whoever may
# send a move at all; an outsider to the order is refused before the move is looked at.
ILLEGAL_MOVES = """
from             to (not in the table)
new              en_route in_progress on_hold completed cannot_complete closed
assigned         completed cannot_complete closed
en_route         new completed cannot_complete closed cancelled
in_progress      new assigned en_route closed cancelled
on_hold          new assigned completed cannot_complete closed
completed        new assigned en_route on_hold cannot_complete cancelled
cannot_complete  new en_route in_progress on_hold completed
closed           new assigned en_route in_progress on_hold completed cannot_complete cancelled
cancelled        new assigned en_route in_progress on_hold completed cannot_complete closed
"""
ILLEGAL_VERDICTS = """
A                     F                     O          C          D                     M
illegal_transition    illegal_transition    forbidden  forbidden  illegal_transition    illegal_transition
"""

# Everything else, per state ("*": every state the relation exists in).
#   note, photo        anyone who sees the order (sync-protocol.md): never an outsider
#   time, part, signature   the assignee, and a former assignee's evidence is kept
#   void_own / void_other   an entry of one's own / someone else's: author or dispatcher
#   resolve_value / resolve_overlap   a checklist-value / time-overlap conflict the user
#                      lost (for D and M: the assignee's): technician-owned fields
#   resolve_status / resolve_field    a status / title conflict the user lost: a dispatcher's
#   edit               order.update of a dispatcher-owned field (title, description)
#   checklist          open states apply; completed, closed read-only; cancelled keeps it
#                      as a conflict; nobody but the (former) assignee ticks anything
#   assign             choose tech5 (new: assign; else reassign): not once completed,
#                      closed or cancelled; a technician's is a conflict for a dispatcher
#   unassign           clear the assignee: only an assigned order
ACTIONS = """
action            state            A                 F                 O          C          D                 M
note              *                apply             apply             forbidden  apply      apply             apply
photo             *                apply             apply             forbidden  apply      apply             apply
time              *                apply             apply             forbidden  forbidden  forbidden         forbidden
part              *                apply             apply             forbidden  forbidden  forbidden         forbidden
signature         *                apply             apply             forbidden  forbidden  forbidden         forbidden
void_own          *                apply             apply             .          apply      .                 .
void_other        *                forbidden         forbidden         forbidden  forbidden  apply             apply
resolve_value     *                apply             apply             forbidden  .          apply             apply
resolve_overlap   *                apply             apply             forbidden  .          apply             apply
resolve_status    *                forbidden         forbidden         forbidden  .          apply             apply
resolve_field     *                forbidden         forbidden         forbidden  .          apply             apply
edit              *                conflict          conflict          forbidden  conflict   apply             apply
checklist         new              .                 apply             forbidden  forbidden  forbidden         forbidden
checklist         assigned         apply             apply             forbidden  .          forbidden         forbidden
checklist         en_route         apply             apply             forbidden  .          forbidden         forbidden
checklist         in_progress      apply             apply             forbidden  .          forbidden         forbidden
checklist         on_hold          apply             apply             forbidden  .          forbidden         forbidden
checklist         cannot_complete  apply             apply             forbidden  .          forbidden         forbidden
checklist         completed        illegal_state     illegal_state     forbidden  .          forbidden         forbidden
checklist         closed           illegal_state     illegal_state     forbidden  .          forbidden         forbidden
checklist         cancelled        conflict          conflict          forbidden  .          forbidden         forbidden
assign            new              .                 conflict          forbidden  conflict   apply             apply
assign            assigned         conflict          conflict          forbidden  .          apply             apply
assign            en_route         conflict          conflict          forbidden  .          apply             apply
assign            in_progress      conflict          conflict          forbidden  .          apply             apply
assign            on_hold          conflict          conflict          forbidden  .          apply             apply
assign            cannot_complete  conflict          conflict          forbidden  .          apply             apply
assign            completed        conflict          conflict          forbidden  .          not_reassignable  not_reassignable
assign            closed           conflict          conflict          forbidden  .          not_reassignable  not_reassignable
assign            cancelled        conflict          conflict          forbidden  .          not_reassignable  not_reassignable
unassign          assigned         conflict          conflict          forbidden  .          apply             apply
unassign          en_route         conflict          conflict          forbidden  .          unassign_refused  unassign_refused
unassign          in_progress      conflict          conflict          forbidden  .          unassign_refused  unassign_refused
unassign          on_hold          conflict          conflict          forbidden  .          unassign_refused  unassign_refused
unassign          cannot_complete  conflict          conflict          forbidden  .          unassign_refused  unassign_refused
unassign          completed        conflict          conflict          forbidden  .          not_reassignable  not_reassignable
unassign          closed           conflict          conflict          forbidden  .          not_reassignable  not_reassignable
unassign          cancelled        conflict          conflict          forbidden  .          not_reassignable  not_reassignable
"""

# Where an applied move or change of assignee leaves the order (sync-protocol.md,
# "Assigning"; a move leaves it where it went). The client's optimistic local copy must
# show the same before it syncs: one rulebook on both sides.
AFTER_ASSIGN: dict[Status, Status] = {
    Status.NEW: Status.ASSIGNED,
    Status.ASSIGNED: Status.ASSIGNED,
    Status.EN_ROUTE: Status.EN_ROUTE,
    Status.IN_PROGRESS: Status.IN_PROGRESS,
    Status.ON_HOLD: Status.ON_HOLD,
    Status.CANNOT_COMPLETE: Status.ASSIGNED,
}
AFTER_UNASSIGN: dict[Status, Status] = {Status.ASSIGNED: Status.NEW}

# order.create: there is no order to stand to yet; A and C are "a technician".
#   create_follow_up   new and unassigned (a technician's follow-up work; a dispatcher's too)
#   create_assigned    made with an assignee: dispatchers only
CREATES = """
action            A          C          D          M
create_follow_up  apply      apply      apply      apply
create_assigned   forbidden  forbidden  apply      apply
"""


# Moves the screen shows (the user expects them there) that need something first: the
# service asks for it and queues nothing, and the server refuses the move sent without it.
#   reason      on hold and cannot complete need a reason (design.md)
#   required    completing needs every required checklist item done
#   signature   completing an order that requires a signature needs one
GATES = """
name                   rel  from         to               needs      code
hold_without_reason    A    in_progress  on_hold          reason     reason_required
cannot_without_reason  A    in_progress  cannot_complete  reason     reason_required
desk_hold_no_reason    D    assigned     on_hold          reason     reason_required
complete_open_item     A    in_progress  completed        required   completion_blocked
complete_unsigned      A    in_progress  completed        signature  completion_blocked
"""


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    rel: Rel
    state: Status
    to: Status
    needs: str
    code: str


def _rows(text: str) -> list[list[str]]:
    lines = [line.split() for line in text.strip().splitlines()]
    return lines[1:]  # the header names the columns


def _rels(header: str) -> list[Rel]:
    return [Rel(name) for name in header.split() if name in {r.value for r in Rel}]


def _states_of(rel: Rel, state: str) -> list[Status]:
    if state != ANY_STATE:
        return [Status(state)]
    # A new order has no assignee; only a new, unassigned order has a creator.
    if rel is Rel.ASSIGNEE:
        return [s for s in Status if s is not Status.NEW]
    if rel is Rel.CREATOR:
        return [Status.NEW]
    return list(Status)


def _build() -> list[Cell]:
    cells: list[Cell] = []
    move_rels = _rels(MOVES.strip().splitlines()[0])
    for frm, to, *verdicts in _rows(MOVES):
        for rel, verdict in zip(move_rels, verdicts, strict=True):
            if verdict != ".":
                cells.append(Cell("move", Status(frm), rel, verdict, Status(to)))
    illegal_rels = _rels(ILLEGAL_VERDICTS.strip().splitlines()[0])
    [illegal] = _rows(ILLEGAL_VERDICTS)
    for frm, *targets in (row for row in _rows(ILLEGAL_MOVES)):
        state = Status(frm)
        for rel, verdict in zip(illegal_rels, illegal, strict=True):
            if state not in _states_of(rel, ANY_STATE):
                continue
            cells.extend(Cell("move", state, rel, verdict, Status(to)) for to in targets)
    action_rels = _rels(ACTIONS.strip().splitlines()[0])
    for action, state, *verdicts in _rows(ACTIONS):
        for rel, verdict in zip(action_rels, verdicts, strict=True):
            if verdict == ".":
                continue
            cells.extend(Cell(action, s, rel, verdict) for s in _states_of(rel, state))
    create_rels = _rels(CREATES.strip().splitlines()[0])
    for action, *verdicts in _rows(CREATES):
        for rel, verdict in zip(create_rels, verdicts, strict=True):
            cells.append(Cell(action, None, rel, verdict))
    ids = [c.id for c in cells]
    if len(set(ids)) != len(ids):
        raise AssertionError("the hand-written table names a cell twice")
    return cells


CELLS: list[Cell] = _build()
GATED: list[Gate] = [
    Gate(name, Rel(rel), Status(frm), Status(to), needs, code)
    for name, rel, frm, to, needs, code in _rows(GATES)
]


def status_after(cell: Cell) -> Status | None:
    """Where an applied move, assign or unassign leaves the order (None: other actions)."""
    if cell.expect != APPLY or cell.state is None:
        return None
    if cell.action == "move":
        return cell.to
    if cell.action == "assign":
        return AFTER_ASSIGN[cell.state]
    if cell.action == "unassign":
        return AFTER_UNASSIGN[cell.state]
    return None


def verdict_of(action: str, state: Status, rel: Rel, to: Status | None = None) -> str | None:
    """The table's verdict for one cell (None when the table has no such cell)."""
    for cell in CELLS:
        if (cell.action, cell.state, cell.rel, cell.to) == (action, state, rel, to):
            return cell.expect
    return None
