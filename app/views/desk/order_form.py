"""`/orders/new`: a dispatcher creates an order with every field of the work order.

Due time follows the priority (urgent 4 h, high 24 h, normal 3 d, low 7 d) and says so
until the user sets one. Customer and site are chosen from those seen before or typed
new. The checklist starts from a template of the order's kind or is built by hand, and
can be kept as a template. Save is one local transaction (offline like everything else:
the order shows a provisional number until synced) and opens the new order; what is wrong
is said next to the field and above Save, and nothing typed is lost.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import flet as ft

from app.domain.rules import is_dispatcher
from app.services.desk_types import KnownPlaces
from app.services.types import ServiceError
from app.views.desk.checklist_editor import ChecklistEditor
from app.views.desk.order_draft import (
    FormState,
    build_draft,
    default_due_at,
    due_fields,
    error_summary,
    parse_due,
)
from app.views.desk.order_edit import changed_fields, changes_text, form_from_draft, keep_unshown
from app.views.desk.order_form_parts import (
    ERROR_KEY,
    KIND_WORD,
    customer_fields,
    dispatchers_only,
    dropdown,
    due_block,
    form_field,
    priority_choice,
    save_bar,
    section,
    site_fields,
    text_field,
)
from app.views.desk.shell import DESK_WIDE, desk_view
from app.views.desk.skills import SkillsField
from app.views.desk.template_tools import SaveTemplateDialog, TemplatePicker
from app.views.shared.state import Session, use_session
from app.views.shared.widgets import tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi
    from app.services.desk_types import OrderEdit

NOBODY = "none"
_STRETCH = ft.CrossAxisAlignment.STRETCH


def _technicians(services: DeskApi) -> list[tuple[str, str]]:
    """Every active technician (the board has a lane each), with how loaded they are today."""
    lanes = services.board().lanes
    return [
        (str(lane.technician_id), f"{lane.display_name} · {lane.open_today} open today ({lane.load_words})")
        for lane in lanes
    ]


@ft.component
def OrderForm(*, session: Session, editing: OrderEdit | None = None) -> ft.Control:
    """The create form; with `editing`, the same form over an order that exists (`save_edit`)."""
    services = cast("DeskApi", session.services)
    page = ft.context.page
    form, set_form = ft.use_state(lambda: form_from_draft(editing.draft) if editing else FormState())
    known_skills, set_known_skills = ft.use_state(cast(list[str], []))
    errors, set_errors = ft.use_state(cast(dict[str, str], {}))
    problem, set_problem = ft.use_state("")
    saving, set_saving = ft.use_state(False)
    places, set_places = ft.use_state(cast(KnownPlaces | None, None))
    technicians, set_technicians = ft.use_state(cast(list[tuple[str, str]], []))
    picking_date, set_picking_date = ft.use_state(False)
    naming, set_naming = ft.use_state(False)
    wide = session.width >= DESK_WIDE or session.width == 0
    back = f"/orders/{editing.number}" if editing else "/orders"

    def load_choices() -> None:
        # Offered, not required: the form works with everything typed new.
        try:
            set_places(services.known_places())
        except Exception as err:
            set_problem(f"Could not read the customers and sites seen before: {err}")
        try:
            set_known_skills(services.known_skills())
        except Exception as err:
            set_problem(f"Could not read the skills known on this device: {err}")
        if editing is not None:
            return  # the technician is changed from the order's Assign, not here
        try:
            set_technicians(_technicians(services))
        except Exception as err:
            set_problem(f"Could not read the technicians on this device: {err}")

    ft.use_effect(load_choices, [])

    def edit(**changes: Any) -> None:
        set_form(lambda f: replace(f, **changes))
        # A field being changed is being fixed: its message goes until the next Save.
        touched = {ERROR_KEY.get(k, k) for k in changes}
        if touched & errors.keys():
            set_errors(lambda e: {k: v for k, v in e.items() if k not in touched})

    def update_rows(change: Any) -> None:
        set_form(lambda f: replace(f, rows=change(f.rows)))

    def save() -> None:
        if saving:
            return
        draft, found = build_draft(form)
        set_errors(found)
        set_problem("")
        if draft is None:
            set_problem("")  # the summary of `errors` says it, and goes as they are fixed
            return
        if editing is not None:
            draft = keep_unshown(draft, base=editing.draft)
            if not changed_fields(editing.draft, draft):
                page.navigate(back)  # nothing to send: Save is as good as Cancel
                return
        set_saving(True)
        try:
            if editing is not None:
                detail = services.save_edit(editing.order_id, draft)
            else:
                detail = services.create_order(draft)
        except ServiceError as err:
            set_problem(str(err) or "The order was not saved.")
            set_saving(False)
            return
        except Exception as err:  # never a traceback in the user's face; the form keeps everything
            set_problem(f"Could not save the order on this device: {err}")
            set_saving(False)
            return
        page.navigate(f"/orders/{detail.summary.number}")

    def picked_date(value: datetime | None) -> None:
        set_picking_date(False)
        if value is None:
            return
        now = datetime.now().astimezone()
        shown = form.due_time if form.due_set else due_fields(default_due_at(form.priority, now=now))[1]
        edit(due_set=True, due_date=f"{value:%Y-%m-%d}", due_time=shown)

    ft.use_dialog(
        _calendar(form, on_pick=picked_date, on_dismiss=lambda: set_picking_date(False))
        if picking_date
        else None
    )

    now = datetime.now().astimezone()
    skills = section(
        "Required skills",
        ft.Text(
            "The suggestion puts technicians with these skills first.",
            size=12,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        SkillsField(skills=form.skills, known=known_skills, on_change=lambda v: edit(skills=v)),
        identifier="order-form-skills-section",
    )
    work = section(
        "The work",
        form_field(
            "order-form-title",
            "title",
            label="Title",
            form=form,
            edit=edit,
            errors=errors,
            autofocus=True,
            hint_text="What needs doing, in a few words",
        ),
        form_field(
            "order-form-description",
            "description",
            label="Description",
            form=form,
            edit=edit,
            errors=errors,
            multiline=True,
            min_lines=3,
            max_lines=8,
        ),
        _kind_and_asset(form=form, edit=edit, error=errors.get("asset", ""), wide=wide),
        priority_choice(value=form.priority, on_pick=lambda v: edit(priority=v)),
        due_block(
            form=form,
            now=now,
            edit=edit,
            error=errors.get("due", ""),
            on_pick_date=lambda: set_picking_date(True),
            editing=editing is not None,
        ),
        tagged(
            "order-form-signature",
            ft.Checkbox(
                label="Needs the customer's signature",
                value=form.requires_signature,
                on_change=lambda e: edit(requires_signature=bool(e.control.value)),
            ),
            label="Requires signature",
        ),
    )
    who = section(
        "Who does it",
        dropdown(
            "order-form-assignee",
            label="Technician",
            value=form.assignee or NOBODY,
            options=[(NOBODY, "Nobody yet: goes to the unassigned queue"), *technicians],
            on_pick=lambda v: edit(assignee="" if v == NOBODY else v),
            leading_icon=ft.Icons.ENGINEERING_OUTLINED,
        ),
        ft.Text(
            "Leave it to the board's suggestion, or choose someone now.",
            size=12,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
    )
    customer = section("Customer", *customer_fields(form=form, places=places, edit=edit, errors=errors))
    site = section("Site", *site_fields(form=form, places=places, edit=edit, errors=errors))
    editor = ChecklistEditor(
        rows=form.rows,
        update=update_rows,
        errors=errors,
        layout="line" if wide else "stack",
        fixed=editing.fixed_items if editing else frozenset(),
        kind_fixed=editing.kind_fixed_items if editing else frozenset(),
    )
    # An order's checklist is edited item by item: a template would replace items the server has.
    picker = (
        []
        if editing
        else [
            TemplatePicker(
                session=session,
                kind=form.kind,
                rows=form.rows,
                update=update_rows,
                on_save_as=lambda: set_naming(True),
            )
        ]
    )
    checklist = section("Checklist", *picker, editor, identifier="order-form-checklist")
    # Without the technician (changed from Assign), an edit's skills fill the left column.
    left, right = ([work, skills], [customer, site]) if editing else ([work, who], [skills, customer, site])
    if wide:
        columns: list[ft.Control] = [
            ft.Row(
                [
                    ft.Column(left, spacing=16, expand=3, horizontal_alignment=_STRETCH),
                    ft.Column(right, spacing=16, expand=2, horizontal_alignment=_STRETCH),
                ],
                spacing=16,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
            checklist,
        ]
    else:
        columns = [*left, *right, checklist]
    if naming:
        columns.append(
            SaveTemplateDialog(
                session=session,
                kind=form.kind,
                rows=form.rows,
                suggested=form.title.strip(),
                on_close=lambda: set_naming(False),
                on_errors=lambda e: set_errors(e),
            )
        )
    return ft.Column(
        [
            ft.ListView(
                columns,
                expand=True,
                spacing=16,
                padding=ft.Padding.only(right=12, bottom=16),
                # A few sections, all built: a field scrolled out of view while it has focus
                # is not torn down (and its text lost) by the lazy list.
                build_controls_on_demand=False,
            ),
            save_bar(
                problem=error_summary(errors) or problem,
                saving=saving,
                wide=wide,
                on_save=save,
                on_cancel=lambda: page.navigate(back),
                **_bar_words(form, editing),
            ),
        ],
        spacing=8,
        expand=True,
    )


def _calendar(form: FormState, *, on_pick: Any, on_dismiss: Any) -> ft.DatePicker:
    """The calendar opens on the due date shown (the user's, or the priority's default)."""
    now = datetime.now().astimezone()
    shown = default_due_at(form.priority, now=now)
    if form.due_set:
        with contextlib.suppress(ValueError):
            shown = parse_due(form.due_date, form.due_time)
    day = shown.replace(tzinfo=None)
    return ft.DatePicker(
        value=day,
        current_date=now.replace(tzinfo=None),
        first_date=min(day, now.replace(tzinfo=None)) - timedelta(days=1),
        last_date=max(day, now.replace(tzinfo=None)) + timedelta(days=3 * 366),
        help_text="Due date",
        on_change=lambda e: on_pick(e.control.value),
        on_dismiss=on_dismiss,
    )


def _bar_words(form: FormState, editing: OrderEdit | None) -> dict[str, str]:
    """What the save bar says: for an edit, what Save would change."""
    if editing is None:
        return {"note": "Saved on this device at once; it gets its number from the server when it syncs."}
    draft, _errors = build_draft(form)
    changed = changed_fields(editing.draft, keep_unshown(draft, base=editing.draft)) if draft else []
    return {
        "note": changes_text(changed) + " Saved on this device at once; sent to the server when it syncs.",
        "save_words": "Save changes",
        "cancel_label": "Cancel: back to the order",
    }


def _kind_and_asset(*, form: FormState, edit: Any, error: str, wide: bool) -> ft.Control:
    kind = dropdown(
        "order-form-kind",
        label="Kind of work",
        value=form.kind,
        options=list(KIND_WORD.items()),
        on_pick=lambda v: edit(kind=v or form.kind),
        width=200 if wide else None,
    )
    asset = text_field(
        "order-form-asset",
        label="Asset (optional)",
        value=form.asset,
        on_text=lambda t: edit(asset=t),
        error=error,
        hint_text="e.g. AHU-2, Boiler 1",
    )
    if not wide:  # a phone: one field under the other
        return ft.Column([ft.Row([kind]), asset], spacing=10, horizontal_alignment=_STRETCH)
    return ft.Row(
        [kind, ft.Container(asset, expand=True)], spacing=12, vertical_alignment=ft.CrossAxisAlignment.START
    )


@ft.component
def OrderFormScreen() -> ft.View:
    session = use_session()
    user = session.user
    if user is None or is_dispatcher(user.role):
        body: ft.Control = OrderForm(session=session)
    else:
        body = dispatchers_only(
            identifier="order-form-not-offered",
            words="Dispatchers create orders here. Follow-up work is added from an order you are working on.",
        )
    return desk_view(session=session, route="/orders/new", selected="/orders", title="New order", body=body)
