"""`/schedules`: the dispatchers' preventive maintenance schedules.

A list (`schedule-list`: name, site or asset, how often, next due, technician, paused,
waiting to sync) beside the editor (app.views.desk.schedule_form) on wide screens; on a
phone the editor replaces the list. `schedule-create` opens an empty form. Saving, pausing
and resuming are each one local transaction like every change: they work offline and
reach the server (which makes the orders) with the next sync. Row ids: `schedule-row-<n>`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import flet as ft

from app.domain.rules import is_dispatcher
from app.domain.schedules import DEFAULT_TIMEZONE, Anchor, every_words, is_zone
from app.services.desk_types import TemplateView
from app.services.schedules import ScheduleDraft, ScheduleInvalid, ScheduleView
from app.services.types import ServiceError
from app.views.desk.checklist_rows import items_from_rows
from app.views.desk.list_editor import list_beside_editor
from app.views.desk.order_form_parts import dispatchers_only
from app.views.desk.schedule_form import NO_TECHNICIAN, Editing, FormActions, editing_of, schedule_form
from app.views.desk.shell import DESK_WIDE, desk_view
from app.views.shared.state import Session, use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, pending_mark, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi
    from app.services.schedules_api import ScheduleApi

    class _Services(DeskApi, ScheduleApi): ...


LIST_WIDTH = 380


def local_zone() -> str:
    """This machine's IANA zone, for a new schedule (UTC when it cannot be told)."""
    named = os.environ.get("TZ", "").lstrip(":")
    target = os.path.realpath("/etc/localtime")
    if not named and "zoneinfo/" in target:
        named = target.split("zoneinfo/", 1)[1]
    if named in ("Etc/UTC", "Etc/Universal", "UCT", "Universal", "Zulu"):
        return DEFAULT_TIMEZONE  # the same zone, by the name people know
    return named if named and is_zone(named) else DEFAULT_TIMEZONE


def _due_words(view: ScheduleView) -> str:
    if view.next_due_on:
        try:
            day = date.fromisoformat(view.next_due_on)
        except ValueError:
            return f"next due {view.next_due_on}"
        return f"next due {day.strftime('%a %d %b %Y').replace(' 0', ' ')}"
    if view.anchor == Anchor.COMPLETION.value:
        return "next after the open order is done"
    return "no date yet"


def _schedule_row(view: ScheduleView, *, n: int, selected: bool, on_open: Any) -> ft.Control:
    place = " · ".join(p for p in (view.site_name, view.asset) if p)
    how = every_words(view.every_n, view.every_unit) + (
        " after completion" if view.anchor == Anchor.COMPLETION.value else ""
    )
    facts = f"{how} · {_due_words(view)}"
    who = view.assignee_name or "No default technician"
    title = view.name + (" (paused)" if view.paused else "")
    lines: list[ft.Control] = [
        ft.Text(title, weight=ft.FontWeight.W_600, max_lines=2),
        ft.Text(place, size=13, max_lines=1),
        ft.Text(facts, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Text(who, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if view.pending:
        lines.append(pending_mark())
    spoken = ", ".join(
        w
        for w in (
            view.name,
            place,
            facts,
            who,
            "paused" if view.paused else "",
            "waiting to sync" if view.pending else "",
        )
        if w
    )
    return tagged(
        f"schedule-row-{n}",
        ft.Container(
            content=ft.Column(lines, spacing=2),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border_radius=10,
            bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
            ink=True,
            on_click=on_open,
        ),
        label=spoken,
        button=True,
        selected=selected,
        key=f"schedule-{view.id}",
    )


def _draft(editing: Editing, items: list[Any], *, paused: bool) -> ScheduleDraft:
    return ScheduleDraft(
        name=editing.name,
        site_name=editing.site_name,
        site_address=editing.site_address,
        asset=editing.asset,
        every_n=editing.every_n,
        every_unit=editing.every_unit,
        anchor=editing.anchor,
        starts_on=editing.starts_on,
        lead_days=editing.lead_days,
        title=editing.title,
        description=editing.description,
        kind=editing.kind,
        priority=editing.priority,
        requires_signature=editing.requires_signature,
        items=items,
        assignee_id=None if editing.assignee_id == NO_TECHNICIAN else editing.assignee_id,
        paused=paused,
        timezone=editing.timezone,
    )


@ft.component
def SchedulesPanel(*, session: Session) -> ft.Control:
    services = cast("_Services", session.services)
    found, set_found = ft.use_state(cast(list[ScheduleView], []))
    templates, set_templates = ft.use_state(cast(list[TemplateView], []))
    technicians, set_technicians = ft.use_state(cast(list[tuple[str, str]], []))
    editing, set_editing = ft.use_state(cast(Editing | None, None))
    errors, set_errors = ft.use_state(cast(dict[str, str], {}))
    message, set_message = ft.use_state(("", False))  # (words, is an error)
    wide = session.width >= DESK_WIDE or session.width == 0

    def load() -> None:
        try:
            set_found(services.list_schedules())
            set_templates(services.list_templates(kind=None, archived=False))
            set_technicians([(t.id, t.name) for t in services.schedule_technicians()])
        except Exception as err:
            set_message((f"Could not read the schedules on this device: {err}", True))

    ft.use_effect(load, [session.revision])

    def edit(**changes: Any) -> None:
        set_editing(lambda e: replace(e, **changes) if e is not None else e)

    def update_rows(change: Any) -> None:
        set_editing(lambda e: replace(e, rows=change(e.rows)) if e is not None else e)

    def open_schedule(view: ScheduleView | None) -> None:
        if view is not None:
            set_editing(editing_of(view))
        else:
            set_editing(Editing(starts_on=datetime.now().date().isoformat(), timezone=local_zone()))
        set_errors({})
        set_message(("", False))

    def after_save(view: ScheduleView, words: str) -> None:
        set_editing(editing_of(view))
        set_errors({})
        set_message((f"{words} “{view.name}”. The server makes its orders once this device syncs.", False))

    def save() -> None:
        if editing is None:
            return
        items, row_errors = items_from_rows(editing.rows)
        if row_errors:
            set_errors(row_errors)
            set_message((f"Not saved: {next(iter(row_errors.values()))}", True))
            return
        try:
            view = services.save_schedule(editing.id, _draft(editing, items, paused=editing.paused))
        except ScheduleInvalid as err:
            set_errors(err.problems)
            set_message((f"Not saved: {err}", True))
            return
        except ServiceError as err:
            set_message((str(err) or "The schedule was not saved.", True))
            return
        after_save(view, "Saved")

    def toggle_pause() -> None:
        if editing is None or editing.id is None:
            return
        try:
            view = services.pause_schedule(editing.id, paused=not editing.paused)
        except ServiceError as err:
            set_message((str(err) or "The schedule was not changed.", True))
            return
        after_save(view, "Paused" if view.paused else "Resumed")

    listing: list[ft.Control] = [
        tagged(
            "schedule-create",
            ft.FilledButton(
                "New schedule", icon=ft.Icons.ADD, on_click=lambda: open_schedule(None), height=MIN_TOUCH
            ),
            button=True,
        )
    ]
    if not found:
        # In a container of its own: when the first schedule comes, Flet replaces it rather
        # than turning it into the row (the browser kept the old semantics id then).
        listing.append(
            ft.Container(
                message_box(
                    identifier="schedules-empty",
                    text="No maintenance schedules yet. Make one: the server makes its orders ahead of time.",
                    error=False,
                )
            )
        )
    listing += [
        _schedule_row(
            view,
            n=n,
            selected=editing is not None and editing.id == view.id,
            on_open=lambda _e, v=view: open_schedule(v),
        )
        for n, view in enumerate(found, start=1)
    ]
    list_pane = tagged(
        "schedule-list",
        ft.ListView(listing, spacing=4, expand=True),
        label="Maintenance schedules",
        expand=True,
    )
    form = schedule_form(
        editing,
        errors=errors,
        message=message,
        technicians=technicians,
        templates=templates,
        act=FormActions(
            edit=edit,
            update_rows=update_rows,
            save=save,
            toggle_pause=toggle_pause,
            back=lambda: set_editing(None),
        ),
        wide=wide,
    )
    return list_beside_editor(
        list_pane=list_pane, editor=form, wide=wide, editing=editing is not None, list_width=LIST_WIDTH
    )


@ft.component
def SchedulesScreen() -> ft.View:
    session = use_session()
    user = session.user
    if user is None or is_dispatcher(user.role):
        body: ft.Control = SchedulesPanel(session=session)
    else:
        body = dispatchers_only(
            identifier="schedules-not-offered", words="Maintenance schedules are kept by the dispatchers."
        )
    return desk_view(
        session=session, route="/schedules", selected="/schedules", title="Maintenance schedules", body=body
    )
