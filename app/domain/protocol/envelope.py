"""The bodies around the mutations: health, sign-in, the push and pull envelopes and
an order's history page."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field
from pydantic_core import to_json

from app.domain.limits import MAX_BATCH
from app.domain.protocol.base import PROTOCOL, ErrorInfo, ResultStatus, Username, _Wire


class Health(_Wire):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL


class TokenRequest(_Wire):
    username: Username
    password: str = Field(min_length=1, max_length=1024)
    device_id: uuid.UUID


class UserInfo(_Wire):
    id: uuid.UUID
    username: str
    display_name: str
    role: str


class TokenResponse(_Wire):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserInfo
    # Added with signed tokens: single use, exchanged at /auth/refresh for a new pair.
    # Optional, so a client talking to an older server still reads the answer.
    refresh_token: str | None = None


class RefreshRequest(_Wire):
    refresh_token: str = Field(min_length=1, max_length=200)
    device_id: uuid.UUID


class AuthErrorInfo(ErrorInfo):
    """A 401's error object: `wipe` is true (code device_wiped) when an administrator
    revoked this device and asked it to erase its local data."""

    wipe: bool = False


class AuthErrorBody(_Wire):
    error: AuthErrorInfo


# --- push -----------------------------------------------------------------


# Numbers on the wire are JSON numbers: strict, so "1" or true is refused (422) as the
# document says, not coerced.
class Mutation(_Wire):
    mid: int = Field(ge=1, strict=True)
    type: str = Field(min_length=1, max_length=64)
    entity_id: uuid.UUID
    # Args are checked per type by the server when it applies the mutation, so
    # one malformed mutation is `rejected` without jamming the queue.
    args: dict[str, Any] = Field(default_factory=dict)
    base_seq: int | None = Field(default=None, ge=0, strict=True)


class PushRequest(_Wire):
    # Another number is 426 before this model runs; the document says which one is spoken.
    protocol: int = Field(strict=True, json_schema_extra={"const": PROTOCOL})
    device_id: uuid.UUID
    # Over MAX_BATCH is answered 413 before this model runs; the bound documents it.
    mutations: list[Mutation] = Field(max_length=MAX_BATCH)


def mutation_json(
    *, mid: int, type: str, entity_id: str, args_json: str | None, base_seq: int | None
) -> bytes:
    """A Mutation's JSON, its args given as JSON text (the device's outbox stores them so):
    spliced in rather than parsed and encoded again, a third of a push's time on the device.
    What Mutation.model_validate_json reads back is that Mutation (tests/domain)."""
    args = b"{}" if args_json in (None, "null") else args_json.encode()
    entity = str(uuid.UUID(entity_id)).encode()
    return b'{"mid":%d,"type":%b,"entity_id":"%b","args":%b,"base_seq":%b}' % (
        mid,
        to_json(type),
        entity,
        args,
        b"null" if base_seq is None else b"%d" % base_seq,
    )


def push_body(*, device_id: str, mutations: list[bytes]) -> bytes:
    """A PushRequest's JSON from its mutations' (mutation_json)."""
    device = str(uuid.UUID(device_id)).encode()
    return b'{"protocol":%d,"device_id":"%b","mutations":[%b]}' % (PROTOCOL, device, b",".join(mutations))


class MutationResult(_Wire):
    mid: int
    status: ResultStatus
    seq: int | None = None
    conflict_ids: list[uuid.UUID] | None = None
    error: ErrorInfo | None = None


class PushResponse(_Wire):
    results: list[MutationResult]
    last_mid: int


# --- pull -----------------------------------------------------------------

# The largest page a server gives by default (settings.pull_max_limit), and what the app
# asks for: a first sync of 10,000 orders (~90,000 changes) in about 90 pages of ~400 KB,
# each one transaction on the device (issue 11: fewer, larger pages were faster on both sides).
MAX_PULL_LIMIT = 5000
DEFAULT_PULL_LIMIT = 1000


class Change(_Wire):
    entity: str
    id: str
    seq: int
    deleted: bool = False
    reason: str | None = None
    data: dict[str, Any] | None = None


class PullResponse(_Wire):
    changes: list[Change]
    cursor: str | None
    has_more: bool
    last_mid: int
    server_time: str
    reset: bool = False


# --- order history (GET /orders/{id}/history) ----------------------------

DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 500


class HistoryEntry(_Wire):
    """One change of an order: a pushed mutation from the ledger (whatever its result),
    or a change nobody pushed (intake, the server's own moves: `user_id` null)."""

    seq: int
    at: str  # server time
    user_id: str | None
    user_name: str | None  # the person's display name, for people
    device_id: str | None
    type: str  # a mutation type ("order.transition", ...)
    summary: str  # in plain words: "Started work", "Priority: normal → urgent"
    result: ResultStatus
    # name -> [before, after] of what the change wrote ({} when it wrote no field).
    fields: dict[str, list[Any]] = Field(default_factory=dict)


class HistoryPage(_Wire):
    entries: list[HistoryEntry]
    cursor: str | None
    has_more: bool
