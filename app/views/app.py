"""The root of the UI: the router, the signed-in guard and the link to services."""

from __future__ import annotations

import flet as ft

from app.services.types import Services
from app.views.assign import AssignScreen
from app.views.login import LoginScreen
from app.views.order_detail import OrderScreen
from app.views.orders import OrdersScreen
from app.views.photo_view import PhotoScreen
from app.views.signature import SignatureScreen
from app.views.state import Session, SessionContext, use_session
from app.views.theme import dark_theme, light_theme


@ft.component
def Home() -> ft.View:
    """`/`: nothing of its own; sends the browser to sign-in or the orders."""
    session = use_session()
    page = ft.context.page
    signed_in = session.user is not None
    ft.use_effect(lambda: page.navigate("/orders" if signed_in else "/login"), [signed_in])
    return ft.View(route="/", controls=[ft.ProgressRing(semantics_label="Loading")])


@ft.component
def NotFound() -> ft.View:
    return ft.View(
        route="/404",
        controls=[
            ft.Text("There is no such screen."),
            ft.TextButton("Go to my orders", on_click=lambda: ft.context.page.navigate("/orders")),
        ],
    )


@ft.component
def OrdoApp(session: Session) -> list[ft.View]:
    page = ft.context.page

    ft.use_effect(lambda: session.attach(page), [])

    return SessionContext(
        session,
        lambda: ft.Router(
            [
                ft.Route(index=True, component=Home),
                ft.Route(path="login", component=LoginScreen),
                ft.Route(
                    path="orders",
                    component=OrdersScreen,
                    children=[
                        ft.Route(
                            path=":number",
                            component=OrderScreen,
                            # Each its own view on the stack: back returns to the order.
                            children=[
                                ft.Route(path="photos/:photo_id", component=PhotoScreen),
                                ft.Route(path="signature", component=SignatureScreen),
                                ft.Route(path="assign", component=AssignScreen),
                            ],
                        )
                    ],
                ),
            ],
            not_found=NotFound,
            manage_views=True,
        ),
    )


def mount(page: ft.Page, *, services: Services, server_url: str) -> None:
    """Render the app into one browser session's page."""
    page.title = "Ordo"
    page.theme = light_theme()
    page.dark_theme = dark_theme()
    page.theme_mode = ft.ThemeMode.LIGHT
    session = Session(services=services, default_server_url=server_url or services.default_server_url())
    session.reload()  # before the first render, so guards see who is signed in
    session.width = float(page.width or 0)

    def resized(e: ft.PageResizeEvent) -> None:
        session.width = float(e.width)

    page.on_resize = resized
    page.render_views(OrdoApp, session)
