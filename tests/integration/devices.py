"""Client devices for the integration tests: a real Ordo on a real SQLite file, talking
real HTTP to a server on loopback through a network the test can cut."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore


def now() -> datetime:
    return datetime.now(UTC)


class Switch(httpx.BaseTransport):
    """The real network, which the test can cut (the technician in a basement); it keeps
    the path and status of every answer it passed on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.cut = False
        self.statuses: list[tuple[str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.cut:
            raise httpx.ConnectError("network cut by the test", request=request)
        response = self.inner.handle_request(request)
        self.statuses.append((request.url.path, response.status_code))
        return response

    def close(self) -> None:
        self.inner.close()


def device(
    server_url: str,
    data_dir: Path,
    transport: httpx.BaseTransport,
    *,
    timeout: float = 10,
    start_worker: bool = False,
    **settings: Any,
) -> Ordo:
    """An Ordo whose store lives in `data_dir`; its worker is started only when asked, so
    the test decides when it syncs."""
    config = ClientSettings(data_dir=data_dir, server_url=server_url, **settings)
    return Ordo(
        store=LocalStore.open(config.db_path),
        client_factory=lambda url: httpx.Client(base_url=url, transport=transport, timeout=timeout),
        clock=now,
        settings=config,
        start_worker=start_worker,
    )
