"""Services the selected tests need must be there: a run that selects PostgreSQL tests
fails at once, with one clear message, when PostgreSQL cannot be reached. A skip would
let CI pass having tested nothing on PostgreSQL. Deselect them on purpose instead:
`pytest -m "not postgres"` (what `scripts/test.sh --quick` does)."""

from __future__ import annotations

import pytest
from pgkit import pg_admin


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    if not any(item.get_closest_marker("postgres") for item in session.items):
        return
    dsn, why = pg_admin()
    if dsn is None:
        pytest.exit(
            f"{why}\n"
            "The selected tests need it: start it (scripts/test.sh does), "
            'or deselect them with -m "not postgres".',
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
