"""Full pull pages kept for the next caller with the same scope and cursor
(server_stub.sync.shared_pages): the bodies they make, what is kept and for how long,
and that a walk served from kept pages ends with what a fresh walk ends with."""

from __future__ import annotations

import gzip
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx._decoders import GZipDecoder

from server_stub.clock import FakeClock
from server_stub.sync.shared_pages import SharedPage, SharedPages

from .conftest import START, World, sign_in

HEAD = b'{"changes":[{"entity":"note","id":"n","seq":1,"deleted":false,"data":{"text":"\xc3\xa9t\xc3\xa9"}}],'
TAIL = b'"cursor":"abc","has_more":true}'


def _page(head: bytes = HEAD, *, at: Any = START) -> SharedPage:
    return SharedPage.of(head, cursor="abc", changes=1, made_at=at)


def test_a_kept_page_gzips_to_head_and_tail_as_one_member_any_client_reads() -> None:
    page = _page(HEAD * 200)
    body = page.gzip(TAIL)
    assert gzip.decompress(body) == HEAD * 200 + TAIL
    decoder = GZipDecoder()  # httpx's: reads a single gzip member only
    assert decoder.decode(body) + decoder.flush() == HEAD * 200 + TAIL
    assert page.json(TAIL) == HEAD * 200 + TAIL
    # Another caller's tail on the same kept head.
    assert gzip.decompress(page.gzip(b'"x":1}')) == HEAD * 200 + b'"x":1}'
    assert len(body) < len(HEAD * 200) // 10


def test_pages_past_the_budget_go_oldest_first_and_an_old_page_is_read_afresh() -> None:
    clock = FakeClock(start=START)
    one = _page()
    kept = SharedPages(max_bytes=len(one.deflated) * 2, max_age=timedelta(minutes=10), now=clock.now)
    kept.put("a", _page(at=clock.now()))
    kept.put("b", _page(at=clock.now()))
    assert kept.get("a") is not None  # a is now the most recently used
    kept.put("c", _page(at=clock.now()))
    assert kept.get("b") is None and kept.get("a") is not None and kept.get("c") is not None
    assert len(kept) == 2 and kept.size_bytes == 2 * len(one.deflated)
    clock.advance(seconds=601)
    assert kept.get("a") is None and len(kept) == 1
    off = SharedPages(max_bytes=0, max_age=timedelta(minutes=10), now=clock.now)
    assert not off.enabled
    off.put("a", one)
    assert off.get("a") is None


def _walk(device: Any, *, limit: int) -> tuple[list[dict[str, Any]], list[str], str]:
    """Every change of a walk from the beginning, each page's Content-Encoding, the cursor."""
    changes: list[dict[str, Any]] = []
    encodings: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = device.client.get("/api/v1/sync/pull", params=params, headers=device.headers)
        assert response.status_code == 200, response.text
        encodings.append(response.headers.get("content-encoding", ""))
        page = response.json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, encodings, cursor


def _latest(changes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """What a device holds after taking `changes` in order (a row's highest seq wins)."""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        key = (change["entity"], change["id"])
        if key not in held or held[key]["seq"] < change["seq"]:
            held[key] = change
    return held


def test_a_second_desk_walks_the_first_desks_pages_and_ends_where_a_fresh_walk_ends(
    client: TestClient, world: World
) -> None:
    kept: SharedPages = client.app.state.shared_pages  # type: ignore[attr-defined]
    first = sign_in(client, "disp")
    walked, encodings, _ = _walk(first, limit=4)
    assert kept.misses > 0 and kept.hits == 0 and len(kept) == -(-len(walked) // 4) - 1
    assert set(encodings[:-1]) == {"gzip"}  # kept pages (the small last one is sent as it is)

    # Meanwhile a technician changes a row the kept pages hold, and a new order comes.
    tech = sign_in(client, "tech1")
    item = world.items["a"][2]
    tech.push(
        [tech.mutation("checklist.set", world.orders["a"], {"item_id": item, "value": "later", "done": True})]
    )
    second = sign_in(client, "disp")
    again, _, cursor = _walk(second, limit=4)
    assert kept.hits == len(kept) > 0
    assert again[:4] == walked[:4]  # the first page as kept, the changed item as it was
    held = _latest(again)
    assert held[("checklist_item", item)]["data"]["value"] == "later"
    # What a walk with nothing kept gives (another organisation's desk cannot use these pages).
    kept.max_bytes = 0
    fresh, _, fresh_cursor = _walk(sign_in(client, "disp"), limit=4)
    assert held == _latest(fresh)
    assert cursor == fresh_cursor


def test_technicians_and_other_organisations_never_share_pages(client: TestClient, world: World) -> None:
    kept: SharedPages = client.app.state.shared_pages  # type: ignore[attr-defined]
    for name in ("tech1", "tech2", "outsider"):
        _walk(sign_in(client, name), limit=2)
    assert kept.hits == 0
    tech1_again, _, _ = _walk(sign_in(client, "tech1"), limit=2)
    assert kept.hits > 0
    orders = {c["id"] for c in tech1_again if c["entity"] == "work_order"}
    assert orders == {world.orders["a"], world.orders["sig"]}
    outsider, _, _ = _walk(sign_in(client, "outsider"), limit=2)
    assert not {c["id"] for c in outsider} & set(world.orders.values())


def test_the_last_page_is_always_read_afresh(client: TestClient, world: World) -> None:
    first = sign_in(client, "disp")
    walked, _, _ = _walk(first, limit=5)
    note = str(uuid.uuid4())
    tech = sign_in(client, "tech1")
    tech.push(
        [
            tech.mutation(
                "note.add", world.orders["a"], {"id": note, "text": "new", "at": "2026-11-25T10:00:00Z"}
            )
        ]
    )
    again, _, _ = _walk(sign_in(client, "disp"), limit=5)
    assert ("note", note) in _latest(again) and ("note", note) not in _latest(walked)
