"""Every pair of states, legal or not, against design.md's table."""

from __future__ import annotations

import itertools

import pytest

from app.domain import TRANSITIONS, Role, Status, is_legal, next_statuses, role_may_move

S = Status

# design.md's table, written out again by hand on purpose: the test must be able
# to disagree with the code.
TABLE = {
    "new": {"assigned", "cancelled"},
    "assigned": {"en_route", "in_progress", "on_hold", "new", "cancelled"},
    "en_route": {"in_progress", "on_hold", "assigned"},
    "in_progress": {"on_hold", "completed", "cannot_complete"},
    "on_hold": {"in_progress", "en_route", "cancelled"},
    "completed": {"closed", "in_progress"},
    "cannot_complete": {"assigned", "cancelled", "closed"},
    "closed": set(),
    "cancelled": set(),
}

# Who moves (design.md: "Dispatchers alone assign, unassign, cancel, close and
# reopen"; the field's moves are the technician's; on hold is either side's).
DISPATCHER_ONLY = {
    ("new", "assigned"),
    ("assigned", "new"),
    ("cannot_complete", "assigned"),
    ("new", "cancelled"),
    ("assigned", "cancelled"),
    ("on_hold", "cancelled"),
    ("cannot_complete", "cancelled"),
    ("completed", "closed"),
    ("cannot_complete", "closed"),
    ("completed", "in_progress"),
}
SHARED = {("assigned", "on_hold"), ("en_route", "on_hold"), ("in_progress", "on_hold")}
TECHNICIAN_ONLY = {
    ("assigned", "en_route"),
    ("assigned", "in_progress"),
    ("en_route", "in_progress"),
    ("en_route", "assigned"),
    ("in_progress", "completed"),
    ("in_progress", "cannot_complete"),
    ("on_hold", "in_progress"),
    ("on_hold", "en_route"),
}

ALL_PAIRS = list(itertools.product(list(S), list(S)))


def test_table_covers_every_state() -> None:
    assert set(TRANSITIONS) == set(S)


def test_the_three_sets_split_the_table() -> None:
    legal = {(f, t) for f, tos in TABLE.items() for t in tos}
    assert legal == DISPATCHER_ONLY | SHARED | TECHNICIAN_ONLY
    assert len(DISPATCHER_ONLY) + len(SHARED) + len(TECHNICIAN_ONLY) == len(legal)


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_legality_matches_design(frm: Status, to: Status) -> None:
    assert is_legal(frm, to) is (to.value in TABLE[frm.value])


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_technician_moves(frm: Status, to: Status) -> None:
    expected = (frm.value, to.value) in TECHNICIAN_ONLY | SHARED
    assert role_may_move(Role.TECHNICIAN, frm, to) is expected


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_dispatcher_and_admin_moves(frm: Status, to: Status) -> None:
    expected = (frm.value, to.value) in DISPATCHER_ONLY | SHARED
    for role in (Role.DISPATCHER, Role.ADMIN):
        assert role_may_move(role, frm, to) is expected


def test_integration_keys_move_nothing() -> None:
    assert not any(role_may_move(Role.INTEGRATION, f, t) for f, t in ALL_PAIRS)


def test_terminal_states_have_no_moves() -> None:
    for role in Role:
        assert next_statuses(S.CLOSED, role=role) == []
        assert next_statuses(S.CANCELLED, role=role) == []


def test_next_statuses_for_a_technician() -> None:
    assert next_statuses(S.ASSIGNED, role=Role.TECHNICIAN) == [S.EN_ROUTE, S.IN_PROGRESS, S.ON_HOLD]
    assert next_statuses(S.IN_PROGRESS, role=Role.TECHNICIAN) == [
        S.ON_HOLD,
        S.COMPLETED,
        S.CANNOT_COMPLETE,
    ]
    assert next_statuses(S.ON_HOLD, role=Role.TECHNICIAN) == [S.EN_ROUTE, S.IN_PROGRESS]
    assert next_statuses(S.COMPLETED, role=Role.TECHNICIAN) == []
    assert next_statuses(S.NEW, role=Role.TECHNICIAN) == []


def test_next_statuses_for_a_dispatcher() -> None:
    assert next_statuses(S.NEW, role=Role.DISPATCHER) == [S.ASSIGNED, S.CANCELLED]
    assert next_statuses(S.ASSIGNED, role=Role.DISPATCHER) == [S.NEW, S.ON_HOLD, S.CANCELLED]
    assert next_statuses(S.EN_ROUTE, role=Role.DISPATCHER) == [S.ON_HOLD]
    assert next_statuses(S.IN_PROGRESS, role=Role.DISPATCHER) == [S.ON_HOLD]
    assert next_statuses(S.ON_HOLD, role=Role.ADMIN) == [S.CANCELLED]
    assert next_statuses(S.COMPLETED, role=Role.DISPATCHER) == [S.IN_PROGRESS, S.CLOSED]
    assert next_statuses(S.CANNOT_COMPLETE, role=Role.DISPATCHER) == [S.ASSIGNED, S.CLOSED, S.CANCELLED]


def test_next_statuses_only_lists_legal_moves() -> None:
    for frm in S:
        for role in Role:
            assert all(is_legal(frm, to) for to in next_statuses(frm, role=role))
