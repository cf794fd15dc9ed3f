"""What the rulebook matrix records per cell, and the second device through which a user
sends what their client would not: the protocol spoken directly, batched per device."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

API = "/api/v1"


@dataclass
class Observation:
    offered: bool | None = None  # what the client offers (control shown, or the call taken)
    shown: bool | None = None  # the control's flag (Offers, next_statuses, may_resolve), if any
    call_ok: bool | None = None  # the service call queued the change
    note: str = ""  # why the client refused, or what went wrong on its side
    queued_on_refusal: bool = False
    sent_by: str = ""  # "client" or "raw"
    device_id: str = ""
    mid: int | None = None
    status: str | None = None
    code: str | None = None
    conflict_ids: list[str] = field(default_factory=list)
    local_status: str | None = None  # the order's status on the acting device right after the call
    server_status: str | None = None  # ... and on the server once everything is synced

    def server_text(self) -> str:
        if self.status is None:
            return "nothing recorded"
        return self.status if self.code is None else f"{self.status} ({self.code})"


@dataclass
class RawDevice:
    """The same user on a second device, speaking the protocol directly."""

    http: httpx.Client
    device_id: str
    token: str
    next_mid: int = 1
    batch: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (cell id, mutation)

    def add(
        self, cell_id: str, *, type: str, entity_id: str, args: dict[str, Any], base_seq: int | None
    ) -> int:
        mid, self.next_mid = self.next_mid, self.next_mid + 1
        mutation = {"mid": mid, "type": type, "entity_id": entity_id, "args": args}
        if base_seq is not None:
            mutation["base_seq"] = base_seq
        self.batch.append((cell_id, mutation))
        return mid

    def push(self) -> dict[int, dict[str, Any]]:
        results: dict[int, dict[str, Any]] = {}
        for start in range(0, len(self.batch), 400):
            chunk = [m for _, m in self.batch[start : start + 400]]
            answer = self.http.post(
                f"{API}/sync/push",
                json={"protocol": 1, "device_id": self.device_id, "mutations": chunk},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            answer.raise_for_status()
            results.update({r["mid"]: r for r in answer.json()["results"]})
        self.batch.clear()
        return results


def wire(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
