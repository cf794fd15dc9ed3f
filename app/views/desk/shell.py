"""The desk's frame: side navigation on wide screens (>= 1024 px), the same screens stacked on a phone.

Wide: a navigation rail (Board, Orders, Conflicts with the open-conflicts badge) beside the
sync bar and the screen. Narrow: the sync bar, the screen, and the same three places in a
bottom bar. Sign out sits in the app bar on both. Ids: `nav-desk`, `nav-orders`,
`nav-conflicts`, `signout`.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.views.shared.header import settings_button
from app.views.shared.sign_out import SignOutButton
from app.views.shared.state import Session, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

DESK_WIDE = 1024
RAIL_WIDTH = 88  # px: the navigation rail (screens that size themselves subtract it)

# (route, id, label, icon) of each place on the desk, in navigation order.
PLACES: tuple[tuple[str, str, str, ft.IconData], ...] = (
    ("/desk", "nav-desk", "Board", ft.Icons.VIEW_KANBAN),
    ("/orders", "nav-orders", "Orders", ft.Icons.LIST_ALT),
    ("/conflicts", "nav-conflicts", "Conflicts", ft.Icons.CALL_SPLIT),
    ("/templates", "nav-templates", "Templates", ft.Icons.CHECKLIST),
    ("/schedules", "nav-schedules", "Schedules", ft.Icons.EVENT_REPEAT),
    ("/dashboard", "nav-dashboard", "Dashboard", ft.Icons.INSIGHTS),
)


def conflicts_words(count: int) -> str:
    """The badge in words, for screen readers (the eye gets the number on the icon)."""
    if count <= 0:
        return "no open conflicts"
    return "1 open conflict" if count == 1 else f"{count} open conflicts"


def place_label(label: str, *, selected: bool, conflicts: int | None = None) -> str:
    words = [label]
    if conflicts is not None:
        words.append(conflicts_words(conflicts))
    if selected:
        words.append("current screen")
    return ", ".join(words)


def content_width(session: Session) -> float:
    """How wide a desk screen's body is: the window less the rail on wide screens."""
    return session.width - RAIL_WIDTH - 1 if session.width >= DESK_WIDE else session.width


def _destination(
    *,
    ident: str,
    label: str,
    icon: ft.IconData,
    selected: bool,
    badge: int | None,
    on_click: Callable[[], None],
    expand: bool,
) -> ft.Control:
    shown_badge = ft.Badge(label=str(badge), bgcolor=ft.Colors.RED_700) if badge else None
    pill = ft.Container(
        content=ft.Icon(
            icon,
            color=ft.Colors.ON_SECONDARY_CONTAINER if selected else ft.Colors.ON_SURFACE_VARIANT,
            badge=shown_badge,
        ),
        width=56,
        height=32,
        border_radius=16,
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
    )
    return tagged(
        ident,
        ft.Container(
            content=ft.Column(
                [
                    pill,
                    ft.Text(
                        label,
                        # Six places share a phone's bottom bar: 11 px keeps "Dashboard" whole at 390 px.
                        size=11 if expand else 12,
                        weight=ft.FontWeight.W_700 if selected else ft.FontWeight.W_500,
                        color=ft.Colors.ON_SURFACE if selected else ft.Colors.ON_SURFACE_VARIANT,
                    ),
                ],
                spacing=4,
                tight=True,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            padding=ft.Padding.symmetric(vertical=6),
            border_radius=12,
            ink=True,
            on_click=on_click,
            height=max(MIN_TOUCH, 64),
            alignment=ft.Alignment.CENTER,
            expand=expand,
        ),
        label=place_label(label, selected=selected, conflicts=badge if ident == "nav-conflicts" else None),
        button=True,
        selected=selected,
        expand=expand,
    )


@ft.component
def DeskNav(*, selected: str, vertical: bool) -> ft.Control:
    """The desk's places; Conflicts carries the count of open conflicts, re-read on every change."""
    session = use_session()
    page = ft.context.page
    conflicts, set_conflicts = ft.use_state(0)

    def count() -> None:
        try:
            set_conflicts(int(session.services.open_conflict_count()))
        except Exception:  # a broken local read leaves the badge off, it never breaks the frame
            set_conflicts(0)

    ft.use_effect(count, [session.revision])

    places = [
        _destination(
            ident=ident,
            label=label,
            icon=icon,
            selected=route == selected,
            badge=conflicts if ident == "nav-conflicts" else None,
            on_click=lambda _e=None, r=route: page.navigate(r),
            expand=not vertical,
        )
        for route, ident, label, icon in PLACES
    ]
    if vertical:
        return ft.Container(
            width=RAIL_WIDTH,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            padding=ft.Padding.only(top=12, bottom=12),
            content=ft.Column(
                [
                    ft.Semantics(
                        label="Ordo dispatcher's desk",
                        exclude_semantics=True,
                        content=ft.Icon(ft.Icons.HANDYMAN, color=ft.Colors.PRIMARY, size=28),
                    ),
                    ft.Container(height=8),
                    *places,
                ],
                spacing=6,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
    return ft.Container(
        bgcolor=ft.Colors.SURFACE_CONTAINER,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
        content=ft.Row(places, spacing=4),
    )


def desk_view(
    *,
    session: Session,
    route: str,
    selected: str,
    title: str,
    body: ft.Control,
    actions: list[ft.Control] | None = None,
    padding: float = 12,
) -> ft.View:
    """One desk screen: app bar, sync bar, navigation and `body`. `selected` is a PLACES route.

    `body` gets the space left (inset by `padding`) and scrolls itself when it is long.
    """
    use_sign_in_guard(session, signed_in=True)
    wide = session.width >= DESK_WIDE
    user = session.user

    bar_actions: list[ft.Control] = list(actions or [])
    if user is not None and wide:
        bar_actions += [ft.Container(width=16), ft.Text(user.display_name, size=13)]
    bar_actions += [settings_button(), SignOutButton(session=session), ft.Container(width=8)]
    sync_bar = SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now())
    appbar = ft.AppBar(title=ft.Text(title), actions=bar_actions)
    if wide:
        controls: list[ft.Control] = [
            ft.Row(
                [
                    DeskNav(selected=selected, vertical=True),
                    ft.VerticalDivider(width=1),
                    ft.Column(
                        [sync_bar, ft.Container(body, expand=True, padding=padding)], spacing=0, expand=True
                    ),
                ],
                spacing=0,
                expand=True,
                vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            )
        ]
    else:
        controls = [
            sync_bar,
            ft.Container(body, expand=True, padding=padding),
            DeskNav(selected=selected, vertical=False),
        ]
    return ft.View(route=route, padding=ft.Padding.all(0), spacing=0, appbar=appbar, controls=controls)
