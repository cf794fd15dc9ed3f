"""Small helpers for the push tests of every mutation type."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.codes import Code

from .conftest import Device

AT = "2026-11-25T10:00:00Z"
SHA = "ab" * 32


def new_id() -> str:
    return str(uuid.uuid4())


def statuses(result: dict[str, Any]) -> list[str]:
    return [r["status"] for r in result["results"]]


PROTOCOL_CODES = frozenset(c.value for c in Code)


def codes(result: dict[str, Any]) -> list[str | None]:
    """Each result's rejection code (None when not rejected); every code is the protocol's."""
    found = [r.get("error", {}).get("code") for r in result["results"]]
    assert {c for c in found if c is not None} <= PROTOCOL_CODES, found
    return found


def pulled(dev: Device, entity: str) -> dict[str, dict[str, Any]]:
    """id -> data of every `entity` row in `dev`'s scope, latest versions (deletes left out)."""
    changes, _ = dev.pull_all()
    return {c["id"]: c["data"] for c in changes if c["entity"] == entity and not c["deleted"]}


def seq_of(dev: Device, row_id: str) -> int:
    changes, _ = dev.pull_all()
    return max(c["seq"] for c in changes if c["id"] == row_id)


def update(dev: Device, order: str, base_seq: int | None, **fields: Any) -> dict[str, Any]:
    return dev.mutation("order.update", order, {"fields": fields}, base_seq=base_seq)


def move(dev: Device, order: str, frm: str, to: str, **extra: Any) -> dict[str, Any]:
    return dev.mutation("order.transition", order, {"from": frm, "to": to, "at": AT, **extra})


def time_args(start: str, end: str, *, kind: str = "work", id_: str | None = None) -> dict[str, Any]:
    return {"id": id_ or new_id(), "kind": kind, "started_at": start, "ended_at": end}


def photo_args(*, id_: str | None = None, caption: str = "Leak") -> dict[str, Any]:
    return {
        "id": id_ or new_id(), "sha256": SHA, "size": 1234, "content_type": "image/jpeg",
        "width": 640, "height": 480, "caption": caption, "taken_at": AT,
    }  # fmt: skip


def signature_args(*, id_: str | None = None, signer: str = "Pat Customer") -> dict[str, Any]:
    return {"id": id_ or new_id(), "signer_name": signer, "sha256": SHA, "signed_at": AT}
