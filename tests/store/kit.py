"""Helpers shared by the client-side tests: a real store, a settable clock, wire rows,
and a scripted protocol server behind httpx.MockTransport."""

from __future__ import annotations

import json
import queue
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.store import LocalStore
from app.store.outbox import sync_state
from app.sync import SyncEngine

URL = "https://ordo.test"
TECH = {
    "id": "11111111-1111-4111-8111-111111111111",
    "username": "tech1",
    "display_name": "Tess Tech",
    "role": "technician",
}
DISPATCHER = {
    "id": "22222222-2222-4222-8222-222222222222",
    "username": "disp1",
    "display_name": "Dee Spatch",
    "role": "dispatcher",
}
DEADLINE = 10  # seconds to wait for the worker thread to reach its next wait
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def open_store(tmp_path: Path) -> LocalStore:
    return LocalStore.open(tmp_path / "ordo.db")


def sign_in_locally(store: LocalStore, *, user: dict[str, Any] = TECH, url: str = URL) -> None:
    """Put a signed-in user in the sync state, as a successful sign-in would."""
    with store.transaction() as s:
        state = sync_state(s)
        state.user = dict(user)
        state.server_url = url
        state.access_token = "token-" + user["username"]


def dispatcher_store(tmp_path: Path) -> LocalStore:
    """A fresh store with the dispatcher signed in; nothing pulled yet."""
    store = open_store(tmp_path)
    sign_in_locally(store, user=DISPATCHER)
    return store


def dispatcher_device(tmp_path: Path) -> tuple[LocalStore, ScriptedServer, SyncEngine]:
    """`dispatcher_store` with a sync engine talking to a scripted server; nothing synced yet."""
    store = dispatcher_store(tmp_path)
    server = ScriptedServer()
    return store, server, SyncEngine(store=store, client=server.client(), clock=Clock())


def wire(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_data(order_id: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": order_id,
        "number": "WO-000001",
        "title": "Fix pump",
        "description": "Pump 3 leaks",
        "kind": "repair",
        "priority": "normal",
        "status": "assigned",
        "assignee_id": TECH["id"],
        "customer": {"name": "ACME", "contact": "555-0100"},
        "site": {"name": "Plant 1", "address": "1 Main St", "lat": None, "lon": None},
        "asset": None,
        "due_at": wire(T0 + timedelta(hours=6)),
        "requires_signature": False,
        "source": "manual",
        "external_id": None,
        "created_at": wire(T0 - timedelta(days=1)),
        "updated_at": wire(T0 - timedelta(days=1)),
    }
    data.update(fields)
    return data


def item_data(item_id: str, order_id: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item_id,
        "order_id": order_id,
        "position": 1,
        "label": "Check seal",
        "kind": "check",
        "required": True,
        "value": None,
        "done": False,
        "unit": None,
        "min": None,
        "max": None,
    }
    data.update(fields)
    return data


def change(entity: str, data: dict[str, Any], seq: int) -> dict[str, Any]:
    return {"entity": entity, "id": data["id"], "seq": seq, "deleted": False, "data": data}


def pulled_conflict(store: LocalStore, *, order: str, **fields: Any) -> str:
    """An open conflict row over one of `order`'s fields, as pulled (seq 13); returns its id.
    `fields` override the default (a dispatcher's title lost to another edit)."""
    from app.domain.protocol import Change
    from app.store.rows import apply_change

    cid = new_id()
    data = {
        "id": cid,
        "order_id": order,
        "entity": "work_order",
        "entity_id": order,
        "field": "title",
        "mine": "My title",
        "theirs": "Fix pump",
        "mid": 1,
        "device_id": new_id(),
        "status": "open",
        "resolution": None,
        **fields,
    }
    with store.transaction() as s:
        apply_change(s, Change.model_validate(change("conflict", data, 13)))
    return cid


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class ScriptedServer:
    """The protocol's two sync endpoints, scripted. Mount with `transport()`.

    Push answers every mutation `applied` (or per `verdicts`) and remembers last_mid;
    pull serves `pages` in turn, then empty pages. `fault` replaces the next answers.
    """

    pages: list[dict[str, Any]] = field(default_factory=list)
    verdicts: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_mid: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    pushed: list[dict[str, Any]] = field(default_factory=list)
    fault: Callable[[httpx.Request], httpx.Response] | None = None
    cursor: str = "0"

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=URL, transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fault is not None:
            return self.fault(request)
        return self.answer(request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        """What the scripted server answers when no fault is set."""
        if request.url.path == "/api/v1/sync/push":
            body = json.loads(request.content)
            self.pushed.append(body)
            results = []
            for m in body["mutations"]:
                if m["mid"] != self.last_mid + 1 and m["mid"] > self.last_mid:
                    break  # a gap: the server stops there
                results.append({"mid": m["mid"], **self.verdicts.get(m["mid"], {"status": "applied"})})
                self.last_mid = max(self.last_mid, m["mid"])
            return httpx.Response(200, json={"results": results, "last_mid": self.last_mid})
        if request.url.path == "/api/v1/sync/pull":
            if self.pages:
                page = self.pages.pop(0)
                self.cursor = page.get("cursor") or self.cursor
                return httpx.Response(200, json={"last_mid": self.last_mid, "server_time": wire(T0), **page})
            return httpx.Response(
                200,
                json={
                    "changes": [],
                    "cursor": self.cursor,
                    "has_more": False,
                    "last_mid": self.last_mid,
                    "server_time": wire(T0),
                },
            )
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "no such path"}})

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


class StepWaiter:
    """Each wait() hands its timeout to the test and blocks until the test says go."""

    def __init__(self) -> None:
        self.timeouts: queue.Queue[float | None] = queue.Queue()
        self._go: queue.Queue[bool] = queue.Queue()

    def wait(self, timeout: float | None) -> bool:
        self.timeouts.put(timeout)
        return self._go.get(timeout=DEADLINE)

    def poke(self) -> None:
        self._go.put(True)

    def expire(self) -> None:
        self._go.put(False)

    def next_timeout(self) -> float | None:
        return self.timeouts.get(timeout=DEADLINE)


def synced_with_one_order(
    tmp_path: Path, *, seq: int = 5, cursor: str = "c5"
) -> tuple[LocalStore, ScriptedServer, SyncEngine, str]:
    """A signed-in technician device that has pulled one order (at `seq`) from a scripted server."""
    store = open_store(tmp_path)
    sign_in_locally(store)
    server = ScriptedServer()
    engine = SyncEngine(store=store, client=server.client(), clock=Clock())
    order = new_id()
    server.pages.append(
        {"changes": [change("work_order", order_data(order), seq)], "cursor": cursor, "has_more": False}
    )
    engine.sync_once()
    return store, server, engine, order
