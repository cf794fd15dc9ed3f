"""What services hand to views: plain frozen records, no ORM objects, no I/O.

This module is the contract between `app/services` and `app/views`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType, Protocol

from app.domain import Priority, Status

if TYPE_CHECKING:  # desk_types imports this module: only for the annotations
    from app.domain.my_day import MyDay
    from app.services.desk_types import OrderPage, OrderQuery
    from app.services.storage import FreedReport, StorageReport
    from app.services.waiting import Waiting

OrderId = NewType("OrderId", uuid.UUID)
ItemId = NewType("ItemId", uuid.UUID)


class ServiceError(Exception):
    """A user-facing failure; `str(err)` is a message fit to show as is."""


class SignInError(ServiceError):
    """Sign-in failed: wrong credentials, unreachable or misbehaving server."""


class ServerUnreachable(SignInError):
    """The server could not be asked (no connection, no answer, or it is down): the device's
    own check of the password may answer instead (app.services.local_signin)."""


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
    # Signed in on this device only (offline, or the server's session ran out): local work goes
    # on; syncing waits for a sign-in with the server, which the sync bar offers.
    needs_sign_in: bool = False

    def label(self) -> str:
        """One short line for the always-visible indicator."""
        parts: list[str] = []
        if self.needs_sign_in:
            parts.append("Sign in to sync")
        elif self.state is SyncState.OFFLINE:
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
    # False when signed in on this device only (offline, or after the server's session ran out).
    server_session: bool = True


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
    completed_at: datetime | None = None  # when it was completed; "My day" lists today's as done


@dataclass(frozen=True, slots=True)
class OrderGroups:
    """A technician's "My day" (app.domain.my_day decides what goes where)."""

    overdue: list[OrderSummary] = field(default_factory=list)
    today: list[OrderSummary] = field(default_factory=list)
    upcoming: list[OrderSummary] = field(default_factory=list)
    done_today: list[OrderSummary] = field(default_factory=list)  # completed today, latest first
    next: OrderSummary | None = None  # the order to go to first (also in its group)

    @classmethod
    def of(cls, day: MyDay[OrderSummary]) -> OrderGroups:
        return cls(
            overdue=day.overdue,
            today=day.today,
            upcoming=day.upcoming,
            done_today=day.done_today,
            next=day.next,
        )


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
    # Overlaps another log of the same person (app.domain.timer.overlapping): kept, flagged.
    overlaps: bool = False


@dataclass(frozen=True, slots=True)
class ClockView:
    """The signed-in user's running work clock (app.services.timer), wherever it runs."""

    order_id: uuid.UUID
    order_number: str
    kind: str  # travel or work (app.domain.timer.TimeKind)
    started_at: datetime


@dataclass(frozen=True, slots=True)
class PartUsageView:
    id: uuid.UUID
    sku: str
    name: str  # from the catalogue; the sku when it is not known here
    quantity: float
    unit: str
    pending: bool
    mine: bool
    may_void: bool = False  # the signed-in user may void it (its author, or a dispatcher)


@dataclass(frozen=True, slots=True)
class PartChoice:
    """A part of the catalogue, as the "Add part" dialog offers it."""

    sku: str
    name: str
    unit: str  # "pcs", "m", "kg", ...; "" when the catalogue gives none


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
    open_conflicts: int = 0  # see DeskApi.list_open_conflicts
    photos: list[PhotoView] = field(default_factory=list)  # not voided, oldest first
    signatures: list[SignatureView] = field(default_factory=list)  # newest last
    offers: Offers = field(default_factory=Offers)
    assignee_id: uuid.UUID | None = None
    assignee_name: str = ""
    # Why the order is where it is (on hold, cannot complete, cancelled, reopened), shown to all.
    status_reason: str | None = None
    out_of_range: list[str] = field(default_factory=list)  # labels of flagged items, for Complete
    required_skills: tuple[str, ...] = ()  # tags ("gas-safe", "fire_safety"), in the order given
    # The signed-in user's running clock, on this order or another (then Start here stops it).
    clock: ClockView | None = None
    # What Start would count on this order now (travel on the road, work on site); None when
    # the clock cannot run here (the state, or the rulebook: offers.time_and_parts).
    clock_offer: str | None = None


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
    # Words (number, title, site, customer, description, notes) and filters over the orders
    # this user sees on this device (a technician's own, a dispatcher's organisation's): the
    # local full-text index, never the network. The desk's table and the phone's "My day".
    def search_orders(self, query: OrderQuery) -> OrderPage: ...

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail: ...
    def set_checklist(
        self, order_id: OrderId, item_id: ItemId, *, value: Any = None, done: bool
    ) -> OrderDetail: ...
    def add_note(self, order_id: OrderId, text: str) -> OrderDetail: ...
    def log_time(
        self, order_id: OrderId, *, kind: str, started_at: datetime, ended_at: datetime
    ) -> OrderDetail: ...
    # The work clock (app.services.timer): Start counts what the order's state runs (travel,
    # work), stopping any clock of the user elsewhere; Stop queues the time counted.
    def start_clock(self, order_id: OrderId) -> OrderDetail: ...
    def stop_clock(self, order_id: OrderId) -> OrderDetail: ...
    def use_part(self, order_id: OrderId, *, sku: str, quantity: float | str) -> OrderDetail: ...
    # The parts catalogue on this device: every word of `query` in the name or SKU (case does
    # not matter), by name; an empty query lists the first ones. [] when signed out.
    def search_parts(self, query: str, *, limit: int = 20) -> list[PartChoice]: ...
    # entity: note, photo, time_log or part_usage
    def void_entry(
        self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str
    ) -> OrderDetail: ...
    # A technician's follow-up work: a new, unassigned order at the same site; returns it.
    # Linked in words (its description names the source; a note on the source names it);
    # photo_ids: photos of the source order to add to it too.
    def create_follow_up(
        self,
        from_order_id: OrderId,
        *,
        title: str,
        description: str,
        priority: str,
        kind: str,
        photo_ids: Sequence[uuid.UUID] = (),
    ) -> OrderDetail: ...

    # A dispatcher's edit of dispatcher-owned fields (title, priority, assignee_id, due_at, ...).

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
    # The settings screen's storage (app.services.storage). Both walk the disk: call them off
    # the UI thread. Freeing removes only photos the server holds; never one still to upload.
    def storage_report(self) -> StorageReport: ...
    def free_cached_photos(self) -> FreedReport: ...

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
    # choice: mine, theirs, or value (with `value`); returns the conflict's order
    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail: ...

    def sync_status(self) -> SyncStatus: ...
    # What is still to send, for the sync screen: queued changes by order, files to upload.
    def waiting_work(self) -> Waiting: ...
    def sync_now(self) -> None: ...  # asks the background worker; returns at once
    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]: ...  # returns unsubscribe
