"""The world of the sync model test: one in-process server on a fresh SQLite database,
seeded with a dispatcher, three technicians and a handful of orders, and devices
(real `Ordo` clients on their own SQLite files) that reach it through a FaultTransport."""

from __future__ import annotations

import random
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select

from app.domain import ChecklistKind, Role, Status
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store import models as local
from app.store.outbox import sync_state
from server_stub import models as srv
from server_stub.blobs.store import BlobStore
from server_stub.clock import FakeClock
from server_stub.db import Database, open_database
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.seeding.records import (
    ItemSpec,
    OrderSpec,
    create_order,
    create_organisation,
    create_part,
    create_user,
)
from server_stub.settings import Settings

from .faults import FaultTransport
from .photos import UPLOAD_CHUNK

# Starlette prefers httpx2 for its TestClient; httpx is what we ship, and it works.
warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from fastapi.testclient import TestClient  # noqa: E402

PASSWORD = "correct horse"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TECHS = ("tech1", "tech2", "tech3")
USERS = (*TECHS, "disp")
SKUS = ("FUSE-10A", "PIPE-CU-15")


class Clock:
    """The devices' clock, moved by the test (one minute per step), never the wall clock."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class ServerClock(FakeClock):
    """The server's clock: it stays at the start while the test moves the devices', yet each
    reading is a microsecond after the one before, as on a real server. At one frozen
    instant two refresh exchanges would look alike, and the server's lost-answer check
    (auth.security._lost_answer, which tells an exchange's successor by time) would take a
    device retrying a lost answer for a thief."""

    def now(self) -> datetime:
        self.advance(seconds=1e-6)
        return super().now()


@cache
def _password_hash() -> str:
    # A cheap argon2 cost (read from the hash itself) keeps the four sign-ins per example fast.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@cache
def _migrated_template(folder: str) -> Path:
    """A migrated, empty server database, made once per session and copied per example."""
    path = Path(folder) / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@cache
def _client_template(folder: str) -> Path:
    """A migrated, empty client database: copying it spares each new device the migrations."""
    path = Path(folder) / "client-template.db"
    LocalStore.open(path).close()
    return path


def _items() -> list[ItemSpec]:
    return [
        ItemSpec(label="Isolate supply", kind=ChecklistKind.CHECK, required=True),
        ItemSpec(label="Pressure", kind=ChecklistKind.NUMBER, unit="bar", min=1.0, max=2.5),
        ItemSpec(label="Findings", kind=ChecklistKind.TEXT, required=True),
    ]


def _seed(db: Database) -> dict[str, str]:
    """Users and orders in every state the technicians start from; returns username -> id."""
    with db.write() as session, session.begin():
        org = create_organisation(session, name="Model Org", now=START)
        users = {
            name: create_user(
                session, org_id=org.id, username=name, password_hash=_password_hash(),
                role=Role.DISPATCHER if name == "disp" else Role.TECHNICIAN, display_name=name.title(),
            ).id
            for name in USERS
        }  # fmt: skip
        specs = [
            ("New", Status.NEW, None),
            ("A1", Status.ASSIGNED, "tech1"),
            ("A2", Status.IN_PROGRESS, "tech1"),
            ("B1", Status.ASSIGNED, "tech2"),
            ("B2", Status.EN_ROUTE, "tech2"),
            ("C1", Status.ASSIGNED, "tech3"),
        ]
        for title, status, who in specs:
            spec = OrderSpec(
                title=title, status=status, assignee_id=users[who] if who else None, checklist=_items()
            )
            create_order(session, org_id=org.id, spec=spec, now=START)
        for sku in SKUS:
            create_part(session, org_id=org.id, sku=sku, name=sku.title(), unit="pcs")
    return users


@dataclass
class Device:
    """One installation: its SQLite file outlives every `Ordo` opened on it (crashes reopen it)."""

    username: str
    folder: Path
    transport: FaultTransport
    clock: Clock
    template: Path
    device_id: str
    ordo: Ordo | None = None
    crashes: int = 0

    @property
    def role(self) -> str:
        return "dispatcher" if self.username == "disp" else "technician"

    def open(self) -> Ordo:
        settings = ClientSettings(
            data_dir=self.folder, server_url="https://testserver", upload_chunk_bytes=UPLOAD_CHUNK
        )
        new = not settings.db_path.exists()
        if new:
            self.folder.mkdir(parents=True)
            shutil.copy(self.template, settings.db_path)
        store = LocalStore.open(settings.db_path)
        if new:  # the copy carries the template's identity; each installation has its own
            with store.transaction() as s:
                sync_state(s).device_id = self.device_id
        self.ordo = Ordo(
            store=store,
            client_factory=lambda url: httpx.Client(base_url=url, transport=self.transport),
            clock=self.clock,
            settings=settings,
            start_worker=False,
            rng=random.Random(0),
        )
        return self.ordo

    def crash(self) -> None:
        """The process dies: nothing is finished or flushed beyond what SQLite committed."""
        assert self.ordo is not None
        store = self.ordo._store
        self.ordo = None  # dropped, not closed: a dead process closes nothing politely
        store.close()  # the OS releases the file
        self.crashes += 1
        self.open()

    @property
    def store(self) -> LocalStore:
        assert self.ordo is not None
        return self.ordo._store

    def state(self) -> dict[str, Any]:
        with self.store.read() as s:
            st = sync_state(s)
            queued = {e.mid: (e.type, e.entity_id) for e in s.scalars(select(local.OutboxEntry))}
            return {
                "device_id": st.device_id,
                "cursor": st.cursor,
                "last_mid": st.last_mid,
                "acked_mid": st.acked_mid,
                "high_seq": st.high_seq,
                "queued": queued,
            }


@dataclass
class World:
    folder: Path
    db: Database
    server: TestClient
    users: dict[str, str]
    clock: Clock = field(default_factory=Clock)
    devices: list[Device] = field(default_factory=list)

    @classmethod
    def build(cls, folder: Path, template_folder: Path) -> World:
        folder.mkdir(parents=True)
        shutil.copy(_migrated_template(str(template_folder)), folder / "server.db")
        url = f"sqlite:///{folder / 'server.db'}"
        db = open_database(url)
        users = _seed(db)
        app = create_app(Settings(data_dir=folder, database_url=url), clock=ServerClock(start=START))
        server = TestClient(app)
        server.__enter__()
        return cls(folder=folder, db=db, server=server, users=users)

    def add_device(self, username: str, *, seed: int) -> Device:
        inner = self.server._transport  # the TestClient's in-process ASGI transport
        transport = FaultTransport(inner=inner, rng=random.Random(seed))
        device = Device(
            username=username, folder=self.folder / f"dev-{len(self.devices)}-{username}",
            transport=transport, clock=self.clock, template=_client_template(str(self.folder.parent)),
            device_id=str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4)),
        )  # fmt: skip
        ordo = device.open()
        password = PASSWORD
        ordo.sign_in(server_url="https://testserver", username=username, password=password)
        self.devices.append(device)
        return device

    def close(self) -> None:
        for device in self.devices:
            if device.ordo is not None:
                device.ordo.close()
                device.store.close()
        self.server.__exit__(None, None, None)
        self.db.dispose()

    # --- the server's truth -------------------------------------------------

    @property
    def blobs(self) -> BlobStore:
        return self.server.app.state.blobs

    @property
    def org_id(self) -> str:
        with self.db.read() as s:
            return s.scalar(select(srv.User.org_id).limit(1))

    def seq_counter(self) -> int:
        with self.db.read() as s:
            return s.get(srv.Counter, "seq").value

    def server_last_mids(self) -> dict[str, int]:
        with self.db.read() as s:
            return {d.device_id: d.last_mid for d in s.scalars(select(srv.Device))}

    def ledger(self) -> dict[tuple[str, int], tuple[str, str, str]]:
        with self.db.read() as s:
            return {
                (e.device_id, e.mid): (e.status, e.type, e.entity_id)
                for e in s.scalars(select(srv.LedgerEntry))
            }

    def orders(self) -> list[srv.WorkOrder]:
        with self.db.read() as s:
            return list(s.scalars(select(srv.WorkOrder)))

    def required_open(self) -> dict[str, list[str]]:
        """order id -> labels of its required checklist items not done."""
        with self.db.read() as s:
            out: dict[str, list[str]] = {}
            for item in s.scalars(select(srv.ChecklistItem).where(srv.ChecklistItem.required)):
                if not item.done:
                    out.setdefault(item.order_id, []).append(item.label)
            return out

    def server_view(self, username: str) -> dict[str, Any]:
        """What a device of `username` must hold once synced: its scope, by the protocol page."""
        user_id = self.users[username]
        with self.db.read() as s:
            orders = list(s.scalars(select(srv.WorkOrder)))
            if username != "disp":
                orders = [o for o in orders if o.assignee_id == user_id]
            ids = {o.id for o in orders}
            conflicts = s.scalars(select(srv.Conflict))
            if username != "disp":
                conflicts = [c for c in conflicts if c.user_id == user_id]
            return _view(
                orders=orders,
                items=[i for i in s.scalars(select(srv.ChecklistItem)) if i.order_id in ids],
                notes=[n for n in s.scalars(select(srv.Note)) if n.order_id in ids],
                times=[t for t in s.scalars(select(srv.TimeLog)) if t.order_id in ids],
                parts=[p for p in s.scalars(select(srv.PartUsage)) if p.order_id in ids],
                conflicts=list(conflicts),
            )


def device_view(device: Device) -> dict[str, Any]:
    """The same shape, read from the device's own database."""
    with device.store.read() as s:
        return _view(
            orders=list(s.scalars(select(local.Order))),
            items=list(s.scalars(select(local.ChecklistItem))),
            notes=list(s.scalars(select(local.Note))),
            times=list(s.scalars(select(local.TimeLog))),
            parts=list(s.scalars(select(local.PartUsage))),
            conflicts=list(s.scalars(select(local.Conflict))),
        )


def _utc(at: datetime | None) -> str | None:
    # The server stores naive UTC; the device aware UTC: compare them as one instant.
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _view(*, orders, items, notes, times, parts, conflicts) -> dict[str, Any]:
    return {
        "orders": {
            o.id: (o.title, o.priority, o.status, o.status_reason, o.assignee_id, o.requires_signature)
            for o in orders
        },
        "checklist": {i.id: (i.order_id, i.value, i.done) for i in items},
        "notes": {n.id: (n.order_id, n.text, n.voided) for n in notes},
        "time_logs": {
            t.id: (t.order_id, t.user_id, t.kind, _utc(t.started_at), _utc(t.ended_at), t.voided)
            for t in times
        },
        "parts": {p.id: (p.order_id, p.sku, float(p.quantity), p.voided) for p in parts},
        "conflicts": {
            c.id: (c.order_id, c.field, c.mine, c.theirs, c.status, c.resolution) for c in conflicts
        },
    }


def new_folder(base: Path) -> Path:
    return base / uuid.uuid4().hex[:12]


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
