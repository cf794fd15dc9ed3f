"""The integration suite runs against a real server process on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pgkit import fresh_database, pg_admin


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The server's DATABASE_URL: None for its default SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)  # selected, so required (tests/conftest.py checks before the run)
    with fresh_database(dsn=dsn, user=user, prefix="ordo_it_") as url:
        yield url
