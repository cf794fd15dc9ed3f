"""An order's history: the server's ledger fetched (every page) and kept; offline, the copy
kept last plus this device's unsent changes, marked as such."""

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from servicekit import update_fields
from store.kit import (
    DISPATCHER,
    T0,
    TECH,
    change,
    dispatcher_device,
    new_id,
    wire,
)

from app.domain.protocol import Change
from app.services import history
from app.services.types import OrderId
from app.store.models import HistoryCache, OutboxEntry
from app.store.outbox import sync_state
from app.store.rows import apply_change
from app.sync.errors import NotSignedIn, Offline, ProtocolError

PHONE = "9f0e1d2c-0000-4000-8000-000000000009"


def entry(seq, type_, summary, *, user_id=None, device_id=None, fields=None, **extra):
    body = {
        "seq": seq,
        "at": wire(T0 + timedelta(minutes=seq)),
        "user_id": user_id,
        "user_name": None,
        "device_id": device_id,
        "type": type_,
        "summary": summary,
        "result": "applied",
        **extra,
    }
    if fields is not None:
        body["fields"] = fields
    return body


def serve(pages):
    """A handler answering the history path page by page (by the cursor asked with)."""
    asked = []

    def handle(request):
        asked.append(dict(request.url.params))
        page = pages[request.url.params.get("cursor", "")]
        return page if isinstance(page, httpx.Response) else httpx.Response(200, json=page)

    return handle, asked


# --- fetching ----------------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path):
    store, server, engine = dispatcher_device(tmp_path)
    yield engine, server
    store.close()


def test_every_page_is_fetched_with_the_token(engine):
    sync, server = engine
    oid = uuid.uuid4()
    first = [entry(1, "order.create", "Created"), entry(2, "order.update", "Priority: Normal → Urgent")]
    handle, asked = serve(
        {
            "": {"entries": first, "cursor": "c2", "has_more": True},
            "c2": {
                "entries": [entry(5, "order.transition", "Started work")],
                "cursor": "c5",
                "has_more": False,
            },
        }
    )
    server.fault = handle
    got = history.fetch_entries(sync, order_id=oid)
    assert [e["seq"] for e in got] == [1, 2, 5]
    assert asked == [{"limit": "100"}, {"limit": "100", "cursor": "c2"}]
    assert {r.url.path for r in server.requests} == {f"/api/v1/orders/{oid}/history"}
    assert {r.headers["Authorization"] for r in server.requests} == {"Bearer token-disp1"}


@pytest.mark.parametrize(
    ("answer", "error", "says"),
    [
        (
            httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}}),
            history.NoHistory,
            "no history",
        ),
        (httpx.Response(200, text="<html>"), ProtocolError, "not JSON"),
        (httpx.Response(200, json={"entries": [{"seq": 1}]}), ProtocolError, "did not read as the protocol"),
        (
            httpx.Response(200, json={"entries": [], "cursor": None, "has_more": True}),
            ProtocolError,
            "no new cursor",
        ),
        (
            httpx.Response(403, json={"error": {"code": "forbidden", "message": "not yours"}}),
            ProtocolError,
            "HTTP 403: not yours",
        ),
    ],
)
def test_answers_that_are_no_history(engine, answer, error, says):
    sync, server = engine
    server.fault = lambda _r: answer
    with pytest.raises(error, match=says):
        history.fetch_entries(sync, order_id=uuid.uuid4())


def test_no_connection_is_offline(engine):
    sync, server = engine

    def cut(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    server.fault = cut
    with pytest.raises(Offline, match="Cannot reach"):
        history.fetch_entries(sync, order_id=uuid.uuid4())


# --- through the facade -------------------------------------------------------------------


@pytest.fixture
def desk(dispatcher):
    rig = dispatcher
    with rig.ordo._store.transaction() as s:
        for c in (
            change("user", {**TECH, "skills": []}, 100),
            change("user", {**DISPATCHER, "skills": []}, 101),
        ):
            apply_change(s, Change.model_validate(c))
        rig.ours = sync_state(s).device_id
    rig.oid = OrderId(uuid.UUID(rig.order))
    rig.entries = [
        entry(1, "order.create", "Created from a request"),
        entry(
            2,
            "order.update",
            "Assigned to Tess Tech",
            user_id=DISPATCHER["id"],
            user_name="Dee Spatch",
            device_id=rig.ours,
            fields={"assignee_id": [None, TECH["id"]]},
        ),
        entry(
            3,
            "order.transition",
            "Started work",
            user_id=TECH["id"],
            device_id=PHONE,
            fields={"status": ["assigned", "in_progress"]},
        ),
        entry(4, "order.transition", "Put on hold", user_id=new_id(), device_id=None, result="conflict"),
        entry(5, "schedule.run", "", user_id=None),
    ]
    rig.history_path = f"/api/v1/orders/{rig.order}/history"
    return rig


def online(rig, pages):
    handle, asked = serve(pages)

    def route(request):
        return handle(request) if request.url.path == rig.history_path else rig.server.answer(request)

    rig.server.fault = route
    return asked


def offline(rig):
    def cut(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    rig.server.fault = cut


def rows(view):
    return [(e.seq, e.who, e.device, e.type, e.summary, e.result, e.unsent) for e in view.entries]


LIVE = [
    (1, "Intake", "", "order.create", "Created from a request", "applied", False),
    (2, "Dee Spatch", "this device", "order.update", "Assigned to Tess Tech", "applied", False),
    (3, "Tess Tech", "device 9f0e1d2c", "order.transition", "Started work", "applied", False),
    (4, "Someone not in the directory", "", "order.transition", "Put on hold", "conflict", False),
    (5, "Server", "", "schedule.run", "Schedule run", "applied", False),
]


def test_live_history_in_words_and_kept(desk):
    rig = desk
    online(rig, {"": {"entries": rig.entries, "cursor": "5", "has_more": False}})
    view = rig.ordo.order_history(rig.oid)
    assert (view.live, view.message, view.fetched_at, view.order_number) == (True, "", T0, "WO-000001")
    assert rows(view) == LIVE
    assert view.entries[1].fields == {"assignee_id": (None, TECH["id"])}
    assert view.entries[0].at == T0 + timedelta(minutes=1)
    with rig.ordo._store.read() as s:
        cache = s.get(HistoryCache, rig.order)
        # The server's entries as the wire model reads them (no fields: none written).
        assert (cache.fetched_at, cache.entries) == (T0, [{"fields": {}, **e} for e in rig.entries])


def test_offline_the_copy_kept_last_and_the_unsent_changes(desk):
    rig = desk
    online(rig, {"": {"entries": rig.entries, "cursor": "5", "has_more": False}})
    rig.ordo.order_history(rig.oid)
    rig.clock.advance(hours=2)
    offline(rig)
    update_fields(rig.ordo, rig.oid, {"priority": "urgent"})
    rig.ordo.add_note(rig.oid, "Customer called")
    view = rig.ordo.order_history(rig.oid)
    assert (view.live, view.fetched_at) == (False, T0)
    assert view.message == (
        "Cannot reach https://ordo.test: the server is not answering (connection refused). "
        f"Showing the copy fetched {T0.astimezone():%d %b %Y %H:%M}, with this device's unsent changes."
    )
    assert rows(view) == [
        *LIVE,
        (None, "Dee Spatch", "this device", "order.update", "Change priority", "unsent", True),
        (None, "Dee Spatch", "this device", "note.add", "Note: Customer called", "unsent", True),
    ]
    assert view.entries[-2].fields == {"priority": ("normal", "urgent")}  # before: as last pulled
    assert view.entries[-1].at == T0 + timedelta(hours=2)


def test_online_the_unsent_changes_follow_the_servers(desk):
    rig = desk
    offline(rig)
    rig.ordo.transition(rig.oid, "on_hold", reason="waiting for parts")
    online(rig, {"": {"entries": rig.entries[:1], "cursor": "1", "has_more": False}})
    view = rig.ordo.order_history(rig.oid)
    assert view.live
    assert [(e.type, e.summary, e.result) for e in view.entries] == [
        ("order.create", "Created from a request", "applied"),
        ("order.transition", "Put on hold", "unsent"),
    ]
    assert view.entries[1].fields == {"status": ("assigned", "on_hold")}


def test_offline_before_any_fetch(desk):
    rig = desk
    offline(rig)
    update_fields(rig.ordo, rig.oid, {"title": "Fix pump 3"})
    view = rig.ordo.order_history(rig.oid)
    assert (view.live, view.fetched_at) == (False, None)
    assert view.message.endswith("never fetched on this device: only its unsent changes show.")
    assert [(e.summary, e.unsent) for e in view.entries] == [("Change title", True)]


def test_sent_changes_are_no_longer_unsent(desk):
    rig = desk
    offline(rig)
    update_fields(rig.ordo, rig.oid, {"title": "Fix pump 3"})
    with rig.ordo._store.transaction() as s:
        for e in s.query(OutboxEntry):
            e.result_status = "applied"  # pushed, not yet confirmed by a pull: in the ledger
    assert rig.ordo.order_history(rig.oid).entries == []


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (
            httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}}),
            "The server has no history",
        ),
        (httpx.Response(503, headers={"Retry-After": "5"}), "unavailable \\(HTTP 503\\)"),
        (httpx.Response(200, json={"entries": "nope"}), "did not read as the protocol"),
    ],
)
def test_a_server_in_trouble_falls_back_to_the_copy(desk, answer, says):
    rig = desk
    online(rig, {"": {"entries": rig.entries, "cursor": "5", "has_more": False}})
    rig.ordo.order_history(rig.oid)
    online(rig, {"": answer})
    view = rig.ordo.order_history(rig.oid)
    assert not view.live and rows(view) == LIVE
    assert re.match(f".*{says}.*[.] Showing the copy fetched", view.message)


def test_a_cached_entry_this_version_cannot_read_is_left_out(desk):
    rig = desk
    with rig.ordo._store.transaction() as s:
        s.add(HistoryCache(order_id=rig.order, fetched_at=T0, entries=[{"seq": 1}, rig.entries[0]]))
    offline(rig)
    assert [e.seq for e in rig.ordo.order_history(rig.oid).entries] == [1]


def test_any_sync_failure_falls_back(desk):
    rig = desk
    online(rig, {"": {"entries": rig.entries, "cursor": "5", "has_more": False}})
    rig.ordo.order_history(rig.oid)

    def signed_out():
        raise NotSignedIn("Sign in to sync.")

    with rig.ordo._store.read() as s:
        user_id = sync_state(s).user["id"]
    view = history.order_history(
        store=rig.ordo._store,
        fetch=signed_out,
        order_id=rig.oid,
        user_id=user_id,
        now=T0 + timedelta(hours=1),
    )
    assert (view.live, rows(view), view.fetched_at) == (False, LIVE, T0)
    assert view.message.startswith("Sign in to sync. Showing the copy fetched")
