"""A scripted server (httpx.MockTransport) that checks bearer tokens the way the real one
does: access tokens expire, refresh tokens rotate and are single use, and an administrator
can revoke the device (with or without a wipe)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from store.kit import TECH as TECH_USER
from store.kit import Clock, change, item_data, new_id, open_store, order_data

from app.services.facade import Ordo
from app.settings import ClientSettings

from .conftest import OrdoServer

REFRESH = "/api/v1/auth/refresh"


def _error(code: str, message: str, **extra: object) -> httpx.Response:
    return httpx.Response(401, json={"error": {"code": code, "message": message, **extra}})


@dataclass
class TokenServer(OrdoServer):
    live: set[str] = field(default_factory=set)  # access tokens that work
    expired: set[str] = field(default_factory=set)  # access tokens past their time
    refresh_live: set[str] = field(default_factory=set)
    refresh_spent: set[str] = field(default_factory=set)
    revoked: str | None = None  # None, "device_revoked" or "device_wiped"
    refresh_fails: bool = False  # refresh answers 401 (e.g. the refresh token ran out)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    refreshes: list[dict[str, str]] = field(default_factory=list)

    def _pair(self) -> dict[str, object]:
        n = next(self.counter)
        access, spare = f"a1.access-{n}", f"r1.refresh-{n}"
        self.live.add(access)
        self.refresh_live.add(spare)
        return {"access_token": access, "token_type": "bearer", "expires_in": 3600, "refresh_token": spare}

    def expire_all(self) -> None:
        self.expired |= self.live
        self.live.clear()

    def _revocation(self) -> httpx.Response | None:
        if self.revoked == "device_wiped":
            return _error("device_wiped", "signed out and must erase its data", wipe=True)
        if self.revoked == "device_revoked":
            return _error("device_revoked", "signed out by an administrator")
        return None

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/auth/token":
            response = super().answer(request)
            if response.status_code != 200:
                return response
            return httpx.Response(200, json={**response.json(), **self._pair()})
        if path == REFRESH:
            body = json.loads(request.content)
            self.refreshes.append(body)
            revoked = self._revocation()
            if revoked is not None:
                return revoked
            spare = body["refresh_token"]
            if spare in self.refresh_spent:
                return _error("token_revoked", "reused")
            if self.refresh_fails or spare not in self.refresh_live:
                return _error("token_expired", "the refresh token ran out")
            self.refresh_live.discard(spare)
            self.refresh_spent.add(spare)
            return httpx.Response(200, json={**self._pair(), "user": TECH_USER})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        revoked = self._revocation()
        if revoked is not None:
            return revoked
        if token in self.expired:
            return _error("token_expired", "expired")
        if token not in self.live:
            return _error("unauthorized", "unknown token")
        return super().answer(request)


@dataclass
class TokenRig:
    ordo: Ordo
    server: TokenServer
    clock: Clock
    order: str
    settings: ClientSettings


def make_rig(tmp_path, *, server: TokenServer | None = None) -> TokenRig:  # type: ignore[no-untyped-def]
    server = server or TokenServer()
    order, item = new_id(), new_id()
    server.pages.append(
        {
            "changes": [
                change("work_order", order_data(order), 1),
                change("checklist_item", item_data(item, order), 2),
                change("user", {**TECH_USER, "skills": []}, 3),
            ],
            "cursor": "3",
            "has_more": False,
        }
    )
    clock = Clock()
    settings = ClientSettings(data_dir=tmp_path / "device", server_url="https://ordo.test")
    ordo = Ordo(
        store=open_store(settings.data_dir),
        client_factory=lambda url: httpx.Client(base_url=url, transport=server.transport()),
        clock=clock,
        settings=settings,
        start_worker=False,
    )
    return TokenRig(ordo=ordo, server=server, clock=clock, order=order, settings=settings)


def signed_in_rig(tmp_path) -> Iterator[TokenRig]:  # type: ignore[no-untyped-def]
    """For a fixture: a device signed in as tech1 that has synced one order."""
    rig = make_rig(tmp_path)
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    yield rig
    rig.ordo.close()
