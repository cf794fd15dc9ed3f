"""The authorisation matrix of the push (issues 9, 10): each of the 12 mutation types x
every caller x every target, the expected result of each cell written by hand in
the tables below (sync-protocol.md's "who" column and design.md's roles), on
SQLite and PostgreSQL. The world is authz_world's; every cell is one push.

A cell's answer is the mutation's result status, its rejection code, or the HTTP
status when the push itself is refused (401: keys and anonymous callers never sync).
Targets are the order of `tech1` (a), of `tech2` (b) and of the other organisation
(x); order.create's targets are whom the new order is assigned to, template.save's a new
template, one of the caller's organisation and one of the other.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.domain.protocol import MutationType

from .authz_world import AT, CALLERS, ORDERS, Matrix, cell_hour, ids, matrix, push, sha, table

__all__ = ["matrix"]  # the module-scoped world of these cells

U, F, N = 401, "forbidden", "not_found"
A, M, C = "applied", "merged", "conflict"
UA = "unknown_assignee"


# --- the tables ---------------------------------------------------------------------

# A dispatcher creates any order of their organisation; a technician only unassigned
# follow-up work; nobody assigns someone of another organisation.
ORDER_CREATE = table(
    {
        "anon": (U, U, U, U),
        "tech1": (A, F, F, F),
        "tech2": (A, F, F, F),
        "disp": (A, A, A, UA),
        "admin": (A, A, A, UA),
        "outsider": (A, UA, UA, A),
        "key": (U, U, U, U),
        "okey": (U, U, U, U),
    },
    ("nobody", "tech1", "tech2", "otech"),
)
# A new description: a dispatcher's applies; the assignee's is a conflict for a
# dispatcher (never an overwrite); anyone else is refused.
ORDER_UPDATE = table(
    {
        "anon": (U, U, U),
        "tech1": (C, F, N),
        "tech2": (F, C, N),
        "disp": (A, A, N),
        "admin": (A, A, N),
        "outsider": (N, N, A),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ORDERS,
)
# assigned -> on_hold with a reason: a move both sides make.
ORDER_HOLD = table(
    {
        "anon": (U, U, U),
        "tech1": (A, F, N),
        "tech2": (F, A, N),
        "disp": (A, A, N),
        "admin": (A, A, N),
        "outsider": (N, N, A),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ORDERS,
)
# assigned -> en_route: the field's move, the assignee's alone.
ORDER_START = table(
    {
        "anon": (U, U, U),
        "tech1": (A, F, N),
        "tech2": (F, A, N),
        "disp": (F, F, N),
        "admin": (F, F, N),
        "outsider": (N, N, F),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ORDERS,
)
# Measuring, logging time, using parts and taking signatures: the assignee's work.
ASSIGNEES_WORK = {
    "anon": (U, U, U),
    "tech1": (A, F, N),
    "tech2": (F, A, N),
    "disp": (F, F, N),
    "admin": (F, F, N),
    "outsider": (N, N, F),
    "key": (U, U, U),
    "okey": (U, U, U),
}
CHECKLIST_SET = table(ASSIGNEES_WORK, ORDERS)
TIME_ADD = table(ASSIGNEES_WORK, ORDERS)
PART_USE = table(ASSIGNEES_WORK, ORDERS)
SIGNATURE_ADD = table(ASSIGNEES_WORK, ORDERS)
# Notes and photos: anyone who sees the order.
SEEN_BY_ALL = {
    "anon": (U, U, U),
    "tech1": (A, F, N),
    "tech2": (F, A, N),
    "disp": (A, A, N),
    "admin": (A, A, N),
    "outsider": (N, N, A),
    "key": (U, U, U),
    "okey": (U, U, U),
}
NOTE_ADD = table(SEEN_BY_ALL, ORDERS)
PHOTO_ADD = table(SEEN_BY_ALL, ORDERS)
# Voiding a note of the target's assignee: its author or a dispatcher.
ENTRY_VOID = table(SEEN_BY_ALL, ORDERS)
# Resolving an overlap of the target assignee's time ("mine": keep both logs): the
# technician who lost it or a dispatcher.
CONFLICT_RESOLVE = table(SEEN_BY_ALL, ORDERS)
# Checklist templates: the organisation's dispatchers and admins save them, new or their
# own; a template of the other organisation is not theirs to take over (its id is taken).
IC = "id_conflict"
TEMPLATE_SAVE = table(
    {
        "anon": (U, U, U),
        "tech1": (F, F, F),
        "tech2": (F, F, F),
        "disp": (A, A, IC),
        "admin": (A, A, IC),
        "outsider": (A, A, IC),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ("new", "own", "theirs"),
)
# Maintenance schedules (issue 13): the organisation's dispatchers and admins save them;
# the default technician (the target) must be an active technician of their organisation.
SCHEDULE_SAVE = table(
    {
        "anon": (U, U, U),
        "tech1": (F, F, F),
        "tech2": (F, F, F),
        "disp": (A, A, UA),
        "admin": (A, A, UA),
        "outsider": (A, UA, A),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ("nobody", "tech1", "otech"),
)


def test_every_mutation_type_has_a_table() -> None:
    tables = {
        "order.create": ORDER_CREATE,
        "order.update": ORDER_UPDATE,
        "order.transition": ORDER_HOLD + ORDER_START,
        "checklist.set": CHECKLIST_SET,
        "note.add": NOTE_ADD,
        "photo.add": PHOTO_ADD,
        "time.add": TIME_ADD,
        "part.use": PART_USE,
        "signature.add": SIGNATURE_ADD,
        "entry.void": ENTRY_VOID,
        "conflict.resolve": CONFLICT_RESOLVE,
        "template.save": TEMPLATE_SAVE,
        "schedule.save": SCHEDULE_SAVE,
    }
    assert set(tables) == {t.value for t in MutationType}
    for cells in tables.values():
        assert {caller for caller, _, _ in cells} == set(CALLERS)


# --- the cells ----------------------------------------------------------------------


def _push(matrix: Matrix, caller: str, type_: str, order: str, args: dict[str, Any], **kw: Any) -> str | int:
    return push(matrix.client, matrix.callers[caller], type_, order, args, **kw)


@pytest.mark.parametrize(("caller", "target", "want"), ORDER_CREATE, ids=ids(ORDER_CREATE))
def test_order_create(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    order_id = str(uuid.uuid4())
    args: dict[str, Any] = {"id": order_id, "title": f"Made by {caller}"}
    if target != "nobody":
        args["assignee_id"] = matrix.users[target]
    assert _push(matrix, caller, "order.create", order_id, args) == want


@pytest.mark.parametrize(("caller", "target", "want"), ORDER_UPDATE, ids=ids(ORDER_UPDATE))
def test_order_update(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    order, seq = matrix.twins[("update", caller, target)]
    args = {"fields": {"description": f"{caller} was here"}}
    assert _push(matrix, caller, "order.update", order, args, base_seq=seq) == want


@pytest.mark.parametrize(("caller", "target", "want"), ORDER_HOLD, ids=ids(ORDER_HOLD))
def test_order_transition_on_hold(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    order, _ = matrix.twins[("hold", caller, target)]
    args = {"from": "assigned", "to": "on_hold", "at": AT, "reason": "Waiting for a part"}
    assert _push(matrix, caller, "order.transition", order, args) == want


@pytest.mark.parametrize(("caller", "target", "want"), ORDER_START, ids=ids(ORDER_START))
def test_order_transition_on_the_road(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    order, _ = matrix.twins[("start", caller, target)]
    args = {"from": "assigned", "to": "en_route", "at": AT}
    assert _push(matrix, caller, "order.transition", order, args) == want


@pytest.mark.parametrize(("caller", "target", "want"), CHECKLIST_SET, ids=ids(CHECKLIST_SET))
def test_checklist_set(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    args = {"item_id": matrix.items[target], "value": True, "done": True}
    assert _push(matrix, caller, "checklist.set", matrix.orders[target], args) == want


@pytest.mark.parametrize(("caller", "target", "want"), NOTE_ADD, ids=ids(NOTE_ADD))
def test_note_add(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    note = {"id": str(uuid.uuid4()), "text": f"{caller} was here", "at": AT}
    assert _push(matrix, caller, "note.add", matrix.orders[target], note) == want


@pytest.mark.parametrize(("caller", "target", "want"), PHOTO_ADD, ids=ids(PHOTO_ADD))
def test_photo_add(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    data = matrix.blobs[target]
    photo = {
        "id": str(uuid.uuid4()), "sha256": sha(data), "size": len(data), "content_type": "image/png",
        "width": 24, "height": 24, "caption": f"by {caller}", "taken_at": AT,
    }  # fmt: skip
    assert _push(matrix, caller, "photo.add", matrix.orders[target], photo) == want


@pytest.mark.parametrize(("caller", "target", "want"), TIME_ADD, ids=ids(TIME_ADD))
def test_time_add(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    hour = cell_hour(caller, target)  # so no two logs of one person overlap
    span = {"started_at": f"2026-11-24T{hour:02d}:00:00Z", "ended_at": f"2026-11-24T{hour:02d}:30:00Z"}
    args = {"id": str(uuid.uuid4()), "kind": "work", **span}
    assert _push(matrix, caller, "time.add", matrix.orders[target], args) == want


@pytest.mark.parametrize(("caller", "target", "want"), PART_USE, ids=ids(PART_USE))
def test_part_use(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    args = {"id": str(uuid.uuid4()), "sku": "FUSE-10A", "quantity": 1}  # both catalogues hold it
    assert _push(matrix, caller, "part.use", matrix.orders[target], args) == want


@pytest.mark.parametrize(("caller", "target", "want"), SIGNATURE_ADD, ids=ids(SIGNATURE_ADD))
def test_signature_add(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    signature = {"id": str(uuid.uuid4()), "signer_name": "Pat", "sha256": sha(matrix.blobs[target]),
                 "signed_at": AT}  # fmt: skip
    assert _push(matrix, caller, "signature.add", matrix.orders[target], signature) == want


@pytest.mark.parametrize(("caller", "target", "want"), ENTRY_VOID, ids=ids(ENTRY_VOID))
def test_entry_void(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    args = {"entity": "note", "id": matrix.notes[(caller, target)], "reason": "Wrong order"}
    assert _push(matrix, caller, "entry.void", matrix.orders[target], args) == want


@pytest.mark.parametrize(("caller", "target", "want"), CONFLICT_RESOLVE, ids=ids(CONFLICT_RESOLVE))
def test_conflict_resolve(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    args = {"conflict_id": matrix.conflicts[(caller, target)], "choice": "mine"}
    assert _push(matrix, caller, "conflict.resolve", matrix.orders[target], args) == want


@pytest.mark.parametrize(("caller", "target", "want"), TEMPLATE_SAVE, ids=ids(TEMPLATE_SAVE))
def test_template_save(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    # "own" and "theirs" are the templates of Test Org and Other Org (from the caller's side).
    outside = caller == "outsider"
    template_id = {
        "new": str(uuid.uuid4()),
        "own": matrix.templates["Other Org" if outside else "Test Org"],
        "theirs": matrix.templates["Test Org" if outside else "Other Org"],
    }[target]
    args = {
        "name": f"Saved by {caller}",
        "kind": "repair",
        "items": [{"position": 1, "label": "Safe", "kind": "check"}],
    }
    assert _push(matrix, caller, "template.save", template_id, args) == want


@pytest.mark.parametrize(("caller", "target", "want"), SCHEDULE_SAVE, ids=ids(SCHEDULE_SAVE))
def test_schedule_save(matrix: Matrix, caller: str, target: str, want: str | int) -> None:
    args = {
        "name": f"Saved by {caller}",
        "site": {"name": "Plant room"},
        "every": {"n": 1, "unit": "month"},
        "starts_on": "2027-01-31",
        "template": {"title": "Monthly check"},
        "assignee_id": None if target == "nobody" else matrix.users[target],
    }
    assert _push(matrix, caller, "schedule.save", str(uuid.uuid4()), args) == want
