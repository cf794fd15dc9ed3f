"""Intake bodies: orders made by other systems, with an integration API key."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from app.domain.protocol.args import RequiredSkills
from app.domain.protocol.base import _NO_NUL_DOC, Detail, LongText, Name, ShortText, _no_nul, _Wire

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
    # Who may take it (e.g. "gas-safe"): checked and normalised as order.create's.
    required_skills: RequiredSkills = Field(default_factory=list)


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
    # An alert may need a certified person; kept only when the alert makes a new order.
    required_skills: RequiredSkills = Field(default_factory=list)


class IntakeResult(_Wire):
    id: uuid.UUID
    number: str
    status: str
