"""The per-tab UI state: reads from services, and hops listener calls onto the page's loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.services.types import SyncState
from app.views.shared.state import Session

from .fake_services import FakeServices


class PageDouble:
    """Stands in for ft.Page: records what would run on the session's loop."""

    def __init__(self, *, alive: bool = True) -> None:
        self.alive = alive
        self.scheduled: list[Callable[[], Awaitable[Any]]] = []

    def run_task(self, handler: Callable[[], Awaitable[Any]]) -> None:
        if not self.alive:
            raise AttributeError("'NoneType' object has no attribute 'loop'")  # what a closed tab gives
        self.scheduled.append(handler)


def test_reload_reads_user_orders_and_sync_status() -> None:
    services = FakeServices()
    session = Session(services=services)
    session.reload()
    assert session.user is None and not session.groups.overdue
    services.sign_in(server_url="http://127.0.0.1:1", username="tech1", password="demo-tech")
    before = session.revision
    session.reload()
    assert session.user is not None and session.user.username == "tech1"
    assert session.groups.overdue and session.sync.state is SyncState.OFFLINE
    assert session.revision == before + 1


def test_a_broken_read_becomes_a_message_not_a_crash() -> None:
    class Broken(FakeServices):
        def sync_status(self):  # type: ignore[no-untyped-def]
            raise OSError("disk I/O error")

    session = Session(services=Broken())
    session.reload()
    assert "disk I/O error" in session.problem


def test_notifications_are_scheduled_on_the_page_loop() -> None:
    services = FakeServices()
    session = Session(services=services)
    page = PageDouble()
    session.attach(page)  # type: ignore[arg-type]
    services.sign_out()  # notifies, as a worker thread would
    assert len(page.scheduled) == 1


def test_a_closed_tab_stops_listening() -> None:
    services = FakeServices()
    session = Session(services=services)
    page = PageDouble(alive=False)
    session.attach(page)  # type: ignore[arg-type]
    services.sign_out()
    assert services._listeners == []
