"""schemathesis against the server's own OpenAPI document (issue 5, "What must be
shown"): every operation, in process over ASGI, signed in as a technician (and
with an integration key, so intake is exercised too). Checks: no 5xx, every
status documented, every body as documented (errors: the protocol's ErrorBody).

Slow (about a minute on a shared machine): `pytest -m slow tests/server/test_schemathesis.py`."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from app.domain import Role, Status
from server_stub.apikeys import create_api_key
from server_stub.clock import FakeClock
from server_stub.db import open_database
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.records import OrderSpec, create_order, create_organisation, create_part, create_user
from server_stub.settings import Settings

from .conftest import PASSWORD, START, _password_hash

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """A migrated SQLite server with an organisation, a signed-in technician and a key."""
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(data_dir=data_dir)
    migrate(settings.database_url)
    db = open_database(settings.database_url)
    with db.write() as session, session.begin():
        org = create_organisation(session, name="Fuzz Org", now=START)
        tech = create_user(
            session, org_id=org.id, username="tech1", password_hash=_password_hash(), role=Role.TECHNICIAN,
            display_name="Tech",
        )  # fmt: skip
        assigned = OrderSpec(title="A", status=Status.ASSIGNED, assignee_id=tech.id)
        create_order(session, org_id=org.id, spec=assigned, now=START)
        create_part(session, org_id=org.id, sku="FUSE-10A", name="Fuse", unit="pcs")
        key = create_api_key(session, org_id=org.id, name="Fuzz", now=START).key
    db.dispose()
    app = create_app(settings, clock=FakeClock(start=START))
    with TestClient(app) as client:
        body = {"username": "tech1", "password": PASSWORD, "device_id": str(uuid.uuid4())}
        token = client.post("/api/v1/auth/token", json=body).json()["access_token"]
        yield app, {"Authorization": f"Bearer {token}", "X-API-Key": key}


def _document() -> dict[str, object]:
    # The document of an app that is never called: the same code as the app under
    # test, so the same document. Its data folder lives only as long as this.
    with tempfile.TemporaryDirectory() as unused:
        return create_app(
            Settings(data_dir=Path(unused), database_url=f"sqlite:///{unused}/ordo.db")
        ).openapi()


# Loaded when this module is imported: schemathesis's lazy fixture loader does not work
# with pytest 9; the app under test is handed to each call instead.
schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_the_api_answers_as_documented(
    case: schemathesis.Case, served: tuple[FastAPI, dict[str, str]]
) -> None:
    app, headers = served
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
