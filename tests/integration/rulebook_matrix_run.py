"""Driving one rulebook cell: ask the user's real client what it offers, act through it
where it offers the action, else push the same mutation raw from the user's second
device; then read what the server made of it."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from servicekit import conflicts_of, update_fields
from sqlalchemy import func, select

from app.services.facade import Ordo
from app.services.types import OrderDetail, OrderId, ServiceError
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import OutboxEntry
from app.store.outbox import queued, sync_state
from server_stub.db import open_database
from server_stub.models import Conflict, LedgerEntry, WorkOrder
from server_stub.seeding.data import PARTS
from server_stub.testing import ServerProcess

from .rulebook_cells import CELLS, Cell, Gate, Rel, status_after
from .rulebook_raw import API, Observation, RawDevice, wire
from .rulebook_seed import NEW_ASSIGNEE, PASSWORDS, USERNAMES, World

REASON = "matrix: a reason"
SKU = PARTS[0][0]
# The signature cells' strokes: a short zig-zag on a 300 × 120 pad.
STROKES = [[(10.0, 60.0), (80.0, 20.0), (150.0, 100.0), (290.0, 40.0)]]
EDITED = {Rel.DISPATCHER: "title", Rel.ADMIN: "description"}  # distinct fields: no merge between them


class Matrix:
    def __init__(
        self, *, server: ServerProcess, world: World, tmp: Path, photo: Path, clock: Callable[[], datetime]
    ) -> None:
        self.server = server
        self.world = world
        self.tmp = tmp
        self.photo = photo
        self.clock = clock
        self.clients: dict[Rel, Ordo] = {}
        self.devices: dict[Rel, str] = {}
        self.raw: dict[Rel, RawDevice] = {}
        self.seen: dict[str, Observation] = {}
        self.gated: dict[str, Observation] = {}
        self.conflict_rows: set[str] = set()
        self.stale_still_shown: list[str] = []  # reassigned orders the former assignee still holds
        self.desk_misses: list[str] = []  # orders whose former assignee's move the desk cannot decide
        self._slots: dict[Rel, int] = {}
        self._base = clock().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        self._photos = 0
        self._db = open_database(server.database_url)

    # --- people and devices -------------------------------------------------

    def sign_in_everyone(self) -> None:
        for rel in Rel:
            username = USERNAMES[rel]
            settings = ClientSettings(
                data_dir=self.tmp / f"client-{rel.name.lower()}", server_url=self.server.url
            )
            ordo = Ordo(
                store=LocalStore.open(settings.db_path),
                client_factory=lambda url: httpx.Client(base_url=url, timeout=30),
                clock=self.clock,
                settings=settings,
                start_worker=False,
            )
            self.clients[rel] = ordo
            ordo.sign_in(server_url=self.server.url, username=username, password=PASSWORDS[username])
            ordo.sync_blocking()
            with ordo._store.read() as s:
                self.devices[rel] = sync_state(s).device_id
            http = httpx.Client(base_url=self.server.url, timeout=30)
            device_id = str(uuid.uuid4())
            answer = http.post(
                f"{API}/auth/token",
                json={"username": username, "password": PASSWORDS[username], "device_id": device_id},
            )
            answer.raise_for_status()
            self.raw[rel] = RawDevice(http=http, device_id=device_id, token=answer.json()["access_token"])

    def close(self) -> None:
        for ordo in self.clients.values():
            ordo.close()
        for raw in self.raw.values():
            raw.http.close()
        self._db.dispose()

    # --- one cell -------------------------------------------------------------

    def run(self, cell: Cell) -> None:
        seen = self.seen[cell.id] = Observation()
        oid = self.world.order_for(cell)
        ordo = self.clients[cell.rel]
        detail = None
        if oid is not None:
            try:
                detail = ordo.get_order(OrderId(uuid.UUID(oid)))
            except Exception as exc:  # a broken read model is a finding, not a crash of the matrix
                seen.note = f"get_order failed: {type(exc).__name__}: {exc}"
        if cell.action == "create_assigned":
            pass  # no client action exists for it
        elif oid is not None and detail is None:
            seen.offered = False
            seen.note = seen.note or "the order is not on this device"
        else:
            self._through_client(cell, ordo, detail, seen)
        if seen.mid is None:
            self._raw(cell, oid, seen)

    def _through_client(self, cell: Cell, ordo: Ordo, detail: OrderDetail | None, seen: Observation) -> None:
        try:
            shown, call = self._offer(cell, ordo, detail)
        except Exception as exc:
            seen.offered, seen.note = False, f"client error: {type(exc).__name__}: {exc}"
            return
        seen.shown = shown
        before = self._last_mid(ordo)
        try:
            call()
            seen.call_ok = True
        except ServiceError as exc:
            seen.call_ok, seen.note = False, str(exc)
        except Exception as exc:
            seen.call_ok, seen.note = False, f"client error: {type(exc).__name__}: {exc}"
        seen.offered = shown if shown is not None else seen.call_ok
        after = self._last_mid(ordo)
        if seen.call_ok and after > before:
            seen.sent_by, seen.device_id, seen.mid = "client", self.devices[cell.rel], after
            if detail is not None and status_after(cell) is not None:
                local = ordo.get_order(detail.summary.id)
                seen.local_status = local.summary.status.value if local is not None else None
        elif seen.call_ok:
            seen.call_ok, seen.note = False, "the service accepted it but queued nothing"
        elif after > before:
            seen.queued_on_refusal = True
            seen.sent_by, seen.device_id, seen.mid = "client", self.devices[cell.rel], after

    @staticmethod
    def _last_mid(ordo: Ordo) -> int:
        with ordo._store.read() as s:
            return int(s.scalar(select(func.max(OutboxEntry.mid))) or 0)

    def _slot(self, rel: Rel) -> tuple[datetime, datetime]:
        """A time span of this user's that overlaps none of their others."""
        n = self._slots[rel] = self._slots.get(rel, 0) + 1
        start = self._base - timedelta(hours=2 * n)
        return start, start + timedelta(hours=1)

    def _target(self, cell: Cell, key: str) -> str:
        w = self.world
        oid = w.order_for(cell)
        assert oid is not None
        if cell.action.startswith("resolve_"):
            return w.conflicts[(oid, cell.rel, cell.action)]
        if cell.action == "checklist":
            return w.items[(oid, cell.rel)]
        return w.notes[(oid, key)]

    def _void_key(self, cell: Cell) -> str:
        if cell.action == "void_own":
            return f"own:{cell.rel.value}"
        return {Rel.DISPATCHER: "void:D", Rel.ADMIN: "void:M"}.get(cell.rel, "other")

    def _offer(
        self, cell: Cell, ordo: Ordo, detail: OrderDetail | None
    ) -> tuple[bool | None, Callable[[], Any]]:
        """(the control's flag or None, the service call that makes the action)."""
        assert detail is not None
        oid = detail.summary.id
        offers = detail.offers
        action = cell.action
        if action == "move":
            assert cell.to is not None
            to = cell.to
            return to in detail.next_statuses, lambda: ordo.transition(oid, to, reason=REASON)
        if action == "note":
            return offers.note, lambda: ordo.add_note(oid, f"Matrix {cell.id}")
        if action == "photo":
            return offers.photo, lambda: self._add_photo(ordo, oid)
        if action == "time":
            start, end = self._slot(cell.rel)
            return offers.time_and_parts, lambda: ordo.log_time(
                oid, kind="work", started_at=start, ended_at=end
            )
        if action == "part":
            return offers.time_and_parts, lambda: ordo.use_part(oid, sku=SKU, quantity=1)
        if action == "signature":
            return offers.signature, lambda: ordo.add_signature(
                oid, signer_name="Matrix Signer", strokes=STROKES, width=300, height=120
            )
        if action in ("void_own", "void_other"):
            note = uuid.UUID(self._target(cell, self._void_key(cell)))
            return None, lambda: ordo.void_entry(oid, entity="note", entry_id=note, reason=REASON)
        if action.startswith("resolve_"):
            conflict = uuid.UUID(self._target(cell, ""))
            views = {c.id: c for c in conflicts_of(ordo, oid)}
            shown = views[conflict].may_resolve if conflict in views else False
            return shown, lambda: ordo.resolve_conflict(conflict, choice="theirs")
        if action == "edit":
            name = EDITED.get(cell.rel, "title")
            return None, lambda: update_fields(ordo, oid, {name: f"Edited by {cell.id}"})
        if action == "checklist":
            item = uuid.UUID(self._target(cell, ""))
            return offers.checklist, lambda: ordo.set_checklist(oid, item, value=None, done=True)
        if action == "assign":
            tech5 = uuid.UUID(self.world.users[NEW_ASSIGNEE])
            return offers.assign, lambda: ordo.assign(oid, tech5)
        if action == "unassign":
            return None, lambda: ordo.assign(oid, None)
        if action == "create_follow_up":
            return offers.follow_up, lambda: ordo.create_follow_up(
                oid, title=f"Follow-up {cell.id}", description="", priority="normal", kind="repair"
            )
        raise AssertionError(f"no client action for {action}")

    def _add_photo(self, ordo: Ordo, oid: OrderId) -> None:
        self._photos += 1
        path = self.tmp / "photos" / f"{self._photos}.jpg"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(self.photo, path)
        batch = ordo.add_photos(oid, [path])
        if batch.added != 1:
            raise ServiceError("; ".join(p.message for p in batch.problems) or "no photo added")

    # --- the raw push -----------------------------------------------------------

    def _raw(self, cell: Cell, oid: str | None, seen: Observation) -> None:
        w = self.world
        now = wire(self.clock())
        new_id = str(uuid.uuid4())
        action, entity_id = cell.action, oid or new_id
        base_seq = None
        args: dict[str, Any]
        kind = {"note": "note.add", "photo": "photo.add", "time": "time.add", "part": "part.use"}.get(
            action, ""
        )
        if action == "move":
            assert cell.state is not None and cell.to is not None
            kind, args = "order.transition", {"from": cell.state.value, "to": cell.to.value, "at": now}
            args["reason"] = REASON
        elif action == "note":
            args = {"id": new_id, "text": f"Matrix {cell.id}", "at": now}
        elif action == "photo":
            data = self.photo.read_bytes()
            args = {
                "id": new_id,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "content_type": "image/jpeg",
                "width": 64,
                "height": 48,
                "caption": "",
                "taken_at": now,
            }
        elif action == "time":
            start, end = self._slot(cell.rel)
            args = {"id": new_id, "kind": "work", "started_at": wire(start), "ended_at": wire(end)}
        elif action == "part":
            args = {"id": new_id, "sku": SKU, "quantity": 1}
        elif action == "signature":
            kind, args = (
                "signature.add",
                {"id": new_id, "signer_name": "Matrix", "sha256": "ab" * 32, "signed_at": now},
            )
        elif action in ("void_own", "void_other"):
            kind, args = (
                "entry.void",
                {"entity": "note", "id": self._target(cell, self._void_key(cell)), "reason": REASON},
            )
        elif action.startswith("resolve_"):
            kind, args = "conflict.resolve", {"conflict_id": self._target(cell, ""), "choice": "theirs"}
        elif action in ("edit", "assign", "unassign"):
            if action == "edit":
                fields: dict[str, Any] = {EDITED.get(cell.rel, "title"): f"Edited by {cell.id}"}
            else:
                fields = {"assignee_id": w.users[NEW_ASSIGNEE] if action == "assign" else None}
            kind, args, base_seq = "order.update", {"fields": fields}, self._order_seq(entity_id)
        elif action == "checklist":
            kind, args = "checklist.set", {"item_id": self._target(cell, ""), "value": None, "done": True}
        elif action in ("create_follow_up", "create_assigned"):
            entity_id = new_id
            assignee = None
            if action == "create_assigned":
                own = cell.rel in (Rel.ASSIGNEE, Rel.CREATOR)
                assignee = w.uid(cell.rel) if own else w.users[NEW_ASSIGNEE]
            kind, args = (
                "order.create",
                {
                    "id": new_id,
                    "title": f"Matrix {cell.id}",
                    "status": "assigned" if assignee else "new",
                    "assignee_id": assignee,
                },
            )
        else:
            raise AssertionError(f"no raw mutation for {action}")
        raw = self.raw[cell.rel]
        seen.sent_by, seen.device_id = "raw", raw.device_id
        seen.mid = raw.add(cell.id, type=kind, entity_id=entity_id, args=args, base_seq=base_seq)

    def _order_seq(self, order_id: str) -> int:
        with self._db.read() as s:
            return int(s.scalar(select(WorkOrder.seq).where(WorkOrder.id == order_id)) or 0)

    # --- special cells and settling -----------------------------------------------

    def run_gate(self, gate: Gate) -> None:
        """A move the screen shows that needs something first (a reason, a finished checklist,
        a signature): the service refuses it without that, the server too."""
        seen = self.gated[gate.name] = Observation()
        ordo = self.clients[gate.rel]
        oid = OrderId(uuid.UUID(self.world.order_for_gate(gate)))
        reason = None if gate.needs == "reason" else REASON
        try:
            detail = ordo.get_order(oid)
            assert detail is not None, "the order is not on this device"
            seen.shown = gate.to in detail.next_statuses
            if gate.needs != "reason" and not detail.blockers:
                seen.note = "no blocker shown with Complete"
        except Exception as exc:
            seen.note = f"client error: {type(exc).__name__}: {exc}"
        before = self._last_mid(ordo)
        try:
            ordo.transition(oid, gate.to, reason=reason)
            seen.call_ok = True
        except ServiceError as exc:
            seen.call_ok = False
            seen.note = seen.note or str(exc)
        except Exception as exc:
            seen.call_ok, seen.note = False, f"client error: {type(exc).__name__}: {exc}"
        seen.queued_on_refusal = self._last_mid(ordo) > before
        args = {"from": gate.state.value, "to": gate.to.value, "at": wire(self.clock())}
        if reason:
            args["reason"] = reason
        raw = self.raw[gate.rel]
        seen.sent_by, seen.device_id = "raw", raw.device_id
        seen.mid = raw.add(gate.name, type="order.transition", entity_id=str(oid), args=args, base_seq=None)

    def settle(self) -> None:
        """Sync every client, push every raw batch, and read what the server recorded."""
        for ordo in self.clients.values():
            for _ in range(3):
                ordo.sync_blocking()
                with ordo._store.read() as s:
                    if not queued(s):
                        break
        raw_results: dict[tuple[str, int], dict[str, Any]] = {}
        for raw in self.raw.values():
            raw_results.update({(raw.device_id, mid): r for mid, r in raw.push().items()})
        with self._db.read() as s:
            ledger = {(e.device_id, e.mid): e.result for e in s.scalars(select(LedgerEntry))}
            self.conflict_rows = {str(c) for c in s.scalars(select(Conflict.id))}
            statuses = {oid: status for oid, status in s.execute(select(WorkOrder.id, WorkOrder.status))}
        for cell in (c for c in CELLS if c.id in self.seen and status_after(c) is not None):
            oid = self.world.order_for(cell)
            self.seen[cell.id].server_status = statuses.get(oid) if oid else None
        for seen in [*self.seen.values(), *self.gated.values()]:
            if seen.mid is None:
                continue
            result = raw_results.get((seen.device_id, seen.mid)) or ledger.get((seen.device_id, seen.mid))
            if result is not None:
                seen.status = result.get("status")
                seen.code = (result.get("error") or {}).get("code")
                seen.conflict_ids = [str(c) for c in result.get("conflict_ids") or []]
        former = self.clients[Rel.FORMER]
        former.sync_blocking()  # the pull after the push: the reassigned orders leave
        gone = [*self.world.stale.values(), *self.world.stale_moves.values()]
        self.stale_still_shown = [
            oid for oid in gone if former.get_order(OrderId(uuid.UUID(oid))) is not None
        ]
        desk = self.clients[Rel.DISPATCHER]
        desk.sync_blocking()  # after the raw pushes too
        # The former assignee's moves were kept for the dispatcher, who sees them and may decide.
        self.desk_misses = [
            oid
            for oid in self.world.stale_moves.values()
            if not any(
                c.field == "status" and c.status == "open" and c.may_resolve
                for c in conflicts_of(desk, OrderId(uuid.UUID(oid)))
            )
        ]
