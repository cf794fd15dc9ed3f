import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from store.kit import (
    DISPATCHER,
    TECH,
    Clock,
    ScriptedServer,
    change,
    item_data,
    new_id,
    open_store,
    order_data,
)

from app.services.facade import Ordo
from app.settings import ClientSettings


@dataclass
class OrdoServer(ScriptedServer):
    """ScriptedServer plus the token endpoint."""

    accounts: dict[str, tuple[str, dict[str, Any]]] = field(
        default_factory=lambda: {"tech1": ("demo-tech", TECH), "disp1": ("demo-disp", DISPATCHER)}
    )
    token_bodies: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            body = json.loads(request.content)
            self.token_bodies.append(body)
            account = self.accounts.get(body["username"])
            if account is None or account[0] != body["password"]:
                return httpx.Response(401, json={"error": {"code": "bad_credentials", "message": "wrong"}})
            return httpx.Response(
                200,
                json={
                    "access_token": "tok-" + body["username"],
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "user": account[1],
                },
            )
        return super().answer(request)


@dataclass
class Rig:
    ordo: Ordo
    server: OrdoServer
    clock: Clock
    order: str
    item: str
    optional_item: str


@pytest.fixture
def rig(tmp_path):
    server = OrdoServer()
    order, item, optional = new_id(), new_id(), new_id()
    server.pages.append(
        {
            "changes": [
                change("work_order", order_data(order), 1),
                change("checklist_item", item_data(item, order), 2),
                change(
                    "checklist_item",
                    item_data(
                        optional,
                        order,
                        position=2,
                        label="Pressure",
                        kind="number",
                        required=False,
                        unit="bar",
                    ),
                    3,
                ),
                change("user", {**TECH, "skills": []}, 4),
            ],
            "cursor": "4",
            "has_more": False,
        }
    )
    clock = Clock()
    ordo = Ordo(
        store=open_store(tmp_path),
        client_factory=lambda url: httpx.Client(base_url=url, transport=server.transport()),
        clock=clock,
        settings=ClientSettings(data_dir=tmp_path, server_url="https://ordo.test"),
        start_worker=False,
    )
    yield Rig(ordo=ordo, server=server, clock=clock, order=order, item=item, optional_item=optional)
    ordo.close()


@pytest.fixture
def signed_in(rig):
    rig.ordo.sign_in(server_url="https://ordo.test", username="tech1", password="demo-tech")
    rig.ordo.sync_blocking()
    return rig


@pytest.fixture
def dispatcher(rig):
    rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    rig.ordo.sync_blocking()
    return rig
