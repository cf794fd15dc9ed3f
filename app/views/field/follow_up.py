"""Follow-up work: "Needs more work" makes a new order linked to this one, offline.

The form opens from the order's "Needs more work" button, or prefilled from a failed
pass/fail item ("Raise follow-up" on its row). Save is one local write (the services make
the new order, new and unassigned at the same site, under a provisional number until it
syncs; name this order at the top of its description; add a note on this order; and add the
photos of this order the user kept ticked), then the new order opens: the user sees it was
made, and may add more photos there (its creator may, offline too).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import flet as ft

from app.domain import Kind, Priority
from app.domain.limits import MAX_TITLE
from app.services.types import ChecklistItemView, OrderDetail, PhotoView, ServiceError
from app.views.order.photos import thumbnail
from app.views.shared.priority_chips import priority_chips
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

KIND_WORD: dict[Kind, str] = {
    Kind.REPAIR: "Repair",
    Kind.MAINTENANCE: "Maintenance",
    Kind.INSPECTION: "Inspection",
    Kind.INSTALLATION: "Installation",
}
THUMB = 48  # px: a photo's thumbnail in the form, as tall as its checkbox row


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What the order screen places: the button, and the way a failed item opens the form."""

    button: ft.Control | None = None  # `followup-open`; None where the rulebook does not offer it
    for_item: Callable[[ChecklistItemView], None] | None = None  # prefilled from a failed item


@dataclass(frozen=True, slots=True)
class Draft:
    """The form's fields while it is open."""

    title: str = ""
    description: str = ""
    priority: str = Priority.NORMAL.value
    kind: str = Kind.REPAIR.value
    photo_ids: frozenset[uuid.UUID] = frozenset()  # photos of this order to add to the new one


# --- the words (pure: tests/views/test_follow_up_view.py) ---------------------------------


def item_title(item: ChecklistItemView) -> str:
    """The title "Follow-up: <item label>", shortened with an ellipsis to fit an order's title."""
    title = f"Follow-up: {item.label.strip()}"
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


def item_description(item: ChecklistItemView, *, number: str) -> str:
    """What failed, where: the item by its position and label on this order's number."""
    return f"Failed on {number}: checklist item {item.position}, “{item.label.strip()}”."


def item_draft(item: ChecklistItemView, *, number: str, photos: Sequence[PhotoView]) -> Draft:
    """The form as a failed item opens it. Checklist items carry no photos of their own: the
    order's photos start ticked (the ones just taken of the fault are among them), and the
    user unticks the others."""
    return Draft(
        title=item_title(item),
        description=item_description(item, number=number),
        photo_ids=frozenset(p.id for p in photos),
    )


def link_text(number: str) -> str:
    """What Save does besides making the order, said before it does it."""
    return (
        f"Makes a new order at the same site for a dispatcher to assign. "
        f"It says it follows up {number}, and {number} gets a note about it."
    )


def photos_heading(*, chosen: int, total: int, number: str) -> str:
    return f"Photos from {number} for the new order: {chosen} of {total} chosen"


def photo_words(photo: PhotoView, *, position: int) -> str:
    caption = photo.caption.strip()
    return f"Photo {position}: {caption}" if caption else f"Photo {position}"


def toggled(chosen: frozenset[uuid.UUID], photo_id: uuid.UUID, on: bool) -> frozenset[uuid.UUID]:
    return chosen | {photo_id} if on else chosen - {photo_id}


# --- the form --------------------------------------------------------------------------


def _priority_chips(*, value: str, on_pick: Callable[[str], None]) -> ft.Control:
    return priority_chips(prefix="followup-priority", value=value, on_pick=on_pick)


def _photo_choices(
    *,
    photos: Sequence[PhotoView],
    chosen: frozenset[uuid.UUID],
    number: str,
    on_toggle: Callable[[uuid.UUID, bool], None],
) -> ft.Control:
    rows: list[ft.Control] = [
        ft.Text(
            photos_heading(chosen=sum(p.id in chosen for p in photos), total=len(photos), number=number),
            size=12,
            color=ft.Colors.ON_SURFACE_VARIANT,
        )
    ]
    for n, photo in enumerate(photos, start=1):
        words, ticked = photo_words(photo, position=n), photo.id in chosen
        row = ft.Row(
            [
                ft.Checkbox(
                    value=ticked,
                    on_change=lambda e, pid=photo.id: on_toggle(pid, bool(e.control.value)),
                    height=MIN_TOUCH,
                ),
                thumbnail(photo.thumbnail, size=THUMB),
                ft.Text(words, expand=True, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
            ],
            spacing=8,
        )
        rows.append(
            tagged(
                f"followup-photo-{n}",
                # The whole row ticks, not only the box: a gloved thumb finds the picture.
                ft.Container(
                    content=row,
                    on_click=lambda _e, pid=photo.id, on=not ticked: on_toggle(pid, on),
                    ink=True,
                    border_radius=8,
                ),
                label=f"{words}, " + ("added to the new order" if ticked else "not added"),
            )
        )
    return ft.Column(rows, spacing=4)


def _kind_choice(*, value: str, on_pick: Callable[[str], None]) -> ft.Control:
    # In a row, the Semantics wrapper is what takes the room: the dropdown fills it.
    return tagged(
        "followup-kind",
        ft.Dropdown(
            label="Kind of work",
            value=value,
            options=[ft.DropdownOption(key=k.value, text=word) for k, word in KIND_WORD.items()],
            on_select=lambda e: on_pick(e.control.value or Kind.REPAIR.value),
            enable_search=False,
            expand=True,
        ),
        label="Kind of work",
        expand=True,
    )


def follow_up_dialog(
    *,
    draft: Draft,
    number: str,
    photos: Sequence[PhotoView],
    error: str,
    on_edit: Callable[..., None],
    on_toggle: Callable[[uuid.UUID, bool], None],
    on_save: Callable[[], None],
    on_cancel: Callable[[], None],
) -> ft.AlertDialog:
    """The form in a modal: title, what is wrong, priority, kind, the photos to take along."""
    fields: list[ft.Control] = [
        ft.Text(link_text(number), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        tagged(
            "followup-title",
            ft.TextField(
                label="Title",
                value=draft.title,
                autofocus=not draft.title,
                on_change=lambda e: on_edit(title=e.control.value),
            ),
        ),
        tagged(
            "followup-description",
            ft.TextField(
                label="What needs doing",
                value=draft.description,
                multiline=True,
                min_lines=3,
                max_lines=8,
                on_change=lambda e: on_edit(description=e.control.value),
            ),
        ),
        _priority_chips(value=draft.priority, on_pick=lambda v: on_edit(priority=v)),
        ft.Row([_kind_choice(value=draft.kind, on_pick=lambda v: on_edit(kind=v))]),
    ]
    if photos:
        fields.append(
            _photo_choices(
                photos=photos,
                chosen=draft.photo_ids,
                number=number,
                on_toggle=on_toggle,
            )
        )
    if error:
        fields.append(message_box(identifier="followup-error", text=error))
    return ft.AlertDialog(
        modal=True,
        title=ft.Text("Needs more work"),
        inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
        scrollable=True,  # title and actions stay; the fields scroll on a small phone
        content=ft.Column(
            fields, tight=True, spacing=14, width=420, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
        ),
        actions=[
            tagged(
                "followup-cancel",
                ft.TextButton("Cancel", on_click=on_cancel, height=MIN_TOUCH),
                label="Cancel, make no order",
                button=True,
            ),
            tagged(
                "followup-save",
                ft.FilledButton("Save follow-up", icon=ft.Icons.SAVE, on_click=on_save, height=MIN_TOUCH),
                button=True,
            ),
        ],
        on_dismiss=lambda: on_cancel(),
    )


def use_follow_up(*, detail: OrderDetail, session: Session) -> FollowUp:
    """The form's state and dialog live in the calling component (hooks on every render)."""
    draft, set_draft = ft.use_state(None)  # Draft while the form is open
    error, set_error = ft.use_state("")
    saved = ft.use_ref(False)  # a second tap on Save before the form closes makes no second order
    page = ft.context.page
    offered = detail.offers.follow_up
    number = detail.summary.number
    photos = list(detail.photos)

    def open_form(start: Draft) -> None:
        saved.current = False
        set_error("")
        set_draft(start)

    def close() -> None:
        set_draft(None)
        set_error("")

    def edit(**changes: object) -> None:
        # An updater: two edits before the next render both land. A change answers the error.
        set_error("")
        set_draft(lambda d: dataclasses.replace(d, **changes) if d is not None else None)

    def toggle(photo_id: uuid.UUID, on: bool) -> None:
        set_error("")
        set_draft(
            lambda d: dataclasses.replace(d, photo_ids=toggled(d.photo_ids, photo_id, on)) if d else None
        )

    def save() -> None:
        if draft is None or saved.current:
            return
        try:
            made = session.services.create_follow_up(
                detail.summary.id,
                title=draft.title,
                description=draft.description,
                priority=draft.priority,
                kind=draft.kind,
                photo_ids=[p.id for p in photos if p.id in draft.photo_ids],
            )
        except ServiceError as err:
            set_error(str(err) or "The follow-up was not saved.")
            return
        except Exception as err:  # a broken local write is said in words, never a traceback
            set_error(f"Could not save the follow-up on this device: {err}")
            return
        saved.current = True
        close()
        page.navigate(f"/orders/{made.summary.number}")

    ft.use_dialog(
        follow_up_dialog(
            draft=draft,
            number=number,
            photos=photos,
            error=error,
            on_edit=edit,
            on_toggle=toggle,
            on_save=save,
            on_cancel=close,
        )
        if draft is not None and offered
        else None
    )
    if not offered:
        return FollowUp()
    button = tagged(
        "followup-open",
        ft.OutlinedButton(
            "Needs more work",
            icon=ft.Icons.ADD_TASK,
            on_click=lambda: open_form(Draft()),
            height=MIN_TOUCH,
        ),
        label="Needs more work: raise a follow-up order",
        button=True,
    )
    return FollowUp(
        button=button,
        for_item=lambda item: open_form(item_draft(item, number=number, photos=photos)),
    )
