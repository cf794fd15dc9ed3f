"""What services hand to the dispatcher's desk: plain frozen records, no ORM objects, no I/O.

The desk's half of the contract between `app/services` and `app/views` (the field's half is
`app.services.types`). Implemented by the mixin in `app.services.desk_api`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.domain import Priority, Status
from app.domain.sla import Lateness  # re-exported: app.domain.sla decides it
from app.services.types import ConflictView, OrderSummary, TechnicianChoice


@dataclass(frozen=True, slots=True)
class BoardCard:
    summary: OrderSummary  # number, title, priority, status, due, site, assignee, pending
    kind: str
    source: str  # manual, request, alert, schedule: intake orders are marked with it
    asset: str | None
    created_at: datetime | None
    lateness: Lateness
    lateness_words: str  # "Overdue by 3 h", "Due in 1 h 20 min, not started"; "" when on time
    # Whether the assignee's device holds this order's latest version ("on the phone"):
    # None when unassigned or when no device of the assignee has pulled yet.
    on_device: bool | None = None
    # Held by someone who can no longer be given work (deactivated, or no longer a
    # technician): the words that say so, "" otherwise. Such orders wait in the queue.
    stranded_words: str = ""
    required_skills: tuple[str, ...] = ()  # as tags ("gas_safe"); app.domain.skills has the words


@dataclass(frozen=True, slots=True)
class Lane:
    technician_id: uuid.UUID
    username: str
    display_name: str
    skills: list[str]
    cards: list[BoardCard]  # open orders for today (due today or overdue, or under way), by due time
    open_today: int
    load_ratio: float  # open_today against a full day (app.domain.suggest.FULL_DAY), 0.0 ..
    load_words: str  # "free", "light", "busy", "full", "overloaded"
    last_synced_at: datetime | None  # the latest pull of any of their devices; None: never


@dataclass(frozen=True, slots=True)
class Board:
    # Orders held by people who left first (by due time), then new orders: most urgent
    # first, then newest.
    unassigned: list[BoardCard]
    lanes: list[Lane]  # one per active technician, by display name
    open_conflicts: int
    now: datetime


@dataclass(frozen=True, slots=True)
class Suggestion:
    rank: int  # 1, 2, 3
    technician: TechnicianChoice
    score: float
    reasons: list[str]  # in words: "has gas-safe", "2 open today", "3.4 km away", "no location known"

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)


class SortKey(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    NUMBER = "number"
    STATUS = "status"
    UPDATED = "updated"
    RELEVANCE = "relevance"  # text searches: best match first


@dataclass(frozen=True, slots=True)
class OrderQuery:
    text: str = ""  # words over number, title, site, customer, description and notes; prefixes match
    statuses: tuple[Status, ...] = ()
    priorities: tuple[Priority, ...] = ()
    # Technicians' ids; `None` in the tuple means "unassigned".
    assignee_ids: tuple[uuid.UUID | None, ...] = ()
    due_from: datetime | None = None
    due_to: datetime | None = None
    sources: tuple[str, ...] = ()
    sort: SortKey = SortKey.DUE
    descending: bool = False
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class OrderRow:
    summary: OrderSummary
    kind: str
    source: str
    customer_name: str
    updated_at: datetime | None
    snippet: str = ""  # where the words matched, when the search had words


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: list[OrderRow]
    total: int  # matches in all, beyond this page


@dataclass(frozen=True, slots=True)
class ChecklistDraftItem:
    label: str
    kind: str = "check"  # check, number, text, pass_fail
    required: bool = False
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    # The item's id for an item the order already has (OrderEdit gives them); None for a new one.
    id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderDraft:
    title: str
    description: str = ""
    kind: str = "repair"
    priority: str = "normal"
    due_at: datetime | None = None  # None: from the priority (app.domain.orders.default_due)
    customer: dict[str, Any] = field(default_factory=dict)  # name, contact
    site: dict[str, Any] = field(default_factory=dict)  # name, address, lat, lon
    asset: str | None = None
    requires_signature: bool = False
    checklist: list[ChecklistDraftItem] = field(default_factory=list)
    assignee_id: uuid.UUID | None = None  # create only: an edit leaves it to the assign picker
    # Skills the work needs, as typed: normalised to tags ("Fire safety" -> "fire_safety").
    required_skills: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderEdit:
    """An order as the edit form starts from it (Ordo.edit_draft); saved with Ordo.save_edit."""

    order_id: uuid.UUID
    number: str
    draft: OrderDraft  # every field as the order holds it; checklist items carry their ids
    # Ids of items that cannot be removed (every saved item: the server never deletes one).
    fixed_items: frozenset[str]
    # Ids of items holding a value or done: their kind cannot change.
    kind_fixed_items: frozenset[str]
    may_edit: bool
    why_not: str | None = None  # why not, in a sentence, when may_edit is False


@dataclass(frozen=True, slots=True)
class TemplateDraft:
    name: str
    kind: str
    items: list[ChecklistDraftItem]
    archived: bool = False


@dataclass(frozen=True, slots=True)
class TemplateView:
    id: uuid.UUID
    name: str
    kind: str
    items: list[ChecklistDraftItem]
    archived: bool
    pending: bool  # saved here, not yet acknowledged by the server


@dataclass(frozen=True, slots=True)
class KnownPlaces:
    """Customers and sites seen before on this device, for the create form to offer."""

    customers: list[dict[str, Any]]  # name, contact; most used first
    sites: list[dict[str, Any]]  # name, address, lat, lon; most used first


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """One open conflict on the conflicts desk, both sides in words."""

    conflict: ConflictView
    order_id: uuid.UUID | None
    order_number: str
    order_title: str
    mine_words: str  # the value the losing change sent, for people ("Urgent", "72.5 °C", "Done")
    theirs_words: str  # the value kept
    made_by: str  # who made the losing change ("" when not known here)
    made_at: datetime | None
    device: str  # which device: "this device" or a short id


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int | None  # None for this device's changes not yet sent
    at: datetime
    who: str  # a name; "Intake" / "Server" for changes nobody typed
    device: str
    type: str  # mutation type ("order.transition", ...) or "order.create"
    summary: str  # in words: "Started work", "Priority: Normal → Urgent"
    result: str  # applied, merged, conflict, rejected; "unsent" for this device's queued changes
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name: (before, after)
    unsent: bool = False


@dataclass(frozen=True, slots=True)
class HistoryView:
    order_id: uuid.UUID
    order_number: str
    entries: list[HistoryEntry]  # oldest first
    fetched_at: datetime | None  # when the server's copy was fetched; None: never
    live: bool  # fetched from the server just now (False: the last fetched copy, offline)
    message: str = ""  # why it is an old copy, for people
