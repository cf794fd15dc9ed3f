"""How the engine reads a pull page: straight from its bytes, with the ordinary reading
(and its errors) for what that refuses; the cycle collector is on again after every page."""

from __future__ import annotations

import gc
import json

import httpx
import pytest
from store.kit import T0, Clock, ScriptedServer, change, new_id, open_store, order_data, sign_in_locally, wire

from app.domain.protocol import DEFAULT_PULL_LIMIT
from app.store.models import Order
from app.sync import ProtocolError, SyncEngine


def _device(tmp_path, answer):
    store = open_store(tmp_path)
    sign_in_locally(store)
    server = ScriptedServer()
    server.fault = answer
    return store, server, SyncEngine(store=store, client=server.client(), clock=Clock())


def _body(*orders: str) -> dict:
    return {
        "changes": [change("work_order", order_data(o), 5 + i) for i, o in enumerate(orders)],
        "cursor": "9",
        "has_more": False,
        "last_mid": 0,
        "server_time": wire(T0),
    }


def test_a_page_is_asked_for_at_the_default_size(tmp_path):
    order = new_id()
    store, server, engine = _device(tmp_path, lambda r: httpx.Response(200, json=_body(order)))
    engine.sync_once()
    assert server.requests[0].url.params["limit"] == str(DEFAULT_PULL_LIMIT)
    with store.read() as s:
        assert s.get(Order, order) is not None


def test_a_page_the_fast_reader_refuses_but_json_reads_is_taken_as_before(tmp_path):
    # A byte-order mark: json.loads skips it, the bytes-level reader does not.
    order = new_id()
    body = b"\xef\xbb\xbf" + json.dumps(_body(order)).encode()
    store, _, engine = _device(tmp_path, lambda r: httpx.Response(200, content=body))
    assert engine.sync_once().changes == 1
    with store.read() as s:
        assert s.get(Order, order) is not None


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda r: httpx.Response(200, text="<html>captive portal</html>"), "the answer is not JSON"),
        (lambda r: httpx.Response(200, json={"results": [], "not": "a pull"}), "unexpected fields"),
    ],
    ids=["html", "wrong-shape"],
)
def test_a_body_that_is_not_a_page_is_the_same_protocol_error(tmp_path, answer, message):
    store, _, engine = _device(tmp_path, answer)
    with pytest.raises(ProtocolError, match=message):
        engine.sync_once()
    assert gc.isenabled()
    with store.read() as s:
        assert s.query(Order).count() == 0


def test_the_collector_is_on_again_after_a_page_it_could_not_write(tmp_path):
    bad = _body(new_id())
    bad["changes"][0]["data"]["due_at"] = "not a date"
    _, _, engine = _device(tmp_path, lambda r: httpx.Response(200, json=bad))
    with pytest.raises(ProtocolError, match="cannot read"):
        engine.sync_once()
    assert gc.isenabled()


def test_a_collector_someone_else_paused_stays_paused(tmp_path):
    _, _, engine = _device(tmp_path, lambda r: httpx.Response(200, json=_body(new_id())))
    gc.disable()
    try:
        engine.sync_once()
        assert not gc.isenabled()
    finally:
        gc.enable()
