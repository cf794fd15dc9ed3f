"""An in-memory test double of `app.services.types.Services`, for developing views.

Not used by the UI tests, which run against the real stack; it lets one open a
screen by hand (`python -m tests.views.fake_services`) without a server. Who may do
what comes from the rulebook (app.domain.rules), as in the real services: what the
double offers is what it accepts. Sign in as tech1…tech3 / demo-tech or
dispatcher / demo-dispatcher.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from app.domain import OPEN, Priority, Status
from app.domain import rules as R
from app.domain.codes import Code, plain
from app.domain.limits import MAX_NOTE
from app.domain.protocol import MutationType
from app.services.desk_types import ConflictRow, OrderPage, OrderQuery, OrderRow
from app.services.storage import FreedReport, Pile, StorageReport
from app.services.types import (
    BlobState,
    InvalidInput,
    ItemId,
    NoteView,
    OrderDetail,
    OrderId,
    PartChoice,
    PhotoBatch,
    PhotoProblem,
    PhotoView,
    ServiceError,
    SignatureView,
    TechnicianChoice,
)

from .fake_core import refused
from .fake_desk_edit import FakeDeskEdit
from .fake_seed import THUMB, jpeg, new_order, signature_png

# A few parts of the seeded server's catalogue (server_stub/seeding/data.py), for search_parts.
FAKE_CATALOGUE = (
    PartChoice(sku="FUSE-10A", name="Fuse 10 A, type gG", unit="pcs"),
    PartChoice(sku="PIPE-CU-15", name="Copper pipe 15 mm", unit="m"),
    PartChoice(sku="REFR-R32", name="Refrigerant R32", unit="kg"),
    PartChoice(sku="SEAL-EPDM-22", name="EPDM seal 22 mm", unit="pcs"),
)


class FakeServices(FakeDeskEdit):
    # --- writing: judged by the rulebook, then applied ---------------------------------

    def transition(self, order_id: OrderId, to: Status, *, reason: str | None = None) -> OrderDetail:
        d = self._order(order_id)
        current = d.summary.status
        blockers = self._blockers(d)
        verdict = R.judge_transition(
            role=self._me().role,
            relation=self._relation(d),
            sent_from=current,
            to=to,
            current=current,
            reason=reason,
            gates=R.Gates(has_assignee=d.assignee_id is not None, completion_blockers=blockers),
        )
        if verdict.move is R.Move.ALREADY:
            return self._fresh(d)
        if verdict.move is not R.Move.APPLY:
            words = plain(verdict.code) if verdict.code else "The order cannot make that step now."
            if verdict.code is Code.COMPLETION_BLOCKED:
                words += " " + "; ".join(blockers).capitalize() + "."
            raise InvalidInput(words)
        # The move's reason, whatever the move (none: none), as the server keeps it in
        # status_reason: hold, cannot complete, cancel and reopen are the moves that ask one.
        kept = (reason or "").strip() or None
        if to is Status.NEW and d.assignee_id is not None:  # unassigning
            self._past.setdefault(order_id, set()).add(d.assignee_id)
            d = dataclasses.replace(d, assignee_id=None, assignee_name="")
        moved = dataclasses.replace(
            d,
            summary=dataclasses.replace(d.summary, status=to, assignee_name=d.assignee_name),
            status_reason=kept,
        )
        return self._write(order_id, lambda _d: moved)

    def set_checklist(
        self, order_id: OrderId, item_id: ItemId, *, value: Any = None, done: bool
    ) -> OrderDetail:
        d = self._order(order_id)
        verdict = R.judge_checklist(relation=self._relation(d), status=d.summary.status)
        if not verdict.allowed:
            raise refused(verdict, "The order was cancelled: its checklist stays as it was.")
        item = next((i for i in d.checklist if i.id == item_id), None)
        if item is None:
            raise InvalidInput("This checklist item is not on this order.")
        problem = R.checklist_value_problem(kind=item.kind, value=value, done=done)
        if problem:
            raise InvalidInput(problem[:1].upper() + problem[1:] + ".")

        def change(d: OrderDetail) -> OrderDetail:
            items = [
                dataclasses.replace(i, value=value, done=done) if i.id == item_id else i for i in d.checklist
            ]
            return dataclasses.replace(d, checklist=items)

        return self._write(order_id, change)

    def add_note(self, order_id: OrderId, text: str) -> OrderDetail:
        self._evidence(order_id, MutationType.NOTE_ADD)
        text = text.strip()  # as the real services send it
        if not text:
            raise InvalidInput("A note cannot be empty.")
        if len(text) > MAX_NOTE:
            raise InvalidInput(f"A note holds at most {MAX_NOTE:,} characters.")
        note = NoteView(
            id=uuid.uuid4(),
            text=text,
            at=datetime.now(UTC),
            author_name=self._me().display_name,
            pending=True,
        )
        return self._write(order_id, lambda d: dataclasses.replace(d, notes=[*d.notes, note]))

    # The double keeps no time logs, parts or conflicts: these check input and mark the order pending.

    def log_time(
        self, order_id: OrderId, *, kind: str, started_at: datetime, ended_at: datetime
    ) -> OrderDetail:
        self._evidence(order_id, MutationType.TIME_ADD)
        if kind not in ("travel", "work", "break"):
            raise InvalidInput("Choose travel, work or break.")
        if ended_at <= started_at:
            raise InvalidInput("The end must be after the start.")
        return self._write(order_id, lambda d: d)

    def start_clock(self, order_id: OrderId) -> OrderDetail:
        self._evidence(order_id, MutationType.TIME_ADD)
        return self._write(order_id, lambda d: d)

    def stop_clock(self, order_id: OrderId) -> OrderDetail:
        return self._write(order_id, lambda d: d)

    def use_part(self, order_id: OrderId, *, sku: str, quantity: float | str) -> OrderDetail:
        self._evidence(order_id, MutationType.PART_USE)
        if not sku.strip():
            raise InvalidInput("Enter the part's SKU.")
        return self._write(order_id, lambda d: d)

    def search_parts(self, query: str, *, limit: int = 20) -> list[PartChoice]:
        words = query.casefold().split()
        found = [
            p for p in FAKE_CATALOGUE if all(w in p.name.casefold() or w in p.sku.casefold() for w in words)
        ]
        return sorted(found, key=lambda p: p.name.casefold())[: max(0, limit)]

    def void_entry(self, order_id: OrderId, *, entity: str, entry_id: uuid.UUID, reason: str) -> OrderDetail:
        d = self._order(order_id)
        mine = any(p.id == entry_id and p.mine for p in d.photos) or any(
            n.id == entry_id and n.author_name == self._me().display_name for n in d.notes
        )
        verdict = R.judge_void(relation=self._relation(d), is_author=mine)
        if not verdict.allowed:
            raise refused(verdict, "You may not remove this entry.")
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

    # --- assigning ---------------------------------------------------------------------

    def list_technicians(self, order_id: OrderId, *, query: str = "") -> list[TechnicianChoice]:
        d = self._order(order_id)
        if self._relation(d) is not R.Relation.DISPATCH:
            raise InvalidInput("Only a dispatcher assigns orders.")
        words = query.casefold().split()  # every word in the name, username or a skill
        end_of_today = datetime.now().astimezone().replace(hour=23, minute=59, second=59)
        choices = []
        for p in self._people.values():
            if p.role.value != "technician":
                continue
            haystack = [t.casefold() for t in (p.display_name, p.username, *p.skills)]
            if not all(any(word in text for text in haystack) for word in words):
                continue
            open_today = sum(
                1
                for o in self._orders.values()
                if o.assignee_id == p.id
                and o.summary.status in OPEN
                and o.summary.due_at is not None
                and o.summary.due_at <= end_of_today
            )
            choices.append(
                TechnicianChoice(
                    id=p.id,
                    username=p.username,
                    display_name=p.display_name,
                    skills=list(p.skills),
                    open_today=open_today,
                    current=d.assignee_id == p.id,
                )
            )
        return sorted(choices, key=lambda c: (c.open_today, c.display_name))

    def assign(self, order_id: OrderId, assignee_id: uuid.UUID | None) -> OrderDetail:
        d = self._order(order_id)
        edit = R.judge_field_edit(relation=self._relation(d))
        if not edit.allowed:
            raise InvalidInput("Only a dispatcher assigns orders.")
        status = d.summary.status
        verdict = R.judge_assign(status=status, assignee_id=str(assignee_id) if assignee_id else None)
        if not verdict.allowed:
            raise refused(verdict, "This order cannot be assigned now.")
        person = next((p for p in self._people.values() if p.id == assignee_id), None)
        if assignee_id is not None and (person is None or person.role.value != "technician"):
            raise InvalidInput(plain(Code.UNKNOWN_ASSIGNEE))
        if assignee_id == d.assignee_id:
            return self._fresh(d)  # the same assignee: nothing to send, as in the real services
        if d.assignee_id is not None and d.assignee_id != assignee_id:
            self._past.setdefault(order_id, set()).add(d.assignee_id)
        after = R.status_after_assign(status=status, assignee_id=str(assignee_id) if assignee_id else None)
        name = person.display_name if person else ""
        changed = dataclasses.replace(
            d,
            assignee_id=assignee_id,
            assignee_name=name,
            summary=dataclasses.replace(d.summary, status=after, assignee_name=name),
            status_reason=d.status_reason if after is status else None,
        )
        return self._write(order_id, lambda _d: changed)

    # --- photos and signatures: real Pillow work, kept in memory ------------------

    def add_photos(
        self,
        order_id: OrderId,
        files: Sequence[Path],
        *,
        caption: str = "",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> PhotoBatch:
        self._evidence(order_id, MutationType.PHOTO_ADD)
        added: list[PhotoView] = []
        problems: list[PhotoProblem] = []
        total = len(files)
        for n, path in enumerate(files):
            if progress is not None:
                progress(n, total, path.name)
            try:
                with Image.open(path) as img:
                    img.load()
                    full = jpeg(img)
                    thumb = jpeg(img, longest=THUMB)
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
                    author_name=self._me().display_name,
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
        self._evidence(order_id, MutationType.SIGNATURE_ADD)
        if not self._fresh(self._order(order_id)).offers.signature:
            raise InvalidInput(plain(Code.ILLEGAL_STATE))
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

    def _on_server(self) -> set[str]:
        """The held blobs whose photo the server has (the real storage's "cached" photos)."""
        return {
            p.sha256
            for d in self._orders.values()
            for p in d.photos
            if p.state is BlobState.ON_SERVER and p.sha256 in self._blobs
        }

    def storage_report(self) -> StorageReport:
        cached = self._on_server()
        waiting = [len(b) for sha, b in self._blobs.items() if sha not in cached]
        return StorageReport(
            database_bytes=1_200_000,
            waiting=Pile(count=len(waiting), bytes=sum(waiting)),
            cached=Pile(count=len(cached), bytes=sum(len(self._blobs[sha]) for sha in cached)),
            kept=Pile(),
            thumbnails=Pile(),
            cap_bytes=500_000_000,
        )

    def free_cached_photos(self) -> FreedReport:
        cached = self._on_server()
        freed = sum(len(self._blobs.pop(sha)) for sha in cached)
        return FreedReport(count=len(cached), bytes=freed, waiting=len(self._blobs))

    def create_follow_up(
        self,
        from_order_id: OrderId,
        *,
        title: str,
        description: str,
        priority: str,
        kind: str,
        photo_ids: Sequence[uuid.UUID] = (),  # the facade adds them to the new order; not mirrored
    ) -> OrderDetail:
        source = self._fresh(self._order(from_order_id))
        if not source.offers.follow_up:
            raise InvalidInput("Follow-up work is made by the order's technician.")
        if not title.strip():
            raise InvalidInput("The title cannot be empty.")
        new = new_order(
            len(self._orders) + 1,
            title=title.strip(),
            priority=Priority(priority),
            due=timedelta(days=3),
            status=Status.NEW,
            now=datetime.now(UTC),
        )
        new = dataclasses.replace(new, description=description, kind=kind, checklist=[])
        with self._lock:
            self._orders[new.summary.id] = new
            self._created_by[new.summary.id] = self._me().id
        return self._write(new.summary.id, lambda d: d)

    def search_orders(self, query: OrderQuery) -> OrderPage:
        """Every word in the number, title, site, customer, description or notes (any case),
        and the filters; earliest due first. The real one is FTS5 (app.store.search)."""
        words = query.text.casefold().split()
        rows = []
        for d in (self._fresh(d) for d in self._orders.values() if self._visible(d)):
            s = d.summary
            customer = str(d.customer.get("name") or "")
            notes = [n.text for n in d.notes]
            hay = " ".join([s.number, s.title, s.site_name, customer, d.description, *notes])
            if not all(w in hay.casefold() for w in words):
                continue
            if (query.statuses and s.status not in query.statuses) or (
                query.priorities and s.priority not in query.priorities
            ):
                continue
            rows.append(
                OrderRow(summary=s, kind=d.kind, source="manual", customer_name=customer, updated_at=None)
            )
        rows.sort(key=lambda r: (r.summary.due_at is None, r.summary.due_at or datetime.now(UTC)))
        return OrderPage(rows=rows[query.offset : query.offset + query.limit], total=len(rows))

    def list_open_conflicts(self, *, order_id: OrderId | None = None) -> list[ConflictRow]:
        return []  # the double keeps no conflicts

    def resolve_conflict(self, conflict_id: uuid.UUID, *, choice: str, value: Any = None) -> OrderDetail:
        raise InvalidInput("This conflict is not on this device.")


def serve(fake: FakeServices, *, port: int) -> None:  # hand-testing only: the views against the double
    import os
    import secrets

    import flet as ft

    from app.views.app import mount

    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_urlsafe(32))  # Flet signs upload URLs with it
    ft.run(
        lambda page: mount(page, services=fake, server_url=""),
        view=ft.AppView.WEB_BROWSER,
        host="127.0.0.1",
        port=port,
        no_cdn=True,
        upload_dir=str(fake.incoming_dir()),
    )


if __name__ == "__main__":
    import os

    fake = FakeServices()
    fake.online = os.environ.get("ORDO_FAKE_ONLINE") == "1"
    boiler = next(d for d in fake._orders.values() if d.summary.number == "WO-000003")
    fake.refuse(
        boiler.summary.id,
        what="Checklist: Leak test = pass",
        code=Code.ILLEGAL_STATE,
        kept="The checklist keeps the value it had: not done.",
    )
    serve(fake, port=int(os.environ.get("ORDO_FAKE_PORT", "8598")))
