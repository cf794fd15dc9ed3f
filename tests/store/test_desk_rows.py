"""The desk's pulled rows: checklist templates, technicians' devices, conflicts' who/when/which
order; their deletes, resets and clears; a template saved here, re-based and refused."""

from datetime import timedelta

import pytest

from app.domain.protocol import Change
from app.store.apply import apply_local
from app.store.models import Conflict, DeviceStatus, HistoryCache, Template
from app.store.outbox import drop_acknowledged, enqueue
from app.store.rebase import rebase
from app.store.rows import apply_change, clear_server_rows, reset_server_rows
from store.kit import (
    T0,
    TECH,
    change,
    dispatcher_device,
    dispatcher_store,
    new_id,
    open_store,
    order_data,
    sign_in_locally,
    wire,
)

ITEMS = [
    {"position": 1, "label": "Check flue", "kind": "check", "required": True},
    {
        "position": 2,
        "label": "Pressure",
        "kind": "number",
        "required": False,
        "unit": "bar",
        "min": 1,
        "max": 2,
    },
]


def template_data(template_id, **fields):
    return {
        "id": template_id,
        "name": "Boiler service",
        "kind": "maintenance",
        "items": ITEMS,
        "archived": False,
        "updated_at": wire(T0),
        **fields,
    }


def device_data(device_id, **fields):
    return {
        "id": device_id,
        "user_id": TECH["id"],
        "last_pull_at": wire(T0),
        "pulled_seq": 40,
        "last_push_at": None,
        **fields,
    }


def _pull(store, entity, data, seq, *, deleted=False):
    with store.transaction() as s:
        body = change(entity, data, seq)
        if deleted:
            body = {**body, "deleted": True, "data": None}
        return apply_change(s, Change.model_validate(body))


@pytest.fixture
def store(tmp_path):
    return dispatcher_store(tmp_path)


def test_a_pulled_template_is_kept_with_its_server_copy(store):
    tid = new_id()
    assert _pull(store, "checklist_template", template_data(tid), 7)
    with store.read() as s:
        t = s.get(Template, tid)
        assert (t.name, t.kind, t.items, t.archived, t.updated_at, t.seq) == (
            "Boiler service",
            "maintenance",
            ITEMS,
            False,
            T0,
            7,
        )
        assert t.server_data == template_data(tid)
    assert not _pull(store, "checklist_template", template_data(tid, name="Older"), 6)
    assert _pull(store, "checklist_template", template_data(tid, archived=True), 8)
    with store.read() as s:
        assert (s.get(Template, tid).name, s.get(Template, tid).archived) == ("Boiler service", True)
    assert _pull(store, "checklist_template", {"id": tid}, 9, deleted=True)
    with store.read() as s:
        assert s.get(Template, tid) is None


def test_a_pulled_device_row_is_the_technicians_sync_truth(store):
    did = new_id()
    _pull(store, "device", device_data(did), 3)
    _pull(store, "device", device_data(did, pulled_seq=55, last_push_at=wire(T0 + timedelta(minutes=1))), 4)
    with store.read() as s:
        d = s.get(DeviceStatus, did)
        assert (d.user_id, d.pulled_seq, d.last_pull_at, d.last_push_at, d.seq) == (
            TECH["id"],
            55,
            T0,
            T0 + timedelta(minutes=1),
            4,
        )
    _pull(store, "device", {"id": did}, 5, deleted=True)
    with store.read() as s:
        assert s.get(DeviceStatus, did) is None


def test_a_conflict_carries_who_when_and_the_orders_number(store):
    cid, order = new_id(), new_id()
    data = {
        "id": cid,
        "order_id": order,
        "entity": "work_order",
        "entity_id": order,
        "field": "title",
        "mine": "Mine",
        "theirs": "Theirs",
        "mid": 3,
        "device_id": new_id(),
        "status": "open",
        "resolution": None,
        "user_id": TECH["id"],
        "created_at": wire(T0),
        "order_number": "WO-000042",
    }
    _pull(store, "conflict", data, 12)
    with store.read() as s:
        c = s.get(Conflict, cid)
        assert (c.user_id, c.created_at, c.order_number) == (TECH["id"], T0, "WO-000042")
    # A server from before the desk sends none of them.
    old = {k: v for k, v in data.items() if k not in ("user_id", "created_at", "order_number")}
    _pull(store, "conflict", old, 13)
    with store.read() as s:
        c = s.get(Conflict, cid)
        assert (c.user_id, c.created_at, c.order_number) == (None, None, "")


def test_a_reset_forgets_devices_and_templates_but_one_with_a_queued_save(store):
    kept, dropped, did = new_id(), new_id(), new_id()
    _pull(store, "checklist_template", template_data(kept), 1)
    _pull(store, "checklist_template", template_data(dropped), 2)
    _pull(store, "device", device_data(did), 3)
    with store.transaction() as s:
        s.add(HistoryCache(order_id=new_id(), fetched_at=T0, entries=[]))
        enqueue(s, type="template.save", entity_id=kept, args={}, base_seq=1, created_at=T0)
        reset_server_rows(s)
    with store.read() as s:
        assert s.get(Template, kept) is not None
        assert s.get(Template, dropped) is None
        assert s.query(DeviceStatus).count() == 0
        assert s.query(HistoryCache).count() == 1  # a dated copy, shown as such
    with store.transaction() as s:
        clear_server_rows(s)
    with store.read() as s:
        assert s.query(Template).count() == s.query(HistoryCache).count() == 0


def test_a_reset_re_pull_leaves_no_stale_device_rows(tmp_path):
    store, server, engine = dispatcher_device(tmp_path)
    old_phone, new_phone = new_id(), new_id()
    server.pages.append(
        {"changes": [change("device", device_data(old_phone), 1)], "cursor": "c1", "has_more": False}
    )
    engine.sync_once()
    server.pages.append(
        {
            "changes": [
                change("device", device_data(new_phone), 9),
                change("work_order", order_data(new_id()), 8),
            ],
            "cursor": "c9",
            "has_more": False,
            "reset": True,
        }
    )
    engine.sync_once()
    with store.read() as s:
        assert [d.id for d in s.query(DeviceStatus)] == [new_phone]


def _save(store, tid, **args):
    body = {"name": "Boiler service", "kind": "maintenance", "items": ITEMS, "archived": False, **args}
    with store.transaction() as s:
        entry = enqueue(s, type="template.save", entity_id=tid, args=body, base_seq=None, created_at=T0)
        return apply_local(s, entry)


def test_a_template_saved_here_shows_at_once_and_survives_a_pull_of_the_older_copy(store):
    tid = new_id()
    _pull(store, "checklist_template", template_data(tid), 5)
    assert _save(store, tid, name="Boiler service v2") is not None
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("checklist_template", template_data(tid), 6)))
        rebase(s, dropped=drop_acknowledged(s, last_mid=0))
    with store.read() as s:
        t = s.get(Template, tid)
        assert (t.name, t.seq, t.server_data["name"]) == ("Boiler service v2", 6, "Boiler service")


def test_a_refused_template_save_puts_the_servers_copy_back(store):
    edited, made = new_id(), new_id()
    _pull(store, "checklist_template", template_data(edited), 5)
    _save(store, edited, name="Renamed")
    _save(store, made, name="Brand new")
    with store.transaction() as s:
        gone = drop_acknowledged(s, last_mid=2)
        for entry in gone:
            entry.result_status = "rejected"
        rebase(s, dropped=gone)
    with store.read() as s:
        assert s.get(Template, edited).name == "Boiler service"
        assert s.get(Template, made) is None  # made only here: it goes


def test_a_technicians_device_shows_no_template_save(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store, user=TECH)
    tid = new_id()
    assert _save(store, tid) is None
    with store.read() as s:
        assert s.get(Template, tid) is None
