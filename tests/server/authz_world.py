"""The world of the authorisation matrix (test_authz_matrix, test_authz_pushes): two
organisations on one server, every kind of caller signed in, and whatever a cell
needs made beforehand, so that no cell changes what another sees.

Callers: `anon` (no credentials), `tech1` (the assignee of order a), `tech2` (the
other technician of the same organisation, assignee of b), `disp` and `admin` (of
that organisation), `outsider` (dispatcher of the other organisation, whose order
x is otech's), `key` and `okey` (integration keys of the two organisations).

Also a checklist template per organisation (template.save cells), and an order
`moved` from tech2 to tech1 (the history cells' former assignee).

Cells that change an order (order.update, order.transition) each get their own
copy ("twin") of the target order; entry.void and conflict.resolve cells each get
their own note and conflict, made by the target's assignee.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pgkit import fresh_database
from PIL import Image
from sqlalchemy import select

from app.domain import ChecklistKind, Role, Status
from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from app.domain.codes import Code
from server_stub.auth.apikeys import create_api_key
from server_stub.clock import FakeClock
from server_stub.db import next_seq, open_database
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.models import ChecklistItem, ChecklistTemplate, Part, User
from server_stub.seeding.records import (
    ItemSpec,
    OrderSpec,
    create_order,
    create_organisation,
    create_part,
    create_user,
)
from server_stub.settings import Settings

from .conftest import PASSWORD, START, _password_hash

API = "/api/v1"
AT = "2026-11-25T10:00:00Z"
CALLERS = ("anon", "tech1", "tech2", "disp", "admin", "outsider", "key", "okey")
PEOPLE = ("tech1", "tech2", "disp", "admin", "outsider")
KEYS = ("key", "okey")
ORDERS = ("a", "b", "x")  # the targets: tech1's order, tech2's, the other organisation's
ASSIGNEE = {"a": "tech1", "b": "tech2", "x": "otech"}
TWIN_KINDS = ("update", "hold", "start")


def image(seed: int) -> bytes:
    rng = random.Random(seed)
    out = io.BytesIO()
    Image.frombytes("RGB", (24, 24), rng.randbytes(24 * 24 * 3)).save(out, format="PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cell_hour(caller: str, target: str) -> int:
    """One hour of the day per (caller, target): time logs of different cells never overlap."""
    return CALLERS.index(caller) * len(ORDERS) + ORDERS.index(target)


@dataclass
class Caller:
    headers: dict[str, str]
    device_id: str | None = None
    username: str | None = None
    mids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


@dataclass
class Matrix:
    client: TestClient
    callers: dict[str, Caller]
    orders: dict[str, str]  # a, b, new, sig (Test Org), x (Other Org)
    items: dict[str, str]  # a, b, x: the id of each order's one checklist item
    twins: dict[tuple[str, str, str], tuple[str, int]]  # (kind, caller, target) -> (order id, its seq)
    notes: dict[tuple[str, str], str]  # (caller, target) -> a note by the target's assignee, to void
    conflicts: dict[tuple[str, str], str]  # (caller, target) -> an overlap conflict of the target's assignee
    blobs: dict[str, bytes]  # a, b, x: photos of those orders; p1, p2: held by Test Org / Other Org
    users: dict[str, str]  # username -> id (people, both organisations)
    org_users: dict[str, set[str]]  # org name -> user ids
    parts: dict[str, set[str]]  # org name -> part ids
    settings: Settings
    templates: dict[str, str]  # org name -> a checklist template of it
    moved: str  # Test Org's order now tech1's, before that tech2's (a former assignee)


def push_many(
    client: TestClient, caller: Caller, mutations: list[tuple[str, str, dict[str, Any]]]
) -> list[Any]:
    """Push (type, order id, args) mutations in one request; the results."""
    body = {
        "protocol": 1,
        "device_id": caller.device_id or str(uuid.uuid4()),
        "mutations": [
            {"mid": next(caller.mids), "type": t, "entity_id": order, "args": args}
            for t, order, args in mutations
        ],
    }
    answer = client.post(f"{API}/sync/push", json=body, headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def push(
    client: TestClient,
    caller: Caller,
    type_: str,
    order_id: str,
    args: dict[str, Any],
    *,
    base_seq: int | None = None,
) -> str | int:
    """The mutation's result status (or its error code when rejected); the HTTP status when not 200."""
    mutation: dict[str, Any] = {"mid": next(caller.mids), "type": type_, "entity_id": order_id, "args": args}
    if base_seq is not None:
        mutation["base_seq"] = base_seq
    body = {"protocol": 1, "device_id": caller.device_id or str(uuid.uuid4()), "mutations": [mutation]}
    answer = client.post(f"{API}/sync/push", json=body, headers=caller.headers)
    if answer.status_code != 200:
        assert set(answer.json()) == {"error"}, answer.text
        return answer.status_code
    (result,) = answer.json()["results"]
    if result["status"] != "rejected":
        return result["status"]
    assert result["error"]["code"] in {c.value for c in Code}, result  # only the protocol's codes
    return result["error"]["code"]


def status(answer: httpx.Response) -> int:
    if answer.status_code >= 400 and answer.request.method != "HEAD":
        assert set(answer.json()) == {"error"}, answer.text  # every refusal is the protocol's error body
    return answer.status_code


def table(rows: dict[str, tuple[Any, ...]], targets: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    assert set(rows) == set(CALLERS)
    return [
        (caller, target, want)
        for caller, row in rows.items()
        for target, want in zip(targets, row, strict=True)
    ]


def ids(cells: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{caller}-{target}" for caller, target, _ in cells]


def _world(database_url: str, data_dir: Path) -> Iterator[Matrix]:
    db = open_database(database_url)
    with db.write() as session, session.begin():
        org = create_organisation(session, name="Test Org", now=START)
        other = create_organisation(session, name="Other Org", now=START)
        users: dict[str, str] = {}
        for username, role, org_id in (
            ("disp", Role.DISPATCHER, org.id),
            ("admin", Role.ADMIN, org.id),
            ("tech1", Role.TECHNICIAN, org.id),
            ("tech2", Role.TECHNICIAN, org.id),
            ("outsider", Role.DISPATCHER, other.id),
            ("otech", Role.TECHNICIAN, other.id),
        ):
            users[username] = create_user(
                session, org_id=org_id, username=username, password_hash=_password_hash(), role=role,
                display_name=username.title(),
            ).id  # fmt: skip

        def assigned(title: str, username: str, status: Status = Status.ASSIGNED) -> OrderSpec:
            item = [ItemSpec(label="Check", kind=ChecklistKind.CHECK)]
            return OrderSpec(title=title, status=status, assignee_id=users[username], checklist=item)

        org_of = {"a": org.id, "b": org.id, "x": other.id}
        specs = {
            "a": (org.id, assigned("A", "tech1")),
            "b": (org.id, assigned("B", "tech2")),
            "new": (org.id, OrderSpec(title="New")),
            "sig": (org.id, assigned("Sig", "tech1", Status.IN_PROGRESS)),
            "x": (other.id, assigned("X", "otech")),
        }
        orders = {
            name: create_order(session, org_id=o, spec=spec, now=START).id
            for name, (o, spec) in specs.items()
        }
        twins = {}
        for kind, caller, target in itertools.product(TWIN_KINDS, CALLERS, ORDERS):
            twin = create_order(
                session, org_id=org_of[target], spec=assigned(f"{kind} {caller}", ASSIGNEE[target]), now=START
            )
            twins[(kind, caller, target)] = (twin.id, twin.seq)
        session.flush()
        items = {
            name: session.execute(
                select(ChecklistItem.id).where(ChecklistItem.order_id == orders[name])
            ).scalar_one()
            for name in ORDERS
        }
        moved = create_order(session, org_id=org.id, spec=assigned("Moved", "tech1"), now=START)
        moved.past_assignees = [users["tech2"], users["tech1"]]
        templates = {}
        for name, org_id in (("Test Org", org.id), ("Other Org", other.id)):
            templates[name] = template_id = str(uuid.uuid4())
            session.add(
                ChecklistTemplate(
                    id=template_id, org_id=org_id, name=f"{name}'s visit", kind="repair", items=[],
                    archived=False, updated_at=START, updated_by=None, seq=next_seq(session),
                )
            )  # fmt: skip
        create_part(session, org_id=org.id, sku="FUSE-10A", name="Fuse", unit="pcs")
        create_part(session, org_id=other.id, sku="FUSE-10A", name="Their fuse", unit="pcs")
        key = create_api_key(session, org_id=org.id, name="BMS", now=START).key
        okey = create_api_key(session, org_id=other.id, name="Their BMS", now=START).key
        key_user = session.execute(select(User.username).where(User.role == "integration")).scalars().first()
        moved_id = moved.id
    with db.read() as session:
        org_users: dict[str, set[str]] = {"Test Org": set(), "Other Org": set()}
        for user in session.execute(select(User)).scalars():
            org_users["Test Org" if user.org_id == org.id else "Other Org"].add(user.id)
        parts: dict[str, set[str]] = {"Test Org": set(), "Other Org": set()}
        for part in session.execute(select(Part)).scalars():
            parts["Test Org" if part.org_id == org.id else "Other Org"].add(part.id)
    db.dispose()

    settings = Settings(data_dir=data_dir, database_url=database_url)
    with TestClient(create_app(settings, clock=FakeClock(start=START))) as client:
        callers = {"anon": Caller(headers={}), "key": Caller(headers={"X-API-Key": key}, username=key_user),
                   "okey": Caller(headers={"X-API-Key": okey})}  # fmt: skip
        for username in (*PEOPLE, "otech"):
            device_id = str(uuid.uuid4())
            body = {"username": username, "password": PASSWORD, "device_id": device_id}
            answer = client.post(f"{API}/auth/token", json=body)
            assert answer.status_code == 200, answer.text
            token = answer.json()["access_token"]
            callers[username] = Caller(
                {"Authorization": f"Bearer {token}"}, device_id=device_id, username=username
            )
        blobs = {name: image(seed) for seed, name in enumerate(("a", "b", "x", "p1", "p2"))}
        # Each order's photo, uploaded and added by its assignee; p1 and p2 are held, no order refers to them.
        for name, uploader in (
            ("a", "tech1"),
            ("b", "tech2"),
            ("x", "otech"),
            ("p1", "disp"),
            ("p2", "outsider"),
        ):
            data = blobs[name]
            sent = {**callers[uploader].headers, UPLOAD_OFFSET: "0", UPLOAD_LENGTH: str(len(data))}
            assert client.patch(f"{API}/blobs/{sha(data)}", content=data, headers=sent).status_code == 201
            if name in orders:
                photo = {
                    "id": str(uuid.uuid4()), "sha256": sha(data), "size": len(data),
                    "content_type": "image/png", "width": 24, "height": 24, "caption": "", "taken_at": AT,
                }  # fmt: skip
                result = push(client, callers[uploader], "photo.add", orders[name], photo)
                assert result == "applied", result
        notes, conflicts = _entries_per_cell(client, callers, orders)
        yield Matrix(
            client=client, callers=callers, orders=orders, items=items, twins=twins, notes=notes,
            conflicts=conflicts, blobs=blobs, users=users, org_users=org_users, parts=parts,
            settings=settings, templates=templates, moved=moved_id,
        )  # fmt: skip


def _entries_per_cell(
    client: TestClient, callers: dict[str, Caller], orders: dict[str, str]
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """For each (caller, target): a note to void and an overlap conflict to resolve, both
    the target assignee's. The overlapping logs are on 20 November, one hour per cell,
    away from the logs the time.add cells make."""
    notes: dict[tuple[str, str], str] = {}
    conflicts: dict[tuple[str, str], str] = {}
    for target in ORDERS:
        order, assignee = orders[target], callers[ASSIGNEE[target]]
        batch: list[tuple[str, str, dict[str, Any]]] = []
        for caller in CALLERS:
            notes[(caller, target)] = note_id = str(uuid.uuid4())
            batch.append(("note.add", order, {"id": note_id, "text": f"for {caller} to void", "at": AT}))
            hour = cell_hour(caller, target)
            for start, end in ((0, 40), (20, 50)):
                span = {"started_at": f"2026-11-20T{hour:02d}:{start:02d}:00Z",
                        "ended_at": f"2026-11-20T{hour:02d}:{end:02d}:00Z"}  # fmt: skip
                batch.append(("time.add", order, {"id": str(uuid.uuid4()), "kind": "work", **span}))
        results = push_many(client, assignee, batch)
        assert [r["status"] for r in results] == ["applied", "applied", "conflict"] * len(CALLERS), results
        for caller, overlap in zip(CALLERS, results[2::3], strict=True):
            conflicts[(caller, target)] = overlap["conflict_ids"][0]
    return notes, conflicts


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    data_dir = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'ordo.db'}"
        migrate(url)
        yield from _world(url, data_dir)
        return
    dsn, user, template = request.getfixturevalue("pg_template")
    with fresh_database(dsn=dsn, user=user, prefix="ordo_m_", template=template) as url:
        yield from _world(url, data_dir)
