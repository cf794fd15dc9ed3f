"""Checklist templates inside the create form: start from one (with Undo), or keep the
checklist being built as a new template of the order's kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import flet as ft

from app.domain.limits import MAX_NAME
from app.services.desk_types import TemplateDraft, TemplateView
from app.services.types import ServiceError
from app.views.desk.checklist_rows import Rows, Update, items_from_rows, rows_from_items
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi


@dataclass(frozen=True, slots=True)
class _Applied:
    template: TemplateView
    before: Rows  # what the checklist was, for Undo


def items_word(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


@ft.component
def TemplatePicker(
    *, session: Session, kind: str, rows: Rows, update: Update, on_save_as: Callable[[], None]
) -> ft.Control:
    services = cast("DeskApi", session.services)
    page = ft.context.page
    templates, set_templates = ft.use_state(cast(list[TemplateView], []))
    applied, set_applied = ft.use_state(cast(_Applied | None, None))
    problem, set_problem = ft.use_state("")

    def load() -> None:
        try:
            set_templates(services.list_templates(kind=kind))
            set_problem("")
        except Exception as err:  # building by hand still works
            set_problem(f"Could not read the templates on this device: {err}")

    ft.use_effect(load, [kind, session.revision])

    def choose(key: str) -> None:
        chosen = next((t for t in templates if str(t.id) == key), None)
        if chosen is None:
            return
        set_applied(_Applied(template=chosen, before=rows))
        update(lambda _rows: rows_from_items(chosen.items))

    def undo() -> None:
        if applied is not None:
            before = applied.before
            update(lambda _rows: before)
        set_applied(None)

    controls: list[ft.Control] = []
    tools: list[ft.Control] = []
    if templates:
        tools.append(
            tagged(
                "order-form-template",
                ft.Dropdown(
                    label=f"Start from a {kind} template",
                    value=str(applied.template.id) if applied else None,
                    options=[
                        ft.DropdownOption(key=str(t.id), text=f"{t.name} ({items_word(len(t.items))})")
                        for t in templates
                    ],
                    on_select=lambda e: choose(e.control.value or ""),
                    width=340,
                    enable_search=False,
                    leading_icon=ft.Icons.CONTENT_COPY,
                ),
                label=f"Start from a {kind} template",
            )
        )
    tools.append(
        tagged(
            "order-form-save-template",
            ft.OutlinedButton(
                "Save checklist as template",
                icon=ft.Icons.BOOKMARK_ADD_OUTLINED,
                on_click=on_save_as,
                disabled=not rows,
                height=MIN_TOUCH,
            ),
            label="Save this checklist as a template",
            button=True,
        )
    )
    tools.append(
        tagged(
            "templates-open",
            ft.TextButton(
                "Manage templates",
                icon=ft.Icons.LIBRARY_BOOKS_OUTLINED,
                on_click=lambda: page.navigate("/templates"),
                height=MIN_TOUCH,
            ),
            label="Manage templates",
            button=True,
        )
    )
    controls.append(ft.Row(tools, spacing=8, run_spacing=8, wrap=True))
    if not templates and not problem:
        controls.append(
            ft.Text(
                f"No {kind} templates yet: build the checklist below, then keep it with Save checklist as "
                "template.",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    if applied is not None:
        words = (
            f"From the template “{applied.template.name}” ({items_word(len(applied.template.items))}). "
            "Change it freely below."
        )
        controls.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
                    tagged(
                        "order-form-template-note",
                        ft.Text(words, size=13),
                        label=words,
                        expand=True,
                        exclude_semantics=True,
                    ),
                    tagged(
                        "order-form-template-undo",
                        ft.TextButton("Undo", icon=ft.Icons.UNDO, on_click=undo),
                        label="Undo: put back the checklist as it was",
                        button=True,
                    ),
                ],
                spacing=6,
            )
        )
    if problem:
        controls.append(message_box(identifier="order-form-template-error", text=problem))
    return ft.Column(controls, spacing=6)


@ft.component
def SaveTemplateDialog(
    *,
    session: Session,
    kind: str,
    rows: Rows,
    suggested: str,
    on_close: Callable[[], None],
    on_errors: Callable[[dict[str, str]], None],
) -> ft.Control:
    """Asks for the template's name, then saves the checklist as it stands (limits parsed)."""
    services = cast("DeskApi", session.services)
    name, set_name = ft.use_state(suggested)
    error, set_error = ft.use_state("")
    saved, set_saved = ft.use_state("")

    def save() -> None:
        if not name.strip():
            set_error("Give the template a name, e.g. “Boiler service”.")
            return
        items, problems = items_from_rows(rows)
        if problems:
            on_errors(problems)
            set_error("Some checklist items need fixing first: see the items marked in red.")
            return
        if not items:
            set_error("Add at least one item to the checklist first.")
            return
        try:
            view = services.save_template(None, TemplateDraft(name=name.strip(), kind=kind, items=items))
        except ServiceError as err:
            set_error(str(err) or "The template was not saved.")
            return
        except Exception as err:
            set_error(f"Could not save the template on this device: {err}")
            return
        set_error("")
        set_saved(f"Saved the {view.kind} template “{view.name}” ({items_word(len(view.items))}).")

    body: list[ft.Control]
    if saved:
        body = [
            tagged("template-saved", ft.Text(saved), label=saved, live_region=True, exclude_semantics=True)
        ]
        actions = [
            tagged(
                "template-name-done",
                ft.FilledButton("Done", on_click=on_close, height=MIN_TOUCH),
                button=True,
            )
        ]
    else:
        body = [
            ft.Text(
                f"Dispatchers can start any {kind} order from it. Technicians never see templates.", size=13
            ),
            tagged(
                "template-name-input",
                ft.TextField(
                    label="Template name",
                    value=name,
                    autofocus=True,
                    max_length=MAX_NAME,
                    on_change=lambda e: set_name(e.control.value or ""),
                    on_submit=lambda _e: save(),
                ),
                label="Template name",
            ),
        ]
        if error:
            body.append(message_box(identifier="template-name-error", text=error))
        actions = [
            tagged(
                "template-name-cancel",
                ft.TextButton("Back", on_click=on_close, height=MIN_TOUCH),
                button=True,
            ),
            tagged(
                "template-name-confirm",
                ft.FilledButton("Save template", on_click=save, height=MIN_TOUCH),
                button=True,
            ),
        ]
    ft.use_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text("Save checklist as template"),
            content=ft.Column(body, tight=True, width=400, spacing=10),
            actions=actions,
            on_dismiss=lambda: on_close(),
        )
    )
    return ft.Container(width=0, height=0)
