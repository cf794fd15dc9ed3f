"""`/sync`: the truth about what is synced. What this device still has to send (by order), the
files still uploading with their progress, the last success and the last problem in words,
"Sync now", and the user's own conflicts, settled here where the rulebook lets them.

Ids: `sync-summary`, `sync-waiting`, `sync-waiting-<number>`, `sync-files`, `sync-file-<n>`,
`sync-conflicts`; the conflict cards keep the desk's ids (`conflict-card-<n>`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import flet as ft

from app.services.desk_api import DeskApi
from app.services.desk_types import ConflictRow
from app.services.types import SyncState, SyncStatus
from app.services.waiting import Waiting, WaitingFile, WaitingOrder, counted
from app.views.desk.conflicts import ConflictCard, resolver
from app.views.shared.header import header_actions
from app.views.shared.state import Session, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.widgets import message_box, side_padding, tagged


@dataclass(frozen=True, slots=True)
class _Loaded:
    waiting: Waiting = field(default_factory=Waiting)
    conflicts: list[ConflictRow] = field(default_factory=list)
    problem: str = ""
    ready: bool = False


def summary_words(status: SyncStatus, waiting: Waiting) -> list[str]:
    """The screen's first lines: where sync stands, when it last worked, what went wrong."""
    lines = [status.label()]
    if status.last_synced_at is not None:
        lines.append(f"Last synced {status.last_synced_at.astimezone():%a %d %b at %H:%M}.")
    else:
        lines.append("This device has not synced yet.")
    if status.state in (SyncState.ERROR, SyncState.OFFLINE) and status.message:
        lines.append(f"Last problem: {status.message}.")
    if not waiting.orders and not waiting.files:
        lines.append("Nothing is waiting: everything made on this device is on the server.")
    else:
        lines.append("Everything below is kept on this device until the server has it.")
    return lines


def file_words(f: WaitingFile) -> str:
    where = f" on {f.number}" if f.number else ""
    if f.problem:
        return f"{f.what.capitalize()}{where}: {f.problem}"
    return f"{f.what.capitalize()}{where} · {f.percent}% of {_size(f.size)}"


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{max(1, round(n / 1000))} KB"


def _order_row(row: WaitingOrder, *, on_open: Any) -> ft.Control:
    name = f"{row.number} · {row.title}" if row.number else "Not about one order (a template)"
    label = f"{name}: {row.words} waiting"
    return tagged(
        f"sync-waiting-{row.number or row.order_id}",
        ft.ListTile(
            leading=ft.Icon(ft.Icons.UPLOAD_OUTLINED),
            title=ft.Text(name, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            subtitle=ft.Text(row.words),
            on_click=(lambda: on_open(row.number)) if row.number else None,
        ),
        label=label,
        button=bool(row.number),
        exclude_semantics=True,
    )


def _file_row(f: WaitingFile, *, position: int) -> ft.Control:
    words = file_words(f)
    return tagged(
        f"sync-file-{position}",
        ft.Column(
            [
                ft.Text(words, size=13, color=ft.Colors.ERROR if f.problem else None),
                *([] if f.problem else [ft.ProgressBar(value=f.percent / 100, height=6, border_radius=3)]),
            ],
            spacing=4,
        ),
        label=words,
        exclude_semantics=True,
    )


def _section(title: str, identifier: str, body: list[ft.Control], *, label: str) -> ft.Control:
    return ft.Column(
        [
            ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)),
            tagged(identifier, ft.Column(body, spacing=6), label=label, container=True),
        ],
        spacing=8,
    )


def _body(loaded: _Loaded, *, status: SyncStatus, session: Session, on_open: Any) -> list[ft.Control]:
    if loaded.problem:
        return [message_box(identifier="sync-problem", text=loaded.problem)]
    waiting = loaded.waiting
    summary = summary_words(status, waiting)
    controls: list[ft.Control] = [
        tagged(
            "sync-summary",
            ft.Column([ft.Text(line) for line in summary], spacing=4),
            label=" ".join(summary),
            exclude_semantics=True,
        )
    ]
    changes = sum(r.changes for r in waiting.orders)
    controls.append(
        _section(
            "Waiting to send",
            "sync-waiting",
            [_order_row(r, on_open=on_open) for r in waiting.orders]
            or [ft.Text("No changes waiting.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT)],
            label=f"{counted(changes, ('change', 'changes'))} waiting"
            + (f" on {counted(len(waiting.orders), ('order', 'orders'))}" if waiting.orders else ""),
        )
    )
    if waiting.files:
        controls.append(
            _section(
                "Files to upload",
                "sync-files",
                [_file_row(f, position=n) for n, f in enumerate(waiting.files, start=1)],
                label=f"{counted(len(waiting.files), ('file', 'files'))} to upload",
            )
        )
    cards = [
        ConflictCard(row=row, on_resolve=resolver(session, row.conflict.id), wide=False)
        for row in loaded.conflicts
    ]
    controls.append(
        _section(
            "Your conflicts",
            "sync-conflicts",
            cards or [ft.Text("No open conflicts.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT)],
            label=f"{counted(len(cards), ('open conflict', 'open conflicts'))}",
        )
    )
    return controls


@ft.component
def SyncScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    page = ft.context.page
    loaded, set_loaded = ft.use_state(_Loaded())
    signed_in = session.user is not None

    def load() -> None:
        if not signed_in:
            return
        try:
            found = _Loaded(
                waiting=session.services.waiting_work(),
                conflicts=list(cast("DeskApi", session.services).list_open_conflicts()),
                ready=True,
            )
        except Exception as err:  # a broken local read is shown, never raised into the UI
            found = _Loaded(problem=f"Could not read what is waiting on this device: {err}", ready=True)
        set_loaded(found)

    ft.use_effect(load, [session.revision, signed_in])

    controls = (
        _body(loaded, status=session.sync, session=session, on_open=lambda n: page.navigate(f"/orders/{n}"))
        if loaded.ready
        else [ft.ProgressRing(semantics_label="Loading")]
    )
    return ft.View(
        route="/sync",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text("Sync"), actions=header_actions(session)),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            ft.ListView(
                controls,
                expand=True,
                spacing=20,
                padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16), vertical=16),
            ),
        ],
    )
