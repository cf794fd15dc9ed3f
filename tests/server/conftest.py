"""Fixtures of the server tests: a fresh database per test, on SQLite and on
PostgreSQL (a failure when that server is unreachable), and a small world of
users and orders in it."""

from __future__ import annotations

import itertools
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

# Starlette prefers httpx2 for its TestClient; httpx is what we ship, and it works.
warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from fastapi.testclient import TestClient  # noqa: E402
from pgkit import fresh_database, pg_admin  # noqa: E402

from app.domain import ChecklistKind, Kind, Priority, Role, Status  # noqa: E402
from server_stub.clock import FakeClock  # noqa: E402
from server_stub.db import Database, open_database  # noqa: E402
from server_stub.main import create_app  # noqa: E402
from server_stub.migrate import migrate  # noqa: E402
from server_stub.models import Base, ChecklistItem  # noqa: E402
from server_stub.seeding.records import (  # noqa: E402
    ItemSpec,
    OrderSpec,
    create_order,
    create_organisation,
    create_part,
    create_user,
)
from server_stub.settings import Settings  # noqa: E402

PASSWORD = "correct horse"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PARTS = (("FUSE-10A", "Fuse 10 A", "pcs"), ("PIPE-CU-15", "Copper pipe 15 mm", "m"))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str, str]]:
    """(admin dsn, user, template name): a database migrated once per session;
    each test copies it (CREATE DATABASE ... TEMPLATE), far quicker than migrating."""
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)  # selected, so required (tests/conftest.py checks before the run)
    with fresh_database(dsn=dsn, user=user, prefix="ordo_tpl_") as url:
        migrate(url)
        yield dsn, user, url.rsplit("/", 1)[1]


# Fixtures that only make sense on SQLite (its write lock, the data folder's files): the
# PostgreSQL runs of the tests using them are deselected here rather than skipped, so a
# skip in CI's count always means something was not tested.
SQLITE_ONLY_FIXTURES = frozenset({"sqlite_settings", "sqlite_only"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgres"
        needs_sqlite = bool(SQLITE_ONLY_FIXTURES & set(getattr(item, "fixturenames", ())))
        (drop if on_postgres and needs_sqlite else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def sqlite_only(database_url: str) -> Iterator[None]:
    """For what only SQLite has (files in the data folder, SQLite's own JSON): the
    PostgreSQL runs of tests using this are deselected above."""
    assert database_url.startswith("sqlite")
    yield


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ordo.db'}"
        migrate(url)
        yield url
        return
    dsn, user, template = request.getfixturevalue("pg_template")
    with fresh_database(dsn=dsn, user=user, prefix="ordo_t_", template=template) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


@cache
def _password_hash() -> str:
    # argon2 reads its cost from the stored hash, so a cheap hash keeps each test
    # sign-in fast while exercising the same verify path as production hashes
    # (test_auth checks that production hashes stay strong).
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass
class World:
    """An organisation with a dispatcher, two technicians, four orders and two parts."""

    org_id: str
    users: dict[str, str]  # username -> id
    orders: dict[str, str]  # name -> id
    items: dict[str, list[str]]  # order name -> checklist item ids by position


def _items() -> list[ItemSpec]:
    return [
        ItemSpec(label="Isolate supply", kind=ChecklistKind.CHECK, required=True),
        ItemSpec(label="Pressure", kind=ChecklistKind.NUMBER, unit="bar", min=1.0, max=2.5),
        ItemSpec(label="Findings", kind=ChecklistKind.TEXT, required=True),
        ItemSpec(label="Function test", kind=ChecklistKind.PASS_FAIL),
    ]


@pytest.fixture
def world(db: Database) -> World:
    with db.write() as session, session.begin():
        org = create_organisation(session, name="Test Org", now=START)
        other = create_organisation(session, name="Other Org", now=START)
        users = {}
        for username, role, org_id in (
            ("disp", Role.DISPATCHER, org.id),
            ("tech1", Role.TECHNICIAN, org.id),
            ("tech2", Role.TECHNICIAN, org.id),
            ("outsider", Role.DISPATCHER, other.id),
        ):
            user = create_user(
                session, org_id=org_id, username=username, password_hash=_password_hash(), role=role,
                display_name=username.title(), skills=["hvac"],
            )  # fmt: skip
            users[username] = user.id
        specs = {
            "a": OrderSpec(title="A", status=Status.ASSIGNED, assignee_id=users["tech1"], checklist=_items()),
            "b": OrderSpec(title="B", status=Status.ASSIGNED, assignee_id=users["tech2"], checklist=_items()),
            "new": OrderSpec(title="New", status=Status.NEW, kind=Kind.INSPECTION, priority=Priority.HIGH),
            "sig": OrderSpec(
                title="Needs signature", status=Status.IN_PROGRESS, assignee_id=users["tech1"],
                requires_signature=True,
                checklist=[ItemSpec(label="Done", kind=ChecklistKind.CHECK, required=True, value=True,
                                    done=True)],
            ),
        }  # fmt: skip
        orders, items = {}, {}
        for name, spec in specs.items():
            order = create_order(session, org_id=org.id, spec=spec, now=START)
            orders[name] = order.id
        session.flush()
        for name, order_id in orders.items():
            rows = session.execute(
                select(ChecklistItem.id)
                .where(ChecklistItem.order_id == order_id)
                .order_by(ChecklistItem.position)
            ).scalars()
            items[name] = list(rows)
        for sku, part_name, unit in PARTS:
            create_part(session, org_id=org.id, sku=sku, name=part_name, unit=unit)
    return World(org_id=org.id, users=users, orders=orders, items=items)


@dataclass
class Device:
    """One signed-in installation talking to the server through the test client."""

    client: TestClient
    token: str
    device_id: str
    user_id: str
    mids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def mutation(
        self,
        type_: str,
        entity_id: str,
        args: dict[str, Any],
        *,
        base_seq: int | None = None,
        mid: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "mid": mid if mid is not None else next(self.mids),
            "type": type_,
            "entity_id": entity_id,
            "args": args,
        }
        if base_seq is not None:
            body["base_seq"] = base_seq
        return body

    def push(self, mutations: list[dict[str, Any]], *, expect: int = 200) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/sync/push",
            json={"protocol": 1, "device_id": self.device_id, "mutations": mutations},
            headers=self.headers,
        )
        assert response.status_code == expect, response.text
        return response.json()

    def pull(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        response = self.client.get("/api/v1/sync/pull", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def pull_all(self, *, cursor: str | None = None, limit: int = 500) -> tuple[list[dict[str, Any]], str]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(cursor=cursor, limit=limit)
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor


def sign_in(client: TestClient, username: str, *, device_id: str | None = None) -> Device:
    device = device_id or str(uuid.uuid4())
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "device_id": device}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Device(client=client, token=body["access_token"], device_id=device, user_id=body["user"]["id"])


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for 'nothing changed' assertions."""
    with db.read() as session:
        return {
            table.name: sorted(
                (tuple(repr(v) for v in row) for row in session.execute(table.select()).all()), key=repr
            )
            for table in Base.metadata.sorted_tables
        }
