"""`/settings`: what this device keeps, and making room.

Storage: the database, the photos still to upload (never removed here), the cached photos
the server already holds, the cache's limit, and "Free space", which removes the cached
ones and says what it freed. Reading the figures walks the disk: it runs off the UI thread,
with a spinner meanwhile.

Ids: `settings-back`, `storage-used`, `storage-cap`, `storage-free`, `storage-freed`,
`storage-problem`.
"""

from __future__ import annotations

import asyncio

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.storage import FreedReport, Pile, StorageReport
from app.views.shared.sign_out import SignOutButton
from app.views.shared.state import Session, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.theme_toggle import ThemeToggle, theme_words
from app.views.shared.widgets import loading, message_box, plural, side_padding, tagged

KB, MB, GB = 1_000, 1_000_000, 1_000_000_000  # decimal, as the cache's limit is set


# --- words -------------------------------------------------------------------------


def size_words(n: int) -> str:
    """'0 KB', '1 KB', '740 KB', '12.3 MB', '500 MB', '1.2 GB': tenths only while they matter."""
    if n <= 0:
        return "0 KB"
    if n < 999_500:
        return f"{max(1, round(n / KB))} KB"
    if n < 99_950_000:
        return f"{n / MB:.1f} MB"
    if n < 999_500_000:
        return f"{round(n / MB)} MB"
    return f"{n / GB:.1f} GB"


def pile_words(pile: Pile, noun: str) -> str:
    """'none', or '8 photos · 12.3 MB'."""
    return "none" if not pile.count else f"{plural(pile.count, noun)} · {size_words(pile.bytes)}"


def used_lines(report: StorageReport) -> list[tuple[str, str]]:
    """(what, how much) for each line of the figures, in the order shown."""
    lines = [
        ("Database", size_words(report.database_bytes)),
        ("Waiting to upload", pile_words(report.waiting, "file")),
        ("Cached, already on the server", pile_words(report.cached, "photo")),
    ]
    if report.kept.count:
        lines.append(("Signatures and other files", pile_words(report.kept, "file")))
    if report.thumbnails.count:
        lines.append(("Thumbnails", size_words(report.thumbnails.bytes)))
    lines.append(("Total on this device", size_words(report.total_bytes)))
    return lines


def cap_words(report: StorageReport) -> str:
    return f"Photo cache limit: {size_words(report.cap_bytes)}"


def freed_words(freed: FreedReport) -> str:
    if not freed.count:
        if freed.waiting:
            return "Nothing to free: every photo on this device is still to upload, and is kept."
        return "Nothing to free: no cached photos are on this device."
    return (
        f"Freed {size_words(freed.bytes)} ({plural(freed.count, 'photo')}). Photos still to upload are kept."
    )


# --- the screen ----------------------------------------------------------------------


def _heading(title: str) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))


def _figures(report: StorageReport) -> ft.Control:
    lines = used_lines(report)
    rows = [
        ft.Row(
            [
                ft.Text(what, expand=True, weight=ft.FontWeight.W_600 if what.startswith("Total") else None),
                ft.Text(much, text_align=ft.TextAlign.RIGHT),
            ],
            spacing=12,
        )
        for what, much in lines
    ]
    return tagged(
        "storage-used",
        ft.Column(rows, spacing=8),
        label=". ".join(f"{what}: {much}" for what, much in lines),
        container=True,
        exclude_semantics=True,
    )


def _cap(report: StorageReport) -> ft.Control:
    words = cap_words(report)
    share = min(1.0, report.cached.bytes / report.cap_bytes) if report.cap_bytes else 0.0
    detail = (
        f"Cached photos use {size_words(report.cached.bytes)} of it. Past the limit, the photos "
        "viewed least recently are removed first; opening one downloads it again."
    )
    return tagged(
        "storage-cap",
        ft.Column(
            [
                ft.Text(words),
                ft.ProgressBar(value=share, height=6, border_radius=3),
                ft.Text(detail, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=6,
        ),
        label=f"{words}. {detail}",
        container=True,
        exclude_semantics=True,
    )


def appearance_section(session: Session) -> list[ft.Control]:
    """Light, dark, or as the system says: remembered by this browser or device."""
    return [
        ft.Semantics(header=True, content=ft.Text("Appearance", theme_style=ft.TextThemeStyle.TITLE_MEDIUM)),
        ft.Row(
            [ThemeToggle(), ft.Text(theme_words(session.theme), expand=True)],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
    ]


@ft.component
def SettingsScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    page = ft.context.page
    report, set_report = ft.use_state(None)  # StorageReport | None: None until first measured
    problem, set_problem = ft.use_state("")
    freed, set_freed = ft.use_state("")
    busy, set_busy = ft.use_state(False)
    signed_in = session.user is not None

    async def measure() -> None:
        if not signed_in:
            return
        try:
            found = await asyncio.to_thread(session.services.storage_report)
        except Exception as err:  # a broken read is shown in words, never raised into the UI
            set_problem(f"Could not measure the storage on this device: {err}")
            return
        set_problem("")
        set_report(found)

    # Again after each sync and change: downloads and uploads move the figures.
    ft.use_effect(measure, [session.revision, signed_in])

    async def free(_e: ft.Event | None = None) -> None:
        if busy:
            return
        set_busy(True)
        set_freed("")
        try:
            result = await asyncio.to_thread(session.services.free_cached_photos)
        except Exception as err:
            set_problem(f"Could not free space: {err}")
        else:
            set_freed(freed_words(result))
        await measure()
        set_busy(False)

    home = "/desk" if session.user is not None and is_dispatcher(session.user.role) else "/orders"
    storage: list[ft.Control] = [_heading("Storage")]
    if problem:
        storage.append(message_box(identifier="storage-problem", text=problem))
    if report is None:
        if not problem:
            storage.append(
                tagged("storage-loading", loading("Measuring storage…"), label="Measuring storage")
            )
    else:
        storage += [
            _figures(report),
            _cap(report),
            ft.Text(
                "Photos and signatures still to upload are never removed: they exist only here "
                "until the server has them.",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            ),
            ft.Row(
                [
                    tagged(
                        "storage-free",
                        ft.FilledTonalButton(
                            "Free space",
                            icon=ft.Icons.CLEANING_SERVICES_OUTLINED,
                            height=MIN_TOUCH,
                            disabled=busy,
                            on_click=free,
                        ),
                        label="Free space: remove cached photos already on the server",
                        button=True,
                    ),
                    *([ft.ProgressRing(width=20, height=20)] if busy else []),
                ],
                spacing=12,
            ),
        ]
        if freed:
            storage.append(message_box(identifier="storage-freed", text=freed, error=False))

    controls: list[ft.Control] = [ft.Column(storage, spacing=14), *appearance_section(session)]
    return ft.View(
        route="/settings",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(
            leading=tagged(
                "settings-back",
                ft.IconButton(ft.Icons.ARROW_BACK, tooltip="Back", on_click=lambda: page.navigate(home)),
                label="Back",
                button=True,
            ),
            title=ft.Text("Settings"),
            actions=[SignOutButton(session=session), ft.Container(width=4)],
        ),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            ft.ListView(
                controls,
                expand=True,
                spacing=24,
                padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16), vertical=16),
            ),
        ],
    )
