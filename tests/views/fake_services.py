"""An in-memory test double of `app.services.types.Services`, for developing views.

Not used by the UI tests, which run against the real stack; it lets one open a
screen by hand (`python -m tests.views.fake_services`) without a server.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, UnidentifiedImageError

from app.domain import Priority, Role, Status, completion_blockers, next_statuses
from app.domain.orders import ChecklistState
from app.services.types import (
    BlobState,
    ChecklistItemView,
    ConflictView,
    CurrentUser,
    InvalidInput,
    ItemId,
    NoteView,
    OrderDetail,
    OrderGroups,
    OrderId,
    OrderSummary,
    PhotoBatch,
    PhotoProblem,
    PhotoView,
    ServiceError,
    SignatureView,
    SignInError,
    SyncState,
    SyncStatus,
)

THUMB = 320  # px, the longest side of a thumbnail, as the contract says


def _jpeg(img: Image.Image, *, longest: int | None = None) -> bytes:
    copy = img.convert("RGB")
    if longest is not None:
        copy.thumbnail((longest, longest))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85)
    return out.getvalue()


def signature_png(strokes: Sequence[Sequence[tuple[float, float]]], *, width: float, height: float) -> bytes:
    """Black strokes on white, the size of the pad: what the real pipeline hands back, roughly."""
    img = Image.new("RGB", (max(1, round(width)), max(1, round(height))), "white")
    draw = ImageDraw.Draw(img)
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) == 1:
            x, y = points[0]
            draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill="black")
        elif points:
            draw.line(points, fill="black", width=3, joint="curve")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _order(
    n: int, *, title: str, priority: Priority, due: timedelta, status: Status, now: datetime
) -> OrderDetail:
    oid = OrderId(uuid.uuid4())
    kinds = ["check", "number", "pass_fail", "text"]
    items = [
        ChecklistItemView(
            id=ItemId(uuid.uuid4()),
            position=i + 1,
            label=["Isolate power", "Measure pressure", "Leak test", "Replace filter"][i],
            kind=kinds[i],
            required=i in (0, 2),
            value=None,
            done=False,
            unit="bar" if kinds[i] == "number" else None,
        )
        for i in range(4)
    ]
    return OrderDetail(
        summary=OrderSummary(
            id=oid,
            number=f"WO-{n:06d}",
            title=title,
            priority=priority,
            status=status,
            due_at=now + due,
            site_name="Harbour Depot",
            pending=False,
        ),
        description="Pump 3 trips its breaker after ten minutes of running.",
        kind="repair",
        customer={"name": "Acme Logistics", "contact": "+44 20 7946 0000"},
        site={"name": "Harbour Depot", "address": "12 Quay Road, Bristol"},
        requires_signature=n == 3,  # "Annual boiler inspection" needs a signature
        checklist=items,
        notes=[],
        next_statuses=[],
        blockers=[],
    )


class FakeServices:
    def __init__(self, *, fail_sign_in: str | None = None, incoming: Path | None = None) -> None:
        now = datetime.now(UTC)
        self._lock = threading.Lock()
        self.notice: str | None = None  # what sign_in_notice() says
        self._incoming = incoming or Path(tempfile.mkdtemp(prefix="ordo-incoming-"))
        self._blobs: dict[str, bytes] = {}  # sha256 -> full image, as this "device" holds it
        self.offline_blobs = False  # True: photo_bytes fails as it does offline for a missing blob
        self._listeners: list[Callable[[], None]] = []
        self._user: CurrentUser | None = None
        self._waiting = 0
        self._fail = fail_sign_in
        specs = [
            ("Pump trips breaker", Priority.URGENT, timedelta(hours=-3), Status.ASSIGNED),
            ("Replace air filter", Priority.HIGH, timedelta(hours=2), Status.ASSIGNED),
            ("Annual boiler inspection", Priority.NORMAL, timedelta(hours=4), Status.IN_PROGRESS),
            ("Install door sensor", Priority.LOW, timedelta(days=3), Status.ASSIGNED),
        ]
        self._orders = {
            d.summary.id: d
            for d in (
                _order(i + 1, title=t, priority=p, due=due, status=s, now=now)
                for i, (t, p, due, s) in enumerate(specs)
            )
        }

    def _notify(self) -> None:
        for cb in list(self._listeners):
            cb()

    def _fresh(self, d: OrderDetail) -> OrderDetail:
        blockers = completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in d.checklist],
            requires_signature=d.requires_signature,
            has_signature=bool(d.signatures),
        )
        return dataclasses.replace(
            d, next_statuses=next_statuses(d.summary.status, role=Role.TECHNICIAN), blockers=blockers
        )

    def current_user(self) -> CurrentUser | None:
        return self._user

    def default_server_url(self) -> str:
        return "http://127.0.0.1:8000"

    def sign_in_notice(self) -> str | None:
        return self.notice

    def sign_in(
        self, *, server_url: str, username: str, password: str, allow_insecure: bool = False
    ) -> CurrentUser:
        if self._fail:
            raise SignInError(self._fail)
        if password != "demo-tech":
            raise SignInError("Wrong username or password.")
        self._user = CurrentUser(
            id=uuid.uuid4(),
            username=username,
            display_name="Tess Tech",
            role="technician",
            server_url=server_url,
        )
        self._notify()
        return self._user

    def sign_out(self) -> None:
        self._user = None
        self._notify()

    def list_orders(self) -> OrderGroups:
        now = datetime.now(UTC)
        groups = OrderGroups()
        for d in sorted(self._orders.values(), key=lambda d: d.summary.due_at or now):
            s = d.summary
            if s.due_at and s.due_at < now:
                groups.overdue.append(s)
            elif s.due_at and s.due_at.astimezone().date() == now.astimezone().date():
                groups.today.append(s)
            else:
                groups.upcoming.append(s)
        return groups

    def get_order(self, order_id: OrderId) -> OrderDetail | None:
        d = self._orders.get(order_id)
        return self._fresh(d) if d else None

    def get_order_by_number(self, number: str) -> OrderDetail | None:
        for d in self._orders.values():
            if d.summary.number == number:
                return self._fresh(d)
        return None

    def _write(self, order_id: OrderId, change: Callable[[OrderDetail], OrderDetail]) -> OrderDetail:
        with self._lock:
            d = change(self._orders[order_id])
            d = dataclasses.replace(d, summary=dataclasses.replace(d.summary, pending=True))
            self._orders[order_id] = d
            self._waiting += 1
        self._notify()
        return self._fresh(d)

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail:
        d = self._fresh(self._orders[order_id])
        if to not in d.next_statuses:
            raise InvalidInput(f"Cannot move from {d.summary.status} to {to}.")
        if to is Status.COMPLETED and d.blockers:
            raise InvalidInput("Cannot complete yet: " + "; ".join(d.blockers))
        return self._write(
            order_id, lambda d: dataclasses.replace(d, summary=dataclasses.replace(d.summary, status=to))
        )

    def set_checklist(
        self, order_id: OrderId, item_id: ItemId, *, value: Any = None, done: bool
    ) -> OrderDetail:
        def change(d: OrderDetail) -> OrderDetail:
            items = [
                dataclasses.replace(i, value=value, done=done) if i.id == item_id else i for i in d.checklist
            ]
            return dataclasses.replace(d, checklist=items)

        return self._write(order_id, change)

    def add_note(self, order_id: OrderId, text: str) -> OrderDetail:
        if not text.strip():
            raise InvalidInput("A note cannot be empty.")
        note = NoteView(
            id=uuid.uuid4(), text=text, at=datetime.now(UTC), author_name="Tess Tech", pending=True
        )
        return self._write(order_id, lambda d: dataclasses.replace(d, notes=[*d.notes, note]))

    # The double keeps no time logs, parts or conflicts: these check input and mark the order pending.

    def log_time(
        self, order_id: OrderId, *, kind: str, started_at: datetime, ended_at: datetime
    ) -> OrderDetail:
        if kind not in ("travel", "work", "break"):
            raise InvalidInput("Choose travel, work or break.")
        if ended_at <= started_at:
            raise InvalidInput("The end must be after the start.")
        return self._write(order_id, lambda d: d)

    def use_part(self, order_id: OrderId, *, sku: str, quantity: float | str) -> OrderDetail:
        if not sku.strip():
            raise InvalidInput("Enter the part's SKU.")
        return self._write(order_id, lambda d: d)

    def void_entry(self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str) -> OrderDetail:
        if not reason.strip():
            raise InvalidInput("Say why the entry is voided.")
        return self._write(
            order_id,
            lambda d: dataclasses.replace(
                d,
                notes=[n for n in d.notes if n.id != entry_id],
                photos=[p for p in d.photos if p.id != entry_id],
            ),
        )

    # --- photos and signatures: real Pillow work, kept in memory ------------------

    def add_photos(
        self,
        order_id: OrderId,
        files: Sequence[Path],
        *,
        caption: str = "",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> PhotoBatch:
        if order_id not in self._orders:
            raise InvalidInput("This order is not on this device.")
        added: list[PhotoView] = []
        problems: list[PhotoProblem] = []
        total = len(files)
        for n, path in enumerate(files):
            if progress is not None:
                progress(n, total, path.name)
            try:
                with Image.open(path) as img:
                    img.load()
                    full = _jpeg(img)
                    thumb = _jpeg(img, longest=THUMB)
                    width, height = img.size
            except (UnidentifiedImageError, OSError):
                problems.append(PhotoProblem(name=path.name, message="This file is not a photo we can read."))
                continue
            sha = hashlib.sha256(full).hexdigest()
            self._blobs[sha] = full
            added.append(
                PhotoView(
                    id=uuid.uuid4(),
                    sha256=sha,
                    caption=caption,
                    taken_at=datetime.now(UTC),
                    width=width,
                    height=height,
                    size=len(full),
                    author_name="Tess Tech",
                    pending=True,
                    mine=True,
                    state=BlobState.LOCAL,
                    upload_percent=0,
                    thumbnail=thumb,
                )
            )
        if progress is not None:
            progress(total, total, "")
        detail = self._write(order_id, lambda d: dataclasses.replace(d, photos=[*d.photos, *added]))
        return PhotoBatch(detail=detail, added=len(added), problems=problems)

    def add_signature(
        self,
        order_id: OrderId,
        *,
        signer_name: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: float,
        height: float,
    ) -> OrderDetail:
        if not signer_name.strip():
            raise InvalidInput("Enter the name of the person signing.")
        if not any(strokes):
            raise InvalidInput("The signature is empty: sign in the box first.")
        png = signature_png(strokes, width=width, height=height)
        sha = hashlib.sha256(png).hexdigest()
        self._blobs[sha] = png
        sig = SignatureView(
            id=uuid.uuid4(),
            signer_name=signer_name.strip(),
            signed_at=datetime.now(UTC),
            sha256=sha,
            state=BlobState.LOCAL,
            upload_percent=0,
            pending=True,
            image=png,
        )
        return self._write(order_id, lambda d: dataclasses.replace(d, signatures=[*d.signatures, sig]))

    def photo_bytes(self, sha256: str) -> bytes:
        if self.offline_blobs or sha256 not in self._blobs:
            raise ServiceError("This photo is not on this device yet, and the server cannot be reached.")
        return self._blobs[sha256]

    def incoming_dir(self) -> Path:
        self._incoming.mkdir(parents=True, exist_ok=True)
        return self._incoming

    def create_follow_up(
        self, from_order_id: OrderId, *, title: str, description: str, priority: str, kind: str
    ) -> OrderDetail:
        if not title.strip():
            raise InvalidInput("The title cannot be empty.")
        new = _order(
            len(self._orders) + 1,
            title=title,
            priority=Priority(priority),
            due=timedelta(days=3),
            status=Status.NEW,
            now=datetime.now(UTC),
        )
        with self._lock:
            self._orders[new.summary.id] = new
        return self._write(new.summary.id, lambda d: d)

    def update_order(self, order_id: OrderId, fields: Mapping[str, Any]) -> OrderDetail:
        summary_fields = {k: v for k, v in fields.items() if k in ("title", "priority", "due_at")}
        return self._write(
            order_id,
            lambda d: dataclasses.replace(d, summary=dataclasses.replace(d.summary, **summary_fields)),
        )

    def list_conflicts(self, order_id: OrderId) -> list[ConflictView]:
        return []

    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail:
        raise InvalidInput("This conflict is not on this device.")

    def sync_status(self) -> SyncStatus:
        return SyncStatus(state=SyncState.OFFLINE, waiting=self._waiting, message="server unreachable")

    def sync_now(self) -> None:
        threading.Timer(0.2, self._notify).start()

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)


if __name__ == "__main__":  # hand-testing only: serve the views against the double
    import os
    import secrets

    import flet as ft

    from app.views.app import mount

    fake = FakeServices()
    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_urlsafe(32))  # Flet signs upload URLs with it
    ft.run(
        lambda page: mount(page, services=fake, server_url=""),
        view=ft.AppView.WEB_BROWSER,
        host="127.0.0.1",
        port=8598,
        no_cdn=True,
        upload_dir=str(fake.incoming_dir()),
    )
