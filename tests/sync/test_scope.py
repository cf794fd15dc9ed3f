"""An order leaving the device's scope: what is still queued for it is pushed before it goes."""

import uuid

import httpx
from store.kit import (
    T0,
    synced_with_one_order,
)

from app.services import writes
from app.store.models import Note, Order
from app.store.outbox import queued


def _world(tmp_path):
    return synced_with_one_order(tmp_path)


def _gone(order, seq):
    return {"entity": "work_order", "id": order, "seq": seq, "deleted": True, "reason": "out_of_scope"}


def test_out_of_scope_waits_for_the_queued_note_to_be_pushed(tmp_path):
    store, server, engine, order = _world(tmp_path)
    with store.transaction() as s:
        writes.add_note(s, order_id=uuid.UUID(order), text="evidence", now=T0)

    # This time the push does not get through (the server holds nothing of ours),
    # while the pull says the order was reassigned.
    def push_lost(request):
        if request.url.path.endswith("/push"):
            return httpx.Response(200, json={"results": [], "last_mid": 0})
        server.fault = None
        return server.answer(request)

    server.fault = push_lost
    server.pages.append({"changes": [_gone(order, 9)], "cursor": "c9", "has_more": False})
    engine.sync_once()
    with store.read() as s:
        assert s.get(Order, order).out_of_scope and s.get(Note, queued(s)[0].args["id"]) is not None

    engine.sync_once()  # pushed, acknowledged by the pull: now the order and its note go
    assert [m["type"] for m in server.pushed[-1]["mutations"]] == ["note.add"]
    with store.read() as s:
        assert s.get(Order, order) is None and s.query(Note).count() == 0 and queued(s) == []


def test_out_of_scope_in_the_same_sync_as_the_push_removes_at_once(tmp_path):
    store, server, engine, order = _world(tmp_path)
    with store.transaction() as s:
        writes.add_note(s, order_id=uuid.UUID(order), text="evidence", now=T0)
    server.pages.append({"changes": [_gone(order, 9)], "cursor": "c9", "has_more": False})
    engine.sync_once()  # the pull's last_mid covers the note: nothing holds the order back
    with store.read() as s:
        assert s.get(Order, order) is None and queued(s) == []
