"""`/orders/<number>/photos/<photo id>`: one photo full size, its facts, and voiding it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import flet as ft

from app.services.types import OrderDetail, PhotoView, ServiceError
from app.views.order.photos import blob_chip
from app.views.shared.header import header_actions
from app.views.shared.state import use_order, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import loading, message_box, pending_mark, reason_dialog, side_padding, tagged

VoidFn = Callable[[str], str | None]  # reason -> an error message, or None when voided


def find_photo(detail: OrderDetail | None, photo_id: str) -> PhotoView | None:
    """The photo of that id on the order, if it is there and not voided."""
    if detail is None:
        return None
    try:
        wanted = uuid.UUID(photo_id)
    except ValueError:
        return None
    return next((p for p in detail.photos if p.id == wanted), None)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def photo_facts(photo: PhotoView) -> str:
    """'4032 × 3024 · 2.1 MB · Tess Tech · 25 Nov 14:02'."""
    parts = [f"{photo.width} × {photo.height}", size_text(photo.size)]
    if photo.author_name:
        parts.append(photo.author_name)
    if photo.taken_at is not None:
        parts.append(f"{photo.taken_at.astimezone():%d %b %H:%M}")
    return " · ".join(parts)


@ft.component
def FullImage(*, sha256: str, caption: str) -> ft.Control:
    """Loads the full image off the UI thread: a spinner, then the picture or why not."""
    session = use_session()
    image, set_image = ft.use_state(None)
    problem, set_problem = ft.use_state("")

    async def load() -> None:
        if image is not None:  # keyed by sha256: once shown, it is the right picture
            return
        try:
            # From this device's cache, or downloaded: may block on the network.
            data = await asyncio.to_thread(session.services.photo_bytes, sha256)
        except ServiceError as err:
            set_problem(str(err) or "The photo cannot be shown right now.")
            return
        except Exception as err:
            set_problem(f"The photo could not be read: {err}")
            return
        set_problem("")
        set_image(data)

    # Again after each sync until it is shown: bytes that were missing may have arrived.
    ft.use_effect(load, [session.revision])

    if problem:
        return message_box(identifier="photo-error", text=problem)
    if image is None:
        return tagged(
            "photo-loading",
            loading("Loading photo…"),
            label="Loading photo",
        )
    return tagged(
        "photo-full",
        ft.Image(src=image, fit=ft.BoxFit.CONTAIN, border_radius=8, gapless_playback=True),
        label=f"Photo{': ' + caption if caption else ''}",
        image=True,
    )


@ft.component
def VoidPhoto(*, on_void: VoidFn) -> ft.Control:
    """A 'Remove photo' button and its dialog; the reason is required and recorded."""
    asking, set_asking = ft.use_state(False)
    reason, set_reason = ft.use_state("")
    error, set_error = ft.use_state("")

    def close() -> None:
        set_asking(False)
        set_reason("")
        set_error("")

    def confirm() -> None:
        if not reason.strip():
            set_error("Say why the photo is removed; it stays on record with the reason.")
            return
        err = on_void(reason.strip())
        if err:
            set_error(err)
            return
        close()

    ft.use_dialog(
        reason_dialog(
            prefix="void",
            title="Remove this photo: why?",
            reason=reason,
            on_reason=set_reason,
            error=error,
            confirm_label="Remove photo",
            cancel_label="Back, keep the photo",
            on_confirm=confirm,
            on_cancel=close,
        )
        if asking
        else None
    )
    return tagged(
        "photo-void",
        ft.OutlinedButton(
            "Remove photo",
            icon=ft.Icons.DELETE_OUTLINE,
            height=MIN_TOUCH,
            on_click=lambda: set_asking(True),
        ),
        label="Remove photo",
        button=True,
    )


@ft.component
def PhotoScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    params = ft.use_route_params()
    number = params.get("number", "")
    photo_id = params.get("photo_id", "")
    loaded = use_order(session, number)
    state, detail, problem = loaded.state, loaded.detail, loaded.problem
    page = ft.context.page
    back = f"/orders/{number}"

    photo = find_photo(detail, photo_id)

    def void(reason: str) -> str | None:
        if detail is None or photo is None:
            return "This photo is no longer on this device."
        try:
            session.services.void_entry(detail.summary.id, entity="photo", entry_id=photo.id, reason=reason)
        except ServiceError as err:
            return str(err) or "The photo could not be removed."
        except Exception as err:
            return f"Could not save the change on this device: {err}"
        page.navigate(back)
        return None

    body: list[ft.Control]
    if state == "failed":
        body = [message_box(identifier="photo-order-error", text=problem)]
    elif state == "loading":
        body = [loading("Loading…")]
    elif photo is None:
        body = [
            message_box(
                identifier="photo-missing",
                text="This photo is not on this device: it may have been removed, or not synced yet.",
                error=False,
            ),
            ft.TextButton("Back to the order", on_click=lambda: page.navigate(back), height=MIN_TOUCH),
        ]
    else:
        chips: list[ft.Control] = [blob_chip(photo.state, photo.upload_percent)]
        if photo.pending:
            chips.append(pending_mark())
        body = [
            FullImage(sha256=photo.sha256, caption=photo.caption, key=photo.sha256),
            *([ft.Text(photo.caption, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)] if photo.caption else []),
            ft.Row(chips, spacing=8, wrap=True),
            ft.Text(photo_facts(photo), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
        if photo.mine:
            body.append(VoidPhoto(on_void=void))

    return ft.View(
        route=f"/orders/{number}/photos/{photo_id}",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text(f"{number} · Photo"), actions=header_actions(session)),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            ft.ListView(
                [ft.Column(body, spacing=14)],
                expand=True,
                padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16), vertical=16),
            ),
        ],
    )
