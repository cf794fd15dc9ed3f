"""Pieces of the create form that hold no state: labelled fields, the priority choice, the
due time, the customer and site pickers. The form (`order_form.py`) owns the state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import flet as ft

from app.domain import Kind
from app.services.desk_types import KnownPlaces
from app.views.desk.fields import dropdown, text_field
from app.views.desk.order_draft import FormState, default_due_at, default_due_words, due_fields
from app.views.shared.priority_chips import priority_chips
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

Edit = Callable[..., None]  # edit(field=value, ...)
__all__ = ["dropdown", "text_field"]  # the form takes its fields from here too

KIND_WORD: dict[str, str] = {k.value: k.value.capitalize() for k in Kind}
# Which message a field's change clears (the due date and time share one).
ERROR_KEY = {
    "due_date": "due",
    "due_time": "due",
    "due_set": "due",
    "customer_name": "customer",
    "site_name": "site",
}


def section(title: str, *controls: ft.Control, identifier: str | None = None) -> ft.Control:
    head = ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
    body = ft.Column([head, *controls], spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    box = ft.Container(
        body,
        padding=ft.Padding.all(16),
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=12,
    )
    return tagged(identifier, box) if identifier else box


def form_field(
    identifier: str, name: str, *, label: str, form: FormState, edit: Edit, errors: dict[str, str], **kw: Any
) -> ft.Control:
    """A text field over the form's field `name`: its value, its message, and typing edits it."""
    return text_field(
        identifier,
        label=label,
        value=getattr(form, name),
        on_text=lambda t: edit(**{name: t}),
        error=errors.get(ERROR_KEY.get(name, name), ""),
        **kw,
    )


def priority_choice(*, value: str, on_pick: Callable[[str], None]) -> ft.Control:
    return priority_chips(prefix="order-form-priority", value=value, on_pick=on_pick)


def due_block(
    *,
    form: FormState,
    now: datetime,
    edit: Edit,
    error: str,
    on_pick_date: Callable[[], None],
    editing: bool = False,
) -> ft.Control:
    """The due time: the priority's default (said so) until the user types or picks their own.
    An order being edited has its own due time: changed by typing or picking, never reset."""
    shown_date, shown_time = (
        (form.due_date, form.due_time) if form.due_set else due_fields(default_due_at(form.priority, now=now))
    )

    def typed(**changes: str) -> None:
        # The first change keeps the other half of the default on screen as the user's own.
        edit(due_set=True, due_date=shown_date, due_time=shown_time, **changes)

    fields = ft.Row(
        [
            text_field(
                "order-form-due-date",
                label="Due date",
                value=shown_date,
                width=150,
                on_text=lambda t: typed(due_date=t),
                hint_text="2025-11-26",
            ),
            text_field(
                "order-form-due-time",
                label="Time",
                value=shown_time,
                width=100,
                on_text=lambda t: typed(due_time=t),
                hint_text="14:30",
            ),
            tagged(
                "order-form-due-pick",
                ft.IconButton(
                    ft.Icons.CALENDAR_MONTH,
                    tooltip="Pick the date on a calendar",
                    on_click=on_pick_date,
                    width=MIN_TOUCH,
                    height=MIN_TOUCH,
                ),
                label="Pick the due date on a calendar",
                button=True,
            ),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
    if editing:
        note: ft.Control = ft.Text(
            "The order's due time: type or pick a new one to move it.",
            size=13,
            color=ft.Colors.ON_SURFACE_VARIANT,
        )
    elif form.due_set:
        note = ft.Row(
            [
                ft.Icon(ft.Icons.EDIT_CALENDAR, size=16, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text("Set by you.", size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                tagged(
                    "order-form-due-default",
                    ft.TextButton("Use the priority's default", on_click=lambda: edit(due_set=False)),
                    label="Use the priority's default due time",
                    button=True,
                ),
            ],
            spacing=6,
            wrap=True,
        )
    else:
        words = default_due_words(form.priority) + ". Change it to set your own."
        note = tagged(
            "order-form-due-note",
            ft.Row(
                [
                    ft.Icon(ft.Icons.AUTO_MODE, size=16, color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(
                        words,
                        size=13,
                        color=ft.Colors.ON_SURFACE_VARIANT,
                        expand=True,
                    ),
                ],
                spacing=6,
            ),
            label=words,
            exclude_semantics=True,
        )
    controls: list[ft.Control] = [fields, note]
    if error:
        controls.append(
            tagged(
                "order-form-due-error",
                ft.Text(error, color=ft.Colors.ERROR, size=13),
                label=error,
                exclude_semantics=True,
            )
        )
    return ft.Column(controls, spacing=4)


def _seen_before(
    identifier: str,
    *,
    what: str,
    known: list[dict[str, Any]],
    keys: tuple[str, ...],
    icon: ft.IconData,
    on_pick: Callable[[dict[str, Any]], None],
) -> list[ft.Control]:
    """The choice of the customers or sites seen before (nothing when there are none)."""
    if not known:
        return []

    def pick(key: str) -> None:
        if key.isdigit() and int(key) < len(known):
            on_pick(known[int(key)])

    return [
        dropdown(
            identifier,
            label=f"Choose a {what} seen before ({len(known)})",
            value=None,
            options=[(str(i), " · ".join(str(p[k]) for k in keys if p.get(k))) for i, p in enumerate(known)],
            on_pick=pick,
            leading_icon=icon,
            menu_height=320,
        )
    ]


def customer_fields(
    *, form: FormState, places: KnownPlaces | None, edit: Edit, errors: dict[str, str]
) -> list[ft.Control]:
    def pick(c: dict[str, Any]) -> None:
        edit(customer_name=str(c.get("name") or ""), customer_contact=str(c.get("contact") or ""))

    field = partial(form_field, form=form, edit=edit, errors=errors)
    return [
        *_seen_before(
            "order-form-customer-known",
            what="customer",
            known=list(places.customers) if places else [],
            keys=("name", "contact"),
            icon=ft.Icons.PERSON_SEARCH,
            on_pick=pick,
        ),
        field(
            "order-form-customer",
            "customer_name",
            label="Customer name",
            hint_text="Typed new, or chosen above",
        ),
        field("order-form-customer-contact", "customer_contact", label="Contact (person, phone, email)"),
    ]


def site_fields(
    *, form: FormState, places: KnownPlaces | None, edit: Edit, errors: dict[str, str]
) -> list[ft.Control]:
    def pick(s: dict[str, Any]) -> None:
        edit(
            site_name=str(s.get("name") or ""),
            site_address=str(s.get("address") or ""),
            site_lat="" if s.get("lat") is None else str(s["lat"]),
            site_lon="" if s.get("lon") is None else str(s["lon"]),
        )

    field = partial(form_field, form=form, edit=edit, errors=errors)
    number = ft.KeyboardType.NUMBER
    return [
        *_seen_before(
            "order-form-site-known",
            what="site",
            known=list(places.sites) if places else [],
            keys=("name", "address"),
            icon=ft.Icons.LOCATION_SEARCHING,
            on_pick=pick,
        ),
        field("order-form-site", "site_name", label="Site name", hint_text="Typed new, or chosen above"),
        field("order-form-site-address", "site_address", label="Address"),
        ft.Row(
            [
                ft.Container(
                    field("order-form-site-lat", "site_lat", label="Latitude", keyboard_type=number),
                    expand=True,
                ),
                ft.Container(
                    field("order-form-site-lon", "site_lon", label="Longitude", keyboard_type=number),
                    expand=True,
                ),
            ],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        ft.Text(
            "Coordinates let the suggestion rank technicians by distance.",
            size=12,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
    ]


def dispatchers_only(*, identifier: str, words: str) -> ft.Control:
    """What a technician who follows a link to a dispatcher's screen sees, with the way back."""
    page = ft.context.page
    return ft.Column(
        [
            message_box(identifier=identifier, text=words, error=False),
            ft.TextButton("Go to my orders", on_click=lambda: page.navigate("/orders"), height=MIN_TOUCH),
        ]
    )


def save_bar(
    *,
    problem: str,
    saving: bool,
    wide: bool,
    on_save: Callable[[], None] | None,
    on_cancel: Callable[[], None],
    note: str,
    save_words: str = "Save order",
    cancel_label: str = "Cancel: back to the orders",
) -> ft.Control:
    """Always in view at the bottom: what is wrong, Cancel and the one big Save (none without
    `on_save`: nothing may be saved)."""
    controls: list[ft.Control] = []
    if problem:
        controls.append(message_box(identifier="order-form-error", text=problem))
    save: list[ft.Control] = []
    if on_save is not None:
        save.append(
            tagged(
                "order-form-save",
                ft.FilledButton(
                    "Saving…" if saving else save_words,
                    icon=ft.Icons.SAVE,
                    on_click=on_save,
                    disabled=saving,
                    height=MIN_TOUCH,
                ),
                label=save_words,
                button=True,
            )
        )
    controls.append(
        ft.Row(
            [
                tagged(
                    "order-form-note",
                    ft.Text(note if wide else "", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    label=note,
                    exclude_semantics=True,
                    expand=True,
                ),
                tagged(
                    "order-form-cancel",
                    ft.TextButton("Cancel", on_click=on_cancel, height=MIN_TOUCH),
                    label=cancel_label,
                    button=True,
                ),
                *save,
            ],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    )
    return ft.Container(
        ft.Column(controls, spacing=4),
        padding=ft.Padding.only(top=8, right=12),
        border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
