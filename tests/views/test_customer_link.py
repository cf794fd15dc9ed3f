"""The desk's customer panel decides without a browser: what it says when the server cannot be
asked, and that it offers nothing where the rulebook does not (a technician, or services
that have no customer tools)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from app.services.customer_api import CustomerTools
from app.services.types import SyncState, SyncStatus
from app.views.desk.customer_link import customer_section, offline_words


def session(*, state: SyncState = SyncState.SYNCED, needs_sign_in: bool = False, services: Any = None) -> Any:
    return SimpleNamespace(
        sync=SyncStatus(state=state, waiting=0, needs_sign_in=needs_sign_in), services=services
    )


def detail() -> Any:
    return SimpleNamespace(summary=SimpleNamespace(id=uuid.uuid4()))


def test_offline_and_local_only_sessions_are_told_why() -> None:
    assert offline_words(session()) == ""
    assert offline_words(session(state=SyncState.NEVER)) == ""
    assert offline_words(session(state=SyncState.OFFLINE)).startswith("Offline: the customer's status link")
    assert "sign in with the server" in offline_words(session(needs_sign_in=True))


def test_nothing_is_offered_where_the_rulebook_says_no() -> None:
    refused = SimpleNamespace(
        customer_tools=lambda _id: CustomerTools(
            offered=False, on_server=True, report_ready=True, report_name="WO-1-report.pdf"
        )
    )
    assert customer_section(detail=detail(), session=session(services=refused)) is None
    # Services without customer tools (a test double, an older build): no panel, no crash.
    assert customer_section(detail=detail(), session=session(services=object())) is None
