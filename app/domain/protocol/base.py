"""The protocol's vocabulary: its number, mutation types, results and entities, the base
of every wire model, the checked kinds of text, and the error body."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

PROTOCOL = 1


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
    # Not about an order: entity_id is the schedule's id (dispatchers and admins).
    SCHEDULE_SAVE = "schedule.save"


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
    SCHEDULE = "schedule"  # preventive maintenance schedules
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
