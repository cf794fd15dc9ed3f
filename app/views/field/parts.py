"""The parts used on an order: listed, added from the catalogue, voided with a reason.

The list (`parts-list`) shows what the order holds, not voided, each row with the pending
mark until the server has it; `part-void-<n>` (n: the row's place, from 1) asks why and voids
the row, offered where the rulebook lets this user void it (its author, or a dispatcher).
"Add part" (`part-add`, where `offers.time_and_parts`) opens a dialog: a search over the
catalogue on this device (`part-search`, results as one types, `part-choose-<sku>`), then the
quantity in the part's unit (`part-quantity`) and `part-save`. Every write is local; a refusal
is shown in the dialog in words and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from app.services.types import OrderDetail, OrderId, PartChoice, PartUsageView, ServiceError, Services
from app.views.desk.evidence_words import part_line
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, pending_mark, reason_dialog, tagged

Written = Callable[[OrderDetail], None]

MAX_SHOWN = 8  # choices in the dialog at once: a phone shows them without a second scroll
NOTHING_CHOSEN = "Choose a part first: search by name or SKU, then tap it."
NO_VOID_REASON = "Say why the part is voided: it stays on record with the reason."


# --- words ---------------------------------------------------------------------------


def quantity_label(unit: str) -> str:
    """'Quantity (m)'; 'Quantity' for a part whose catalogue entry gives no unit."""
    return f"Quantity ({unit})" if unit.strip() else "Quantity"


def choice_details(choice: PartChoice) -> str:
    """The line under a choice's name: 'PIPE-CU-15 · unit: m'."""
    return f"{choice.sku} · unit: {choice.unit}" if choice.unit.strip() else choice.sku


def choice_label(choice: PartChoice) -> str:
    """What a screen reader says for a choice: 'Copper pipe 15 mm, SKU PIPE-CU-15, unit m'."""
    unit = f", unit {choice.unit}" if choice.unit.strip() else ""
    return f"{choice.name}, SKU {choice.sku}{unit}"


def form_problem(*, chosen: PartChoice | None, quantity: str) -> str:
    """Why the dialog cannot save yet, in words; '' when the services may judge it."""
    if chosen is None:
        return NOTHING_CHOSEN
    if not quantity.strip():
        return f"Enter the quantity in {chosen.unit}." if chosen.unit.strip() else "Enter the quantity."
    return ""


def more_words(query: str) -> str:
    """Said under a full list: more parts match than the dialog shows."""
    return (
        "More parts match: type more of the name or SKU."
        if query.strip()
        else "More parts in the catalogue: type a name or SKU."
    )


def none_words(query: str) -> str:
    if query.strip():
        return f"No part matches “{query.strip()}”: try part of its name or SKU."
    return "The parts catalogue is not on this device yet: it arrives with the next sync."


def row_label(part: PartUsageView) -> str:
    """'2 × EPDM seal 22 mm (SEAL-EPDM-22), waiting to sync'."""
    return part_line(part) + (", waiting to sync" if part.pending else "")


# --- the list and voiding ------------------------------------------------------------


def _row(part: PartUsageView, *, position: int, on_void: Callable[[PartUsageView], None]) -> ft.Control:
    words: list[ft.Control] = [ft.Text(part_line(part))]
    if part.pending:
        words.append(pending_mark())
    line: list[ft.Control] = [
        ft.Icon(ft.Icons.INVENTORY_2_OUTLINED, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
        tagged(
            f"part-row-{position}",
            ft.Column(words, spacing=2),
            label=row_label(part),
            exclude_semantics=True,  # one node saying it all, the pending mark included
            expand=True,  # the Row lays out the Semantics wrapper, not the column
        ),
    ]
    if part.may_void:
        line.append(
            tagged(
                f"part-void-{position}",
                ft.TextButton(
                    "Void",
                    icon=ft.Icons.REMOVE_CIRCLE_OUTLINE,
                    height=MIN_TOUCH,
                    on_click=lambda: on_void(part),
                ),
                label=f"Void {part_line(part)}",
                button=True,
            )
        )
    return ft.Container(
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        border_radius=8,
        padding=ft.Padding.only(left=12, right=4, top=4, bottom=4),
        content=ft.Row(line, spacing=10, vertical_alignment=ft.CrossAxisAlignment.CENTER),
    )


@ft.component
def PartsList(
    *, parts: list[PartUsageView], order_id: OrderId, services: Services, on_written: Written
) -> ft.Control:
    voiding, set_voiding = ft.use_state(None)  # the id of the part waiting for a reason
    reason, set_reason = ft.use_state("")
    error, set_error = ft.use_state("")
    # Looked up afresh: a sync may have voided it elsewhere while the dialog was open.
    asked = next((p for p in parts if p.id == voiding), None)

    def close() -> None:
        set_voiding(None)
        set_reason("")
        set_error("")

    def confirm() -> None:
        if asked is None:
            close()
            return
        if not reason.strip():
            set_error(NO_VOID_REASON)
            return
        try:
            detail = services.void_entry(
                order_id, entity="part_usage", entry_id=asked.id, reason=reason.strip()
            )
        except ServiceError as err:
            set_error(str(err) or "The part was not voided.")
            return
        except Exception as err:
            set_error(f"Could not save the change on this device: {err}")
            return
        close()
        on_written(detail)

    def ask(part: PartUsageView) -> None:
        set_reason("")  # a dialog closed by a sync (the part voided elsewhere) left its words
        set_error("")
        set_voiding(part.id)

    ft.use_dialog(
        reason_dialog(
            prefix="void-part",
            title=f"Void {part_line(asked)}: why?",
            reason=reason,
            on_reason=set_reason,
            error=error,
            confirm_label="Void part",
            cancel_label="Back, keep the part",
            on_confirm=confirm,
            on_cancel=close,
        )
        if asked is not None
        else None
    )
    if not parts:
        return tagged(
            "parts-list", ft.Text("No parts used yet.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT)
        )
    return tagged(
        "parts-list",
        ft.Column([_row(p, position=n, on_void=ask) for n, p in enumerate(parts, start=1)], spacing=6),
    )


# --- adding ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    choices: tuple[PartChoice, ...] = ()
    more: bool = False  # more parts match than are shown
    problem: str = ""
    loaded: bool = False


def _choice_tile(choice: PartChoice, *, on_choose: Callable[[PartChoice], None]) -> ft.Control:
    return tagged(
        f"part-choose-{choice.sku}",
        ft.ListTile(
            leading=ft.Icon(ft.Icons.INVENTORY_2_OUTLINED),
            title=ft.Text(choice.name),
            subtitle=ft.Text(choice_details(choice)),
            content_padding=ft.Padding.symmetric(horizontal=8),
            min_height=MIN_TOUCH,
            on_click=lambda: on_choose(choice),
        ),
        label=choice_label(choice),
        button=True,
        key=choice.sku,  # a list that narrows as one types keeps each part's own tile
    )


def _chosen_card(choice: PartChoice, *, on_change: Callable[[], None]) -> ft.Control:
    return ft.Container(
        bgcolor=ft.Colors.SECONDARY_CONTAINER,
        border_radius=8,
        padding=ft.Padding.only(left=12, right=4, top=6, bottom=6),
        content=ft.Row(
            [
                ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.ON_SECONDARY_CONTAINER),
                tagged(
                    "part-chosen",
                    ft.Column(
                        [
                            ft.Text(choice.name, weight=ft.FontWeight.W_600),
                            ft.Text(choice_details(choice), size=13),
                        ],
                        spacing=0,
                    ),
                    label=f"Chosen: {choice_label(choice)}",
                    expand=True,
                ),
                tagged(
                    "part-change",
                    ft.TextButton("Change", height=MIN_TOUCH, on_click=on_change),
                    label="Choose another part",
                    button=True,
                ),
            ],
            spacing=10,
        ),
    )


def _results(found: _Found, *, query: str, on_choose: Callable[[PartChoice], None]) -> list[ft.Control]:
    if found.problem:
        return [message_box(identifier="part-search-error", text=found.problem)]
    if not found.loaded:
        return []
    if not found.choices:
        return [message_box(identifier="part-none", text=none_words(query), error=False)]
    rows: list[ft.Control] = [_choice_tile(c, on_choose=on_choose) for c in found.choices]
    if found.more:
        rows.append(ft.Text(more_words(query), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return rows


@ft.component
def AddPart(*, order_id: OrderId, services: Services, revision: int, on_written: Written) -> ft.Control:
    """The 'Add part' button and its dialog."""
    adding, set_adding = ft.use_state(False)
    query, set_query = ft.use_state("")
    found, set_found = ft.use_state(_Found())
    chosen, set_chosen = ft.use_state(None)  # the PartChoice
    quantity, set_quantity = ft.use_state("")
    error, set_error = ft.use_state("")

    def search() -> None:
        if not adding:
            return
        try:
            got = services.search_parts(query, limit=MAX_SHOWN + 1)
        except Exception as err:  # a broken local read is shown, never raised into the UI
            set_found(
                _Found(problem=f"Could not read the parts catalogue on this device: {err}", loaded=True)
            )
            return
        set_found(_Found(choices=tuple(got[:MAX_SHOWN]), more=len(got) > MAX_SHOWN, loaded=True))

    ft.use_effect(search, [adding, query, revision])

    def close() -> None:
        set_adding(False)
        set_query("")
        set_found(_Found())
        set_chosen(None)
        set_quantity("")
        set_error("")

    def typed(text: str) -> None:
        set_query(text)
        set_chosen(None)  # a new search is a new choice
        set_error("")  # said of what was there before

    def choose(choice: PartChoice) -> None:
        set_chosen(choice)
        set_error("")

    def counted(text: str) -> None:
        set_quantity(text)
        set_error("")

    def save(_e: ft.Event | None = None) -> None:
        problem = form_problem(chosen=chosen, quantity=quantity)
        if problem:
            set_error(problem)
            return
        try:
            detail = services.use_part(order_id, sku=chosen.sku, quantity=quantity.strip())
        except ServiceError as err:
            set_error(str(err) or "The part was not added.")  # what was chosen and typed stays
            return
        except Exception as err:
            set_error(f"Could not save the part on this device: {err}")
            return
        close()
        on_written(detail)

    # Keyed: the dialog's controls are matched by position otherwise, and an error appearing
    # or going (or a shorter list of choices) made the field being typed in a new one,
    # which lost the typing.
    content: list[ft.Control] = []
    if error:
        # At the top: with a long list of choices, an error below it would be out of sight.
        content.append(ft.Container(message_box(identifier="part-error", text=error), key="error"))
    content.append(
        tagged(
            "part-search",
            ft.TextField(
                label="Search parts by name or SKU",
                value=query,
                prefix_icon=ft.Icons.SEARCH,
                autofocus=True,
                on_change=lambda e: typed(e.control.value),
            ),
            key="search",
        )
    )
    found_rows = (
        [_chosen_card(chosen, on_change=lambda: set_chosen(None))]
        if chosen is not None
        else _results(found, query=query, on_choose=choose)
    )
    content.append(ft.Column(found_rows, spacing=4, key="found"))
    content.append(
        tagged(
            "part-quantity",
            ft.TextField(
                label=quantity_label(chosen.unit if chosen is not None else ""),
                value=quantity,
                keyboard_type=ft.KeyboardType.NUMBER,
                on_change=lambda e: counted(e.control.value),
                on_submit=save,
            ),
            key="quantity",
        )
    )
    ft.use_dialog(
        ft.AlertDialog(
            modal=True,
            scrollable=True,
            title=ft.Text("Add a part"),
            content=ft.Column(content, tight=True, spacing=10, width=360),
            actions=[
                tagged(
                    "part-cancel",
                    ft.TextButton("Cancel", on_click=close, height=MIN_TOUCH),
                    label="Cancel, add no part",
                    button=True,
                ),
                tagged(
                    "part-save",
                    ft.FilledButton("Save", icon=ft.Icons.CHECK, on_click=save, height=MIN_TOUCH),
                    label="Save part",
                    button=True,
                ),
            ],
            on_dismiss=lambda: close(),
        )
        if adding
        else None
    )
    return tagged(
        "part-add",
        ft.FilledTonalButton(
            "Add part", icon=ft.Icons.ADD, height=MIN_TOUCH, on_click=lambda: set_adding(True)
        ),
        label="Add part",
        button=True,
    )


@ft.component
def PartsSection(*, detail: OrderDetail, session: Session, on_written: Written) -> ft.Control:
    services = session.services
    order_id = detail.summary.id
    column: list[ft.Control] = [
        PartsList(parts=list(detail.parts), order_id=order_id, services=services, on_written=on_written)
    ]
    if detail.offers.time_and_parts:
        column.append(
            ft.Row(
                [
                    AddPart(
                        order_id=order_id, services=services, revision=session.revision, on_written=on_written
                    )
                ]
            )
        )
    return ft.Column(column, spacing=10)
