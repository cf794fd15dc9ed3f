"""The client never moves its cursor backwards, though the server's cursors are opaque (base64)."""

import base64
import json

import pytest
from store.kit import (
    change,
    order_data,
    synced_with_one_order,
)

from app.store.models import Order
from app.store.outbox import sync_state


def opaque(seq):
    """A cursor like the real server's: nothing in the client may read it."""
    return base64.urlsafe_b64encode(json.dumps({"v": 1, "seq": seq}).encode()).decode().rstrip("=")


@pytest.fixture
def world(tmp_path):
    return synced_with_one_order(tmp_path, seq=10, cursor=opaque(10))


def _state(store):
    with store.read() as s:
        state = sync_state(s)
        return state.cursor, state.high_seq


def test_a_duplicated_old_page_is_ignored_whole(world):
    store, server, engine, order = world
    gone = {"entity": "work_order", "id": order, "seq": 12, "deleted": True, "reason": "out_of_scope"}
    server.pages.append({"changes": [gone], "cursor": opaque(12), "has_more": False})
    engine.sync_once()
    assert _state(store) == (opaque(12), 12)
    # A proxy hands back the first answer again: older cursor, an older version of the removed order.
    server.pages.append(
        {"changes": [change("work_order", order_data(order), 10)], "cursor": opaque(10), "has_more": True}
    )
    report = engine.sync_once()
    assert report.stale_pages == 1 and report.changes == 0
    assert _state(store) == (opaque(12), 12)
    with store.read() as s:
        assert s.get(Order, order) is None  # not brought back


def test_a_stale_page_does_not_move_the_mid_counter_back(world):
    store, server, engine, order = world
    with store.transaction() as s:
        sync_state(s).last_mid = sync_state(s).acked_mid = 7
    server.last_mid = 7
    server.pages.append(
        {
            "changes": [change("work_order", order_data(order), 9)],
            "cursor": opaque(9),
            "has_more": False,
            "last_mid": 3,
        }
    )
    engine.sync_once()
    with store.read() as s:
        assert (sync_state(s).last_mid, sync_state(s).cursor) == (7, opaque(10))


def test_an_empty_page_never_moves_the_cursor(world):
    store, server, engine, _ = world
    # An empty answer with a cursor from the beginning (say, a cached reply to a first pull).
    server.pages.append({"changes": [], "cursor": opaque(0), "has_more": False})
    engine.sync_once()
    assert _state(store) == (opaque(10), 10)


def test_an_empty_page_with_more_is_followed_but_not_kept(world):
    store, server, engine, order = world
    # The server skipped seqs this user may not see, and says there is more.
    server.pages += [
        {"changes": [], "cursor": opaque(40), "has_more": True},
        {
            "changes": [change("work_order", order_data(order, title="B"), 41)],
            "cursor": opaque(41),
            "has_more": False,
        },
    ]
    engine.sync_once()
    assert server.requests[-1].url.params["cursor"] == opaque(40)
    assert _state(store) == (opaque(41), 41)


def test_pages_in_order_move_the_cursor_and_a_reset_may_restart_it(world):
    store, server, engine, order = world
    server.pages.append(
        {
            "changes": [change("work_order", order_data(order, title="A"), 11)],
            "cursor": opaque(11),
            "has_more": False,
        }
    )
    engine.sync_once()
    assert _state(store) == (opaque(11), 11)
    server.pages.append(
        {
            "changes": [change("work_order", order_data(order, title="R"), 3)],
            "cursor": opaque(3),
            "has_more": False,
            "reset": True,
        }
    )
    engine.sync_once()
    assert _state(store) == (opaque(3), 3)
    with store.read() as s:
        assert s.get(Order, order).title == "R"
