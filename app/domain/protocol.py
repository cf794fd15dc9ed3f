"""Wire schemas of sync protocol v1 (shared/sync-protocol.md).

Both sides parse and build bodies through these models, so the contract lives
in one place. Unknown keys are ignored on input (forward compatible), and
values are checked strictly enough that bad input is a 4xx, never a crash.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.domain.limits import (
    MAX_ADDRESS,
    MAX_ASSET,
    MAX_BATCH,
    MAX_CAPTION,
    MAX_CHECKLIST_ITEMS,
    MAX_CHECKLIST_LABEL,
    MAX_CHECKLIST_POSITION,
    MAX_CHECKLIST_UNIT,
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    MAX_NOTE,
    MAX_PART_QUANTITY,
    MAX_REASON,
    MAX_SIGNER_NAME,
    MAX_SKU,
    MAX_TIME_TEXT,
    MAX_TITLE,
    MAX_UPDATE_FIELDS,
)

PROTOCOL = 1
MAX_PULL_LIMIT = 1000
DEFAULT_PULL_LIMIT = 500


class MutationType(StrEnum):
    ORDER_CREATE = "order.create"
    ORDER_UPDATE = "order.update"
    ORDER_TRANSITION = "order.transition"
    CHECKLIST_SET = "checklist.set"
    NOTE_ADD = "note.add"
    PHOTO_ADD = "photo.add"
    TIME_ADD = "time.add"
    PART_USE = "part.use"
    SIGNATURE_ADD = "signature.add"
    ENTRY_VOID = "entry.void"
    CONFLICT_RESOLVE = "conflict.resolve"
    # Not about an order: entity_id is the template's id (dispatchers and admins).
    TEMPLATE_SAVE = "template.save"


class ResultStatus(StrEnum):
    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class Entity(StrEnum):
    WORK_ORDER = "work_order"
    CHECKLIST_ITEM = "checklist_item"
    NOTE = "note"
    PHOTO = "photo"
    TIME_LOG = "time_log"
    PART_USAGE = "part_usage"
    SIGNATURE = "signature"
    CONFLICT = "conflict"
    USER = "user"
    PART = "part"
    # Pulled by dispatchers and admins only (the desk).
    CHECKLIST_TEMPLATE = "checklist_template"
    DEVICE = "device"  # "sync truth": how far each technician's device has pulled


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000: refused here, it is a 422 rather than a 500.
    if "\x00" in value:
        raise ValueError("text may not contain the NUL character (U+0000)")
    return value


# The OpenAPI document says what _no_nul refuses (documented only: the check above
# keeps its own message).
_NO_NUL_DOC = Field(json_schema_extra={"pattern": r"^[^\u0000]*$"})

# Text that is stored or looked up as it is sent (sign-in names, intake fields).
Username = Annotated[
    str, StringConstraints(min_length=1, max_length=150), AfterValidator(_no_nul), _NO_NUL_DOC
]
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul), _NO_NUL_DOC
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_no_nul), _NO_NUL_DOC]
LongText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_no_nul), _NO_NUL_DOC
]
Detail = Annotated[str, StringConstraints(max_length=500), AfterValidator(_no_nul), _NO_NUL_DOC]


class ErrorInfo(_Wire):
    code: str
    message: str


class ErrorBody(_Wire):
    error: ErrorInfo


def error_body(code: str, message: str) -> dict[str, Any]:
    """The protocol's error object, as a JSON-ready dict."""
    return {"error": {"code": code, "message": message}}


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


class MutationResult(_Wire):
    mid: int
    status: ResultStatus
    seq: int | None = None
    conflict_ids: list[uuid.UUID] | None = None
    error: ErrorInfo | None = None


class PushResponse(_Wire):
    results: list[MutationResult]
    last_mid: int


# Args of the mutation types the first slice applies.


class TransitionArgs(_Wire):
    from_: str = Field(alias="from", max_length=32)
    to: str = Field(max_length=32)
    at: str = Field(max_length=MAX_TIME_TEXT)
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class ChecklistSetArgs(_Wire):
    item_id: uuid.UUID
    value: Any = None
    done: bool


class NoteAddArgs(_Wire):
    id: uuid.UUID
    text: str = Field(min_length=1, max_length=MAX_NOTE)
    at: str = Field(max_length=MAX_TIME_TEXT)


# Args of the other mutation types (sync-protocol.md, "Mutation types"). Sizes
# match the server's columns, so an over-long value is `invalid_args`, never a 500.

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class SiteArgs(_Wire):
    name: str = Field(default="", max_length=MAX_NAME)
    address: str | None = Field(default=None, max_length=MAX_ADDRESS)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class CustomerArgs(_Wire):
    name: str = Field(default="", max_length=MAX_NAME)
    contact: str | None = Field(default=None, max_length=MAX_ADDRESS)


class TemplateItemDef(_Wire):
    """A checklist template's item: a checklist item's definition without an id (each
    order made from the template gives its items their own ids)."""

    position: int = Field(ge=1, le=MAX_CHECKLIST_POSITION)
    label: str = Field(min_length=1, max_length=MAX_CHECKLIST_LABEL)
    kind: Literal["check", "number", "text", "pass_fail"]
    required: bool = False
    unit: str | None = Field(default=None, max_length=MAX_CHECKLIST_UNIT)
    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)


class _Identified(_Wire):
    id: uuid.UUID


# Pydantic orders fields base-most first: `id` stays the first field, so it is checked
# (and a bad item reported) first, and dumps keep the order they had.
class ChecklistItemDef(TemplateItemDef, _Identified):
    """A checklist item's definition, as sent in order.create and order.update."""


class OrderCreateArgs(_Wire):
    id: uuid.UUID | None = None  # when given, equal to the mutation's entity_id
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    kind: Literal["repair", "maintenance", "inspection", "installation"] = "repair"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    status: Literal["new", "assigned"] | None = None
    assignee_id: uuid.UUID | None = None
    customer: CustomerArgs = Field(default_factory=CustomerArgs)
    site: SiteArgs = Field(default_factory=SiteArgs)
    asset: str | None = Field(default=None, max_length=MAX_ASSET)
    due_at: str | None = Field(default=None, max_length=MAX_TIME_TEXT)
    requires_signature: bool = False
    source: Literal["manual", "request", "alert", "schedule"] = "manual"
    external_id: str | None = Field(default=None, max_length=MAX_EXTERNAL_ID)
    checklist: list[ChecklistItemDef] = Field(default_factory=list, max_length=MAX_CHECKLIST_ITEMS)


class OrderUpdateArgs(_Wire):
    # Each value is checked per field by the server (one field may apply while another conflicts).
    fields: dict[str, Any] = Field(min_length=1, max_length=MAX_UPDATE_FIELDS)


class PhotoAddArgs(_Wire):
    id: uuid.UUID
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=1, le=2**40)
    content_type: str = Field(min_length=1, max_length=100)
    width: int = Field(ge=1, le=100_000)
    height: int = Field(ge=1, le=100_000)
    caption: str | None = Field(default="", max_length=MAX_CAPTION)
    taken_at: str = Field(max_length=MAX_TIME_TEXT)


class TimeAddArgs(_Wire):
    id: uuid.UUID
    kind: Literal["travel", "work", "break"]
    started_at: str = Field(max_length=MAX_TIME_TEXT)
    ended_at: str = Field(max_length=MAX_TIME_TEXT)


class PartUseArgs(_Wire):
    id: uuid.UUID
    sku: str = Field(min_length=1, max_length=MAX_SKU)
    quantity: float = Field(gt=0, le=MAX_PART_QUANTITY, allow_inf_nan=False)


class SignatureAddArgs(_Wire):
    id: uuid.UUID
    signer_name: str = Field(min_length=1, max_length=MAX_SIGNER_NAME)
    sha256: str = Field(pattern=SHA256_PATTERN)
    signed_at: str = Field(max_length=MAX_TIME_TEXT)


class EntryVoidArgs(_Wire):
    entity: Literal["note", "photo", "time_log", "part_usage"]
    id: uuid.UUID
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class ConflictResolveArgs(_Wire):
    conflict_id: uuid.UUID
    choice: Literal["mine", "theirs", "value"]
    value: Any = None


WorkKind = Literal["repair", "maintenance", "inspection", "installation"]


class TemplateSaveArgs(_Wire):
    """template.save: the whole template (create or replace; archived ones stay, hidden)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    kind: WorkKind
    items: list[TemplateItemDef] = Field(default_factory=list, max_length=MAX_CHECKLIST_ITEMS)
    archived: bool = Field(default=False, strict=True)


# --- pull -----------------------------------------------------------------


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


# --- intake (orders made by other systems, with an integration API key) ----

API_KEY_HEADER = "X-API-Key"

PriorityWord = Literal["low", "normal", "high", "urgent"]


class IntakeSite(_Wire):
    name: Name
    address: Detail | None = None
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, strict=True)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False, strict=True)


class IntakeCustomer(_Wire):
    name: Name
    contact: Detail | None = None


class IntakeRequest(_Wire):
    """A customer's request: a new order (`source: request`); the same
    `external_id` again answers with that order."""

    external_id: ShortText
    # A name alone, or {name, contact}.
    customer: Name | IntakeCustomer
    site: IntakeSite
    description: LongText
    priority: PriorityWord = "normal"


class IntakeAlert(_Wire):
    """A monitoring system's alert: a new order (`source: alert`) unless an open one
    was raised already for the same `asset` and `source`, which gets a note instead.
    `severity` uses the priority words and becomes the new order's priority."""

    external_id: ShortText
    source: Annotated[
        str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul), _NO_NUL_DOC
    ]
    asset: ShortText
    severity: PriorityWord
    message: LongText


class IntakeResult(_Wire):
    id: uuid.UUID
    number: str
    status: str
