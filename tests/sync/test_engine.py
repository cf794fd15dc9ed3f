"""The sync engine against httpx.MockTransport: real store, scripted protocol answers."""

import uuid

import httpx
import pytest
from store.kit import (
    T0,
    Clock,
    ScriptedServer,
    change,
    item_data,
    new_id,
    open_store,
    order_data,
    sign_in_locally,
)

from app.services import writes
from app.store.models import Order
from app.store.outbox import queued, sync_state
from app.sync import AuthExpired, NotSignedIn, Offline, ProtocolError, ServerUnavailable, SyncEngine


@pytest.fixture
def world(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store)
    server = ScriptedServer()
    engine = SyncEngine(store=store, client=server.client(), clock=Clock())
    order, item = new_id(), new_id()
    server.pages.append(
        {
            "changes": [
                change("work_order", order_data(order), 5),
                change("checklist_item", item_data(item, order), 6),
            ],
            "cursor": "6",
            "has_more": False,
        }
    )
    engine.sync_once()
    return store, server, engine, uuid.UUID(order), uuid.UUID(item)


def _queue_three(store, order, item):
    with store.transaction() as s:
        writes.transition(s, order_id=order, to="in_progress", reason=None, now=T0)
        writes.set_checklist(s, order_id=order, item_id=item, value=None, done=True, now=T0)
        writes.add_note(s, order_id=order, text="done", now=T0)


def test_first_sync_pulls_rows_and_moves_the_cursor(world):
    store, server, _, order, _ = world
    with store.read() as s:
        assert s.get(Order, str(order)).number == "WO-000001"
        assert sync_state(s).cursor == "6"
        assert sync_state(s).last_synced_at == T0
    assert server.paths() == ["/api/v1/sync/pull"]  # nothing queued: no push request at all
    assert server.requests[0].headers["Authorization"] == "Bearer token-tech1"


def test_push_sends_the_outbox_in_mid_order_with_base_seq(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    report = engine.sync_once()
    body = server.pushed[0]
    assert [m["mid"] for m in body["mutations"]] == [1, 2, 3]
    assert [m["type"] for m in body["mutations"]] == ["order.transition", "checklist.set", "note.add"]
    assert [m["base_seq"] for m in body["mutations"]] == [5, 6, 5]
    assert body["protocol"] == 1 and body["device_id"]
    assert report.pushed == 3 and report.results == {"applied": 3}


def test_rows_are_dropped_only_when_a_pull_acknowledges_them(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)

    # The push is answered, but the pull fails: results are recorded, rows kept.
    def push_then_fail(request):
        if request.url.path.endswith("/push"):
            return server.answer(request)
        return httpx.Response(503, json={"error": {"code": "unavailable", "message": "down"}})

    server.fault = push_then_fail
    with pytest.raises(ServerUnavailable):
        engine.sync_once()
    with store.read() as s:
        assert [(e.mid, e.result_status) for e in queued(s)] == [
            (1, "applied"),
            (2, "applied"),
            (3, "applied"),
        ]
    server.fault = None
    server.requests.clear()
    engine.sync_once()
    assert server.paths() == ["/api/v1/sync/pull"]  # answered rows are not pushed again
    with store.read() as s:
        assert queued(s) == []


def test_pull_drops_only_up_to_its_last_mid(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    server.verdicts = {}
    # The server has only mid 1 (say another push is still in flight).

    def partial(request):
        if request.url.path.endswith("/push"):
            return httpx.Response(200, json={"results": [], "last_mid": 0})
        server.last_mid = 1
        return server.answer(request)

    server.fault = partial
    engine.sync_once()
    with store.read() as s:
        assert [e.mid for e in queued(s)] == [2, 3]


def test_cursor_never_moves_backwards(world):
    store, server, engine, order, _ = world
    server.pages.append(
        {
            "changes": [change("work_order", order_data(str(order), title="late"), 1)],
            "cursor": "1",
            "has_more": False,
        }
    )
    engine.sync_once()
    with store.read() as s:
        assert sync_state(s).cursor == "6"
        assert s.get(Order, str(order)).title == "Fix pump"  # the stale row did not win either


def test_pages_are_followed_until_has_more_is_false(world):
    store, server, engine, order, _ = world
    server.pages += [
        {
            "changes": [change("work_order", order_data(str(order), title="A"), 7)],
            "cursor": "7",
            "has_more": True,
        },
        {
            "changes": [change("work_order", order_data(str(order), title="B"), 8)],
            "cursor": "8",
            "has_more": False,
        },
    ]
    report = engine.sync_once()
    assert report.pages == 2
    with store.read() as s:
        assert (sync_state(s).cursor, s.get(Order, str(order)).title) == ("8", "B")


def test_reset_clears_server_rows_and_cursor_but_keeps_the_outbox(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    other = new_id()
    server.fault = lambda r: (
        httpx.Response(200, json={"results": [], "last_mid": 0}) if r.url.path.endswith("/push") else None
    )

    def reset_then_normal(request):
        if request.url.path.endswith("/push"):
            return httpx.Response(200, json={"results": [], "last_mid": 0})
        server.fault = None
        return httpx.Response(
            200,
            json={
                "changes": [change("work_order", order_data(other, number="WO-9"), 50)],
                "cursor": "50",
                "has_more": False,
                "last_mid": 0,
                "server_time": "x",
                "reset": True,
            },
        )

    server.fault = reset_then_normal
    report = engine.sync_once()
    assert report.resets == 1
    with store.read() as s:
        # Not re-sent after the reset, but work for it is unsent: kept, and shown, until pushed.
        kept = s.get(Order, str(order))
        assert (kept.status, kept.out_of_scope) == ("in_progress", True)
        assert s.get(Order, other).number == "WO-9"
        assert sync_state(s).cursor == "50"
        assert [e.mid for e in queued(s)] == [1, 2, 3]
    engine.sync_once()  # pushed and acknowledged: now it goes
    with store.read() as s:
        assert s.get(Order, str(order)) is None and queued(s) == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>hello</html>"),
        httpx.Response(200, json={"unexpected": True}),
        httpx.Response(200, json={"changes": "nope", "cursor": 1, "has_more": "x"}),
        httpx.Response(404, text="Not Found"),
    ],
    ids=["html", "wrong-shape", "wrong-types", "404-html"],
)
def test_garbage_answers_are_protocol_errors_and_nothing_local_is_lost(world, answer):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    server.fault = lambda _request: answer
    with pytest.raises(ProtocolError, match=r"https://ordo\.test"):
        engine.sync_once()
    with store.read() as s:
        assert [e.mid for e in queued(s)] == [1, 2, 3]
        assert s.get(Order, str(order)).status == "in_progress"
        assert sync_state(s).cursor == "6"


def test_a_page_with_an_unreadable_row_changes_nothing(world):
    store, server, engine, order, _ = world
    bad = order_data(str(order), title="half", due_at="not a date")
    server.pages.append(
        {
            "changes": [
                change("work_order", order_data(new_id(), title="new"), 7),
                change("work_order", bad, 8),
            ],
            "cursor": "8",
            "has_more": False,
        }
    )
    with pytest.raises(ProtocolError, match="cannot read"):
        engine.sync_once()
    with store.read() as s:
        assert sync_state(s).cursor == "6"
        assert s.query(Order).count() == 1


def test_5xx_is_server_unavailable_with_retry_after(world):
    _, server, engine, _, _ = world
    server.fault = lambda _r: httpx.Response(503, headers={"Retry-After": "7"}, text="busy")
    with pytest.raises(ServerUnavailable) as info:
        engine.sync_once()
    assert info.value.retry and info.value.retry_after == 7.0


def test_connection_errors_are_offline(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)

    def cut(request):
        raise httpx.ConnectError("connection refused", request=request)

    server.fault = cut
    with pytest.raises(Offline, match=r"Cannot reach https://ordo\.test"):
        engine.sync_once()

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    server.fault = slow
    with pytest.raises(Offline, match="timed out"):
        engine.sync_once()
    with store.read() as s:
        assert len(queued(s)) == 3


def test_401_is_auth_expired_and_keeps_everything(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    server.fault = lambda _r: httpx.Response(
        401, json={"error": {"code": "unauthorized", "message": "expired"}}
    )
    with pytest.raises(AuthExpired):
        engine.sync_once()
    with store.read() as s:
        assert len(queued(s)) == 3 and s.get(Order, str(order)) is not None


def test_rejected_results_are_recorded_with_their_error(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    server.verdicts = {1: {"status": "rejected", "error": {"code": "illegal", "message": "not yours"}}}
    server.fault = lambda r: httpx.Response(503) if r.url.path.endswith("/pull") else server.answer(r)
    with pytest.raises(ServerUnavailable):
        engine.sync_once()
    with store.read() as s:
        first = queued(s)[0]
        assert (first.result_status, first.result_error["message"]) == ("rejected", "not yours")


def test_batches_hold_at_most_500(world):
    store, server, engine, order, _ = world
    with store.transaction() as s:
        for i in range(501):
            writes.add_note(s, order_id=order, text=f"note {i}", now=T0)
    engine.sync_once()
    assert [len(b["mutations"]) for b in server.pushed] == [500, 1]
    with store.read() as s:
        assert queued(s) == []


def test_not_signed_in_makes_no_request(tmp_path):
    store = open_store(tmp_path)
    server = ScriptedServer()
    with pytest.raises(NotSignedIn):
        SyncEngine(store=store, client=server.client(), clock=Clock()).sync_once()
    assert server.requests == []


def test_push_body_is_valid_json_with_iso_times(world):
    store, server, engine, order, item = world
    _queue_three(store, order, item)
    engine.sync_once()
    sent = server.pushed[0]
    assert sent["mutations"][0]["args"] == {
        "from": "assigned",
        "to": "in_progress",
        "at": "2026-11-25T09:00:00Z",
    }


def test_more_pages_without_a_cursor_is_a_protocol_error(world):
    _, server, engine, order, _ = world
    server.pages.append(
        {"changes": [change("work_order", order_data(str(order)), 9)], "cursor": None, "has_more": True}
    )
    with pytest.raises(ProtocolError, match="no cursor"):
        engine.sync_once()


def test_426_asks_for_an_update(world):
    _, server, engine, _, _ = world
    server.fault = lambda _r: httpx.Response(426, json={"error": {"code": "protocol", "message": "v2 only"}})
    with pytest.raises(ProtocolError, match="too old"):
        engine.sync_once()


def test_a_client_closed_under_the_engine_is_offline(world):
    _, _, engine, _, _ = world
    engine.client.close()
    with pytest.raises(Offline, match="closed"):
        engine.sync_once()
