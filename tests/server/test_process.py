"""A real `ordo-server run` process on loopback, over real HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from server_stub.testing import read_order, running_server

pytestmark = pytest.mark.slow


def _pull_everything(
    api: httpx.Client, *, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str, int]:
    changes: list[dict[str, Any]] = []
    pages = 0
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        response = api.get("/sync/pull", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor, pages


def test_seeded_server_signs_in_pulls_pushes_and_survives_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    with running_server(data_dir=tmp_path / "server", database_url=database_url) as server:
        device_id = str(uuid.uuid4())
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as api:
            assert api.get("/health").json() == {"status": "ok", "protocol": 1}
            response = api.post(
                "/auth/token", json={"username": "tech1", "password": "demo-tech", "device_id": device_id}
            )
            assert response.status_code == 200, response.text
            me = response.json()["user"]
            api.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

            changes, cursor, pages = _pull_everything(api)
            assert pages > 1
            orders = [c["data"] for c in changes if c["entity"] == "work_order"]
            assert sum(o["status"] == "assigned" for o in orders) == 10
            assert {o["assignee_id"] for o in orders} == {me["id"]}
            assert {c["data"]["order_id"] for c in changes if c["entity"] == "checklist_item"} == {
                o["id"] for o in orders
            }

            order = next(o for o in orders if o["status"] == "assigned")
            push = {
                "protocol": 1,
                "device_id": device_id,
                "mutations": [
                    {
                        "mid": 1,
                        "type": "order.transition",
                        "entity_id": order["id"],
                        "args": {"from": "assigned", "to": "en_route", "at": "2026-11-25T10:00:00Z"},
                    }
                ],
            }
            assert api.post("/sync/push", json=push).json()["results"][0]["status"] == "applied"

            assert server.stop() == 0  # SIGTERM: a clean stop
            with pytest.raises(httpx.ConnectError):
                api.get("/health")
            server.start()

            changes, _, _ = _pull_everything(api, cursor=cursor)
            assert [(c["entity"], c["id"], c["data"]["status"]) for c in changes] == [
                ("work_order", order["id"], "en_route")
            ]
            assert read_order(database_url=server.database_url, order_id=order["id"])["status"] == "en_route"  # type: ignore[index]
