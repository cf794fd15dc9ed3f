"""The rulebook against expectations written out by hand from sync-protocol.md and
design.md (never derived from app.domain.rules' own tables), so a change to a rule
shows here as a disagreement to settle."""

from __future__ import annotations

import pytest

from app.domain import Role, Status, rules
from app.domain.codes import Code
from app.domain.protocol import MutationType
from app.domain.rules import Gates, Move, Outcome, Relation

S, R, M, K = Status, Relation, Move, Code
A, C, X = "allow", "conflict", "refuse"  # how the tables below spell an outcome


def spelled(verdict: rules.Verdict) -> str:
    return {Outcome.ALLOW: A, Outcome.CONFLICT: C, Outcome.REFUSE: X}[verdict.outcome]


# --- relation_of ---------------------------------------------------------------------

RELATIONS = [
    # role, same org, assignee, past assignees, created by -> relation of user "u"
    ("dispatcher", True, "t", ["t"], "d", R.DISPATCH),
    ("admin", True, None, [], None, R.DISPATCH),
    ("dispatcher", False, None, [], None, R.OUTSIDER),
    ("technician", True, "u", ["u"], "d", R.ASSIGNEE),
    ("technician", True, "t", ["u", "t"], "d", R.FORMER_ASSIGNEE),
    ("technician", True, None, ["u"], "u", R.FORMER_ASSIGNEE),
    ("technician", True, None, [], "u", R.CREATOR),
    ("technician", True, "t", ["t"], "u", R.OTHER_TECHNICIAN),  # their follow-up, now someone else's
    ("technician", True, "t", ["t"], "d", R.OTHER_TECHNICIAN),
    # Ties to another organisation's order count for nothing.
    ("technician", False, "u", ["u"], "u", R.OUTSIDER),
    ("integration", True, None, [], "u", R.OUTSIDER),
    ("bogus", True, "u", [], None, R.OUTSIDER),
    (None, True, "u", [], None, R.OUTSIDER),
]


@pytest.mark.parametrize(("role", "same_org", "assignee", "past", "creator", "want"), RELATIONS)
def test_relation_of(
    role: str | None,
    same_org: bool,
    assignee: str | None,
    past: list[str],
    creator: str | None,
    want: Relation,
) -> None:
    got = rules.relation_of(
        role=role,
        user_id="u",
        same_org=same_org,
        assignee_id=assignee,
        past_assignees=past,
        created_by=creator,
    )
    assert got is want


# --- access: mutation type x relation ------------------------------------------------

T = MutationType
ACCESS_ORDER = (R.ASSIGNEE, R.FORMER_ASSIGNEE, R.CREATOR, R.OTHER_TECHNICIAN, R.DISPATCH, R.OUTSIDER)
ACCESS = {
    #                      assignee former creator other dispatch outsider
    T.ORDER_UPDATE: (C, C, C, X, A, X),
    T.ORDER_TRANSITION: (A, C, X, X, A, X),
    T.CHECKLIST_SET: (A, A, X, X, X, X),
    T.NOTE_ADD: (A, A, A, X, A, X),
    T.PHOTO_ADD: (A, A, A, X, A, X),
    T.TIME_ADD: (A, A, X, X, X, X),
    T.PART_USE: (A, A, X, X, X, X),
    T.SIGNATURE_ADD: (A, A, X, X, X, X),
    T.ENTRY_VOID: (A, A, A, X, A, X),
    T.CONFLICT_RESOLVE: (A, A, A, X, A, X),
}


@pytest.mark.parametrize("kind", list(ACCESS))
def test_access(kind: MutationType) -> None:
    for relation, want in zip(ACCESS_ORDER, ACCESS[kind], strict=True):
        verdict = rules.access(kind, relation)
        assert spelled(verdict) == want, (kind, relation)
        assert verdict.code == (Code.FORBIDDEN if want == X else None)


def test_access_to_an_unknown_mutation_type() -> None:
    assert rules.access("order.delete", R.DISPATCH).code is Code.UNSUPPORTED_MUTATION


CREATE = [
    ("dispatcher", True, A),
    ("dispatcher", False, A),
    ("admin", True, A),
    ("technician", False, A),  # follow-up work
    ("technician", True, X),
    ("integration", False, X),
    (None, False, X),
]


@pytest.mark.parametrize(("role", "assigned", "want"), CREATE)
def test_judge_create(role: str | None, assigned: bool, want: str) -> None:
    verdict = rules.judge_create(role=role, assigned=assigned)
    assert spelled(verdict) == want
    assert verdict.code == (Code.FORBIDDEN if want == X else None)


# --- status moves --------------------------------------------------------------------

OK = Gates(has_assignee=True)
NO = Gates(has_assignee=False)
BL = Gates(has_assignee=True, completion_blockers=("required checklist item not done: Isolate",))
TECH, DISP = "technician", "dispatcher"

MOVES = [
    # role, relation, sent from, to, current, reason, gates -> move, code
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.EN_ROUTE, S.ASSIGNED, None, OK, M.APPLY, None),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.IN_PROGRESS, S.EN_ROUTE, None, OK, M.MERGE, None),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.EN_ROUTE, S.EN_ROUTE, None, OK, M.ALREADY, None),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.EN_ROUTE, S.CANCELLED, None, OK, M.CONFLICT, None),
    # cannot_complete -> assigned is legal, but the dispatcher's: no merge for a technician.
    (TECH, R.ASSIGNEE, S.EN_ROUTE, S.ASSIGNED, S.CANNOT_COMPLETE, None, OK, M.CONFLICT, None),
    (TECH, R.ASSIGNEE, S.IN_PROGRESS, S.COMPLETED, S.IN_PROGRESS, None, OK, M.APPLY, None),
    (TECH, R.ASSIGNEE, S.IN_PROGRESS, S.COMPLETED, S.IN_PROGRESS, None, BL, M.REFUSE, K.COMPLETION_BLOCKED),
    (TECH, R.ASSIGNEE, S.ON_HOLD, S.COMPLETED, S.IN_PROGRESS, None, BL, M.REFUSE, K.ILLEGAL_TRANSITION),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.COMPLETED, S.ASSIGNED, None, OK, M.REFUSE, K.ILLEGAL_TRANSITION),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.ON_HOLD, S.ASSIGNED, None, OK, M.REFUSE, K.REASON_REQUIRED),
    (TECH, R.ASSIGNEE, S.IN_PROGRESS, S.CANNOT_COMPLETE, S.IN_PROGRESS, " ", OK, M.REFUSE, K.REASON_REQUIRED),
    (TECH, R.ASSIGNEE, S.IN_PROGRESS, S.CANNOT_COMPLETE, S.IN_PROGRESS, "No access", OK, M.APPLY, None),
    (TECH, R.ASSIGNEE, S.ASSIGNED, S.CANCELLED, S.ASSIGNED, None, OK, M.REFUSE, K.FORBIDDEN),
    (TECH, R.ASSIGNEE, S.COMPLETED, S.CLOSED, S.COMPLETED, None, OK, M.REFUSE, K.FORBIDDEN),
    # A former assignee's move is kept for the dispatcher, whatever the order is now ...
    (TECH, R.FORMER_ASSIGNEE, S.IN_PROGRESS, S.COMPLETED, S.ASSIGNED, None, BL, M.CONFLICT, None),
    (TECH, R.FORMER_ASSIGNEE, S.ASSIGNED, S.EN_ROUTE, S.ASSIGNED, None, OK, M.CONFLICT, None),
    # ... but a move their role never makes is still refused.
    (TECH, R.FORMER_ASSIGNEE, S.ASSIGNED, S.CANCELLED, S.ASSIGNED, None, OK, M.REFUSE, K.FORBIDDEN),
    (TECH, R.OTHER_TECHNICIAN, S.ASSIGNED, S.EN_ROUTE, S.ASSIGNED, None, OK, M.REFUSE, K.FORBIDDEN),
    (TECH, R.CREATOR, S.NEW, S.CANCELLED, S.NEW, None, NO, M.REFUSE, K.FORBIDDEN),
    (DISP, R.OUTSIDER, S.NEW, S.CANCELLED, S.NEW, None, NO, M.REFUSE, K.FORBIDDEN),
    # A dispatcher no longer makes the field's moves.
    (DISP, R.DISPATCH, S.ASSIGNED, S.IN_PROGRESS, S.ASSIGNED, None, OK, M.REFUSE, K.FORBIDDEN),
    (DISP, R.DISPATCH, S.ON_HOLD, S.IN_PROGRESS, S.ON_HOLD, None, OK, M.REFUSE, K.FORBIDDEN),
    (DISP, R.DISPATCH, S.IN_PROGRESS, S.COMPLETED, S.IN_PROGRESS, None, OK, M.REFUSE, K.FORBIDDEN),
    ("admin", R.DISPATCH, S.ASSIGNED, S.EN_ROUTE, S.ASSIGNED, None, OK, M.REFUSE, K.FORBIDDEN),
    (DISP, R.DISPATCH, S.IN_PROGRESS, S.ON_HOLD, S.IN_PROGRESS, "Customer away", OK, M.APPLY, None),
    (DISP, R.DISPATCH, S.ASSIGNED, S.ON_HOLD, S.ASSIGNED, "", OK, M.REFUSE, K.REASON_REQUIRED),
    (DISP, R.DISPATCH, S.NEW, S.ASSIGNED, S.NEW, None, NO, M.REFUSE, K.NO_ASSIGNEE),
    (DISP, R.DISPATCH, S.NEW, S.ASSIGNED, S.NEW, None, OK, M.APPLY, None),
    (DISP, R.DISPATCH, S.NEW, S.CANCELLED, S.ASSIGNED, None, OK, M.MERGE, None),
    # Merged onto another status, the gate of the target still holds.
    (DISP, R.DISPATCH, S.CANNOT_COMPLETE, S.ASSIGNED, S.NEW, None, NO, M.REFUSE, K.NO_ASSIGNEE),
    (DISP, R.DISPATCH, S.COMPLETED, S.CLOSED, S.CLOSED, None, OK, M.ALREADY, None),
    (DISP, R.DISPATCH, S.NEW, S.CANCELLED, S.IN_PROGRESS, None, OK, M.CONFLICT, None),
    (DISP, R.DISPATCH, S.COMPLETED, S.IN_PROGRESS, S.COMPLETED, None, OK, M.APPLY, None),
    ("integration", R.OUTSIDER, S.NEW, S.CANCELLED, S.NEW, None, OK, M.REFUSE, K.FORBIDDEN),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "relation", "frm", "to", "current", "reason", "gates", "move", "code"), MOVES
)
def test_judge_transition(
    role: str,
    relation: Relation,
    frm: Status,
    to: Status,
    current: Status,
    reason: str | None,
    gates: Gates,
    move: Move,
    code: Code | None,
) -> None:
    verdict = rules.judge_transition(
        role=role, relation=relation, sent_from=frm, to=to, current=current, reason=reason, gates=gates
    )
    assert (verdict.move, verdict.code) == (move, code)
    assert verdict.changes_status is (move in (M.APPLY, M.MERGE))


def test_the_completion_gate_names_what_blocks() -> None:
    verdict = rules.gate(S.COMPLETED, Gates(has_assignee=True, completion_blockers=("one", "two")))
    assert (verdict.code, verdict.detail) == (Code.COMPLETION_BLOCKED, "one; two")
    assert rules.gate(S.COMPLETED, OK).allowed
    assert rules.gate(S.ASSIGNED, NO).code is Code.NO_ASSIGNEE
    assert rules.gate(S.CANCELLED, NO).allowed


OFFERS = [
    (TECH, R.ASSIGNEE, S.ASSIGNED, OK, [S.EN_ROUTE, S.IN_PROGRESS, S.ON_HOLD]),
    (TECH, R.ASSIGNEE, S.EN_ROUTE, OK, [S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD]),
    # Completing stays offered while blocked: the screen shows it disabled with the reasons.
    (TECH, R.ASSIGNEE, S.IN_PROGRESS, BL, [S.ON_HOLD, S.COMPLETED, S.CANNOT_COMPLETE]),
    (TECH, R.ASSIGNEE, S.ON_HOLD, OK, [S.EN_ROUTE, S.IN_PROGRESS]),
    (TECH, R.ASSIGNEE, S.COMPLETED, OK, []),
    (TECH, R.FORMER_ASSIGNEE, S.IN_PROGRESS, OK, []),
    (TECH, R.OTHER_TECHNICIAN, S.ASSIGNED, OK, []),
    (TECH, R.CREATOR, S.NEW, NO, []),
    (DISP, R.DISPATCH, S.NEW, NO, [S.CANCELLED]),  # assigning goes through the picker
    (DISP, R.DISPATCH, S.ASSIGNED, OK, [S.NEW, S.ON_HOLD, S.CANCELLED]),
    (DISP, R.DISPATCH, S.IN_PROGRESS, OK, [S.ON_HOLD]),
    (DISP, R.DISPATCH, S.ON_HOLD, OK, [S.CANCELLED]),
    (DISP, R.DISPATCH, S.COMPLETED, OK, [S.IN_PROGRESS, S.CLOSED]),
    (DISP, R.DISPATCH, S.CANNOT_COMPLETE, OK, [S.ASSIGNED, S.CLOSED, S.CANCELLED]),
    (DISP, R.DISPATCH, S.CLOSED, OK, []),
    (DISP, R.OUTSIDER, S.ASSIGNED, OK, []),
]


@pytest.mark.parametrize(("role", "relation", "current", "gates", "want"), OFFERS)
def test_offered_moves(
    role: str, relation: Relation, current: Status, gates: Gates, want: list[Status]
) -> None:
    assert rules.offered_moves(role=role, relation=relation, current=current, gates=gates) == want


# --- assigning -----------------------------------------------------------------------

ASSIGN = {
    # status: (verdict for someone, code; verdict for nobody, code; status after someone; after nobody)
    S.NEW: (A, None, X, Code.UNASSIGN_REFUSED, S.ASSIGNED, S.NEW),
    S.ASSIGNED: (A, None, A, None, S.ASSIGNED, S.NEW),
    S.EN_ROUTE: (A, None, X, Code.UNASSIGN_REFUSED, S.EN_ROUTE, S.EN_ROUTE),
    S.IN_PROGRESS: (A, None, X, Code.UNASSIGN_REFUSED, S.IN_PROGRESS, S.IN_PROGRESS),
    S.ON_HOLD: (A, None, X, Code.UNASSIGN_REFUSED, S.ON_HOLD, S.ON_HOLD),
    S.CANNOT_COMPLETE: (A, None, X, Code.UNASSIGN_REFUSED, S.ASSIGNED, S.CANNOT_COMPLETE),
    S.COMPLETED: (X, Code.NOT_REASSIGNABLE, X, Code.NOT_REASSIGNABLE, S.COMPLETED, S.COMPLETED),
    S.CLOSED: (X, Code.NOT_REASSIGNABLE, X, Code.NOT_REASSIGNABLE, S.CLOSED, S.CLOSED),
    S.CANCELLED: (X, Code.NOT_REASSIGNABLE, X, Code.NOT_REASSIGNABLE, S.CANCELLED, S.CANCELLED),
}


def test_assign_covers_every_status() -> None:
    assert set(ASSIGN) == set(Status)


@pytest.mark.parametrize("status", list(ASSIGN))
def test_judge_assign_and_status_after(status: Status) -> None:
    someone, someone_code, nobody, nobody_code, after_someone, after_nobody = ASSIGN[status]
    to_someone = rules.judge_assign(status=status, assignee_id="t")
    assert (spelled(to_someone), to_someone.code) == (someone, someone_code)
    to_nobody = rules.judge_assign(status=status, assignee_id=None)
    assert (spelled(to_nobody), to_nobody.code) == (nobody, nobody_code)
    if someone == A:
        assert rules.status_after_assign(status=status, assignee_id="t") is after_someone
    if nobody == A:
        assert rules.status_after_assign(status=status, assignee_id=None) is after_nobody


def test_not_reassignable_states() -> None:
    assert {S.COMPLETED, S.CLOSED, S.CANCELLED} == rules.NOT_REASSIGNABLE


# --- checklist -----------------------------------------------------------------------

CHECKLIST_BY_STATE = {
    S.NEW: A,
    S.ASSIGNED: A,
    S.EN_ROUTE: A,
    S.IN_PROGRESS: A,
    S.ON_HOLD: A,
    S.CANNOT_COMPLETE: A,
    S.COMPLETED: X,  # illegal_state: the checklist is the record now
    S.CLOSED: X,
    S.CANCELLED: C,  # measured offline: kept as a conflict, never applied
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("relation", list(Relation))
def test_judge_checklist(relation: Relation, status: Status) -> None:
    verdict = rules.judge_checklist(relation=relation, status=status)
    if relation in (R.ASSIGNEE, R.FORMER_ASSIGNEE):
        want = CHECKLIST_BY_STATE[status]
        assert spelled(verdict) == want
        assert verdict.code == (Code.ILLEGAL_STATE if want == X else None)
    else:  # a dispatcher does not measure, nor anyone without a tie to the work
        assert (spelled(verdict), verdict.code) == (X, Code.FORBIDDEN)
    assert rules.checklist_editable(relation=relation, status=status) is (spelled(verdict) == A)


VALUES = [
    # kind, value, done -> refused?
    ("check", True, True, False),
    ("check", False, False, False),
    ("check", None, True, False),  # a tick needs no value
    ("check", 1, True, True),
    ("check", "yes", False, True),
    ("number", 2.5, True, False),
    ("number", 95, True, False),  # out of range is still a value: kept and flagged
    ("number", -3, False, False),
    ("number", True, True, True),
    ("number", "2.5", True, True),
    ("number", float("nan"), True, True),
    ("number", float("inf"), True, True),
    ("number", None, True, True),  # done without a measurement
    ("number", None, False, False),
    ("text", "Worn seal", True, False),
    ("text", "", True, False),
    ("text", "x" * 2000, True, False),
    ("text", "x" * 2001, True, True),
    ("text", None, True, True),
    ("text", 5, True, True),
    ("pass_fail", "pass", True, False),
    ("pass_fail", "fail", False, False),
    ("pass_fail", "maybe", True, True),
    ("pass_fail", None, True, True),
    ("pass_fail", None, False, False),
    ("signature", "x", True, True),  # not a kind of item
]


@pytest.mark.parametrize(("kind", "value", "done", "refused"), VALUES)
def test_checklist_value_problem(kind: str, value: object, done: bool, refused: bool) -> None:
    problem = rules.checklist_value_problem(kind=kind, value=value, done=done)
    assert (problem is not None) is refused, problem


RANGES = [
    ("number", 95, 55, 80, True),
    ("number", 54.9, 55, 80, True),
    ("number", 55, 55, 80, False),
    ("number", 80, 55, 80, False),
    ("number", 70, None, 80, False),
    ("number", 81, None, 80, True),
    ("number", -1, 0, None, True),
    ("number", 10**6, None, None, False),
    ("number", None, 55, 80, False),
    ("number", True, 2, 3, False),
    ("text", "95", 55, 80, False),
]


@pytest.mark.parametrize(("kind", "value", "low", "high", "want"), RANGES)
def test_out_of_range(kind: str, value: object, low: float | None, high: float | None, want: bool) -> None:
    assert rules.out_of_range(kind=kind, value=value, low=low, high=high) is want


# --- evidence, void, resolve ----------------------------------------------------------


def test_judge_evidence_is_the_access_of_its_type() -> None:
    table = {
        T.NOTE_ADD: {R.ASSIGNEE, R.FORMER_ASSIGNEE, R.CREATOR, R.DISPATCH},
        T.PHOTO_ADD: {R.ASSIGNEE, R.FORMER_ASSIGNEE, R.CREATOR, R.DISPATCH},
        T.TIME_ADD: {R.ASSIGNEE, R.FORMER_ASSIGNEE},
        T.PART_USE: {R.ASSIGNEE, R.FORMER_ASSIGNEE},
        T.SIGNATURE_ADD: {R.ASSIGNEE, R.FORMER_ASSIGNEE},
    }
    for kind, allowed in table.items():
        for relation in Relation:
            verdict = rules.judge_evidence(kind, relation=relation)
            assert verdict.allowed is (relation in allowed), (kind, relation)
    with pytest.raises(ValueError, match="not work evidence"):
        rules.judge_evidence(T.CHECKLIST_SET, relation=R.ASSIGNEE)


VOIDS = [
    (R.DISPATCH, False, A),
    (R.DISPATCH, True, A),
    (R.ASSIGNEE, True, A),
    (R.ASSIGNEE, False, X),
    (R.FORMER_ASSIGNEE, True, A),
    (R.FORMER_ASSIGNEE, False, X),
    (R.CREATOR, True, A),
    (R.CREATOR, False, X),
    (R.OTHER_TECHNICIAN, True, X),  # their entry, but they no longer reach the order
    (R.OUTSIDER, True, X),
]


@pytest.mark.parametrize(("relation", "is_author", "want"), VOIDS)
def test_judge_void(relation: Relation, is_author: bool, want: str) -> None:
    verdict = rules.judge_void(relation=relation, is_author=is_author)
    assert (spelled(verdict), verdict.code) == (want, Code.FORBIDDEN if want == X else None)


RESOLVES = [
    (R.DISPATCH, False, "work_order", "status", A),
    (R.DISPATCH, False, "checklist_item", "value", A),
    (R.DISPATCH, False, "work_order", "title", A),
    (R.ASSIGNEE, True, "checklist_item", "value", A),
    (R.ASSIGNEE, True, "time_log", "overlap", A),
    (R.FORMER_ASSIGNEE, True, "checklist_item", "value", A),
    (R.ASSIGNEE, False, "checklist_item", "value", X),  # someone else's losing value
    (R.ASSIGNEE, True, "work_order", "status", X),  # a status conflict is the dispatcher's
    (R.ASSIGNEE, True, "work_order", "title", X),
    (R.CREATOR, True, "work_order", "title", X),
    (R.OTHER_TECHNICIAN, True, "checklist_item", "value", X),
    (R.OUTSIDER, True, "checklist_item", "value", X),
]


@pytest.mark.parametrize(("relation", "is_loser", "entity", "field", "want"), RESOLVES)
def test_judge_resolve(relation: Relation, is_loser: bool, entity: str, field: str, want: str) -> None:
    verdict = rules.judge_resolve(relation=relation, is_loser=is_loser, entity=entity, field=field)
    assert (spelled(verdict), verdict.code) == (want, Code.FORBIDDEN if want == X else None)


def test_field_edits() -> None:
    assert spelled(rules.judge_field_edit(relation=R.DISPATCH)) == A
    assert spelled(rules.judge_field_edit(relation=R.ASSIGNEE)) == C
    assert spelled(rules.judge_field_edit(relation=R.OTHER_TECHNICIAN)) == X


# --- roles ---------------------------------------------------------------------------


def test_roles() -> None:
    assert {Role.DISPATCHER, Role.ADMIN} == rules.DISPATCH_ROLES
    assert {Role.TECHNICIAN, Role.DISPATCHER, Role.ADMIN} == rules.SYNC_ROLES
    roles = ("dispatcher", "admin", "technician", "integration", None, "x")
    assert [rules.is_dispatcher(r) for r in roles] == [True, True, False, False, False, False]
    assert rules.parse_role("admin") is Role.ADMIN
    assert rules.parse_role("root") is None


# --- reading an order's history ------------------------------------------------------------


@pytest.mark.parametrize(
    ("relation", "reading"),
    [
        (Relation.DISPATCH, rules.HistoryReading.ALL),
        (Relation.ASSIGNEE, rules.HistoryReading.ALL),
        (Relation.FORMER_ASSIGNEE, rules.HistoryReading.OWN),
        (Relation.CREATOR, None),
        (Relation.OTHER_TECHNICIAN, None),
        (Relation.OUTSIDER, None),
    ],
)
def test_who_reads_an_orders_history(relation: Relation, reading: rules.HistoryReading | None) -> None:
    assert rules.history_reading(relation) is reading


def test_relations_are_the_rulebooks() -> None:
    from app.domain import relations

    assert rules.Relation is relations.Relation and rules.relation_of is relations.relation_of
    assert rules.SYNC_ROLES == relations.SYNC_ROLES == {Role.DISPATCHER, Role.ADMIN, Role.TECHNICIAN}
