"""Maintenance schedules on the desk's device: saving one (rulebook, the domain's field
rules, one local transaction writing the row and queuing schedule.save), pausing, pulled
rows, and the re-base after a refusal."""

from __future__ import annotations

import uuid

import pytest
from store.kit import DISPATCHER, T0, change, dispatcher_store, new_id, open_store, sign_in_locally, wire

from app.domain.protocol import Change, ResultStatus, ScheduleSaveArgs
from app.services.desk_types import ChecklistDraftItem
from app.services.schedules import (
    ScheduleDraft,
    ScheduleInvalid,
    list_schedules,
    save_schedule,
    set_paused,
)
from app.services.types import InvalidInput
from app.store.models import OutboxEntry, Schedule, Template
from app.store.outbox import queued
from app.store.rebase import rebase
from app.store.rows import apply_change

DRAFT = ScheduleDraft(
    name="Boiler service, Hall 2",
    site_name="Hall 2",
    asset="BOILER-7",
    every_n="3",
    every_unit="month",
    starts_on="2026-11-30",
    lead_days="7",
    title="Quarterly boiler service",
    priority="high",
    items=[ChecklistDraftItem(label="Burner cleaned", required=True)],
    timezone="Europe/Berlin",
)


@pytest.fixture
def store(tmp_path):
    return dispatcher_store(tmp_path)


def _save(store, draft=DRAFT, *, schedule_id=None, role="dispatcher"):
    with store.transaction() as s:
        return save_schedule(s, schedule_id=schedule_id, draft=draft, role=role, now=T0)


def _list(store):
    with store.read() as s:
        return list_schedules(s)


def _pulled(store, schedule_id, seq, **fields):
    data = {
        "id": schedule_id,
        "name": "Gas check",
        "site": {"name": "Plant", "address": None, "lat": None, "lon": None},
        "asset": None,
        "every": {"n": 2, "unit": "week"},
        "anchor": "fixed",
        "starts_on": "2026-12-01",
        "lead_days": 3,
        "template": {
            "title": "Gas check",
            "kind": "inspection",
            "priority": "normal",
            "requires_signature": False,
            "checklist": [],
        },
        "assignee_id": None,
        "paused": False,
        "next_due_on": "2026-12-01",
        "timezone": "UTC",
        "updated_at": wire(T0),
        **fields,
    }
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("schedule", data, seq)))


def test_a_saved_schedule_shows_at_once_and_its_save_is_queued(store):
    view = _save(store)
    assert (view.name, view.every_n, view.every_unit, view.lead_days, view.pending) == (
        "Boiler service, Hall 2",
        3,
        "month",
        7,
        True,
    )
    assert view.next_due_on == "2026-11-30"  # reckoned here until the server's row comes back
    with store.read() as s:
        [entry] = queued(s)
        row = s.get(Schedule, str(view.id))
        assert (row.every_n, row.every_unit, row.timezone, row.seq) == (3, "month", "Europe/Berlin", 0)
    assert entry.type == "schedule.save" and entry.entity_id == str(view.id)
    args = ScheduleSaveArgs.model_validate(entry.args)  # what the server parses
    assert args.template.checklist[0].label == "Burner cleaned"
    assert args.every.n == 3 and args.lead_days == 7
    assert _list(store) == [view]


def test_the_checklist_may_come_from_a_template(store):
    with store.transaction() as s:
        s.add(
            Template(
                id=new_id(),
                name="Gas",
                kind="inspection",
                seq=1,
                items=[{"position": 1, "label": "Sniff test", "kind": "pass_fail", "required": True}],
            )
        )
    with store.read() as s:
        template_id = s.query(Template).one().id
    view = _save(store, ScheduleDraft(**{**_fields(DRAFT), "items": [], "template_id": template_id}))
    assert [(i.label, i.kind, i.required) for i in view.items] == [("Sniff test", "pass_fail", True)]


def _fields(draft: ScheduleDraft) -> dict:
    return {name: getattr(draft, name) for name in draft.__dataclass_fields__}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"every_n": "often"}, "every_n"),
        ({"every_n": 0}, "every_n"),
        ({"starts_on": "30.11.2026"}, "starts_on"),
        ({"lead_days": "-2"}, "lead_days"),
        ({"site_name": "", "asset": ""}, "site"),
        ({"title": ""}, "title"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"items": [ChecklistDraftItem(label=" ")]}, "checklist"),
        ({"template_id": str(uuid.uuid4())}, "checklist"),
    ],
)
def test_problems_are_named_by_field_and_nothing_is_queued(store, changes, field):
    with pytest.raises(ScheduleInvalid) as raised:
        _save(store, ScheduleDraft(**{**_fields(DRAFT), **changes}))
    assert field in raised.value.problems
    with store.read() as s:
        assert queued(s) == [] and s.query(Schedule).count() == 0


@pytest.mark.parametrize("role", ["technician", None])
def test_only_dispatchers_and_admins_save_schedules(store, role):
    with pytest.raises(InvalidInput, match="Only dispatchers and admins"):
        _save(store, role=role)


def test_an_admin_saves_schedules(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user={**DISPATCHER, "role": "admin"})
    assert _save(store, role="admin").pending


def test_pulled_rows_keep_every_as_two_columns_and_list_running_ones_first(store):
    a, b = new_id(), new_id()
    _pulled(store, a, 5, name="Later", next_due_on="2027-01-05")
    _pulled(store, b, 6, name="Sooner", next_due_on="2026-12-01")
    _pulled(store, new_id(), 7, name="Stopped", paused=True, next_due_on="2026-11-26")
    assert [v.name for v in _list(store)] == ["Sooner", "Later", "Stopped"]
    with store.read() as s:
        row = s.get(Schedule, a)
        assert (row.every_n, row.every_unit, row.seq, row.server_data["name"]) == (2, "week", 5, "Later")


def test_pausing_queues_the_whole_schedule_with_paused_set(store):
    sid = new_id()
    _pulled(store, sid, 9)
    with store.transaction() as s:
        view = set_paused(s, schedule_id=uuid.UUID(sid), paused=True, role="dispatcher", now=T0)
    assert view.paused and view.pending
    with store.read() as s:
        [entry] = queued(s)
    assert (
        entry.base_seq == 9
        and entry.args["paused"] is True
        and entry.args["every"] == {"n": 2, "unit": "week"}
    )
    ScheduleSaveArgs.model_validate(entry.args)


def test_a_refused_save_puts_the_servers_copy_back(store):
    sid = new_id()
    _pulled(store, sid, 9)
    [pulled] = _list(store)
    _save(store, ScheduleDraft(**{**_fields(DRAFT), "name": "Renamed"}), schedule_id=pulled.id)
    with store.transaction() as s:
        [entry] = s.query(OutboxEntry).all()
        entry.result_status = ResultStatus.REJECTED.value
        s.delete(entry)
        s.flush()
        rebase(s, dropped=[entry])
    [back] = _list(store)
    assert (back.name, back.pending) == ("Gas check", False)
