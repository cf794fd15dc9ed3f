"""Signatures: the pad screen (`/orders/<number>/signature`) and what the order detail shows of them.

The pad is `flet.canvas` inside an `ft.GestureDetector`: pan start opens a
stroke, pan updates extend it, and the strokes go to the services in pad
coordinates together with the pad's size (the services draw the PNG).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import flet as ft
import flet.canvas as cv

from app.services.types import ServiceError, SignatureView
from app.views.order.photos import blob_chip
from app.views.shared.header import header_actions
from app.views.shared.state import use_order, use_session, use_sign_in_guard
from app.views.shared.sync_bar import SyncBar
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, pending_mark, side_padding, tagged

Point = tuple[float, float]
Stroke = tuple[Point, ...]

PAD_HEIGHT = 200  # px: room for a full signature with a finger, on a phone held upright
DRAG_INTERVAL_MS = 16  # about one update a frame: smooth lines without flooding the socket
INK = ft.Colors.BLUE_GREY_900

NO_SIGNER = "Enter the name of the person signing."
NO_STROKES = "The box is empty: ask them to sign in it first."


def pad_width(window_width: float) -> float:
    """The pad fills the readable column: 358 px on a 390 px phone, 760 px on a desktop."""
    width = window_width or 390
    return max(200.0, width - 2 * side_padding(width, least=16))


def clamp(x: float, y: float, *, width: float, height: float) -> Point:
    """Keep a point inside the pad: a finger sliding off the edge should not draw outside it."""
    return (round(min(max(x, 0.0), width), 1), round(min(max(y, 0.0), height), 1))


def extended(strokes: tuple[Stroke, ...], point: Point, *, new_stroke: bool) -> tuple[Stroke, ...]:
    """The strokes with `point` added: as a new stroke, or at the end of the last one."""
    if new_stroke or not strokes:
        return (*strokes, (point,))
    return (*strokes[:-1], (*strokes[-1], point))


def form_problem(*, signer_name: str, strokes: Sequence[Stroke]) -> str:
    """What is missing before a signature can be saved; empty when nothing."""
    if not signer_name.strip():
        return NO_SIGNER
    if not any(strokes):
        return NO_STROKES
    return ""


def _shapes(strokes: Sequence[Stroke]) -> list[cv.Shape]:
    paint = ft.Paint(
        color=INK,
        stroke_width=3,
        stroke_cap=ft.StrokeCap.ROUND,
        stroke_join=ft.StrokeJoin.ROUND,
        style=ft.PaintingStyle.STROKE,
    )
    return [
        cv.Points(
            points=[ft.Offset(x, y) for x, y in stroke],
            point_mode=cv.PointMode.POLYGON if len(stroke) > 1 else cv.PointMode.POINTS,
            paint=paint,
        )
        for stroke in strokes
        if stroke
    ]


@ft.component
def SignaturePad(
    *, strokes: tuple[Stroke, ...], width: float, on_change: Callable[[tuple[Stroke, ...]], None]
) -> ft.Control:
    # The latest strokes between renders: pan events can arrive faster than renders.
    latest = ft.use_ref(strokes)
    latest.current = strokes

    def add(e: ft.DragStartEvent | ft.DragUpdateEvent, *, new_stroke: bool) -> None:
        pos = e.local_position
        if pos is None:
            return
        point = clamp(pos.x, pos.y, width=width, height=PAD_HEIGHT)
        latest.current = extended(latest.current, point, new_stroke=new_stroke)
        on_change(latest.current)

    return tagged(
        "signature-pad",
        ft.GestureDetector(
            on_pan_start=lambda e: add(e, new_stroke=True),
            on_pan_update=lambda e: add(e, new_stroke=False),
            drag_interval=DRAG_INTERVAL_MS,
            mouse_cursor=ft.MouseCursor.PRECISE,
            content=ft.Container(
                width=width,
                height=PAD_HEIGHT,
                bgcolor=ft.Colors.WHITE,
                border=ft.Border.all(1, ft.Colors.OUTLINE),
                border_radius=8,
                clip_behavior=ft.ClipBehavior.HARD_EDGE,
                content=cv.Canvas(shapes=_shapes(strokes), width=width, height=PAD_HEIGHT),
            ),
        ),
        label="Signature box: sign here with a finger or the mouse"
        + (", signed" if any(strokes) else ", empty"),
        container=True,
    )


@ft.component
def SignatureScreen() -> ft.View:
    session = use_session()
    use_sign_in_guard(session, signed_in=True)
    number = ft.use_route_params().get("number", "")
    page = ft.context.page
    back = f"/orders/{number}"
    signer, set_signer = ft.use_state("")
    strokes, set_strokes = ft.use_state(())
    busy, set_busy = ft.use_state(False)
    error, set_error = ft.use_state("")
    loaded = use_order(session, number)
    order_id = loaded.detail.summary.id if loaded.detail is not None else None
    missing = loaded.problem or (
        f"Order {number} is not on this device." if loaded.state == "missing" else ""
    )
    if not missing and loaded.detail is not None and not loaded.detail.offers.signature:
        # A deep link past what the order offers: the server would refuse the signature.
        missing = f"Signatures on {number} are taken by its assigned technician while the order is open."
    width = pad_width(session.width)

    def clear() -> None:
        set_strokes(())
        set_error("")

    async def save() -> None:
        if busy or order_id is None:
            return
        problem = form_problem(signer_name=signer, strokes=strokes)
        if problem:
            set_error(problem)
            return
        set_error("")
        set_busy(True)
        try:
            # Drawing the PNG is Pillow work: off the UI event, like every blocking call.
            await asyncio.to_thread(
                session.services.add_signature,
                order_id,
                signer_name=signer.strip(),
                strokes=[list(s) for s in strokes],
                width=width,
                height=PAD_HEIGHT,
            )
        except ServiceError as err:
            set_error(str(err) or "The signature could not be saved.")
            set_busy(False)
            return
        except Exception as err:
            set_error(f"Could not save the signature on this device: {err}")
            set_busy(False)
            return
        set_busy(False)
        page.navigate(back)

    if missing:
        body: list[ft.Control] = [message_box(identifier="signature-order-missing", text=missing)]
    else:
        body = [
            ft.Text(
                "Ask the customer to sign in the box, then enter their name.",
                theme_style=ft.TextThemeStyle.BODY_LARGE,
            ),
            ft.Row([SignaturePad(strokes=strokes, width=width, on_change=set_strokes)]),
            tagged(
                "signature-name",
                ft.TextField(
                    label="Name of the person signing",
                    value=signer,
                    prefix_icon=ft.Icons.PERSON_OUTLINE,
                    capitalization=ft.TextCapitalization.WORDS,
                    on_change=lambda e: set_signer(e.control.value),
                    on_submit=save,
                    disabled=busy,
                ),
            ),
            ft.Row(
                [
                    tagged(
                        "signature-clear",
                        ft.OutlinedButton(
                            "Clear", icon=ft.Icons.CLEAR, on_click=clear, height=MIN_TOUCH, disabled=busy
                        ),
                        label="Clear the signature box",
                        button=True,
                    ),
                    tagged(
                        "signature-save",
                        ft.FilledButton(
                            "Saving…" if busy else "Save signature",
                            icon=ft.Icons.CHECK,
                            on_click=save,
                            height=MIN_TOUCH,
                            disabled=busy,
                            expand=True,
                        ),
                        label="Save signature",
                        button=True,
                        expand=True,
                    ),
                ],
                spacing=12,
            ),
        ]
        if error:
            body.append(message_box(identifier="signature-error", text=error))

    return ft.View(
        route=f"/orders/{number}/signature",
        padding=ft.Padding.all(0),
        appbar=ft.AppBar(title=ft.Text(f"{number} · Signature"), actions=header_actions(session)),
        controls=[
            SyncBar(status=session.sync, on_sync_now=lambda: session.services.sync_now()),
            ft.ListView(
                [ft.Column(body, spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)],
                expand=True,
                padding=ft.Padding.symmetric(horizontal=side_padding(session.width, least=16), vertical=16),
            ),
        ],
    )


def signed_text(sig: SignatureView) -> str:
    return f"Signed by {sig.signer_name} on {sig.signed_at.astimezone():%d %b %Y at %H:%M}"


def _signature_card(sig: SignatureView, *, position: int) -> ft.Control:
    picture: ft.Control = (
        ft.Image(src=sig.image, height=96, fit=ft.BoxFit.CONTAIN, gapless_playback=True)
        if sig.image is not None
        else ft.Row(
            [
                ft.Icon(ft.Icons.DRAW_OUTLINED, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text("Not on this device yet"),
            ],
            spacing=8,
        )
    )
    chips: list[ft.Control] = [blob_chip(sig.state, sig.upload_percent)]
    if sig.pending:
        chips.append(pending_mark())
    return tagged(
        f"signature-{position}",
        ft.Container(
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            border_radius=8,
            padding=ft.Padding.all(10),
            content=ft.Column(
                [
                    ft.Container(
                        content=picture, bgcolor=ft.Colors.WHITE, border_radius=6, padding=ft.Padding.all(4)
                    ),
                    ft.Text(signed_text(sig), weight=ft.FontWeight.W_600, size=13),
                    ft.Row(chips, spacing=8, wrap=True),
                ],
                spacing=6,
            ),
        ),
        label=signed_text(sig),
        container=True,
    )


@ft.component
def Signatures(
    *, signatures: list[SignatureView], requires_signature: bool, may_add: bool, on_get: Callable[[], None]
) -> ft.Control:
    """The saved signatures (newest last) and, where it makes sense, the "Get signature" button."""
    controls: list[ft.Control] = [_signature_card(s, position=n) for n, s in enumerate(signatures, start=1)]
    if not signatures:
        controls.append(
            ft.Text(
                "A signature is required before completing." if requires_signature else "No signature yet.",
                italic=True,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    if may_add:
        words = "Get signature" if not signatures else "Get another signature"
        button_cls = ft.FilledButton if requires_signature and not signatures else ft.FilledTonalButton
        controls.append(
            tagged(
                "signature-get",
                button_cls(words, icon=ft.Icons.DRAW_OUTLINED, on_click=on_get, height=MIN_TOUCH),
                label=words,
                button=True,
            )
        )
    return ft.Column(controls, spacing=8)
