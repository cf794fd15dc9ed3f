"""What services hand to views: plain frozen records, no ORM objects, no I/O.

This module is the contract between `app/services` and `app/views`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NewType, Protocol

from app.domain import Priority, Status

OrderId = NewType("OrderId", uuid.UUID)
ItemId = NewType("ItemId", uuid.UUID)


class ServiceError(Exception):
    """A user-facing failure; `str(err)` is a message fit to show as is."""


class SignInError(ServiceError):
    """Sign-in failed: wrong credentials, unreachable or misbehaving server."""


class InvalidInput(ServiceError):
    """The user's input breaks a rule (empty note, illegal move, ...)."""


class SyncState(StrEnum):
    OFFLINE = "offline"
    SYNCING = "syncing"
    SYNCED = "synced"
    ERROR = "error"  # the server answered, but not as the protocol says
    NEVER = "never"  # signed in, no sync finished yet


@dataclass(frozen=True, slots=True)
class SyncStatus:
    state: SyncState
    waiting: int  # mutations queued locally, not yet acknowledged by a pull
    uploads: int = 0  # photos and signatures whose bytes are not on the server yet
    last_synced_at: datetime | None = None
    message: str = ""  # why offline / what went wrong, for humans
    refused: int = 0  # server refusals of this device's changes the user has not dismissed yet

    def label(self) -> str:
        """One short line for the always-visible indicator."""
        parts: list[str] = []
        if self.state is SyncState.OFFLINE:
            parts.append("Offline")
        elif self.state is SyncState.SYNCING:
            parts.append("Syncing…")
        elif self.state is SyncState.ERROR:
            parts.append("Sync problem")
        elif self.refused:
            # Never "Synced" while a refusal is unseen: the user's change did not land.
            parts.append(f"{self.refused} {'change' if self.refused == 1 else 'changes'} refused")
        elif self.last_synced_at is not None:
            parts.append(f"Synced at {self.last_synced_at.astimezone():%H:%M}")
        else:
            parts.append("Not synced yet")
        if self.waiting:
            parts.append(f"{self.waiting} waiting")
        if self.uploads:
            parts.append(f"{self.uploads} {'file' if self.uploads == 1 else 'files'} to upload")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    server_url: str


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: OrderId
    number: str
    title: str
    priority: Priority
    status: Status
    due_at: datetime | None
    site_name: str
    pending: bool  # has local changes not yet acknowledged by the server
    assignee_name: str = ""  # who has it ("" when unassigned); dispatchers' cards show it


@dataclass(frozen=True, slots=True)
class OrderGroups:
    overdue: list[OrderSummary] = field(default_factory=list)
    today: list[OrderSummary] = field(default_factory=list)
    upcoming: list[OrderSummary] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ChecklistItemView:
    id: ItemId
    position: int
    label: str
    kind: str
    required: bool
    value: Any
    done: bool
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    out_of_range: bool = False  # a number outside min..max: kept as measured, flagged wherever shown


@dataclass(frozen=True, slots=True)
class NoteView:
    id: uuid.UUID
    text: str
    at: datetime
    author_name: str
    pending: bool


@dataclass(frozen=True, slots=True)
class TimeLogView:
    id: uuid.UUID
    kind: str  # travel, work, break
    started_at: datetime
    ended_at: datetime
    user_name: str
    pending: bool
    mine: bool  # logged by the signed-in user (who may void it)


@dataclass(frozen=True, slots=True)
class PartUsageView:
    id: uuid.UUID
    sku: str
    name: str  # from the catalogue; the sku when it is not known here
    quantity: float
    unit: str
    pending: bool
    mine: bool


class BlobState(StrEnum):
    """Where a photo's or signature's bytes are, as the UI tells it."""

    LOCAL = "local"  # only on this device, waiting for a connection to upload
    UPLOADING = "uploading"  # see `upload_percent`
    ON_SERVER = "on_server"  # the server holds them (downloaded here, or on demand)
    AWAITING = "awaiting"  # made on another device that has not finished uploading yet


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: uuid.UUID
    sha256: str
    caption: str
    taken_at: datetime | None
    width: int
    height: int
    size: int  # bytes
    author_name: str
    pending: bool  # the photo.add is not yet acknowledged by the server
    mine: bool  # taken by the signed-in user (who may void it)
    state: BlobState
    upload_percent: int  # 0..100, meaningful while UPLOADING
    thumbnail: bytes | None  # JPEG, <= 320 px; None until the bytes are on this device


@dataclass(frozen=True, slots=True)
class SignatureView:
    id: uuid.UUID
    signer_name: str
    signed_at: datetime
    sha256: str
    state: BlobState
    upload_percent: int
    pending: bool
    image: bytes | None  # PNG, when on this device


@dataclass(frozen=True, slots=True)
class PhotoProblem:
    name: str  # the file's name as the user knows it
    message: str  # why it was not added, fit to show as is


@dataclass(frozen=True, slots=True)
class PhotoBatch:
    detail: OrderDetail
    added: int
    problems: list[PhotoProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RefusalView:
    """A change of this device that the server refused, until the user dismisses it."""

    id: int  # the refused mutation's mid
    order_id: uuid.UUID
    order_number: str
    what: str  # the change, in words: "Complete", "Checklist: Flue temperature = 95"
    sentence: str  # why, in plain words (app.domain.codes.plain), never a developer's message
    kept: str  # what the order holds instead: "The order stays In progress."
    at: datetime


@dataclass(frozen=True, slots=True)
class TechnicianChoice:
    """A technician the assignee picker offers."""

    id: uuid.UUID
    username: str
    display_name: str
    skills: list[str]
    open_today: int  # open orders assigned to them, due today or overdue, or under way
    current: bool  # the order's assignee now


@dataclass(frozen=True, slots=True)
class Offers:
    """What the signed-in user may do on this order now, as the rulebook (app.domain.rules)
    judges it. Screens show a control only where its flag is true."""

    checklist: bool = False  # tick and enter checklist values
    note: bool = False
    photo: bool = False
    signature: bool = False  # "Get signature"
    time_and_parts: bool = False
    assign: bool = False  # the assignee picker (assign or reassign)
    follow_up: bool = False
    # Reassigning away from someone who has started: the picker confirms first.
    reassign_needs_confirmation: bool = False


@dataclass(frozen=True, slots=True)
class OrderDetail:
    summary: OrderSummary
    description: str
    kind: str
    customer: dict[str, Any]
    site: dict[str, Any]  # name, address, lat, lon
    requires_signature: bool
    checklist: list[ChecklistItemView]
    notes: list[NoteView]  # oldest first
    next_statuses: list[Status]  # legal moves the signed-in user may make
    blockers: list[str]  # why completing is not allowed yet; empty when it is
    refusals: list[RefusalView] = field(default_factory=list)  # not dismissed, newest first
    time_logs: list[TimeLogView] = field(default_factory=list)  # not voided, oldest first
    parts: list[PartUsageView] = field(default_factory=list)  # not voided
    open_conflicts: int = 0  # see Services.list_conflicts
    photos: list[PhotoView] = field(default_factory=list)  # not voided, oldest first
    signatures: list[SignatureView] = field(default_factory=list)  # newest last
    offers: Offers = field(default_factory=Offers)
    assignee_id: uuid.UUID | None = None
    assignee_name: str = ""
    # Why the order is where it is (on hold, cannot complete, cancelled, reopened), shown to all.
    status_reason: str | None = None
    out_of_range: list[str] = field(default_factory=list)  # labels of flagged items, for Complete
    required_skills: tuple[str, ...] = ()  # tags ("gas-safe", "fire_safety"), in the order given


@dataclass(frozen=True, slots=True)
class ConflictView:
    """One value the server did not take, with the value it kept; decided by a person."""

    id: uuid.UUID
    entity: str  # work_order, checklist_item, time_log, ...
    field: str  # the field in conflict ("title", "status", "value", ...)
    label: str  # what it is about, for people: "title", "checklist: Check seal"
    mine: Any  # the value the losing change sent
    theirs: Any  # the value kept
    status: str  # open / resolved
    resolution: Any = None
    pending: bool = False  # decided on this device, not yet acknowledged by the server
    may_resolve: bool = False  # the signed-in user may decide it


class Services(Protocol):
    """What the views may call. Implemented by `app.services.facade.Ordo`.

    Every write returns at once after one local SQLite transaction (the change
    and its queued mutation) and never touches the network. Listeners are
    called (from any thread) after local data or the sync status changed.
    """

    def current_user(self) -> CurrentUser | None: ...
    def default_server_url(self) -> str: ...

    # Blocking network call: views run it off the UI event (page.run_thread).
    # Plain http:// to another machine is refused unless allow_insecure (the user's consent).
    def sign_in(
        self, *, server_url: str, username: str, password: str, allow_insecure: bool = False
    ) -> CurrentUser: ...
    def sign_out(self) -> None: ...
    # Why this device was signed out by the server (revoked, or wiped and where its unsent
    # work was saved); None when nothing happened. Cleared by the next sign-in.
    def sign_in_notice(self) -> str | None: ...

    def list_orders(self) -> OrderGroups: ...
    def get_order(self, order_id: OrderId) -> OrderDetail | None: ...
    def get_order_by_number(self, number: str) -> OrderDetail | None: ...

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail: ...
    def set_checklist(
        self, order_id: OrderId, item_id: ItemId, *, value: Any = None, done: bool
    ) -> OrderDetail: ...
    def add_note(self, order_id: OrderId, text: str) -> OrderDetail: ...
    def log_time(
        self, order_id: OrderId, *, kind: str, started_at: datetime, ended_at: datetime
    ) -> OrderDetail: ...
    def use_part(self, order_id: OrderId, *, sku: str, quantity: float | str) -> OrderDetail: ...
    # entity: note, photo, time_log or part_usage
    def void_entry(
        self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str
    ) -> OrderDetail: ...
    # A technician's follow-up work: a new, unassigned order at the same site; returns it.
    def create_follow_up(
        self, from_order_id: OrderId, *, title: str, description: str, priority: str, kind: str
    ) -> OrderDetail: ...
    # A dispatcher's edit of dispatcher-owned fields (title, priority, assignee_id, due_at, ...).
    def update_order(self, order_id: OrderId, fields: Mapping[str, Any]) -> OrderDetail: ...

    # Photos and signatures. add_photos is blocking CPU work (Pillow, ~1 s a photo): views run
    # it off the UI event. progress(done, total, name) is called before each file and at the end.
    # Files that cannot be used are reported in PhotoBatch.problems; the others are added.
    def add_photos(
        self,
        order_id: OrderId,
        files: Sequence[Path],
        *,
        caption: str = "",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> PhotoBatch: ...
    # strokes: lists of (x, y) points in pad coordinates (0..width, 0..height).
    def add_signature(
        self,
        order_id: OrderId,
        *,
        signer_name: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: float,
        height: float,
    ) -> OrderDetail: ...
    # Blocking: the full image from this device's cache, or downloaded from the server (then
    # cached). ServiceError with a clear message when offline or the bytes are not there yet.
    def photo_bytes(self, sha256: str) -> bytes: ...
    # Where the web view's file picker uploads land (Flet's upload_dir); add_photos reads from it.
    def incoming_dir(self) -> Path: ...

    # The assignee picker: the organisation's active technicians matching `query` (name,
    # username or skill), fewest open orders today first. Dispatchers only.
    def list_technicians(self, order_id: OrderId, *, query: str = "") -> list[TechnicianChoice]: ...
    # Assign or reassign (assignee_id None: unassign); an order.update of assignee_id.
    def assign(self, order_id: OrderId, assignee_id: uuid.UUID | None) -> OrderDetail: ...
    # Refused changes of this device, not dismissed yet, newest first; dismissing one
    # removes it from the list, the order and the sync bar's count.
    def list_refusals(self) -> list[RefusalView]: ...
    def dismiss_refusal(self, refusal_id: int) -> None: ...

    # One order's conflicts, decided ones too, open ones first (the desk's list_open_conflicts
    # reads the same model: app.services.conflicts).
    def list_conflicts(self, order_id: OrderId) -> list[ConflictView]: ...
    # choice: mine, theirs, or value (with `value`); returns the conflict's order
    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail: ...

    def sync_status(self) -> SyncStatus: ...
    def sync_now(self) -> None: ...  # asks the background worker; returns at once
    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]: ...  # returns unsubscribe
