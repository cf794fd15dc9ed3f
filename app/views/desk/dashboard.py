"""`/dashboard`: the managers' KPIs and charts, from this device's own rows.

Read off the UI loop (`asyncio.to_thread(services.dashboard)`) in an effect that runs again
when the range or the technician changes and whenever services notify (`session.revision`:
a pull after a field sync, a local write), so the figures move within seconds of the
field's work. A burst of notifications (a pull of many pages) is read once: each new
revision waits `SETTLE_S` first, and the effect's task is cancelled by the next one. The
screen has no text field, so typing never re-reads it. The figures are also read once a
minute with nothing changed (the backlog ages, today turns into yesterday).

Every chart reads as a table too (the "Tables" switch), and each table exports as CSV
(app.views.shared.save_file, every cell through app.domain.csv_cells).
Ids: `dashboard`, `dashboard-range` (`dashboard-range-<7d|30d|90d|month>`),
`dashboard-technician`, `dashboard-tables`, `kpi-on-time`, `kpi-first-time-fix`,
`kpi-backlog`, `kpi-response`, `kpi-mttr`, `kpi-utilisation`, `kpi-pm`,
`dashboard-chart-<key>`, `dashboard-table-<key>`, `dashboard-export-<key>`, `dashboard-message`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import flet as ft

from app.domain.kpi import RangeChoice, period_words
from app.domain.rules import may_see_dashboard
from app.views.desk import dashboard_charts as charts
from app.views.desk import dashboard_tables as tables
from app.views.desk.dashboard_parts import card_width, chart_card, kpi_cards, range_picker, technician_filter
from app.views.desk.shell import DESK_WIDE, content_width, desk_view
from app.views.shared.clock import use_clock
from app.views.shared.save_file import CSV_MIME, save_bytes
from app.views.shared.state import use_session, use_sign_in_guard
from app.views.shared.widgets import loading, message_box, tagged

if TYPE_CHECKING:
    from app.services.dashboard import DashboardView
    from app.services.desk_api import DeskApi

SETTLE_S = 0.4  # a burst of notifications is read once
CLOCK_S = 60.0
GAP = 12


@dataclass(frozen=True, slots=True)
class _Loaded:
    view: DashboardView | None = None
    problem: str = ""


@ft.component
def DashboardScreen() -> ft.View:
    session = use_session()
    page = ft.context.page
    services = cast("DeskApi", session.services)
    user = session.user
    allowed = user is not None and may_see_dashboard(role=user.role)
    choice, set_choice = ft.use_state(RangeChoice.LAST_30)
    technician, set_technician = ft.use_state(cast(str | None, None))
    as_tables, set_as_tables = ft.use_state(False)
    loaded, set_loaded = ft.use_state(_Loaded())
    message, set_message = ft.use_state(("", False))
    seen_revision = ft.use_ref(session.revision)
    tick = use_clock(every_s=CLOCK_S)

    async def load() -> None:
        if not allowed:
            return
        if seen_revision.current != session.revision:
            seen_revision.current = session.revision
            await asyncio.sleep(SETTLE_S)  # cancelled by the next notification of the burst
        try:
            view = await asyncio.to_thread(services.dashboard, choice=choice, technician_id=technician)
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_loaded(_Loaded(problem=f"Could not read the dashboard on this device: {err}"))
            return
        set_loaded(_Loaded(view=view))

    ft.use_effect(load, [choice, technician, session.revision, tick, allowed])

    async def export(table: tables.Table) -> None:
        view = loaded.view
        if view is None:
            return
        name = tables.file_name(table, view.figures)
        result = await save_bytes(name=name, data=table.csv(), mime=CSV_MIME, page=page)
        set_message((result.message, not result.ok))

    if user is not None and not allowed:
        # Never offered to a technician (not in their navigation); a typed address lands here.
        use_sign_in_guard(session, signed_in=True)
        return ft.View(
            route="/dashboard",
            appbar=ft.AppBar(title=ft.Text("Dashboard")),
            padding=ft.Padding.all(16),
            controls=[
                message_box(
                    identifier="dashboard-not-offered",
                    text="The dashboard is for dispatchers and admins. Your orders are under My orders.",
                    error=False,
                ),
                ft.FilledButton("Go to my orders", on_click=lambda: page.navigate("/orders"), height=48),
            ],
        )

    view = loaded.view
    wide = session.width >= DESK_WIDE
    area = content_width(session) - 2 * 16 if session.width else 1200
    if loaded.problem:
        body: ft.Control = message_box(identifier="dashboard-error", text=loaded.problem)
    elif view is None:
        body = loading("Measuring…")
    else:
        body = _body(
            view,
            wide=wide,
            area=area,
            as_tables=as_tables,
            on_export=lambda t: page.run_task(export, t),
        )
    bar = ft.Row(
        [
            range_picker(choice, on_pick=set_choice),
            technician_filter(
                view.technicians if view is not None else (),
                value=technician,
                on_pick=set_technician,
                width=220 if wide else min(area, 360),
            ),
            tagged(
                "dashboard-tables",
                ft.Switch(
                    label="Tables", value=as_tables, on_change=lambda e: set_as_tables(bool(e.control.value))
                ),
                label="Show every chart as a table",
            ),
        ],
        spacing=16,
        wrap=True,
        run_spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
    # Room above the bar for the dropdown's floating label (the scrolling column clips).
    shown: list[ft.Control] = [ft.Container(bar, padding=ft.Padding.only(top=8))]
    if view is not None:
        words = f"{period_words(view.figures.period)} · days in {view.zone} · from this device's data"
        shown.append(ft.Text(words, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if message[0]:
        shown.append(message_box(identifier="dashboard-message", text=message[0], error=message[1]))
    shown.append(body)
    return desk_view(
        session=session,
        route="/dashboard",
        selected="/dashboard",
        title="Dashboard",
        body=tagged(
            "dashboard",
            # A Column, not a ListView: every card is built (and in the semantics tree) at once.
            ft.Container(
                ft.Column(shown, spacing=GAP, scroll=ft.ScrollMode.AUTO, expand=True),
                padding=ft.Padding.all(16),
                expand=True,
            ),
            container=True,
            expand=True,
        ),
        padding=0,
    )


def _body(
    view: DashboardView,
    *,
    wide: bool,
    area: float,
    as_tables: bool,
    on_export: Callable[[tables.Table], None],
) -> ft.Control:
    f = view.figures
    utilisation = tables.utilisation_of(f.technicians)
    width, _ = card_width(area)
    cards = ft.Row(
        kpi_cards(f, utilisation=utilisation, has_schedules=view.has_schedules, width=width),
        wrap=True,
        spacing=GAP,
        run_spacing=GAP,
    )
    half = (area - GAP) / 2 if wide else None
    export = on_export
    best = chart_card(
        table=tables.best_table(f),
        chart=charts.best_chart(f),
        as_table=as_tables,
        on_export=export,
        width=half,
    )
    response = chart_card(
        table=tables.response_table(f),
        chart=ft.Container(),  # response times have no chart: their table is what they are
        as_table=True,
        on_export=export,
        width=half,
    )
    backlog = chart_card(
        table=tables.backlog_table(f),
        chart=charts.backlog_chart(f),
        as_table=as_tables,
        on_export=export,
        width=half,
    )
    per_day = chart_card(
        table=tables.per_day_table(f),
        chart=charts.per_day_chart(f),
        legend=charts.legend(("Created", charts.CREATED_COLOR), ("Completed", charts.COMPLETED_COLOR)),
        as_table=as_tables,
        on_export=export,
        width=half,
    )
    people = chart_card(
        table=tables.technicians_table(f),
        chart=charts.technicians_chart(f),
        legend=charts.legend(("On time", charts.ON_TIME_COLOR), ("Utilisation", charts.UTILISATION_COLOR)),
        as_table=as_tables,
        on_export=export,
        width=area if wide else None,
    )
    grid = [best, response, backlog, per_day, people]
    if wide:
        rows: list[ft.Control] = [
            ft.Row([best, response], spacing=GAP, vertical_alignment=ft.CrossAxisAlignment.START),
            ft.Row([backlog, per_day], spacing=GAP, vertical_alignment=ft.CrossAxisAlignment.START),
            people,
        ]
        return ft.Column([cards, *rows], spacing=GAP)
    return ft.Column([cards, *grid], spacing=GAP)
