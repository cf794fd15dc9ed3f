"""The per-browser-session UI state: what the screens show, refreshed when services notify.

Services call their listeners from worker threads; Flet's scheduler lives on
the session's event loop, so every change is marshalled there with
`page.run_task` before it touches observable state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.types import CurrentUser, OrderDetail, OrderGroups, Services, SyncState, SyncStatus


@ft.observable
@dataclass
class Session:
    """Observable state of one signed-in (or not yet) browser session."""

    services: Services = field(repr=False)
    default_server_url: str = ""
    user: CurrentUser | None = None
    groups: OrderGroups = field(default_factory=OrderGroups)
    sync: SyncStatus = field(default_factory=lambda: SyncStatus(state=SyncState.NEVER, waiting=0))
    # Bumped on every notification so screens holding their own copy of an
    # order (the detail screen) know to read it again.
    revision: int = 0
    # Set when a read from services failed; the screens show it instead of crashing.
    problem: str = ""
    width: float = 0.0  # of the browser window, for layouts that widen on tablets/desktops
    theme: str = "system"  # system | light | dark: this browser's choice (app.views.shared.theme_toggle)

    def reload(self) -> None:
        """Read everything the screens show from services (local reads only)."""
        try:
            self.user = self.services.current_user()
            self.sync = self.services.sync_status()
            self.groups = self._phone_list()
            self.problem = ""
        except Exception as err:  # a broken local read must not take the UI down
            self.problem = f"Could not read local data: {err}"
        self.revision += 1

    def _phone_list(self) -> OrderGroups:
        """The phone's grouped list, which only a technician's screens show: the desk pages
        through the organisation's orders itself (its table, its board), and reading all of
        them here on every notification took half a second at 10,000 orders (issue 11)."""
        if self.user is None or is_dispatcher(self.user.role):
            return OrderGroups()
        return self.services.list_orders()

    def attach(self, page: ft.Page) -> Callable[[], None]:
        """Listen to services for this page; returns the unsubscribe function."""

        async def on_loop() -> None:
            self.reload()

        unsubscribe: Callable[[], None] | None = None

        def on_change() -> None:
            # Called from any thread: hop onto this session's loop.
            try:
                page.run_task(on_loop)
            except Exception:
                # The browser tab is gone (no loop, no connection): stop listening for it.
                if unsubscribe is not None:
                    with contextlib.suppress(ValueError):
                        unsubscribe()

        unsubscribe = self.services.add_listener(on_change)
        return unsubscribe


# Screens find the session through this context rather than through globals,
# so several browser tabs each get their own.
SessionContext = ft.create_context(None)


def use_session() -> Session:
    session = ft.use_context(SessionContext)
    if session is None:  # a programming error, not a user one
        raise RuntimeError("screens must be rendered inside the Ordo app root")
    return session


def use_sign_in_guard(session: Session, *, signed_in: bool) -> None:
    """Send the browser to the right screen when it is on one for the other side of sign-in.

    Runs as an effect (never during render); deep links land here too.
    """
    page = ft.context.page
    user_present = session.user is not None

    def check() -> None:
        if signed_in and not user_present:
            page.navigate("/login")
        elif not signed_in and user_present:
            page.navigate("/")  # Home sends each role where its work is (app.views.app.home_route)

    ft.use_effect(check, [user_present])


@dataclass(frozen=True, slots=True)
class OrderLoad:
    state: str  # loading | found | missing | failed
    detail: OrderDetail | None = None
    problem: str = ""  # why reading failed, fit to show


def use_order(session: Session, number: str) -> OrderLoad:
    """The order `number` as this device holds it, read in an effect (never during render)
    and again whenever services said something changed (a sync, a write elsewhere)."""
    loaded, set_loaded = ft.use_state(OrderLoad(state="loading"))

    def load() -> None:
        held = loaded.detail
        try:
            if held is not None and held.summary.number == number:
                # Read again by id: the same order, even once the server has given it its
                # number in place of the provisional one the screen was opened on.
                found = session.services.get_order(held.summary.id)
            else:
                found = session.services.get_order_by_number(number)
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_loaded(
                OrderLoad(state="failed", problem=f"Could not read order {number} on this device: {err}")
            )
            return
        set_loaded(OrderLoad(state="found" if found is not None else "missing", detail=found))

    ft.use_effect(load, [number, session.revision])
    return loaded
