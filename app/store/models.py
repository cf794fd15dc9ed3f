"""SQLAlchemy models of the device's local database.

Rows pulled from the server keep the wire row as last pulled in
``server_data``: the re-base after a pull restores a row from it when the
server refused a local change, then replays the still-queued mutations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC ISO-8601 text, so they sort as text and never lose their zone."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is UTC:  # most are (every time pulled): no new object to make
            return value.isoformat(timespec="microseconds")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware datetimes only")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        Any: JSON(),
    }


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="repair")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="new")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    customer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    site: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    asset: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    requires_signature: Mapped[bool] = mapped_column(Boolean, default=False)
    # Normalised skill tags (app.domain.suggest.normalize_skill), in the order given.
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    source: Mapped[str] = mapped_column(String(20), default="manual")
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    en_route_at: Mapped[datetime | None] = mapped_column(nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    on_hold_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cannot_complete_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # As the server's (its revision 0009): what the dashboard's time to assign and
    # first-time fix read.
    first_assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    follow_up_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The server said it left this device's scope (or a reset did not re-send it yet) while
    # mutations for it were still queued: kept until they are acknowledged, then removed.
    out_of_scope: Mapped[bool] = mapped_column(Boolean, default=False)

    # What the desk's list filters and sorts on, narrow: a page of a search reads this index,
    # not every (wide: server_data) row, then only its own rows (app.store.search).
    __table_args__ = (
        Index(
            "ix_orders_desk",
            "status",
            "priority",
            "source",
            "assignee_id",
            "due_at",
            "updated_at",
            "number",
            "id",
        ),
    )


# Children carry order_id without a foreign key: a pull page may bring a child
# before its order (and out-of-scope deletes remove children explicitly).
class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="check")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    min: Mapped[float | None] = mapped_column(Float, nullable=True)
    max: Mapped[float | None] = mapped_column(Float, nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    author_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime | None] = mapped_column(nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # None for a note made on this device and not pulled back yet.
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Photo(Base):
    """Photo metadata; the bytes are a blob uploaded apart."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    author_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(Text, default="")
    taken_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The server's word on the bytes ("pending" until they arrive there).
    blob_status: Mapped[str] = mapped_column(String(16), default="pending")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class TimeLog(Base):
    __tablename__ = "time_logs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="work")
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class PartUsage(Base):
    __tablename__ = "part_usages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sku: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Signature(Base):
    __tablename__ = "signatures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    signer_name: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    signed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class BlobUpload(Base):
    """A photo or signature made on this device, and how far its bytes got to the server.

    The row is written in the same transaction as the photo.add / signature.add that names
    the blob, after the bytes are safely on disk; it is never deleted, so the UI can tell
    "on server" apart from "made elsewhere" for good.
    """

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # app.sync.blobs.UploadState
    offset: Mapped[int] = mapped_column(Integer, default=0)  # bytes the server said it holds
    restarts: Mapped[int] = mapped_column(Integer, default=0)  # uploads refused for a hash mismatch
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Part(Base):
    """The parts catalogue, as pulled. Keyed by the change's id; the sku is what mutations name."""

    __tablename__ = "parts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), index=True, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20), default="")
    seq: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """The directory, as pulled."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(150), default="")
    display_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20), default="technician")
    skills: Mapped[Any] = mapped_column(JSON, nullable=True)
    # False for someone who left the organisation: kept for names in history, never offered.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    seq: Mapped[int] = mapped_column(Integer, default=0)


class Conflict(Base):
    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    field: Mapped[str | None] = mapped_column(String(80), nullable=True)
    mine: Mapped[Any] = mapped_column(JSON, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, nullable=True)
    mid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Who made the losing change, when the server kept the conflict, and the order's number
    # then (the desk shows conflicts of orders this device may not hold).
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(nullable=True)
    order_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    seq: Mapped[int] = mapped_column(Integer, default=0)
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Template(Base):
    """A checklist template, as pulled (dispatchers and admins only) or saved on this device."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="repair")
    # [{"position", "label", "kind", "required", "unit"?, "min"?, "max"?}], as on the wire.
    items: Mapped[Any] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # None for a template made on this device and not pulled back yet.
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Schedule(Base):
    """A preventive maintenance schedule (revision 0013), as pulled (dispatchers and admins
    only) or saved on this device; `next_due_on` is the server's (or, before the server's
    row comes back, the device's own reckoning)."""

    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    site: Mapped[Any] = mapped_column(JSON, default=dict)  # {name, address, lat, lon}
    asset: Mapped[str | None] = mapped_column(Text, nullable=True)
    every_n: Mapped[int] = mapped_column(Integer, default=1)
    every_unit: Mapped[str] = mapped_column(String(10), default="month")  # day | week | month
    anchor: Mapped[str] = mapped_column(String(16), default="fixed")  # fixed | completion
    starts_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD
    lead_days: Mapped[int] = mapped_column(Integer, default=0)
    # {title, description, kind, priority, requires_signature, checklist: [item defs]}
    template: Mapped[Any] = mapped_column(JSON, default=dict)
    assignee_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_due_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # None for a schedule made on this device and not pulled back yet.
    server_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class DeviceStatus(Base):
    """A technician's device as the server last saw it sync ("sync truth", pulled by dispatchers)."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the device_id
    user_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    last_pull_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The device holds every change up to this seq.
    pulled_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[datetime | None] = mapped_column(nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class HistoryCache(Base):
    """An order's history as last fetched from the server, shown when offline."""

    __tablename__ = "history_cache"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column()
    entries: Mapped[Any] = mapped_column(JSON, default=list)  # the server's entries, as fetched


class OutboxEntry(Base):
    """One queued mutation. Dropped only when a pull's ``last_mid`` covers it."""

    __tablename__ = "outbox"

    mid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    base_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    # The last push result for this mutation (None: never answered).
    result_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    result_error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Rejection(Base):
    """A server refusal of a local change, kept after its outbox row is dropped, to show the
    user until they dismiss it (also after the order left the device: they still learn it)."""

    __tablename__ = "rejections"

    mid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64), default="")
    # The server's detail, for logs and developers; the user reads app.domain.codes.plain(code).
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()
    # What the change was, taken when it was refused: its args, and the order's number then.
    args: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    order_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)


class LocalAccount(Base):
    """Someone who signed in on this device online: enough to let them sign in again without
    a connection. `verifier` is a slow hash (argon2) of the password, never the password;
    `failures` counts wrong passwords in a row, and locks the check (app.domain.signin)."""

    __tablename__ = "local_accounts"

    server_url: Mapped[str] = mapped_column(Text, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), primary_key=True)  # as the server spells it
    user: Mapped[dict[str, Any]] = mapped_column(JSON)
    verifier: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)


class RunningClock(Base):
    """A work clock running on this device: one per person (nobody works twice at once). Kept
    from the moment it starts, so a crash or a closed app never loses it; stopping it writes
    its time log(s) and removes it in one transaction. Never synced itself."""

    __tablename__ = "running_clocks"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column()


class SyncState(Base):
    """The single row (id 1) of this installation's sync state."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The last mid handed out on this device (the outbox counter).
    last_mid: Mapped[int] = mapped_column(Integer, default=0)
    # The server's last_mid as of the last pull applied.
    acked_mid: Mapped[int] = mapped_column(Integer, default=0)
    # The highest change seq of the pull pages taken in order: a page whose changes are all
    # at or below it was served from behind our cursor, so neither it nor its cursor is taken.
    high_seq: Mapped[int] = mapped_column(Integer, default=0)
    server_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Single use: exchanged for a new pair when the access token nears its expiry.
    refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Shown while nobody is signed in: why this device was signed out, where a wipe saved
    # its unsent work. Cleared by the next sign-in.
    notice: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The user whose data is on this device (kept after sign-out; the token says who is signed in).
    user: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Signed in on this device only (offline, or after the server's session ran out): local
    # work goes on; syncing waits for a sign-in with the server.
    local_session: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
