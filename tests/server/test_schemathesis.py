"""schemathesis against the server's own OpenAPI document (issues 5 and 9): every
operation, in process over ASGI, signed in as a technician (and with an integration
key, so intake is exercised too), with ALL of schemathesis's checks: no 5xx, every
status, header and body as documented (errors: the protocol's ErrorBody), no
schema-valid request refused, no schema-violating one accepted, 405 and OPTIONS name
the methods of the path in `Allow`.

The document states the real constraints (server_stub/api/openapi.py); what no schema
can state is configured below, each with its reason.

Slow (about a minute on a shared machine): `pytest -m slow tests/server/test_schemathesis.py`.
Fixed cases by default; `scripts/test.sh --explore` draws fresh ones from a printed seed
(tests/fuzzkit.py)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fuzzkit import explore_seed, exploring
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from app.domain import Role, Status
from server_stub.auth.apikeys import create_api_key
from server_stub.clock import FakeClock
from server_stub.db import open_database
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.seeding.records import OrderSpec, create_order, create_organisation, create_part, create_user
from server_stub.settings import Settings
from server_stub.sync.cursor import encode

from .conftest import PASSWORD, START, _password_hash

pytestmark = pytest.mark.slow

# What the checks are told beyond the document. Nothing is switched off.
CONFIG = """
[checks.negative_data_rejection]
# Refusals too: 413 (a batch over MAX_BATCH, a body over the limit) and 426 (another
# protocol number) come before the body's shape is checked (sync-protocol.md's order).
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                     "426", "428", "429", "5xx"]

[[operations]]
include-path = "/api/v1/blobs/{sha256}"
include-method = "PATCH"
# The first PATCH of a name fixes its Upload-Length: another length later is the
# protocol's 400 `length_mismatch` (the client treats a 409 as "resume from the
# server's offset", which would loop). A constraint on the server's state that OpenAPI
# cannot state; every other refusal of a valid PATCH still fails the check.
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404",
                                                     "409", "429", "5xx"]

[[operations]]
include-path = "/api/v1/sync/pull"
include-method = "GET"
# A cursor is opaque: one an earlier pull gave out (format `pull-cursor`, whose values
# the fuzzing phase draws from the real encoder below). The coverage phase builds
# boundary strings from pattern and maxLength alone, which are no cursor: 400
# `bad_cursor`, as the protocol says.
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404",
                                                     "409", "429", "5xx"]

[[operations]]
include-path = "/api/v1/orders/{order_id}/history"
include-method = "GET"
# The history's cursor is a pull cursor too (its last entry's seq): the same as above.
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404",
                                                     "409", "429", "5xx"]
"""

# A pull cursor is one the server gave out (format `pull-cursor` in the document).
schemathesis.openapi.format(
    "pull-cursor",
    st.just("") | st.builds(encode, st.integers(0, 2**53), floor=st.integers(0, 2**53)),
)


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
def _config() -> SchemathesisConfig:
    seed = explore_seed()
    # A top-level key, so before the tables; with it, each operation draws from the seed.
    return SchemathesisConfig.from_str(("" if seed is None else f"seed = {seed}\n") + CONFIG)


schema = schemathesis.openapi.from_dict(_document(), config=_config())


@schema.parametrize()
@exploring(
    settings(
        max_examples=100,
        deadline=None,
        derandomize=True,  # the same cases on every run: a failure here is reproducible
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
)
def test_the_api_answers_as_documented(
    case: schemathesis.Case, served: tuple[FastAPI, dict[str, str]]
) -> None:
    app, headers = served
    case.call_and_validate(app=app, headers=headers)  # every check schemathesis has
