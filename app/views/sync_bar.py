"""The always-visible sync indicator with its "Sync now" button and the calm offline banner."""

from __future__ import annotations

import flet as ft

from app.services.types import SyncState, SyncStatus
from app.views.theme import MIN_TOUCH
from app.views.widgets import tagged

_ICON: dict[SyncState, tuple[ft.IconData, str]] = {
    SyncState.OFFLINE: (ft.Icons.CLOUD_OFF, ft.Colors.BLUE_GREY_700),
    SyncState.SYNCING: (ft.Icons.SYNC, ft.Colors.INDIGO_700),
    SyncState.SYNCED: (ft.Icons.CLOUD_DONE, ft.Colors.GREEN_800),
    SyncState.ERROR: (ft.Icons.SYNC_PROBLEM, ft.Colors.RED_800),
    SyncState.NEVER: (ft.Icons.CLOUD_QUEUE, ft.Colors.BLUE_GREY_700),
}


@ft.component
def SyncBar(*, status: SyncStatus, on_sync_now: ft.ControlEventHandler | None) -> ft.Control:
    icon, color = _ICON[status.state]
    label = status.label()
    rows: list[ft.Control] = [
        ft.Container(
            padding=ft.Padding.symmetric(horizontal=12, vertical=2),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            content=ft.Row(
                [
                    ft.Icon(icon, color=color, size=20, semantics_label=status.state.value),
                    tagged(
                        "sync-status",
                        ft.Text(label, size=13, color=color, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                        label=label,
                        live_region=True,
                        exclude_semantics=True,  # the label says it once; the Text would repeat it
                        expand=True,
                    ),
                    tagged(
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
    if status.state is SyncState.OFFLINE:
        # Offline is a normal state: say so calmly and go on working.
        rows.append(_banner("You're offline. Your changes are saved on this device and will sync later."))
    elif status.state is SyncState.ERROR and status.message:
        rows.append(_banner(f"Sync problem: {status.message}. Your changes are kept on this device."))
    return ft.Column(rows, spacing=0)


def _banner(text: str) -> ft.Control:
    return ft.Container(
        bgcolor=ft.Colors.BLUE_GREY_50,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        content=ft.Row(
            [
                ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.BLUE_GREY_800),
                ft.Text(text, size=13, color=ft.Colors.BLUE_GREY_900, expand=True),
            ],
            spacing=8,
        ),
    )
