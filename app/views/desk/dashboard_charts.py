"""The dashboard's charts (flet-charts, which the web client carries): backlog by status,
created vs completed per day, per-technician rates, and the rates against their published
best-in-class values. Every reference value is drawn as a line across its chart.

flet-charts 1.0.5 draws no horizontal line of its own in a bar chart, so a reference line
is a 2 px rule stacked over the chart at the height of its value: the chart's plot area is
its size less the axes' reserved label sizes, all fixed here, so the rule's place is exact.
"""

from __future__ import annotations

import flet as ft
import flet_charts as fch

from app.domain import Status
from app.domain.kpi import BEST_FIRST_TIME_FIX, BEST_ON_TIME, BEST_UTILISATION, Dashboard
from app.services.words import STATUS_WORD
from app.views.desk.dashboard_tables import percent, utilisation_of

CHART_HEIGHT = 220  # px
LEFT = 40  # px reserved for the left axis' labels
BOTTOM = 36  # px reserved for the bottom axis' labels
ON_TIME_COLOR = ft.Colors.INDIGO_400
UTILISATION_COLOR = ft.Colors.TEAL_400
CREATED_COLOR = ft.Colors.AMBER_700
COMPLETED_COLOR = ft.Colors.INDIGO_400
FIX_COLOR = ft.Colors.DEEP_PURPLE_300
# The backlog's bars: a colour per open status (the words are under each bar too).
STATUS_COLOR: dict[Status, str] = {
    Status.NEW: ft.Colors.AMBER_600,
    Status.ASSIGNED: ft.Colors.BLUE_400,
    Status.EN_ROUTE: ft.Colors.CYAN_600,
    Status.IN_PROGRESS: ft.Colors.INDIGO_400,
    Status.ON_HOLD: ft.Colors.ORANGE_400,
    Status.CANNOT_COMPLETE: ft.Colors.RED_400,
}


def _no_axis() -> fch.ChartAxis:
    return fch.ChartAxis(show_labels=False, label_size=0, title_size=0)


def _small(text: str) -> ft.Text:
    return ft.Text(text, size=11, color=ft.Colors.ON_SURFACE_VARIANT, no_wrap=True)


def _left_axis(top: float, *, step: float, suffix: str = "") -> fch.ChartAxis:
    marks = []
    value = 0.0
    while value <= top + 1e-9:
        marks.append(fch.ChartAxisLabel(value=value, label=_small(f"{value:g}{suffix}")))
        value += step
    # The labels show at the axis' own ticks only: its spacing is the labels' step.
    return fch.ChartAxis(
        labels=marks, label_size=LEFT, label_spacing=step, title_size=0, show_min=True, show_max=False
    )


def _nice_top(largest: float) -> tuple[float, float]:
    """A round top for the y axis and the step between its labels."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if largest <= step * 4:
            return float(step * 4), float(step)
    step = 10 ** len(str(int(largest)))
    return float(step), float(step / 4)


def _grid(step: float) -> fch.ChartGridLines:
    return fch.ChartGridLines(interval=step, color=ft.Colors.OUTLINE_VARIANT, width=1, dash_pattern=[3, 3])


def backlog_chart(figures: Dashboard) -> ft.Control:
    """Open orders per status, each bar in its status' colour."""
    items = list(figures.backlog.by_status.items())
    top, step = _nice_top(max([n for _, n in items] + [1]))
    groups = [
        fch.BarChartGroup(
            x=i,
            rods=[
                fch.BarChartRod(
                    to_y=n,
                    width=22,
                    color=STATUS_COLOR.get(Status(s), ft.Colors.BLUE_GREY_400),
                    border_radius=4,
                    tooltip=f"{STATUS_WORD[Status(s)]}: {n}",
                )
            ],
        )
        for i, (s, n) in enumerate(items)
    ]
    bottom = fch.ChartAxis(
        labels=[
            fch.ChartAxisLabel(value=i, label=_small(STATUS_WORD[Status(s)]))
            for i, (s, _) in enumerate(items)
        ],
        label_size=BOTTOM,
        title_size=0,
    )
    return fch.BarChart(
        groups=groups,
        left_axis=_left_axis(top, step=step),
        bottom_axis=bottom,
        top_axis=_no_axis(),
        right_axis=_no_axis(),
        horizontal_grid_lines=_grid(step),
        min_y=0,
        max_y=top,
        height=CHART_HEIGHT,
        interactive=True,
    )


def _day_label(figures: Dashboard, index: int) -> str:
    day = figures.per_day[index].day
    return f"{day.day} {day:%b}"


def per_day_chart(figures: Dashboard) -> ft.Control:
    """Orders created and completed each local day: two lines."""
    days = figures.per_day
    top, step = _nice_top(max([max(d.created, d.completed) for d in days] + [1]))
    every = max(1, len(days) // 6)  # about six dates along the bottom

    def series(name: str, values: list[int], color: str) -> fch.LineChartData:
        return fch.LineChartData(
            points=[
                fch.LineChartDataPoint(x=i, y=v, tooltip=f"{_day_label(figures, i)}: {v} {name}")
                for i, v in enumerate(values)
            ],
            color=color,
            stroke_width=2.5,
            curved=False,
            point=len(days) <= 31,
        )

    bottom = fch.ChartAxis(
        labels=[
            fch.ChartAxisLabel(value=i, label=_small(_day_label(figures, i)))
            for i in range(0, len(days), every)
        ],
        label_size=BOTTOM,
        label_spacing=every,
        title_size=0,
    )
    return fch.LineChart(
        data_series=[
            series("created", [d.created for d in days], CREATED_COLOR),
            series("completed", [d.completed for d in days], COMPLETED_COLOR),
        ],
        left_axis=_left_axis(top, step=step),
        bottom_axis=bottom,
        top_axis=_no_axis(),
        right_axis=_no_axis(),
        horizontal_grid_lines=_grid(step),
        min_y=0,
        max_y=top,
        min_x=0,
        max_x=max(1, len(days) - 1),
        height=CHART_HEIGHT,
    )


def _reference(value: float, *, color: str, words: str) -> ft.Control:
    """A rule across the plot at `value` (0..1 of a 0-100% axis), its words just above it."""
    plot = CHART_HEIGHT - BOTTOM
    line = (1.0 - value) * plot
    return ft.Container(
        left=LEFT,
        right=0,
        top=line - 15,
        height=16,
        content=ft.Column(
            [
                ft.Row(
                    [ft.Text(words, size=10, color=color, weight=ft.FontWeight.W_700)],
                    alignment=ft.MainAxisAlignment.END,
                ),
                ft.Container(height=2, bgcolor=color),
            ],
            spacing=0,
        ),
    )


def technicians_chart(figures: Dashboard) -> ft.Control:
    """Per technician: on-time rate and utilisation (bars, %), with the best-in-class lines."""
    people = figures.technicians
    groups = []
    for i, t in enumerate(people):
        on_time = 100 * (t.on_time.value or 0.0)
        used = 100 * min(1.0, t.utilisation or 0.0)
        groups.append(
            fch.BarChartGroup(
                x=i,
                rods=[
                    fch.BarChartRod(
                        to_y=on_time,
                        width=12,
                        color=ON_TIME_COLOR,
                        tooltip=f"{t.name}: on time {percent(t.on_time.value)}",
                    ),
                    fch.BarChartRod(
                        to_y=used,
                        width=12,
                        color=UTILISATION_COLOR,
                        tooltip=f"{t.name}: utilisation {percent(t.utilisation)}",
                    ),
                ],
                spacing=3,
            )
        )
    bottom = fch.ChartAxis(
        labels=[
            fch.ChartAxisLabel(value=i, label=_small(t.name.split(" ")[0])) for i, t in enumerate(people)
        ],
        label_size=BOTTOM,
        title_size=0,
    )
    chart = fch.BarChart(
        groups=groups,
        left_axis=_left_axis(100, step=25, suffix="%"),
        bottom_axis=bottom,
        top_axis=_no_axis(),
        right_axis=_no_axis(),
        horizontal_grid_lines=_grid(25),
        min_y=0,
        max_y=100,
        height=CHART_HEIGHT,
    )
    return ft.Stack(
        [
            chart,
            _reference(BEST_ON_TIME, color=ON_TIME_COLOR, words=f"best on time {percent(BEST_ON_TIME)}"),
            _reference(
                BEST_UTILISATION,
                color=UTILISATION_COLOR,
                words=f"best utilisation {percent(BEST_UTILISATION)}",
            ),
        ],
        height=CHART_HEIGHT,
    )


def _bullet(name: str, value: float | None, best: float, color: str) -> ft.Control:
    """One rate as a bar out of 100%, with its best-in-class value as a line across it."""
    shown = 0.0 if value is None else max(0.0, min(1.0, value))
    track = ft.Container(
        height=18,
        border_radius=4,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        content=ft.Row(
            [ft.Container(expand=max(1, round(shown * 1000)), bgcolor=color, border_radius=4)]
            + ([ft.Container(expand=round((1 - shown) * 1000))] if shown < 1 else []),
            spacing=0,
        )
        if shown > 0
        else None,
    )
    marker = ft.Row(
        [
            ft.Container(expand=round(best * 1000)),
            ft.Container(width=3, height=26, bgcolor=ft.Colors.ON_SURFACE),
            ft.Container(expand=round((1 - best) * 1000)),
        ],
        spacing=0,
    )
    words = f"{name}: {percent(value)}, best in class {percent(best)}"
    return ft.Semantics(
        label=words,
        container=True,
        exclude_semantics=True,
        content=ft.Column(
            [
                ft.Row(
                    [
                        ft.Text(name, size=13, expand=True),
                        ft.Text(percent(value), size=13, weight=ft.FontWeight.W_700),
                        ft.Text(f"best {percent(best)}", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=8,
                ),
                ft.Stack([ft.Container(track, padding=ft.Padding.only(top=4)), marker], height=26),
            ],
            spacing=2,
        ),
    )


def best_chart(figures: Dashboard) -> ft.Control:
    """On-time, first-time fix and utilisation against the published best in class."""
    return ft.Column(
        [
            _bullet("On-time rate", figures.on_time.rate.value, BEST_ON_TIME, ON_TIME_COLOR),
            _bullet("First-time fix", figures.first_time_fix.value, BEST_FIRST_TIME_FIX, FIX_COLOR),
            _bullet("Utilisation", utilisation_of(figures.technicians), BEST_UTILISATION, UTILISATION_COLOR),
        ],
        spacing=14,
    )


def legend(*items: tuple[str, str]) -> ft.Control:
    return ft.Row(
        [
            ft.Row(
                [ft.Container(width=12, height=12, bgcolor=color, border_radius=2), _small(words)],
                spacing=4,
                tight=True,
            )
            for words, color in items
        ],
        spacing=16,
        wrap=True,
    )
