"""`/templates`: the dispatchers' checklist templates, one per kind of work or more.

A list (name, kind, items, waiting to sync, archived) beside an editor on wide screens;
on a phone the editor replaces the list. Saving is one local transaction like every
change (synced to the other dispatchers); archiving hides a template from the create
form without deleting it. Ids: `template-new`, `template-row-<n>`, `template-name`,
`template-kind`, `template-item-<n>-…` (the checklist editor), `template-save`,
`template-archive`, `template-error`, `templates-show-archived`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import flet as ft

from app.domain import Kind
from app.domain.limits import MAX_NAME
from app.domain.rules import is_dispatcher
from app.services.desk_types import TemplateDraft, TemplateView
from app.services.types import ServiceError
from app.views.desk.checklist_editor import ChecklistEditor
from app.views.desk.checklist_rows import Rows, items_from_rows, rows_from_items
from app.views.desk.fields import dropdown
from app.views.desk.list_editor import editor_footer, list_beside_editor
from app.views.desk.order_form_parts import dispatchers_only
from app.views.desk.shell import DESK_WIDE, desk_view
from app.views.desk.template_tools import items_word
from app.views.shared.state import Session, use_session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, pending_mark, tagged

if TYPE_CHECKING:
    from app.services.desk_api import DeskApi

LIST_WIDTH = 340
ROOMY = 1500  # px of window from which the editor beside the list fits an item on one line


@dataclass(frozen=True, slots=True)
class _Editing:
    """The template being edited, as typed; `id` None for a new one."""

    id: uuid.UUID | None = None
    name: str = ""
    kind: str = Kind.REPAIR.value
    rows: Rows = ()
    archived: bool = False


def _editing(view: TemplateView) -> _Editing:
    return _Editing(
        id=view.id, name=view.name, kind=view.kind, rows=rows_from_items(view.items), archived=view.archived
    )


def _template_row(view: TemplateView, *, n: int, selected: bool, on_open: Any) -> ft.Control:
    facts = f"{view.kind.capitalize()} · {items_word(len(view.items))}" + (
        " · archived" if view.archived else ""
    )
    lines: list[ft.Control] = [
        ft.Text(view.name, weight=ft.FontWeight.W_600, max_lines=2),
        ft.Text(facts, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if view.pending:
        lines.append(pending_mark())
    return tagged(
        f"template-row-{n}",
        ft.Container(
            content=ft.Column(lines, spacing=2),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border_radius=10,
            bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
            ink=True,
            on_click=on_open,
        ),
        label=f"{view.name}, {facts}" + (", waiting to sync" if view.pending else ""),
        button=True,
        selected=selected,
    )


@ft.component
def TemplatesPanel(*, session: Session) -> ft.Control:
    services = cast("DeskApi", session.services)
    templates, set_templates = ft.use_state(cast(list[TemplateView], []))
    show_archived, set_show_archived = ft.use_state(False)
    editing, set_editing = ft.use_state(cast(_Editing | None, None))
    errors, set_errors = ft.use_state(cast(dict[str, str], {}))
    message, set_message = ft.use_state(("", False))  # (words, is an error)
    wide = session.width >= DESK_WIDE or session.width == 0

    def load() -> None:
        try:
            found = services.list_templates(kind=None, archived=show_archived)
        except Exception as err:
            set_message((f"Could not read the templates on this device: {err}", True))
            return
        set_templates(sorted(found, key=lambda t: (t.archived, t.kind, t.name.casefold())))

    ft.use_effect(load, [show_archived, session.revision])

    def edit(**changes: Any) -> None:
        set_editing(lambda e: replace(e, **changes) if e is not None else e)

    def update_rows(change: Any) -> None:
        set_editing(lambda e: replace(e, rows=change(e.rows)) if e is not None else e)

    def open_template(view: TemplateView | None) -> None:
        set_editing(_editing(view) if view is not None else _Editing())
        set_errors({})
        set_message(("", False))

    def save(*, archived: bool | None = None) -> None:
        if editing is None:
            return
        name = editing.name.strip()
        items, found = items_from_rows(editing.rows)
        if not name:
            found = {"name": "Give the template a name, e.g. “Boiler service”.", **found}
        elif not items and not found:
            found = {"checklist": "A template needs at least one item.", **found}
        set_errors(found)
        if found:
            set_message((f"Not saved: {next(iter(found.values()))}", True))
            return
        keep = editing.archived if archived is None else archived
        try:
            view = services.save_template(
                editing.id, TemplateDraft(name=name, kind=editing.kind, items=items, archived=keep)
            )
        except ServiceError as err:
            set_message((str(err) or "The template was not saved.", True))
            return
        except Exception as err:
            set_message((f"Could not save the template on this device: {err}", True))
            return
        set_editing(_editing(view))
        what = {None: "Saved", True: "Archived", False: "Restored"}[archived]
        set_message(
            (f"{what} “{view.name}”. It reaches the other dispatchers when this device syncs.", False)
        )

    listing: list[ft.Control] = [
        ft.Row(
            [
                tagged(
                    "template-new",
                    ft.FilledButton(
                        "New template",
                        icon=ft.Icons.ADD,
                        on_click=lambda: open_template(None),
                        height=MIN_TOUCH,
                    ),
                    button=True,
                ),
                tagged(
                    "templates-show-archived",
                    ft.Checkbox(
                        label="Show archived",
                        value=show_archived,
                        on_change=lambda e: set_show_archived(bool(e.control.value)),
                    ),
                ),
            ],
            spacing=12,
            wrap=True,
        )
    ]
    if not templates:
        listing.append(
            message_box(
                identifier="templates-empty",
                text="No templates yet. Make one here, or keep a checklist from the New order form.",
                error=False,
            )
        )
    listing += [
        _template_row(
            t,
            n=n,
            selected=editing is not None and editing.id == t.id,
            on_open=lambda _e, t=t: open_template(t),
        )
        for n, t in enumerate(templates, start=1)
    ]
    list_pane = tagged(
        "template-list", ft.ListView(listing, spacing=4, expand=True), label="Templates", expand=True
    )
    editor = _editor(
        editing,
        errors=errors,
        message=message,
        edit=edit,
        update_rows=update_rows,
        save=save,
        on_back=lambda: set_editing(None),
        wide=wide,
        roomy=session.width >= ROOMY,
    )
    return list_beside_editor(
        list_pane=list_pane, editor=editor, wide=wide, editing=editing is not None, list_width=LIST_WIDTH
    )


def _editor(
    editing: _Editing | None,
    *,
    errors: dict[str, str],
    message: tuple[str, bool],
    edit: Any,
    update_rows: Any,
    save: Any,
    on_back: Any,
    wide: bool,
    roomy: bool,
) -> ft.Control:
    if editing is None:
        return ft.Container(
            ft.Text("Choose a template to change it, or make a new one.", color=ft.Colors.ON_SURFACE_VARIANT),
            alignment=ft.Alignment.CENTER,
            expand=True,
        )
    head: list[ft.Control] = []
    if not wide:
        head.append(ft.TextButton("Back to the templates", icon=ft.Icons.ARROW_BACK, on_click=on_back))
    head += [
        ft.Text(
            "New template" if editing.id is None else "Change template",
            theme_style=ft.TextThemeStyle.TITLE_LARGE,
        ),
        ft.Row(
            [
                ft.Container(
                    tagged(
                        "template-name",
                        ft.TextField(
                            label="Name",
                            value=editing.name,
                            max_length=MAX_NAME,
                            counter="",
                            error=errors.get("name") or None,
                            on_change=lambda e: edit(name=e.control.value or ""),
                        ),
                        label="Template name",
                    ),
                    expand=True,
                ),
                dropdown(
                    "template-kind",
                    label="Kind of work",
                    value=editing.kind,
                    options=[(k.value, k.value.capitalize()) for k in Kind],
                    on_pick=lambda v: edit(kind=v or editing.kind),
                    width=200,
                ),
            ],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
    ]
    if editing.archived:
        head.append(
            message_box(
                identifier="template-archived",
                text="Archived: the New order form does not offer it.",
                error=False,
            )
        )
    body = ChecklistEditor(
        rows=editing.rows,
        update=update_rows,
        errors=errors,
        prefix="template-item",
        layout="line" if roomy else "two" if wide else "stack",
    )
    actions: list[ft.Control] = [
        tagged(
            "template-save",
            ft.FilledButton("Save template", icon=ft.Icons.SAVE, on_click=lambda: save(), height=MIN_TOUCH),
            button=True,
        ),
    ]
    if editing.id is not None:
        actions.append(
            tagged(
                "template-archive",
                ft.OutlinedButton(
                    "Restore" if editing.archived else "Archive",
                    icon=ft.Icons.UNARCHIVE_OUTLINED if editing.archived else ft.Icons.ARCHIVE_OUTLINED,
                    on_click=lambda: save(archived=not editing.archived),
                    height=MIN_TOUCH,
                ),
                button=True,
            )
        )
    footer = editor_footer(prefix="template", message=message, actions=actions)
    return ft.Column(
        [ft.ListView([*head, body], spacing=12, expand=True, padding=ft.Padding.only(right=12)), *footer],
        spacing=8,
        expand=True,
    )


@ft.component
def TemplatesScreen() -> ft.View:
    session = use_session()
    user = session.user
    if user is None or is_dispatcher(user.role):
        body: ft.Control = TemplatesPanel(session=session)
    else:
        body = dispatchers_only(
            identifier="templates-not-offered", words="Checklist templates are kept by the dispatchers."
        )
    return desk_view(
        session=session, route="/templates", selected="/templates", title="Checklist templates", body=body
    )
