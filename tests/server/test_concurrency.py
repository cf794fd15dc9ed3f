"""Concurrent pushes: every row change gets its own seq, and a pull walking the
feed while pushes run never skips a change."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.domain.protocol import Mutation
from server_stub.db import Database
from server_stub.sync.pull import pull
from server_stub.sync.push import push

from .conftest import World, sign_in

AT = "2026-11-25T10:00:00Z"
DEVICES = 4
NOTES_PER_DEVICE = 15


def _now() -> datetime:
    return datetime(2026, 11, 25, 10, tzinfo=UTC)


def test_concurrent_pushes_get_unique_seqs_and_pull_misses_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    disp = sign_in(client, "disp")
    devices = [sign_in(client, "disp") for _ in range(DEVICES)]
    a = world.orders["a"]

    def work(index: int) -> list[str]:
        device = devices[index]
        statuses = []
        for mid in range(1, NOTES_PER_DEVICE + 1):
            note = {"id": str(uuid.uuid4()), "text": f"d{index} n{mid}", "at": AT}
            mutation = Mutation.model_validate({"mid": mid, "type": "note.add", "entity_id": a, "args": note})
            result = push(
                db=db, user_id=device.user_id, device_id=device.device_id, mutations=[mutation], now=_now
            )
            statuses += [r.status.value for r in result.results]
        return statuses

    # A reader follows the feed while the writers run; it must end with every note.
    seen: list[int] = []
    cursor: str | None = None
    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        futures = [pool.submit(work, i) for i in range(DEVICES)]
        while not all(f.done() for f in futures):
            page = pull(
                db=db, user_id=disp.user_id, device_id=disp.device_id, cursor=cursor, limit=7, now=_now
            )
            seen += [c.seq for c in page.changes]
            cursor = page.cursor
        results = [f.result() for f in futures]
    while True:
        page = pull(db=db, user_id=disp.user_id, device_id=disp.device_id, cursor=cursor, limit=7, now=_now)
        seen += [c.seq for c in page.changes]
        cursor = page.cursor
        if not page.has_more:
            break
    assert all(s == ["applied"] * NOTES_PER_DEVICE for s in results)
    everything = pull(
        db=db, user_id=disp.user_id, device_id=disp.device_id, cursor=None, limit=1000, now=_now
    )
    all_seqs = [c.seq for c in everything.changes]
    assert len(set(all_seqs)) == len(all_seqs)
    notes = [c for c in everything.changes if c.entity == "note"]
    assert len(notes) == DEVICES * NOTES_PER_DEVICE
    # The incremental walk saw every change the full pull sees (nothing skipped).
    assert set(all_seqs) <= set(seen)
    assert seen == sorted(seen)


def test_the_same_new_order_created_at_once_from_several_devices_is_one_order(
    client: TestClient, world: World, db: Database
) -> None:
    devices = [sign_in(client, "disp") for _ in range(DEVICES)]
    order_id = str(uuid.uuid4())
    args = {"id": order_id, "title": "Burst pipe", "priority": "urgent"}
    mutation = Mutation.model_validate(
        {"mid": 1, "type": "order.create", "entity_id": order_id, "args": args}
    )

    def work(index: int) -> tuple[str, int | None]:
        device = devices[index]
        result = push(
            db=db, user_id=device.user_id, device_id=device.device_id, mutations=[mutation], now=_now
        )
        [only] = result.results
        return only.status.value, only.seq

    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        outcomes = list(pool.map(work, range(DEVICES)))
    # Every device is told its create applied, and they all point at the one order.
    assert {status for status, _ in outcomes} == {"applied"}
    assert len({seq for _, seq in outcomes}) == 1
    orders = [c for c in pull(db=db, user_id=devices[0].user_id, device_id=devices[0].device_id, cursor=None,
                              limit=1000, now=_now).changes if c.id == order_id]  # fmt: skip
    assert len(orders) == 1 and orders[0].data is not None and orders[0].data["number"] == "WO-000005"
