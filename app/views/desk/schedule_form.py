"""The schedule editor of `/schedules`: what each order is, how often, from when, and who.

The form keeps what is typed as text (`Editing`), so a failed save loses nothing; the
services check it with the domain's rules and name each problem by field, shown under
that field. Ids: `schedule-name`, `schedule-site`, `schedule-address`, `schedule-asset`,
`schedule-every-n`, `schedule-every-unit`, `schedule-anchor`, `schedule-starts-on`,
`schedule-lead-days`, `schedule-timezone`, `schedule-title`, `schedule-description`,
`schedule-kind`, `schedule-priority`, `schedule-signature`, `schedule-from-template`,
`schedule-item-<n>-…` (the checklist editor), `schedule-technician`, `schedule-paused`,
`schedule-save`, `schedule-pause`, `schedule-error`, `schedule-message`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flet as ft

from app.domain import Kind, Priority
from app.domain.limits import MAX_DESCRIPTION, MAX_NAME, MAX_TITLE
from app.domain.schedules import Anchor, EveryUnit
from app.services.desk_types import TemplateView
from app.services.schedules import ScheduleView
from app.views.desk.checklist_editor import ChecklistEditor
from app.views.desk.checklist_rows import Rows, rows_from_items
from app.views.desk.fields import dropdown, text_field
from app.views.desk.list_editor import editor_footer
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

NO_TECHNICIAN = "-"  # the dropdown's key for "nobody": orders are made new, unassigned

UNIT_WORDS = {EveryUnit.DAY.value: "days", EveryUnit.WEEK.value: "weeks", EveryUnit.MONTH.value: "months"}
ANCHOR_WORDS = {
    Anchor.FIXED.value: "From the start date (fixed dates)",
    Anchor.COMPLETION.value: "From the last completion",
}


@dataclass(frozen=True, slots=True)
class Editing:
    """The schedule being edited, as typed; `id` None for a new one."""

    id: uuid.UUID | None = None
    name: str = ""
    site_name: str = ""
    site_address: str = ""
    asset: str = ""
    every_n: str = "1"
    every_unit: str = EveryUnit.MONTH.value
    anchor: str = Anchor.FIXED.value
    starts_on: str = ""
    lead_days: str = "7"
    timezone: str = "UTC"
    title: str = ""
    description: str = ""
    kind: str = Kind.MAINTENANCE.value
    priority: str = Priority.NORMAL.value
    requires_signature: bool = False
    rows: Rows = ()
    assignee_id: str = NO_TECHNICIAN
    paused: bool = False


def editing_of(view: ScheduleView) -> Editing:
    return Editing(
        id=view.id,
        name=view.name,
        site_name=view.site_name,
        site_address=view.site_address,
        asset=view.asset,
        every_n=str(view.every_n),
        every_unit=view.every_unit,
        anchor=view.anchor,
        starts_on=view.starts_on,
        lead_days=str(view.lead_days),
        timezone=view.timezone,
        title=view.title,
        description=view.description,
        kind=view.kind,
        priority=view.priority,
        requires_signature=view.requires_signature,
        rows=rows_from_items(view.items),
        assignee_id=view.assignee_id or NO_TECHNICIAN,
        paused=view.paused,
    )


@dataclass(frozen=True, slots=True)
class FormActions:
    edit: Callable[..., None]
    update_rows: Any
    save: Callable[[], None]
    toggle_pause: Callable[[], None]
    back: Callable[[], None]


def _section(title: str) -> ft.Control:
    return ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY)


def _row(*controls: ft.Control) -> ft.Control:
    return ft.Row(list(controls), spacing=12, vertical_alignment=ft.CrossAxisAlignment.START, wrap=False)


def schedule_form(
    editing: Editing | None,
    *,
    errors: dict[str, str],
    message: tuple[str, bool],
    technicians: list[tuple[str, str]],
    templates: list[TemplateView],
    act: FormActions,
    wide: bool,
) -> ft.Control:
    if editing is None:
        return ft.Container(
            ft.Text("Choose a schedule to change it, or make a new one.", color=ft.Colors.ON_SURFACE_VARIANT),
            alignment=ft.Alignment.CENTER,
            expand=True,
        )
    edit = act.edit
    head: list[ft.Control] = []
    if not wide:
        head.append(ft.TextButton("Back to the schedules", icon=ft.Icons.ARROW_BACK, on_click=act.back))
    head.append(
        ft.Text(
            "New maintenance schedule" if editing.id is None else "Change schedule",
            theme_style=ft.TextThemeStyle.TITLE_LARGE,
        )
    )
    if editing.id is not None:
        head.append(
            ft.Text(
                "Changes apply to orders made from now on; orders already made stay as they are.",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    what = [
        _section("Where"),
        text_field(
            "schedule-name",
            label="Schedule name",
            value=editing.name,
            error=errors.get("name", ""),
            on_text=lambda v: edit(name=v),
            max_length=MAX_NAME,
            counter="",
        ),
        _row(
            text_field(
                "schedule-site",
                label="Site",
                value=editing.site_name,
                error=errors.get("site", ""),
                on_text=lambda v: edit(site_name=v),
                stretch=True,
            ),
            text_field(
                "schedule-asset",
                label="Asset (optional)",
                value=editing.asset,
                error=errors.get("asset", ""),
                on_text=lambda v: edit(asset=v),
                width=220,
            ),
        ),
        text_field(
            "schedule-address",
            label="Address (optional)",
            value=editing.site_address,
            on_text=lambda v: edit(site_address=v),
        ),
    ]
    when = [
        _section("When"),
        _row(
            text_field(
                "schedule-every-n",
                label="Every",
                value=editing.every_n,
                error=errors.get("every_n", ""),
                on_text=lambda v: edit(every_n=v),
                width=100,
                keyboard_type=ft.KeyboardType.NUMBER,
            ),
            dropdown(
                "schedule-every-unit",
                label="Unit",
                value=editing.every_unit,
                options=list(UNIT_WORDS.items()),
                on_pick=lambda v: edit(every_unit=v or editing.every_unit),
                width=140,
            ),
            dropdown(
                "schedule-anchor",
                label="Count",
                value=editing.anchor,
                options=list(ANCHOR_WORDS.items()),
                on_pick=lambda v: edit(anchor=v or editing.anchor),
            ),
        ),
        _row(
            text_field(
                "schedule-starts-on",
                label="First due (YYYY-MM-DD)",
                value=editing.starts_on,
                error=errors.get("starts_on", ""),
                on_text=lambda v: edit(starts_on=v),
                width=200,
            ),
            text_field(
                "schedule-lead-days",
                label="Days ahead",
                value=editing.lead_days,
                error=errors.get("lead_days", ""),
                on_text=lambda v: edit(lead_days=v),
                width=120,
                keyboard_type=ft.KeyboardType.NUMBER,
            ),
            text_field(
                "schedule-timezone",
                label="Time zone",
                value=editing.timezone,
                error=errors.get("timezone", ""),
                on_text=lambda v: edit(timezone=v),
                stretch=True,
            ),
        ),
        ft.Text(
            "Each order is made the given days ahead of its due date, due at 17:00 in the time zone.",
            size=12,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
    ]
    order = [
        _section("Each order"),
        text_field(
            "schedule-title",
            label="Order title",
            value=editing.title,
            error=errors.get("title", ""),
            on_text=lambda v: edit(title=v),
            max_length=MAX_TITLE,
            counter="",
        ),
        text_field(
            "schedule-description",
            label="Description (optional)",
            value=editing.description,
            error=errors.get("description", ""),
            on_text=lambda v: edit(description=v),
            multiline=True,
            min_lines=1,
            max_lines=4,
            max_length=MAX_DESCRIPTION,
            counter="",
        ),
        _row(
            dropdown(
                "schedule-kind",
                label="Kind of work",
                value=editing.kind,
                options=[(k.value, k.value.capitalize()) for k in Kind],
                on_pick=lambda v: edit(kind=v or editing.kind),
                width=190,
            ),
            dropdown(
                "schedule-priority",
                label="Priority",
                value=editing.priority,
                options=[(p.value, p.value.capitalize()) for p in Priority],
                on_pick=lambda v: edit(priority=v or editing.priority),
                width=160,
            ),
            dropdown(
                "schedule-technician",
                label="Default technician",
                value=editing.assignee_id,
                options=[(NO_TECHNICIAN, "Nobody (orders start new)"), *technicians],
                on_pick=lambda v: edit(assignee_id=v or NO_TECHNICIAN),
            ),
        ),
        tagged(
            "schedule-signature",
            ft.Checkbox(
                label="Customer signature required",
                value=editing.requires_signature,
                on_change=lambda e: edit(requires_signature=bool(e.control.value)),
            ),
        ),
    ]
    checklist: list[ft.Control] = [_section("Checklist")]
    if templates:
        checklist.append(
            dropdown(
                "schedule-from-template",
                label="Copy the checklist of a template",
                value=None,
                options=[(str(t.id), f"{t.name} ({len(t.items)} items)") for t in templates],
                on_pick=lambda v: _copy_template(v, templates, act),
                width=360,
            )
        )
    if errors.get("checklist"):
        checklist.append(message_box(identifier="schedule-checklist-error", text=errors["checklist"]))
    checklist.append(
        ChecklistEditor(
            rows=editing.rows,
            update=act.update_rows,
            errors=errors,
            prefix="schedule-item",
            layout="two" if wide else "stack",
        )
    )
    paused = tagged(
        "schedule-paused",
        ft.Checkbox(
            label="Paused (no orders are made while paused)",
            value=editing.paused,
            on_change=lambda e: edit(paused=bool(e.control.value)),
        ),
    )
    body = ft.ListView(
        [*head, *what, *when, *order, *checklist, paused],
        spacing=12,
        expand=True,
        padding=ft.Padding.only(right=12, bottom=12),
    )
    return ft.Column([body, *_footer(editing, message=message, act=act)], spacing=8, expand=True)


def _copy_template(template_id: str, templates: list[TemplateView], act: FormActions) -> None:
    chosen = next((t for t in templates if str(t.id) == template_id), None)
    if chosen is not None:
        act.update_rows(lambda _rows: rows_from_items(chosen.items))


def _footer(editing: Editing, *, message: tuple[str, bool], act: FormActions) -> list[ft.Control]:
    actions: list[ft.Control] = [
        tagged(
            "schedule-save",
            ft.FilledButton(
                "Save schedule", icon=ft.Icons.SAVE, on_click=lambda: act.save(), height=MIN_TOUCH
            ),
            button=True,
        )
    ]
    if editing.id is not None:
        actions.append(
            tagged(
                "schedule-pause",
                ft.OutlinedButton(
                    "Resume" if editing.paused else "Pause",
                    icon=ft.Icons.PLAY_ARROW if editing.paused else ft.Icons.PAUSE,
                    on_click=lambda: act.toggle_pause(),
                    height=MIN_TOUCH,
                ),
                button=True,
            )
        )
    return editor_footer(prefix="schedule", message=message, actions=actions)
