"""Args of each mutation type (sync-protocol.md, "Mutation types"). Sizes come from
app.domain.limits and match the server's columns, so an over-long value is
`invalid_args`, never a 500."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.domain.limits import (
    MAX_ADDRESS,
    MAX_ASSET,
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
    MAX_REQUIRED_SKILLS,
    MAX_SIGNER_NAME,
    MAX_SKILL_LENGTH,
    MAX_SKU,
    MAX_TIME_TEXT,
    MAX_TITLE,
    MAX_UPDATE_FIELDS,
)
from app.domain.protocol.base import _Wire
from app.domain.skills import SkillsProblem, clean_required_skills


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


def _required_skills(value: Any) -> list[str]:
    try:
        return clean_required_skills(value)
    except SkillsProblem as problem:
        # The sentence as it is, without pydantic's "Value error, " before it.
        raise PydanticCustomError("required_skills", str(problem)) from None


# An order's required skills: tags (app.domain.skills), normalised, each once, in the
# order sent. The document states the limits on the list as sent; a text with no word
# (whitespace or "_" alone) is the pattern's, NUL as elsewhere.
RequiredSkills = Annotated[
    list[str],
    BeforeValidator(_required_skills),
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": MAX_REQUIRED_SKILLS,
            "items": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_SKILL_LENGTH,
                "pattern": r"^[^\u0000]*[^\s_\u0000][^\u0000]*$",
            },
        }
    ),
]


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
    required_skills: RequiredSkills = Field(default_factory=list)
    # The order this follow-up work was found on (one its creator may see): the dashboard's
    # first-time fix counts an order with a follow-up as not fixed on the first visit.
    follow_up_of: uuid.UUID | None = None


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


class ScheduleEvery(_Wire):
    n: int = Field(ge=1, le=999, strict=True)
    unit: Literal["day", "week", "month"]


class ScheduleTemplate(_Wire):
    """What each order a schedule makes is: its fields and its checklist's definition."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    kind: WorkKind = "maintenance"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    requires_signature: bool = False
    checklist: list[TemplateItemDef] = Field(default_factory=list, max_length=MAX_CHECKLIST_ITEMS)


class ScheduleSaveArgs(_Wire):
    """schedule.save: the whole schedule but `next_due_on` (the server's). `timezone` is an
    addition to the protocol page's shape: the IANA zone its dates are counted in."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    site: SiteArgs = Field(default_factory=SiteArgs)
    asset: str | None = Field(default=None, max_length=MAX_ASSET)
    every: ScheduleEvery
    anchor: Literal["fixed", "completion"] = "fixed"
    starts_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    lead_days: int = Field(default=0, ge=0, le=365, strict=True)
    template: ScheduleTemplate
    assignee_id: uuid.UUID | None = None
    paused: bool = Field(default=False, strict=True)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)
