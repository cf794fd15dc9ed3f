"""Pull pages asked for one ahead: the next page is on the wire while this one is written,
taken only for the cursor it was asked with, and its failure is the sync's failure."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import event
from store.kit import T0, Clock, ScriptedServer, change, new_id, open_store, order_data, sign_in_locally, wire

from app.store.models import Order
from app.sync import ProtocolError, SyncEngine
from app.sync.ahead import PageAhead
from app.sync.errors import ServerUnavailable


def _page(order: str, *, seq: int, cursor: str, has_more: bool) -> dict:
    return {"changes": [change("work_order", order_data(order), seq)], "cursor": cursor, "has_more": has_more}


def test_the_next_page_is_asked_for_before_this_one_commits(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store)
    orders = [new_id() for _ in range(3)]
    server = ScriptedServer(
        pages=[_page(o, seq=5 + i, cursor=str(5 + i), has_more=i < 2) for i, o in enumerate(orders)]
    )
    seen: list[str] = []
    second_asked = threading.Event()
    first_commit: list[bool] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pull"):
            cursor = request.url.params.get("cursor")
            seen.append(f"ask {cursor}")
            if cursor == "5":
                second_asked.set()
        return server.handle(request)

    def on_commit(conn) -> None:
        if conn.get_execution_options().get("ordo_read_only") or first_commit or not seen:
            return
        # Page 1 is being committed: page 2's request is on its way meanwhile. A rendezvous,
        # not a sleep: without the asking ahead this waits in vain and the test fails.
        first_commit.append(second_asked.wait(timeout=10))
        seen.append("commit")

    event.listen(store.engine, "commit", on_commit)
    client = httpx.Client(base_url=server.client().base_url, transport=httpx.MockTransport(handle))
    report = SyncEngine(store=store, client=client, clock=Clock()).sync_once()

    assert report.pages == 3 and report.changes == 3
    assert first_commit == [True] and seen == ["ask None", "ask 5", "commit", "ask 6"], seen
    with store.read() as s:
        assert {o.id for o in s.query(Order)} == set(orders)


def test_a_page_asked_ahead_that_fails_fails_the_sync_after_its_predecessor_is_kept(tmp_path):
    store = open_store(tmp_path)
    sign_in_locally(store)
    first = new_id()
    server = ScriptedServer(pages=[_page(first, seq=5, cursor="5", has_more=True)])

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "5":
            return httpx.Response(502, json={"error": {"code": "bad_gateway", "message": "down"}})
        return server.handle(request)

    client = httpx.Client(base_url=server.client().base_url, transport=httpx.MockTransport(handle))
    with pytest.raises(ServerUnavailable, match="502"):
        SyncEngine(store=store, client=client, clock=Clock()).sync_once()
    with store.read() as s:
        assert s.get(Order, first) is not None  # page 1 went in; page 2 is asked for again next time


def _answer(n: int) -> httpx.Response:
    return httpx.Response(200, json={"n": n, "server_time": wire(T0)})


def test_a_page_is_handed_over_only_for_the_cursor_it_was_asked_with():
    fetched: list[str] = []

    def fetch(cursor: str) -> httpx.Response:
        fetched.append(cursor)
        return _answer(len(fetched))

    with PageAhead(fetch) as ahead:
        assert ahead.take("a") is None  # nothing asked yet
        ahead.ask("a")
        assert ahead.take("b") is None  # asked for another cursor: dropped, not handed over
        ahead.ask("a")
        taken = ahead.take("a")
        assert taken is not None and taken.json()["n"] == 2
        assert ahead.take("a") is None  # handed over once
    assert fetched == ["a", "a"]


def test_what_the_request_raised_comes_out_of_take_and_an_unread_answer_is_waited_for():
    release = threading.Event()

    def fetch(cursor: str) -> httpx.Response:
        if cursor == "bad":
            raise ProtocolError("the server went away")
        release.wait(timeout=10)
        return _answer(1)

    with PageAhead(fetch) as ahead:
        ahead.ask("bad")
        with pytest.raises(ProtocolError, match="went away"):
            ahead.take("bad")
        ahead.ask("slow")
        release.set()
    # Leaving waited for the unread answer: no request outlives the pull.
    assert ahead._pool._shutdown
