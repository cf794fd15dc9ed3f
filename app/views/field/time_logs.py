"""Time on an order: the running clock, Start and Stop, entries typed by hand, totals.

The clock starts by itself when the technician sets off (travel) or starts work, and stops
when they pause, complete or stop it (app.services.timer); Start and Stop are for the
moments in between. Ids: `time-clock`, `time-start`, `time-stop`, `time-total`, `time-add`,
`time-log-<n>`; the form's `time-kind`, `time-day`, `time-from`, `time-to`, `time-save`,
`time-cancel`, `time-error`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from app.services.types import ClockView, OrderDetail, ServiceError, TimeLogView
from app.views.field.time_entry import EntryProblem, read_entry
from app.views.shared.clock import use_clock
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.time_words import TIME_WORD, clock_text, clock_words, time_line, time_totals
from app.views.shared.widgets import message_box, pending_mark, tagged

_ICON = {"travel": ft.Icons.DIRECTIONS_CAR, "work": ft.Icons.BUILD, "break": ft.Icons.COFFEE}
_KINDS = ("work", "travel", "break")


@ft.component
def RunningClock(*, clock: ClockView, on_stop: Callable[[], None]) -> ft.Control:
    """The clock counting on this order, redrawn every second while shown."""
    use_clock(every_s=1.0)
    elapsed = datetime.now(clock.started_at.tzinfo) - clock.started_at
    word = TIME_WORD.get(clock.kind, clock.kind.capitalize())
    return ft.Container(
        bgcolor=ft.Colors.PRIMARY_CONTAINER,
        border_radius=12,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        content=ft.Row(
            [
                ft.Icon(_ICON.get(clock.kind, ft.Icons.TIMER_OUTLINED), color=ft.Colors.ON_PRIMARY_CONTAINER),
                tagged(
                    "time-clock",
                    ft.Column(
                        [
                            ft.Text(f"{word} clock running", size=12, color=ft.Colors.ON_PRIMARY_CONTAINER),
                            ft.Text(
                                clock_text(elapsed),
                                size=24,
                                weight=ft.FontWeight.W_600,
                                color=ft.Colors.ON_PRIMARY_CONTAINER,
                            ),
                        ],
                        spacing=0,
                    ),
                    label=clock_words(kind=clock.kind, elapsed=elapsed),
                    exclude_semantics=True,
                    expand=True,
                ),
                tagged(
                    "time-stop",
                    ft.FilledTonalButton("Stop", icon=ft.Icons.STOP, on_click=on_stop, height=MIN_TOUCH),
                    label=f"Stop the {word.lower()} clock",
                    button=True,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
    )


def _start_button(detail: OrderDetail, *, on_start: Callable[[], None]) -> ft.Control | None:
    kind = detail.clock_offer
    if kind is None:
        return None
    word = TIME_WORD.get(kind, kind).lower()
    elsewhere = detail.clock is not None and detail.clock.order_id != detail.summary.id
    label = f"Start the {word} clock"
    controls: list[ft.Control] = [
        tagged(
            "time-start",
            ft.OutlinedButton(label, icon=ft.Icons.PLAY_ARROW, on_click=on_start, height=MIN_TOUCH),
            label=label,
            button=True,
        )
    ]
    if elsewhere and detail.clock is not None:
        controls.append(
            ft.Text(
                f"Your clock is running on {detail.clock.order_number}: starting here stops it.",
                size=12,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    return ft.Column(controls, spacing=4)


def _log_row(log: TimeLogView, *, position: int) -> ft.Control:
    line: list[ft.Control] = [
        ft.Icon(_ICON.get(log.kind, ft.Icons.TIMER_OUTLINED), size=18, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Text(time_line(log), size=13, expand=True),
    ]
    if log.overlaps:
        line.append(
            ft.Icon(
                ft.Icons.WARNING_AMBER, size=18, color=ft.Colors.AMBER_900, tooltip="Overlaps another entry"
            )
        )
    if log.pending:
        line.append(pending_mark())
    words = time_line(log) + (". Overlaps another entry of the same person" if log.overlaps else "")
    return tagged(
        f"time-log-{position}",
        ft.Row(line, spacing=8, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        label=words + (", waiting to sync" if log.pending else ""),
        exclude_semantics=True,
    )


def _entry_form(
    *,
    kind: str,
    day: str,
    start: str,
    end: str,
    error: str,
    on_field: Callable[[str, str], None],
    on_save: Callable[[], None],
    on_cancel: Callable[[], None],
) -> ft.AlertDialog:
    def field(name: str, identifier: str, label: str, value: str, hint: str, *, wide: bool) -> ft.Control:
        return tagged(
            identifier,
            ft.TextField(
                label=label,
                value=value,
                hint_text=hint,
                on_change=lambda e: on_field(name, e.control.value),
                expand=wide,  # shares a row with the other time
            ),
            expand=wide,
        )

    return ft.AlertDialog(
        modal=True,
        title=ft.Text("Add time"),
        content=ft.Column(
            [
                tagged(
                    "time-kind",
                    ft.Dropdown(
                        label="Kind",
                        value=kind,
                        options=[ft.DropdownOption(key=k, text=TIME_WORD[k]) for k in _KINDS],
                        on_select=lambda e: on_field("kind", e.control.value or "work"),
                    ),
                ),
                field("day", "time-day", "Day", day, "today, yesterday or 2026-11-25", wide=False),
                ft.Row(
                    [
                        field("start", "time-from", "Start", start, "09:00", wide=True),
                        field("end", "time-to", "End", end, "10:30", wide=True),
                    ],
                    spacing=12,
                ),
                *([message_box(identifier="time-error", text=error)] if error else []),
            ],
            tight=True,
            width=360,
            spacing=12,
        ),
        actions=[
            tagged(
                "time-cancel",
                ft.TextButton("Back", on_click=on_cancel, height=MIN_TOUCH),
                label="Back, add nothing",
                button=True,
            ),
            tagged(
                "time-save",
                ft.FilledButton("Add time", on_click=on_save, height=MIN_TOUCH),
                label="Add this time",
                button=True,
            ),
        ],
        on_dismiss=lambda: on_cancel(),
    )


_EMPTY_FORM = {"kind": "work", "day": "", "start": "", "end": ""}


@ft.component
def TimeSection(
    *, detail: OrderDetail, session: Session, on_written: Callable[[OrderDetail], None]
) -> ft.Control:
    """The phone's "Time": what runs, what was logged (with totals), and adding more."""
    problem, set_problem = ft.use_state("")
    form, set_form = ft.use_state(None)  # the typed entry while the form is open
    form_error, set_form_error = ft.use_state("")
    services = session.services
    order_id = detail.summary.id

    def write(call: Callable[[], OrderDetail]) -> str:
        try:
            on_written(call())
        except ServiceError as err:
            return str(err) or "That was not allowed."
        except Exception as err:  # a broken local write is shown, never raised into the UI
            return f"Could not save the time on this device: {err}"
        return ""

    def start() -> None:
        set_problem(write(lambda: services.start_clock(order_id)))

    def stop() -> None:
        set_problem(write(lambda: services.stop_clock(order_id)))

    def on_field(name: str, value: str) -> None:
        # From the state as it is now, not as this render saw it: two fields typed in quick
        # succession each keep their value.
        set_form(lambda held: None if held is None else {**held, name: value})

    def close_form() -> None:
        set_form(None)
        set_form_error("")

    def save() -> None:
        typed = form or _EMPTY_FORM
        now = datetime.now().astimezone()
        try:
            entry = read_entry(
                day=typed["day"], start=typed["start"], end=typed["end"], today=now.date(), zone=now.tzinfo
            )
        except EntryProblem as err:
            set_form_error(str(err))
            return
        err = write(
            lambda: services.log_time(
                order_id, kind=typed["kind"], started_at=entry.started_at, ended_at=entry.ended_at
            )
        )
        if err:
            set_form_error(err)  # the form stays open with what was typed
            return
        close_form()

    ft.use_dialog(
        _entry_form(
            **form,
            error=form_error,
            on_field=on_field,
            on_save=save,
            on_cancel=close_form,
        )
        if form is not None
        else None
    )

    offered = detail.offers.time_and_parts
    rows: list[ft.Control] = []
    here = detail.clock if detail.clock is not None and detail.clock.order_id == order_id else None
    if here is not None:
        rows.append(RunningClock(clock=here, on_stop=stop))
    else:
        start_button = _start_button(detail, on_start=start)
        if start_button is not None:
            rows.append(start_button)
    logs = list(detail.time_logs)
    if logs:
        totals = time_totals(logs)
        rows.append(
            tagged("time-total", ft.Text(totals, weight=ft.FontWeight.W_600), label=f"Logged: {totals}")
        )
        rows += [_log_row(log, position=n) for n, log in enumerate(logs, start=1)]
        if any(log.overlaps for log in logs):
            rows.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING_AMBER, size=16, color=ft.Colors.AMBER_900),
                        ft.Text(
                            "Marked entries overlap another of the same person: both are kept, "
                            "and the dispatcher decides.",
                            size=12,
                            color=ft.Colors.AMBER_900,
                            expand=True,
                        ),
                    ],
                    spacing=6,
                    vertical_alignment=ft.CrossAxisAlignment.START,
                )
            )
    elif here is None:
        rows.append(
            tagged(
                "time-total",
                ft.Text("No time logged yet.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT),
            )
        )
    if offered:
        rows.append(
            tagged(
                "time-add",
                ft.OutlinedButton(
                    "Add time by hand",
                    icon=ft.Icons.MORE_TIME,
                    on_click=lambda: set_form(dict(_EMPTY_FORM)),
                    height=MIN_TOUCH,
                ),
                label="Add time by hand",
                button=True,
            )
        )
    if problem:
        rows.append(message_box(identifier="time-problem", text=problem))
    return ft.Column(rows, spacing=8)
