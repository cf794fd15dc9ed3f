"""`/orders/<number>`: the facts, the next steps, the checklist, notes and server refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from app.domain import Status, is_overdue
from app.services.types import ItemId, OrderDetail, ServiceError
from app.views.checklist import Checklist
from app.views.notes import Notes
from app.views.order_actions import StatusActions
from app.views.orders import OrderListPane, two_panes
from app.views.photo_capture import AddPhotos
from app.views.photos import PhotoGallery
from app.views.signature import Signatures, may_sign
from app.views.state import Session, use_order, use_session, use_sign_in_guard
from app.views.sync_bar import SyncBar
from app.views.theme import LIST_PANE, WIDE
from app.views.widgets import (
    callout,
    due_text,
    message_box,
    pending_mark,
    priority_chip,
    side_padding,
    status_chip,
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


def _facts(detail: OrderDetail, *, now: datetime) -> ft.Control:
    s = detail.summary
    chips: list[ft.Control] = [status_chip(s.status), priority_chip(s.priority)]
    if s.pending:
        chips.append(pending_mark())
    facts: list[ft.Control] = [
        ft.Text(s.title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Row(chips, spacing=8, wrap=True),
        _fact(ft.Icons.PLACE_OUTLINED, "Site", _joined(detail.site, "name", "address") or s.site_name),
        _fact(
            ft.Icons.PERSON_OUTLINE, "Customer", _joined(detail.customer, "name", "contact", "phone", "email")
        ),
        _fact(
            ft.Icons.SCHEDULE,
            "Due",
            due_text(s.due_at, now=now)
            + (" · overdue" if is_overdue(status=s.status, due_at=s.due_at, now=now) else ""),
        ),
        _fact(ft.Icons.BUILD_OUTLINED, "Kind", detail.kind.capitalize()),
    ]
    if detail.requires_signature:
        facts.append(_fact(ft.Icons.DRAW_OUTLINED, "Signature", "Required before completing"))
    facts.append(_fact(ft.Icons.NOTES, "Description", detail.description))
    return ft.Column(facts, spacing=10)


def _rejections(rejections: list[str]) -> ft.Control:
    return callout(
        identifier="rejections",
        title="The server refused some changes:",
        lines=rejections,
        icon=ft.Icons.ERROR_OUTLINE,
        bg=ft.Colors.RED_50,
        fg=ft.Colors.RED_900,
    )


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
def OrderBody(*, detail: OrderDetail, session: Session) -> ft.Control:
    """Everything below the sync bar; also usable as the right pane on wide screens."""
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

    page = ft.context.page
    number = shown.summary.number
    role = session.user.role if session.user is not None else None

    now = datetime.now().astimezone()
    parts: list[ft.Control] = [_facts(shown, now=now)]
    if shown.rejections:
        parts.append(_rejections(shown.rejections))
    parts.append(
        _section(
            "Next step",
            StatusActions(
                current=shown.summary.status,
                moves=list(shown.next_statuses),
                blockers=list(shown.blockers),
                on_move=move,
            ),
        )
    )
    if action_error:
        parts.append(message_box(identifier="action-error", text=action_error))
    parts.append(_section("Checklist", Checklist(items=list(shown.checklist), on_set=set_item)))
    parts.append(_section("Notes", Notes(notes=list(shown.notes), on_add=add_note)))
    parts.append(
        _section(
            "Photos",
            ft.Column(
                [
                    PhotoGallery(
                        photos=list(shown.photos),
                        on_open=lambda p: page.navigate(f"/orders/{number}/photos/{p.id}"),
                    ),
                    AddPhotos(order_id=order_id, session=session, on_added=set_fresh),
                ],
                spacing=12,
            ),
        )
    )
    parts.append(
        _section(
            "Signature",
            Signatures(
                signatures=list(shown.signatures),
                requires_signature=shown.requires_signature,
                may_add=may_sign(
                    requires_signature=shown.requires_signature, status=shown.summary.status, role=role
                ),
                on_get=lambda: page.navigate(f"/orders/{number}/signature"),
            ),
        )
    )
    return ft.Column(parts, spacing=20)


@ft.component
def OrderScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    number = ft.use_route_params().get("number", "")
    loaded = use_order(session, number)
    state, detail, problem = loaded.state, loaded.detail, loaded.problem

    if state == "found" and detail is not None:
        body: ft.Control = OrderBody(detail=detail, session=session, key=str(detail.summary.id))
    elif state == "missing":
        body = message_box(
            identifier="order-missing",
            text=f"Order {number} is not on this device. It may not be assigned to you, or not synced yet.",
            error=False,
        )
    elif state == "failed":
        body = message_box(identifier="order-error", text=problem)
    else:
        body = ft.Row([ft.ProgressRing(width=20, height=20), ft.Text("Loading…")], spacing=12)

    wide = session.width >= WIDE
    detail_pane = ft.ListView(
        [body],
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
        appbar=ft.AppBar(title=ft.Text(number)),
        controls=[SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()), content],
    )
