"""The dashboard's pieces: the KPI cards, the filter bar and a chart's card with its table
and CSV export. The screen (app.views.desk.dashboard) puts them together."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import flet as ft

from app.domain.kpi import BEST_FIRST_TIME_FIX, BEST_ON_TIME, RANGE_WORDS, Dashboard, RangeChoice, Technician
from app.views.desk.dashboard_tables import NONE, Table, percent, rate_words, span
from app.views.shared.widgets import tagged

ANYONE = "*"  # the technician filter's "everyone"
CARD_WIDTH = 232  # px: a KPI card
MIN_CARD = 165  # px: two cards side by side on a 390 px phone
GAP = 12


def card_width(area: float) -> tuple[float, int]:
    """The KPI cards' width filling `area` px, at most four a row, none under MIN_CARD."""
    per_row = max(1, min(4, int((area + GAP) // (MIN_CARD + GAP))))
    return (area - GAP * (per_row - 1)) / per_row, per_row


def kpi_card(
    ident: str,
    *,
    title: str,
    value: str,
    lines: list[str],
    icon: ft.IconData,
    warn: bool = False,
    width: float = CARD_WIDTH,
) -> ft.Control:
    """One KPI: its name, the figure, and a line or two of what it rests on."""
    words = f"{title}: {value}. " + ". ".join(lines)
    return tagged(
        ident,
        ft.Container(
            width=width,
            # One height a row, so the wrapped rows line up; words that do not fit are cut.
            height=136 if width >= 200 else 156,
            clip_behavior=ft.ClipBehavior.HARD_EDGE,
            padding=ft.Padding.all(14 if width >= 200 else 10),
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            content=ft.Column(
                [
                    ft.Row(
                        [
                            ft.Icon(icon, size=18, color=ft.Colors.ERROR if warn else ft.Colors.PRIMARY),
                            ft.Text(title, size=13, color=ft.Colors.ON_SURFACE_VARIANT, expand=True),
                        ],
                        spacing=6,
                    ),
                    ft.Text(value, size=28 if width >= 200 else 22, weight=ft.FontWeight.W_700),
                    *[ft.Text(line, size=12, color=ft.Colors.ON_SURFACE_VARIANT) for line in lines],
                ],
                spacing=4,
            ),
        ),
        label=words,
        container=True,
        exclude_semantics=True,
    )


def kpi_cards(
    f: Dashboard, *, utilisation: float | None, has_schedules: bool, width: float = CARD_WIDTH
) -> list[ft.Control]:
    """The KPI cards, in the order a manager reads them."""
    card = partial(kpi_card, width=width)
    on_time, fix, by_priority = f.on_time, f.first_time_fix, f.backlog.by_priority
    late_words = f"Broken promises {percent(on_time.broken_promise)}"
    if on_time.no_due:
        late_words += f"; {on_time.no_due} without a due time"
    pm = f.pm
    if not has_schedules or pm is None:
        pm_value, pm_lines = NONE, ["No schedules on this device", "Scheduled work is measured here"]
    else:
        pm_value = percent(pm.rate.value)
        pm_lines = [
            f"{pm.rate.hits} of {pm.rate.total} done within ±10%",
            f"{pm.missed} missed, {pm.pending} pending",
        ]
    return [
        card(
            "kpi-on-time",
            title="On time",
            value=percent(on_time.rate.value),
            lines=[late_words, f"Best in class {percent(BEST_ON_TIME)}"],
            icon=ft.Icons.SCHEDULE,
            warn=on_time.rate.value is not None and on_time.rate.value < BEST_ON_TIME,
        ),
        card(
            "kpi-first-time-fix",
            title="First-time fix",
            value=percent(fix.value),
            lines=[
                rate_words(fix) if fix.total else "No completions",
                f"Best in class {percent(BEST_FIRST_TIME_FIX)}",
            ],
            icon=ft.Icons.BUILD_CIRCLE,
            warn=fix.value is not None and fix.value < BEST_FIRST_TIME_FIX,
        ),
        card(
            "kpi-backlog",
            title="Open backlog",
            value=str(f.backlog.total),
            lines=[
                f"{by_priority.get('urgent', 0)} urgent, {by_priority.get('high', 0)} high",
                f"{f.backlog.by_age.get('> 30 days', 0)} older than 30 days",
            ],
            icon=ft.Icons.INBOX,
        ),
        card(
            "kpi-response",
            title="Time to assign",
            value=span(f.to_assign.mean),
            lines=[
                f"p90 {span(f.to_assign.p90)}",
                f"Arrive {span(f.to_arrive.mean)} (p90 {span(f.to_arrive.p90)})",
            ],
            icon=ft.Icons.BOLT,
        ),
        card(
            "kpi-mttr",
            title="Time to complete",
            value=span(f.to_complete.mean),
            lines=[f"p90 {span(f.to_complete.p90)}", f"{f.completed} completed, {f.created} created"],
            icon=ft.Icons.TASK_ALT,
        ),
        card(
            "kpi-utilisation",
            title="Utilisation",
            value=percent(utilisation),
            lines=["Logged ÷ available", "8 h each weekday"],
            icon=ft.Icons.ENGINEERING,
        ),
        card("kpi-pm", title="PM compliance", value=pm_value, lines=pm_lines, icon=ft.Icons.EVENT_REPEAT),
    ]


def range_picker(choice: RangeChoice, *, on_pick: Callable[[RangeChoice], None]) -> ft.Control:
    chips = []
    for option, words in RANGE_WORDS.items():
        chosen = option is choice
        chips.append(
            tagged(
                f"dashboard-range-{option.value}",
                ft.Container(
                    content=ft.Text(words, weight=ft.FontWeight.W_700 if chosen else ft.FontWeight.W_500),
                    bgcolor=ft.Colors.SECONDARY_CONTAINER if chosen else None,
                    border=ft.Border.all(1, ft.Colors.OUTLINE),
                    border_radius=20,
                    padding=ft.Padding.symmetric(horizontal=14, vertical=10),
                    ink=True,
                    on_click=lambda _e, o=option: on_pick(o),
                ),
                label=words + (", chosen" if chosen else ""),
                button=True,
                selected=chosen,
            )
        )
    return tagged("dashboard-range", ft.Row(chips, spacing=6, wrap=True, run_spacing=6), container=True)


def technician_filter(
    people: tuple[Technician, ...], *, value: str | None, on_pick: Callable[[str | None], None], width: float
) -> ft.Control:
    return tagged(
        "dashboard-technician",
        ft.Dropdown(
            label="Technician",
            value=value or ANYONE,
            options=[ft.DropdownOption(key=ANYONE, text="Everyone")]
            + [ft.DropdownOption(key=t.id, text=t.name) for t in people],
            on_select=lambda e: on_pick(None if (e.control.value or ANYONE) == ANYONE else e.control.value),
            enable_search=False,
            width=width,
            dense=True,
        ),
        label="Technician",
    )


def data_table(table: Table) -> ft.Control:
    return tagged(
        f"dashboard-table-{table.key}",
        ft.Row(
            [
                ft.DataTable(
                    columns=[
                        ft.DataColumn(
                            ft.Text(h, weight=ft.FontWeight.W_600, size=12),
                            numeric=i > 0 and table.key != "backlog",
                        )
                        for i, h in enumerate(table.header)
                    ],
                    rows=[
                        ft.DataRow(cells=[ft.DataCell(ft.Text(c, size=12)) for c in row])
                        for row in table.rows
                    ],
                    heading_row_height=36,
                    data_row_min_height=30,
                    data_row_max_height=36,
                    column_spacing=20,
                    horizontal_margin=8,
                )
            ],
            scroll=ft.ScrollMode.AUTO,
        ),
        container=True,
    )


def chart_card(
    *,
    table: Table,
    chart: ft.Control,
    as_table: bool,
    on_export: Callable[[Table], None],
    legend: ft.Control | None = None,
    width: float | None = None,
) -> ft.Control:
    """A chart with its title and CSV button; the table instead of the chart when asked
    (or under it when the chart is absent: `as_table`)."""
    export = tagged(
        f"dashboard-export-{table.key}",
        ft.IconButton(
            ft.Icons.DOWNLOAD, tooltip=f"Export “{table.title}” as CSV", on_click=lambda _e: on_export(table)
        ),
        label=f"Export {table.title} as CSV",
        button=True,
    )
    head = ft.Row([ft.Text(table.title, size=15, weight=ft.FontWeight.W_600, expand=True), export], spacing=4)
    body: list[ft.Control] = [head]
    if as_table:
        body.append(data_table(table))
    else:
        if legend is not None:
            body.append(legend)
        body.append(chart)
    return tagged(
        f"dashboard-chart-{table.key}",
        ft.Container(
            width=width,
            padding=ft.Padding.all(14),
            border_radius=12,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            content=ft.Column(body, spacing=8),
        ),
        container=True,
    )
