"""A fault-injecting httpx transport between one device and the in-process server.

Every fault is one the network really makes; none of them sleeps:
- drop the request before the server sees it,
- drop the response after the server committed,
- deliver the request twice (the client sees the second answer),
- hold the request (the client times out) and deliver it later, after newer ones: a
  delayed, reordered request whose answer nobody reads any more,
- let the user write on the device while its sync is under way (the worker thread syncs
  while the screen takes input): `meanwhile` runs just before a pull goes out,
- crash the device in the middle of a sync (after the server answered, before the
  client read the answer), which the test turns into closing and reopening the device,
- lose the connection between two chunks of a photo (`cut_upload_after`): where a random
  draw would leave that to luck, a rule asks for it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.sync.blobs import BLOB_PATH

PUSH_PATH = "/api/v1/sync/push"
BLOB_PREFIX = BLOB_PATH.format(sha256="")
FAULTS = ("drop_request", "drop_response", "duplicate", "hold", "crash")


class DeviceCrash(BaseException):
    """The device's process dies here. A BaseException, so no `except Exception` of the
    client can swallow it: like SIGKILL, nothing after it runs."""


@dataclass
class Push:
    """A push the server answered (whether or not the device got to read the answer)."""

    request: httpx.Request
    content: bytes
    results: list[dict[str, Any]]
    replayed: bool = False

    @property
    def mids(self) -> list[int]:
        return [m["mid"] for m in json.loads(self.content)["mutations"]]


@dataclass
class FaultTransport(httpx.BaseTransport):
    """Wraps the server's in-process transport. `rate` is the chance that one request meets
    a fault, chosen from `rng` (seeded by the test, so a run replays exactly)."""

    inner: httpx.BaseTransport
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    rate: float = 0.0
    held: list[tuple[httpx.Request, bytes]] = field(default_factory=list)
    last_push: Push | None = None
    seen: dict[str, int] = field(default_factory=dict)
    meanwhile: Callable[[], None] | None = None
    cut_upload_after: int | None = None  # photo chunks to deliver before the connection goes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        chunk = request.method == "PATCH" and request.url.path.startswith(BLOB_PREFIX)
        if chunk and self.cut_upload_after is not None:
            if not self.cut_upload_after:
                self.cut_upload_after = None
                raise httpx.ConnectError("connection lost between two chunks", request=request)
            self.cut_upload_after -= 1
        if self.meanwhile is not None and request.url.path != PUSH_PATH:
            write, self.meanwhile = self.meanwhile, None
            write()  # between the push and the pull: nothing of the sync is open in the store
        fault = self.rng.choice(FAULTS) if self.rng.random() < self.rate else None
        self.seen[fault or "ok"] = self.seen.get(fault or "ok", 0) + 1
        if fault == "drop_request":
            raise httpx.ConnectError("request dropped by the test", request=request)
        if fault == "hold":
            self.held.append((request, content))
            raise httpx.ReadTimeout("request held by the test", request=request)
        response = self.deliver(request, content)
        if fault == "duplicate":
            response = self.deliver(request, content)
        if fault == "drop_response":
            raise httpx.ReadError("response dropped by the test", request=request)
        if fault == "crash":
            raise DeviceCrash("device crashed by the test")
        return response

    def deliver(self, request: httpx.Request, content: bytes) -> httpx.Response:
        """One delivery to the server, whose answer is read in full (the server committed)."""
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=content)
        response = self.inner.handle_request(copy)
        response.read()
        if request.url.path == PUSH_PATH and response.status_code == 200:
            self.last_push = Push(request=copy, content=content, results=response.json()["results"])
        return response

    def release(self, how_many: int) -> int:
        """Deliver the oldest held requests now, late; their answers go nowhere."""
        released = 0
        while self.held and released < how_many:
            request, content = self.held.pop(0)
            self.deliver(request, content)
            released += 1
        return released

    def replay(self, push: Push) -> list[dict[str, Any]]:
        """Send an answered push again, untouched by faults; the server's results."""
        copy = httpx.Request(push.request.method, push.request.url, headers=push.request.headers,
                             content=push.content)  # fmt: skip
        response = self.inner.handle_request(copy)
        response.read()
        assert response.status_code == 200, response.text
        return response.json()["results"]
