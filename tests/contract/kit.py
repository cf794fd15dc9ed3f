"""Both implementations of `app.services.types.Services`, holding the same orders.

The views' test double (tests/views/fake_services.py) starts from its seed; the real facade
(`Ordo`, on a real SQLite store) gets the very same orders, people and ids as the rows a
server would send this user: a scripted protocol server behind an httpx.MockTransport
serves the user's scope (a technician's own orders, every order to a dispatcher) and the
facade signs in and syncs once. No network, no sleeps, no worker thread.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from store.kit import Clock, ScriptedServer, change, wire
from views.fake_seed import SPECS, Person, Spec
from views.fake_services import FakeServices

from app.domain import Priority, Role, Status
from app.domain.codes import Code
from app.services.facade import Ordo
from app.services.types import OrderDetail, OrderId, Services
from app.settings import ClientSettings
from app.store import LocalStore

URL = "https://ordo.test"
USERS = ("tech1", "tech2", "dispatcher")
SIDES = ("fake", "facade")
# The double's seed, plus the states it lacks: WO-000008… (numbers follow the list).
SCENARIO: list[Spec] = [
    *SPECS,
    Spec(
        "Replace pressure gauge",
        Priority.NORMAL,
        timedelta(days=2),
        Status.CANCELLED,
        "tech2",
        reason="Customer cancelled the visit",
    ),
    Spec(
        "Boiler service, block D",
        Priority.LOW,
        timedelta(days=-3),
        Status.CLOSED,
        "tech1",
        boiler=True,
        values={1: True, 2: 70, 3: "pass"},
    ),
    Spec("Check sump pump", Priority.HIGH, timedelta(hours=1), Status.EN_ROUTE, "tech2"),
    Spec(
        "Reset fire panel",
        Priority.URGENT,
        timedelta(hours=-1),
        Status.CANNOT_COMPLETE,
        "tech1",
        reason="Panel needs the vendor's code",
    ),
]
NUMBERS = [f"WO-{n:06d}" for n in range(1, len(SCENARIO) + 1)]
# What a refused change looks like in both: the server found the order completed meanwhile.
REFUSAL_CODE = Code.ILLEGAL_STATE


def _user(person: Person) -> dict[str, Any]:
    return {
        "id": str(person.id),
        "username": person.username,
        "display_name": person.display_name,
        "role": person.role.value,
    }


def _order_row(d: OrderDetail) -> dict[str, Any]:
    created = wire(datetime.now(UTC) - timedelta(days=7))
    return {
        "id": str(d.summary.id),
        "number": d.summary.number,
        "title": d.summary.title,
        "description": d.description,
        "kind": d.kind,
        "priority": d.summary.priority.value,
        "status": d.summary.status.value,
        "status_reason": d.status_reason,
        "assignee_id": str(d.assignee_id) if d.assignee_id else None,
        "customer": d.customer,
        "site": {"lat": None, "lon": None, **d.site},
        "asset": None,
        "due_at": wire(d.summary.due_at) if d.summary.due_at else None,
        "requires_signature": d.requires_signature,
        "source": "manual",
        "external_id": None,
        "created_at": created,
        "updated_at": created,
    }


def scope_rows(fake: FakeServices, person: Person) -> list[dict[str, Any]]:
    """The pulled changes of `person`'s first sync: the directory, then their scope's orders
    with their checklists (sync-protocol.md, "Pull": a technician's own orders, all to a dispatcher)."""
    rows: list[tuple[str, dict[str, Any]]] = [
        ("user", {**_user(p), "skills": list(p.skills)}) for p in fake._people.values()
    ]
    for d in fake._orders.values():
        if person.role is Role.TECHNICIAN and d.assignee_id != person.id:
            continue
        rows.append(("work_order", _order_row(d)))
        rows.extend(
            (
                "checklist_item",
                {
                    "id": str(i.id),
                    "order_id": str(d.summary.id),
                    "position": i.position,
                    "label": i.label,
                    "kind": i.kind,
                    "required": i.required,
                    "value": i.value,
                    "done": i.done,
                    "unit": i.unit,
                    "min": i.min,
                    "max": i.max,
                },
            )
            for i in d.checklist
        )
    return [change(entity, data, seq) for seq, (entity, data) in enumerate(rows, start=1)]


@dataclass
class ContractServer(ScriptedServer):
    """The scripted sync endpoints plus sign-in; `reject_next` refuses the next push whole."""

    people: dict[str, Person] = field(default_factory=dict)
    reject_next: Code | None = None

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            body = json.loads(request.content)
            person = self.people.get(body["username"])
            if person is None or person.password != body["password"]:
                return httpx.Response(401, json={"error": {"code": "bad_credentials", "message": "wrong"}})
            token = {"access_token": "tok-" + person.username, "token_type": "bearer", "expires_in": 3600}
            return httpx.Response(200, json={**token, "user": _user(person)})
        if request.url.path == "/api/v1/sync/push" and self.reject_next is not None:
            code, self.reject_next = self.reject_next, None
            for m in json.loads(request.content)["mutations"]:
                error = {"code": code.value, "message": "a developer's sentence, never shown"}
                self.verdicts[m["mid"]] = {"status": "rejected", "error": error}
        return super().answer(request)


class _Migrated(LocalStore):
    """A copy of a database the template already migrated: skips alembic (~0.15 s a test)."""

    def migrate(self) -> None:
        pass


@dataclass
class Side:
    """One implementation, signed in as one user."""

    name: str  # "fake" or "facade"
    services: Services
    # Makes the server refuse one change of this device to the order (REFUSAL_CODE), as a sync
    # would report it: for the facade a real write pushed to a scripted rejection, for the
    # double its refuse() hook.
    refuse: Callable[[OrderId], None]

    def order(self, number: str) -> OrderDetail:
        detail = self.services.get_order_by_number(number)
        assert detail is not None, f"{number} is not on {self.name}'s device"
        return detail

    def numbers(self) -> list[str]:
        groups = self.services.list_orders()
        return sorted(o.number for o in groups.overdue + groups.today + groups.upcoming + groups.done_today)

    def waiting(self) -> int:
        return self.services.sync_status().waiting


def fake_as(seed: FakeServices, user: str) -> Side:
    """A double signed in as `user`, holding the seed's orders (same ids, its own copy)."""
    fake = FakeServices(specs=())
    fake._people = dict(seed._people)
    fake._orders = dict(seed._orders)  # frozen records: writes replace them, never mutate
    fake._user = fake._current(fake._people[user])

    def refuse(order_id: OrderId) -> None:
        fake.refuse(order_id, what="Checklist: Leak test = pass", code=REFUSAL_CODE, kept="Nothing changed.")

    return Side(name="fake", services=fake, refuse=refuse)


class World:
    """The seed both sides start from, and per user a facade device synced once (a template
    each test copies, so a test gets a fresh device in milliseconds)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seed = FakeServices(specs=SCENARIO)
        self.now = datetime.now(UTC)  # the facade's clock; the seed's due times are around it
        self._templates: dict[str, Path] = {}
        self._n = 0

    def _ordo(self, data: Path, server: ContractServer, store: LocalStore) -> Ordo:
        return Ordo(
            store=store,
            client_factory=lambda url: httpx.Client(base_url=url, transport=server.transport()),
            clock=Clock(self.now),
            settings=ClientSettings(data_dir=data, server_url=URL),
            start_worker=False,
        )

    def _template(self, user: str) -> Path:
        if user not in self._templates:
            person = self.seed._people[user]
            data = self.root / f"template-{user}"
            server = ContractServer(people=dict(self.seed._people))
            server.pages.append({"changes": scope_rows(self.seed, person), "cursor": "1", "has_more": False})
            store = LocalStore.open(data / "ordo.db")
            ordo = self._ordo(data, server, store)
            ordo.sign_in(server_url=URL, username=user, password=person.password)
            ordo.sync_blocking()
            ordo.close()
            store.close()  # the last connection checkpoints the WAL into the file
            self._templates[user] = data
        return self._templates[user]

    def facade(self, user: str) -> tuple[Side, Ordo, LocalStore]:
        self._n += 1
        data = self.root / f"device-{self._n}"
        shutil.copytree(self._template(user), data)
        server = ContractServer(people=dict(self.seed._people), cursor="1")
        store = _Migrated.open(data / "ordo.db")
        ordo = self._ordo(data, server, store)

        def refuse(order_id: OrderId) -> None:
            detail = ordo.get_order(order_id)
            assert detail is not None
            item = next(i for i in detail.checklist if i.kind == "pass_fail")
            ordo.set_checklist(order_id, item.id, value="pass", done=True)
            server.reject_next = REFUSAL_CODE
            ordo.sync_blocking()

        return Side(name="facade", services=ordo, refuse=refuse), ordo, store


class Opener:
    """Opens sides signed in as a user, over the world's orders; closes the facades it opened."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._opened: list[tuple[Ordo, LocalStore]] = []

    def fake(self, user: str) -> Side:
        return fake_as(self._world.seed, user)

    def facade(self, user: str) -> Side:
        side, ordo, store = self._world.facade(user)
        self._opened.append((ordo, store))
        return side

    def close(self) -> None:
        for ordo, store in self._opened:
            ordo.close()
            store.close()


def view(d: OrderDetail) -> dict[str, Any]:
    """What a screen reads of an order, as both sides must give it alike. Left out: the notes'
    author names ("You" in the facade, the name in the double) and the customer and site
    dicts (the facade's site also carries lat/lon), which only decorate the page."""
    s = d.summary
    return {
        "summary": (s.id, s.number, s.title, s.priority, s.status, s.due_at, s.site_name, s.pending),
        "assignee": (d.assignee_id, d.assignee_name, s.assignee_name),
        "body": (d.description, d.kind, d.requires_signature, d.site.get("name"), d.customer.get("name")),
        "checklist": [
            (
                i.id,
                i.position,
                i.label,
                i.kind,
                i.required,
                i.value,
                i.done,
                i.unit,
                i.min,
                i.max,
                i.out_of_range,
            )
            for i in d.checklist
        ],
        "next_statuses": d.next_statuses,
        "blockers": d.blockers,
        "offers": d.offers,
        "status_reason": d.status_reason,
        "out_of_range": d.out_of_range,
        "refusals": [(r.order_id, r.order_number, r.sentence) for r in d.refusals],
        "notes": [(n.text, n.pending) for n in d.notes],
    }
