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

ALL_PAIRS = list(itertools.product(list(S), list(S)))


def test_table_covers_every_state() -> None:
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_legality_matches_design(frm: Status, to: Status) -> None:
    assert is_legal(frm, to) is (to.value in TABLE[frm.value])


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_technician_moves(frm: Status, to: Status) -> None:
    if not is_legal(frm, to):
        return
    expected = (frm.value, to.value) not in DISPATCHER_ONLY
    assert role_may_move(Role.TECHNICIAN, frm, to) is expected


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=lambda s: s.value)
def test_dispatchers_and_admins_make_every_legal_move(frm: Status, to: Status) -> None:
    for role in (Role.DISPATCHER, Role.ADMIN):
        assert role_may_move(role, frm, to)


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
    assert next_statuses(S.COMPLETED, role=Role.TECHNICIAN) == []
    assert next_statuses(S.NEW, role=Role.TECHNICIAN) == []


def test_next_statuses_only_lists_legal_moves() -> None:
    for frm in S:
        for role in Role:
            assert all(is_legal(frm, to) for to in next_statuses(frm, role=role))
