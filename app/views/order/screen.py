"""`/orders/<number>`: the facts, the next steps, the checklist, notes and server refusals.

A technician's phone (and a tablet's right pane) gets them in one column; dispatchers and
admins get the desk's frame with all the evidence in columns (app.views.desk.evidence).
Those who may read the order's history (dispatchers, the assignee) find it in the app bar.
Every control is offered only where the rulebook allows it for this user on this order
(`OrderDetail.offers` and `next_statuses`, computed by the services from app.domain.rules).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from app.domain import Status, is_overdue
from app.domain.rules import is_dispatcher
from app.domain.skills import skills_words
from app.services.types import ItemId, OrderDetail, ServiceError
from app.views.desk.edit_button import edit_button, use_may_edit
from app.views.desk.evidence import EvidenceLayout, OrderParts
from app.views.desk.history import history_button, may_see_history
from app.views.desk.shell import desk_view
from app.views.field.follow_up import use_follow_up
from app.views.field.orders import OrderListPane, two_panes
from app.views.field.parts import PartsSection
from app.views.field.time_logs import TimeSection
from app.views.order.actions import StatusActions
from app.views.order.assign import AssignButton
from app.views.order.assign_words import assignee_text
from app.views.order.checklist import Checklist
from app.views.order.notes import Notes
from app.views.order.photo_capture import AddPhotos
from app.views.order.photos import PhotoGallery
from app.views.order.signature import Signatures
from app.views.shared.header import NAME_SHOWN, header_actions
from app.views.shared.refusals import RefusalsCallout
from app.views.shared.state import Session, use_order, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import LIST_PANE, STATUS_WORD, WIDE
from app.views.shared.widgets import (
    due_text,
    loading,
    message_box,
    pending_mark,
    priority_chip,
    side_padding,
    status_chip,
    tagged,
)


def _fact(icon: ft.IconData, label: str, value: str) -> ft.Control:
    return ft.Semantics(
        label=f"{label}: {value}",
        exclude_semantics=True,
        content=ft.Row(
            [
                ft.Icon(icon, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Column(
                    [
                        ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Text(value or "—"),
                    ],
                    spacing=0,
                    expand=True,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
    )


def _joined(data: dict[str, Any], *keys: str) -> str:
    return ", ".join(str(data[k]) for k in keys if data.get(k))


def _section(title: str, body: ft.Control) -> ft.Control:
    return ft.Column(
        [
            ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)),
            body,
        ],
        spacing=8,
    )


def reason_text(status: Status, reason: str | None) -> str:
    """Why the order is where it is, for everyone who sees it ("On hold: waiting for part")."""
    if not (reason or "").strip():
        return ""
    # A reason on an order back in progress is the dispatcher's reason for reopening it.
    head = "Reopened" if status is Status.IN_PROGRESS else STATUS_WORD[status]
    return f"{head}: {reason.strip()}"


def _reason(detail: OrderDetail) -> ft.Control | None:
    words = reason_text(detail.summary.status, detail.status_reason)
    if not words:
        return None
    return tagged(
        "status-reason",
        ft.Container(
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            border_radius=8,
            padding=ft.Padding.symmetric(horizontal=12, vertical=8),
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.INFO_OUTLINE, size=18),
                    ft.Text(words, weight=ft.FontWeight.W_600, expand=True),
                ],
                spacing=8,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ),
        label=words,
    )


def _facts(detail: OrderDetail, *, now: datetime) -> ft.Control:
    s = detail.summary
    chips: list[ft.Control] = [status_chip(s.status), priority_chip(s.priority)]
    if s.pending:
        chips.append(pending_mark())
    facts: list[ft.Control] = [
        ft.Text(s.title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Row(chips, spacing=8, wrap=True),
    ]
    reason = _reason(detail)
    if reason is not None:
        facts.append(reason)
    facts += [
        tagged(
            "assignee",
            _fact(ft.Icons.ENGINEERING_OUTLINED, "Assigned to", assignee_text(detail.assignee_name)),
        ),
        _fact(ft.Icons.PLACE_OUTLINED, "Site", _joined(detail.site, "name", "address") or s.site_name),
        _fact(
            ft.Icons.PERSON_OUTLINE, "Customer", _joined(detail.customer, "name", "contact", "phone", "email")
        ),
        _fact(
            ft.Icons.SCHEDULE,
            "Due",
            due_text(s.due_at, now=now, bare=True)
            + (" · overdue" if is_overdue(status=s.status, due_at=s.due_at, now=now) else ""),
        ),
        _fact(ft.Icons.BUILD_OUTLINED, "Kind", detail.kind.capitalize()),
    ]
    if detail.required_skills:
        facts.append(
            tagged(
                "order-skills",
                _fact(ft.Icons.VERIFIED_OUTLINED, "Required skills", skills_words(detail.required_skills)),
            )
        )
    if detail.requires_signature:
        facts.append(_fact(ft.Icons.DRAW_OUTLINED, "Signature", "Required before completing"))
    facts.append(_fact(ft.Icons.NOTES, "Description", detail.description))
    return ft.Column(facts, spacing=10)


def _guarded(write: Callable[[], OrderDetail], *, on_done: Callable[[OrderDetail], None]) -> str | None:
    """Run one local write; turn any failure into words instead of a traceback."""
    try:
        on_done(write())
    except ServiceError as err:
        return str(err) or "That change was not allowed."
    except Exception as err:
        return f"Could not save the change on this device: {err}"
    return None


@ft.component
def OrderBody(*, detail: OrderDetail, session: Session, desk: bool = False) -> ft.Control:
    """Everything below the sync bar: one column (a phone, or the right pane on a tablet), or
    the desk's evidence in columns (`desk`: dispatchers and admins)."""
    action_error, set_action_error = ft.use_state("")
    fresh, set_fresh = ft.use_state(None)  # the write's own answer, shown until the next reload
    shown: OrderDetail = fresh if fresh is not None and fresh.summary.id == detail.summary.id else detail
    ft.use_effect(lambda: set_fresh(None), [session.revision])
    services = session.services
    order_id = shown.summary.id

    def move(to: Status, reason: str | None) -> str | None:
        err = _guarded(lambda: services.transition(order_id, to, reason=reason), on_done=set_fresh)
        set_action_error(err or "")
        return err

    def set_item(item_id: ItemId, value: Any, done: bool) -> str | None:
        err = _guarded(
            lambda: services.set_checklist(order_id, item_id, value=value, done=done), on_done=set_fresh
        )
        set_action_error(err or "")
        return err

    def add_note(text: str) -> str | None:
        return _guarded(lambda: services.add_note(order_id, text), on_done=set_fresh)

    def dismiss(refusal_id: int) -> None:
        try:
            services.dismiss_refusal(refusal_id)
        except Exception as err:
            set_action_error(f"Could not dismiss it on this device: {err}")
            return
        if fresh is not None:  # drop it from the write's own answer too
            set_fresh(None)
        # The services tell their listeners (the session reloads): the order re-reads, the bar's count drops.

    page = ft.context.page
    number = shown.summary.number
    offers = shown.offers
    follow_up = use_follow_up(detail=shown, session=session)

    now = datetime.now().astimezone()
    steps: list[ft.Control] = []
    if offers.assign:
        steps.append(
            AssignButton(
                assignee_name=shown.assignee_name, on_open=lambda: page.navigate(f"/orders/{number}/assign")
            )
        )
    if shown.next_statuses or not offers.assign:
        steps.append(
            StatusActions(
                current=shown.summary.status,
                moves=list(shown.next_statuses),
                blockers=list(shown.blockers),
                on_move=move,
                number=number,
                assignee_name=shown.assignee_name,
                out_of_range=list(shown.out_of_range),
            )
        )
    if follow_up.button is not None:
        steps.append(follow_up.button)
    photos: list[ft.Control] = [
        PhotoGallery(
            photos=list(shown.photos),
            on_open=lambda p: page.navigate(f"/orders/{number}/photos/{p.id}"),
        )
    ]
    if offers.photo:
        photos.append(AddPhotos(order_id=order_id, session=session, on_added=set_fresh))
    parts = OrderParts(
        facts=_facts(shown, now=now),
        refusals=RefusalsCallout(refusals=list(shown.refusals), on_dismiss=dismiss)
        if shown.refusals
        else None,
        steps=ft.Column(steps, spacing=12),
        error=message_box(identifier="action-error", text=action_error) if action_error else None,
        checklist=Checklist(
            items=list(shown.checklist),
            on_set=set_item,
            editable=offers.checklist,
            status=shown.summary.status,
            on_follow_up=follow_up.for_item,
        ),
        notes=Notes(notes=list(shown.notes), on_add=add_note, may_add=offers.note),
        photos=ft.Column(photos, spacing=12),
        signature=Signatures(
            signatures=list(shown.signatures),
            requires_signature=shown.requires_signature,
            may_add=offers.signature,
            on_get=lambda: page.navigate(f"/orders/{number}/signature"),
            # Drawn afresh when a picture arrives from the server: updated in place, Flutter
            # drops the card's semantics node (its id and label vanish for screen readers).
            key="".join("1" if g.image is not None else "0" for g in shown.signatures),
        )
        if shown.signatures or shown.requires_signature or offers.signature
        else None,
    )
    if desk:
        return EvidenceLayout(parts=parts, detail=shown, session=session)
    # The phone's one column, the next step first.
    column: list[ft.Control] = [parts.facts]
    if parts.refusals is not None:
        column.append(parts.refusals)
    column.append(_section("Next step", parts.steps))
    if parts.error is not None:
        column.append(parts.error)
    column += [
        # Beside the steps that start and stop it: the running clock stays in sight.
        _section("Time", TimeSection(detail=shown, session=session, on_written=set_fresh)),
        _section("Checklist", parts.checklist),
        _section("Parts", PartsSection(detail=shown, session=session, on_written=set_fresh)),
        _section("Notes", parts.notes),
        _section("Photos", parts.photos),
    ]
    if parts.signature is not None:
        column.append(_section("Signature", parts.signature))
    return ft.Column(column, spacing=20)


@ft.component
def OrderScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    number = ft.use_route_params().get("number", "")
    loaded = use_order(session, number)
    state, detail, problem = loaded.state, loaded.detail, loaded.problem
    page = ft.context.page
    may_edit = use_may_edit(session, detail)

    user = session.user
    desk = user is not None and is_dispatcher(user.role)
    if state == "found" and detail is not None:
        body: ft.Control = OrderBody(detail=detail, session=session, desk=desk, key=str(detail.summary.id))
    elif state == "missing":
        body = message_box(
            identifier="order-missing",
            text=f"Order {number} is not on this device. It may not be assigned to you, or not synced yet.",
            error=False,
        )
    elif state == "failed":
        body = message_box(identifier="order-error", text=problem)
    else:
        body = loading("Loading…")

    actions: list[ft.Control] = []
    if desk and may_edit:
        actions.append(edit_button(number=number, on_open=lambda: page.navigate(f"/orders/{number}/edit")))
    if detail is not None and may_see_history(
        role=user.role if user else None, user_id=user.id if user else None, detail=detail
    ):
        actions.append(
            history_button(
                number=number,
                on_open=lambda: page.navigate(f"/orders/{number}/history"),
                narrow=session.width < NAME_SHOWN,
            )
        )
    if desk:
        # The desk's frame; the evidence lays itself out in columns and the whole screen scrolls.
        listed = ft.ListView([body], expand=True, padding=ft.Padding.only(right=8, bottom=16))
        return desk_view(
            session=session,
            route=f"/orders/{number}",
            selected="/orders",
            title=number,
            body=listed,
            actions=actions,
        )

    wide = session.width >= WIDE
    detail_pane = ft.ListView(
        [body],
        # A fresh list per order: choosing another order starts at its top, not at the
        # scroll offset of the one before.
        key=f"order-pane-{number}",
        expand=True,
        padding=ft.Padding.symmetric(
            horizontal=side_padding(session.width - (LIST_PANE if wide else 0), least=16), vertical=16
        ),
    )
    content = (
        two_panes(left=OrderListPane(session=session, selected=number), right=detail_pane)
        if wide
        else detail_pane
    )
    return ft.View(
        route=f"/orders/{number}",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text(number), actions=header_actions(session, own=actions)),
        controls=[SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()), content],
    )
