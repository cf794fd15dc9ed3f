"""The always-visible sync indicator with its "Sync now" button and the calm offline banner.

A change the server refused turns the bar red in words too ("1 change refused", never
"Synced") until the user has seen and dismissed it; "See why" lists the refusals.
"""

from __future__ import annotations

import flet as ft

from app.services.types import SyncState, SyncStatus
from app.views.shared.refusals import REFUSED_BG, REFUSED_FG, RefusalsButton, refusals_banner_text
from app.views.shared.sign_in_again import SignInAgain
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

_ICON: dict[SyncState, tuple[ft.IconData, str]] = {
    SyncState.OFFLINE: (ft.Icons.CLOUD_OFF, ft.Colors.BLUE_GREY_700),
    SyncState.SYNCING: (ft.Icons.SYNC, ft.Colors.INDIGO_700),
    SyncState.SYNCED: (ft.Icons.CLOUD_DONE, ft.Colors.GREEN_800),
    SyncState.ERROR: (ft.Icons.SYNC_PROBLEM, ft.Colors.ERROR),
    SyncState.NEVER: (ft.Icons.CLOUD_QUEUE, ft.Colors.BLUE_GREY_700),
}


_REFUSED = (ft.Icons.ERROR_OUTLINE, ft.Colors.ERROR)
_SIGN_IN = (ft.Icons.NO_ACCOUNTS_OUTLINED, ft.Colors.AMBER_900)


def bar_look(status: SyncStatus) -> tuple[ft.IconData, str]:
    """Icon and colour of the bar: the refused state wins over a calm "synced" or "never"."""
    if status.refused and status.state in (SyncState.SYNCED, SyncState.NEVER):
        return _REFUSED
    if status.needs_sign_in:
        return _SIGN_IN
    return _ICON[status.state]


@ft.component
def SyncBar(*, status: SyncStatus, on_sync_now: ft.ControlEventHandler | None) -> ft.Control:
    page = ft.context.page
    icon, color = bar_look(status)
    label = status.label()
    refused_state = (
        "refused"
        if (icon, color) == _REFUSED
        else "sign in to sync"
        if status.needs_sign_in
        else status.state.value
    )
    rows: list[ft.Control] = [
        ft.Container(
            padding=ft.Padding.symmetric(horizontal=12, vertical=2),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            content=ft.Row(
                [
                    ft.Icon(icon, color=color, size=20, semantics_label=refused_state),
                    tagged(
                        "sync-status",
                        ft.Text(label, size=13, color=color, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                        label=label,
                        live_region=True,
                        exclude_semantics=True,  # the label says it once; the Text would repeat it
                        expand=True,
                    ),
                    tagged(
                        "nav-sync",
                        ft.IconButton(
                            ft.Icons.LIST_ALT,
                            tooltip="What is waiting to sync",
                            on_click=lambda: page.navigate("/sync"),
                        ),
                        label="What is waiting to sync",
                        button=True,
                    ),
                    SignInAgain()
                    if status.needs_sign_in
                    else tagged(
                        "sync-now",
                        ft.TextButton(
                            "Sync now",
                            icon=ft.Icons.SYNC,
                            on_click=on_sync_now,
                            disabled=status.state is SyncState.SYNCING,
                            height=MIN_TOUCH,
                        ),
                        label="Sync now",
                        button=True,
                    ),
                ],
                spacing=8,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
    ]
    if status.needs_sign_in:
        rows.append(_banner("Signed in on this device only: your work is kept here. Sign in to sync it."))
    elif status.state is SyncState.OFFLINE:
        # Offline is a normal state: say so calmly and go on working.
        rows.append(_banner("You're offline. Your changes are saved on this device and will sync later."))
    elif status.state is SyncState.ERROR and status.message:
        rows.append(_banner(f"Sync problem: {status.message}. Your changes are kept on this device."))
    if status.refused:
        # Said whatever the state (offline too), with the way to read and dismiss them.
        rows.append(
            ft.Container(
                bgcolor=REFUSED_BG,
                padding=ft.Padding.only(left=12, right=4),
                content=ft.Row(
                    [
                        ft.Icon(ft.Icons.ERROR_OUTLINE, size=18, color=REFUSED_FG),
                        tagged(
                            "sync-refused-banner",
                            ft.Text(refusals_banner_text(status.refused), size=13, color=REFUSED_FG),
                            label=refusals_banner_text(status.refused),
                            expand=True,
                        ),
                        RefusalsButton(status=status),
                    ],
                    spacing=8,
                ),
            )
        )
    return ft.Column(rows, spacing=0)


def _banner(
    text: str,
    *,
    bg: str = ft.Colors.BLUE_GREY_50,
    fg: str = ft.Colors.BLUE_GREY_900,
    icon: ft.IconData = ft.Icons.INFO_OUTLINE,
) -> ft.Control:
    return ft.Container(
        bgcolor=bg,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        content=ft.Row(
            [
                ft.Icon(icon, size=18, color=fg),
                ft.Text(text, size=13, color=fg, expand=True),
            ],
            spacing=8,
        ),
    )
