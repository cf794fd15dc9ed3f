"""Checklist templates on the desk: listing them, saving one (rulebook, limits, one local
transaction that writes the row and queues template.save), and what a sync does to it."""

import uuid
from datetime import timedelta

import pytest
from store.kit import (
    DISPATCHER,
    T0,
    TECH,
    change,
    dispatcher_store,
    new_id,
    open_store,
    sign_in_locally,
    wire,
)

from app.domain.limits import MAX_CHECKLIST_ITEMS, MAX_CHECKLIST_LABEL, MAX_CHECKLIST_UNIT, MAX_NAME
from app.domain.protocol import Change, TemplateSaveArgs
from app.services.desk_types import ChecklistDraftItem, TemplateDraft
from app.services.templates import list_templates, save_template
from app.services.types import InvalidInput
from app.store.models import OutboxEntry, Template
from app.store.outbox import drop_acknowledged, queued
from app.store.rebase import rebase
from app.store.rows import apply_change

ITEMS = [
    ChecklistDraftItem(label="Check flue", required=True),
    ChecklistDraftItem(label="Pressure", kind="number", unit="bar", min=1, max=2.5),
    ChecklistDraftItem(label="Notes", kind="text"),
]
DRAFT = TemplateDraft(name="Boiler service", kind="maintenance", items=ITEMS)


@pytest.fixture
def store(tmp_path):
    return dispatcher_store(tmp_path)


def _save(store, draft=DRAFT, *, template_id=None, role="dispatcher", now=T0):
    with store.transaction() as s:
        return save_template(s, template_id=template_id, draft=draft, role=role, now=now)


def _list(store, *, kind=None, archived=False):
    with store.read() as s:
        return list_templates(s, kind=kind, archived=archived)


def _pulled(store, template_id, seq, **fields):
    data = {
        "id": template_id,
        "name": "Gas check",
        "kind": "inspection",
        "items": [{"position": 1, "label": "Sniff test", "kind": "pass_fail", "required": True}],
        "archived": False,
        "updated_at": wire(T0),
        **fields,
    }
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("checklist_template", data, seq)))


def test_a_saved_template_shows_at_once_and_its_save_is_queued_in_the_same_transaction(store):
    view = _save(store)
    assert (view.name, view.kind, view.archived, view.pending) == (
        "Boiler service",
        "maintenance",
        False,
        True,
    )
    assert view.items == [
        ChecklistDraftItem(label="Check flue", kind="check", required=True),
        ChecklistDraftItem(label="Pressure", kind="number", unit="bar", min=1.0, max=2.5),
        ChecklistDraftItem(label="Notes", kind="text"),
    ]
    with store.read() as s:
        [entry] = queued(s)
        row = s.get(Template, str(view.id))
    assert (entry.type, entry.entity_id, entry.base_seq, entry.created_at) == (
        "template.save",
        str(view.id),
        None,
        T0,
    )
    assert entry.args == {
        "name": "Boiler service",
        "kind": "maintenance",
        "items": [
            {"position": 1, "label": "Check flue", "kind": "check", "required": True},
            {
                "position": 2,
                "label": "Pressure",
                "kind": "number",
                "required": False,
                "unit": "bar",
                "min": 1.0,
                "max": 2.5,
            },
            {"position": 3, "label": "Notes", "kind": "text", "required": False},
        ],
        "archived": False,
    }
    TemplateSaveArgs.model_validate(entry.args)  # what the server parses
    assert (row.seq, row.server_data, row.updated_at) == (0, None, T0)
    assert _list(store) == [view]


def test_an_edit_names_the_pulled_version_and_replaces_the_shown_one(store):
    tid = new_id()
    _pulled(store, tid, 7)
    [before] = _list(store)
    assert (before.name, before.pending) == ("Gas check", False)
    view = _save(
        store, TemplateDraft(name="Gas check v2", kind="inspection", items=ITEMS[:1]), template_id=before.id
    )
    assert (view.id, view.name, len(view.items), view.pending) == (before.id, "Gas check v2", 1, True)
    with store.read() as s:
        assert queued(s)[0].base_seq == 7


def test_listing_by_kind_and_archived_sorted_by_name(store):
    _pulled(store, new_id(), 1, name="zeta inspection")
    _pulled(store, new_id(), 2, name="Alpha inspection")
    _pulled(store, new_id(), 3, name="Old inspection", archived=True)
    _save(store, TemplateDraft(name="Mid repair", kind="repair", items=ITEMS))
    assert [t.name for t in _list(store)] == ["Alpha inspection", "Mid repair", "zeta inspection"]
    assert [t.name for t in _list(store, kind="inspection")] == ["Alpha inspection", "zeta inspection"]
    assert [t.name for t in _list(store, kind="inspection", archived=True)] == [
        "Alpha inspection",
        "Old inspection",
        "zeta inspection",
    ]
    assert _list(store, kind="installation") == []


def test_archiving_hides_a_template_from_the_list(store):
    view = _save(store)
    _save(
        store,
        TemplateDraft(name=view.name, kind=view.kind, items=view.items, archived=True),
        template_id=view.id,
    )
    assert _list(store) == []
    [archived] = _list(store, archived=True)
    assert (archived.id, archived.archived) == (view.id, True)


@pytest.mark.parametrize("role", ["technician", "integration", None, "nobody"])
def test_only_dispatchers_and_admins_save_templates(store, role):
    with pytest.raises(InvalidInput, match="Only dispatchers and admins"):
        _save(store, role=role)
    with store.read() as s:
        assert queued(s) == [] and s.query(Template).count() == 0


def test_an_admin_saves_templates(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user={**DISPATCHER, "role": "admin"})
    assert _save(store, role="admin").pending


def _item(**fields):
    return ChecklistDraftItem(**{"label": "Item", **fields})


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (TemplateDraft(name="  ", kind="repair", items=ITEMS), "Give the template a name."),
        (
            TemplateDraft(name="x" * (MAX_NAME + 1), kind="repair", items=ITEMS),
            f"at most {MAX_NAME} characters",
        ),
        (TemplateDraft(name="T", kind="demolition", items=ITEMS), "kind of work must be one of repair"),
        (TemplateDraft(name="T", kind="repair", items=[]), "at least one checklist item"),
        (
            TemplateDraft(name="T", kind="repair", items=[_item()] * (MAX_CHECKLIST_ITEMS + 1)),
            f"at most {MAX_CHECKLIST_ITEMS} items",
        ),
        (TemplateDraft(name="T", kind="repair", items=[_item(), _item(label=" ")]), "Item 2 needs a label."),
        (
            TemplateDraft(name="T", kind="repair", items=[_item(label="x" * (MAX_CHECKLIST_LABEL + 1))]),
            f"Item 1: the label may have at most {MAX_CHECKLIST_LABEL}",
        ),
        (
            TemplateDraft(name="T", kind="repair", items=[_item(kind="photo")]),
            "Item 1: the kind must be one of",
        ),
        (
            TemplateDraft(
                name="T", kind="repair", items=[_item(kind="number", unit="u" * (MAX_CHECKLIST_UNIT + 1))]
            ),
            f"Item 1: the unit may have at most {MAX_CHECKLIST_UNIT}",
        ),
        (
            TemplateDraft(name="T", kind="repair", items=[_item(kind="number", min=5, max=1)]),
            "Item 1: the lowest value is above the highest.",
        ),
        (
            TemplateDraft(name="T", kind="repair", items=[_item(kind="number", max=float("inf"))]),
            "Item 1: the highest value must be a number.",
        ),
        (
            TemplateDraft(name="T", kind="repair", items=[_item(kind="number", min=float("nan"))]),
            "Item 1: the lowest value must be a number.",
        ),
    ],
)
def test_invalid_drafts_are_refused_in_words_and_nothing_is_queued(store, draft, message):
    with pytest.raises(InvalidInput, match=message.replace(".", r"\.")):
        _save(store, draft)
    with store.read() as s:
        assert queued(s) == [] and s.query(Template).count() == 0


def test_limits_and_units_are_kept_only_for_measured_items(store):
    draft = TemplateDraft(
        name="T",
        kind="repair",
        items=[_item(kind="check", unit="bar", min=1, max=2), _item(kind="number", unit="  ", min=0)],
    )
    view = _save(store, draft)
    assert view.items == [_item(kind="check"), _item(kind="number", min=0.0)]


def test_an_unknown_template_is_not_edited(store):
    with pytest.raises(InvalidInput, match="not on this device"):
        _save(store, template_id=uuid.uuid4())


def test_after_the_server_applies_it_the_pulled_row_stands_and_nothing_is_pending(store):
    view = _save(store)
    tid = str(view.id)
    _pulled(store, tid, 9, name="Boiler service", kind="maintenance")
    with store.transaction() as s:
        gone = drop_acknowledged(s, last_mid=1)
        gone[0].result_status = "applied"
        rebase(s, dropped=gone)
    [listed] = _list(store)
    assert (listed.id, listed.pending, listed.name) == (view.id, False, "Boiler service")


def test_a_refused_edit_is_put_back_to_the_servers_copy(store):
    tid = new_id()
    _pulled(store, tid, 4)
    _save(store, TemplateDraft(name="Renamed", kind="inspection", items=ITEMS), template_id=uuid.UUID(tid))
    with store.transaction() as s:
        gone = drop_acknowledged(s, last_mid=1)
        gone[0].result_status = "rejected"
        rebase(s, dropped=gone)
        assert s.query(OutboxEntry).count() == 0
    [listed] = _list(store)
    assert (listed.name, listed.pending, [i.label for i in listed.items]) == (
        "Gas check",
        False,
        ["Sniff test"],
    )


def test_a_save_still_queued_shows_over_a_newer_pull(store):
    tid = new_id()
    _pulled(store, tid, 4)
    _save(store, TemplateDraft(name="Mine", kind="inspection", items=ITEMS), template_id=uuid.UUID(tid))
    _pulled(store, tid, 5, name="Someone else's", updated_at=wire(T0 + timedelta(minutes=1)))
    with store.transaction() as s:
        rebase(s, dropped=[])
    [listed] = _list(store)
    assert (listed.name, listed.pending) == ("Mine", True)


def test_the_facade_saves_and_lists_for_the_signed_in_dispatcher(dispatcher):
    saved = dispatcher.ordo.save_template(None, DRAFT)
    assert dispatcher.ordo.list_templates(kind="maintenance") == [saved]
    dispatcher.ordo.sync_blocking()
    pushed = [m for body in dispatcher.server.pushed for m in body["mutations"]]
    assert [(m["type"], m["entity_id"], m["args"]["name"]) for m in pushed] == [
        ("template.save", str(saved.id), "Boiler service")
    ]


def test_the_facade_refuses_a_technician(signed_in):
    with pytest.raises(InvalidInput, match="Only dispatchers and admins"):
        signed_in.ordo.save_template(None, DRAFT)
    assert signed_in.ordo.list_templates() == []


def test_a_technicians_device_never_shows_a_queued_save(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user=TECH)
    with pytest.raises(InvalidInput):
        _save(store, role="technician")
