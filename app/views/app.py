"""The root of the UI: the router, the signed-in guard and the link to services."""

from __future__ import annotations

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.types import Services
from app.views.account.access_gate import AccessCheck, AccessGate
from app.views.account.login import LoginScreen
from app.views.account.settings import SettingsScreen
from app.views.desk.board import BoardScreen
from app.views.desk.conflicts import ConflictsScreen
from app.views.desk.dashboard import DashboardScreen
from app.views.desk.history import HistoryScreen
from app.views.desk.order_edit_screen import OrderEditScreen
from app.views.desk.order_form import OrderFormScreen
from app.views.desk.schedules import SchedulesScreen
from app.views.desk.templates import TemplatesScreen
from app.views.field.orders import OrdersScreen
from app.views.field.sync_screen import SyncScreen
from app.views.order.assign import AssignScreen
from app.views.order.photo_view import PhotoScreen
from app.views.order.screen import OrderScreen
from app.views.order.signature import SignatureScreen
from app.views.shared.state import Session, SessionContext, use_session
from app.views.shared.theme import dark_theme, light_theme
from app.views.shared.theme_toggle import restore_theme
from app.views.shared.widgets import tagged


@ft.component
def Home() -> ft.View:
    """`/`: nothing of its own; sends the browser where its user's work is."""
    session = use_session()
    page = ft.context.page
    home = home_route(session)
    ft.use_effect(lambda: page.navigate(home), [home])
    return ft.View(route="/", controls=[ft.ProgressRing(semantics_label="Loading")])


def home_route(session: Session) -> str:
    """Each role lands where its work is: dispatchers and admins on the board."""
    user = session.user
    if user is None:
        return "/login"
    return "/desk" if is_dispatcher(user.role) else "/orders"


def home_words(session: Session) -> str:
    """What the way home is called, for the role that takes it."""
    user = session.user
    if user is None:
        return "Go to sign in"
    return "Go to the board" if is_dispatcher(user.role) else "Go to my orders"


def missing_body(session: Session, *, path: str) -> ft.Control:
    """The app's own "no such screen": says what was asked for and offers the way home."""
    home = home_route(session)
    words = home_words(session)
    page = ft.context.page
    return ft.Column(
        [
            ft.Icon(ft.Icons.EXPLORE_OFF_OUTLINED, size=48, color=ft.Colors.ON_SURFACE_VARIANT),
            tagged(
                "screen-missing",
                ft.Text("There is no such screen.", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
                label=f"There is no such screen: {path}",
                live_region=True,
            ),
            ft.Text(
                f"Nothing in Ordo lives at {path}. The link may be old or mistyped.",
                color=ft.Colors.ON_SURFACE_VARIANT,
                text_align=ft.TextAlign.CENTER,
            ),
            tagged(
                "screen-missing-home",
                ft.FilledButton(
                    words, icon=ft.Icons.HOME_OUTLINED, on_click=lambda: page.navigate(home), height=48
                ),
                label=words,
                button=True,
            ),
        ],
        spacing=16,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        alignment=ft.MainAxisAlignment.CENTER,
        expand=True,
    )


@ft.component
def NotFound() -> ft.View:
    """Every path no route claims (`/board`, `/dashboard`, `/orders/WO-1/nonsense`), for every role.

    It is the router's last route (a splat), not `Router(not_found=...)`: with
    `manage_views=True` Flet wraps `not_found()` in a View of its own, so a component
    returning a View there became a View inside a View — the blank grey screen.
    """
    session = use_session()
    path = ft.use_route_location() or ft.context.page.route or "/"
    return ft.View(
        route=path,
        padding=ft.Padding.all(24),
        appbar=ft.AppBar(title=ft.Text("No such screen"), automatically_imply_leading=False),
        controls=[missing_body(session, path=path)],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        vertical_alignment=ft.MainAxisAlignment.CENTER,
    )


@ft.component
def MissingContent() -> ft.Control:
    """The router's own not-found hook (unreached while the splat route is last): a body, not a View."""
    session = use_session()
    path = ft.use_route_location() or ft.context.page.route or "/"
    return missing_body(session, path=path)


@ft.component
def OrdoApp(session: Session) -> list[ft.View]:
    page = ft.context.page

    ft.use_effect(lambda: session.attach(page), [])
    prefs = ft.use_memo(lambda: ft.SharedPreferences(), [])

    def restore() -> None:
        page.run_task(restore_theme, page, session, prefs)

    ft.use_effect(restore, [])

    return SessionContext(
        session,
        lambda: ft.Router(
            [
                ft.Route(index=True, component=Home),
                ft.Route(path="login", component=LoginScreen),
                ft.Route(path="desk", component=BoardScreen),
                ft.Route(path="conflicts", component=ConflictsScreen),
                ft.Route(path="conflicts/:number", component=ConflictsScreen),  # one order's
                ft.Route(path="templates", component=TemplatesScreen),
                ft.Route(path="dashboard", component=DashboardScreen),
                ft.Route(path="schedules", component=SchedulesScreen),
                ft.Route(path="sync", component=SyncScreen),
                ft.Route(path="settings", component=SettingsScreen),
                ft.Route(
                    path="orders",
                    component=OrdersScreen,
                    children=[
                        # Before ":number", which would take "new" for an order's number.
                        ft.Route(path="new", component=OrderFormScreen),
                        ft.Route(
                            path=":number",
                            component=OrderScreen,
                            # Each its own view on the stack: back returns to the order.
                            children=[
                                ft.Route(path="photos/:photo_id", component=PhotoScreen),
                                ft.Route(path="signature", component=SignatureScreen),
                                ft.Route(path="assign", component=AssignScreen),
                                ft.Route(path="history", component=HistoryScreen),
                                ft.Route(path="edit", component=OrderEditScreen),
                            ],
                        ),
                    ],
                ),
                # Last: whatever no route above claims is the app's own "no such screen".
                ft.Route(path=":missing*", component=NotFound),
            ],
            not_found=MissingContent,
            manage_views=True,
        ),
    )


def mount(page: ft.Page, *, services: Services, server_url: str, access: AccessCheck | None = None) -> None:
    """Render the app into one browser session's page (behind the access gate when there is one)."""
    page.title = "Ordo"
    page.theme = light_theme()
    page.dark_theme = dark_theme()
    page.theme_mode = ft.ThemeMode.SYSTEM  # until this browser's own choice is read (theme_toggle)
    session = Session(services=services, default_server_url=server_url or services.default_server_url())
    session.reload()  # before the first render, so guards see who is signed in
    session.width = float(page.width or 0)

    def resized(e: ft.PageResizeEvent) -> None:
        session.width = float(e.width)

    page.on_resize = resized
    if access is None:
        page.render_views(OrdoApp, session)
    else:
        page.render_views(AccessGate, access=access, app=lambda: OrdoApp(session))
