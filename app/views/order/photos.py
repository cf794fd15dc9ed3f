"""The photo gallery of an order: a thumbnail per photo, each saying where its bytes are."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.services.types import BlobState, PhotoView
from app.views.shared.theme import Tone
from app.views.shared.widgets import plural, tagged

TILE = 108  # px: three tiles and their gaps fit a 390 px phone inside the page padding

_BLOB_TONE: dict[BlobState, Tone] = {
    BlobState.LOCAL: Tone(fg=ft.Colors.ORANGE_900, bg=ft.Colors.ORANGE_50),
    BlobState.UPLOADING: Tone(fg=ft.Colors.INDIGO_900, bg=ft.Colors.INDIGO_50),
    BlobState.ON_SERVER: Tone(fg=ft.Colors.GREEN_900, bg=ft.Colors.GREEN_50),
    BlobState.AWAITING: Tone(fg=ft.Colors.BLUE_GREY_900, bg=ft.Colors.BLUE_GREY_50),
}

_BLOB_ICON: dict[BlobState, ft.IconData] = {
    BlobState.LOCAL: ft.Icons.PHONE_ANDROID,
    BlobState.UPLOADING: ft.Icons.CLOUD_UPLOAD_OUTLINED,
    BlobState.ON_SERVER: ft.Icons.CLOUD_DONE_OUTLINED,
    BlobState.AWAITING: ft.Icons.HOURGLASS_EMPTY,
}


def blob_label(state: BlobState, percent: int = 0) -> str:
    """Where a photo's or signature's bytes are, in the words the chip shows."""
    if state is BlobState.UPLOADING:
        return f"Uploading {max(0, min(100, percent))}%"
    return {
        BlobState.LOCAL: "Local only",
        BlobState.ON_SERVER: "On server",
        BlobState.AWAITING: "Waiting for the other device",
    }[state]


def blob_chip(state: BlobState, percent: int = 0, *, width: float | None = None) -> ft.Control:
    """A small chip: icon and words, so the state never depends on colour alone.

    With `width` the words wrap inside it (under a thumbnail); without, the chip hugs them.
    """
    tone = _BLOB_TONE[state]
    words = blob_label(state, percent)
    return ft.Container(
        width=width,
        content=ft.Row(
            [
                ft.Icon(_BLOB_ICON[state], size=12, color=tone.fg),
                ft.Text(
                    words,
                    size=11,
                    weight=ft.FontWeight.W_600,
                    color=tone.fg,
                    max_lines=2,
                    overflow=ft.TextOverflow.ELLIPSIS,
                    expand=width is not None,
                ),
            ],
            spacing=3,
            tight=True,
        ),
        bgcolor=tone.bg,
        border_radius=6,
        padding=ft.Padding.symmetric(horizontal=6, vertical=2),
    )


def photo_label(photo: PhotoView, *, position: int) -> str:
    """What a screen reader (and a test) hears for one tile."""
    parts = [f"Photo {position}"]
    if photo.caption:
        parts.append(photo.caption)
    parts.append(blob_label(photo.state, photo.upload_percent))
    if photo.pending:
        parts.append("waiting to sync")
    return ", ".join(parts)


def thumbnail(image: bytes | None, *, size: float, icon: ft.IconData = ft.Icons.IMAGE_OUTLINED) -> ft.Control:
    """The picture when this device holds it, else a placeholder icon of the same size."""
    if image is not None:
        body: ft.Control = ft.Image(
            src=image, fit=ft.BoxFit.COVER, width=size, height=size, gapless_playback=True
        )
    else:
        body = ft.Icon(icon, size=size / 2.5, color=ft.Colors.ON_SURFACE_VARIANT)
    return ft.Container(
        content=body,
        width=size,
        height=size,
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        border_radius=8,
        clip_behavior=ft.ClipBehavior.ANTI_ALIAS,
    )


def _tile(photo: PhotoView, *, position: int, on_open: Callable[[PhotoView], None]) -> ft.Control:
    return tagged(
        f"photo-tile-{position}",
        ft.Container(
            width=TILE,
            on_click=lambda: on_open(photo),
            border_radius=8,
            ink=True,
            content=ft.Column(
                [
                    thumbnail(photo.thumbnail, size=TILE),
                    blob_chip(photo.state, photo.upload_percent, width=TILE),
                ],
                spacing=4,
                tight=True,
            ),
        ),
        label=photo_label(photo, position=position),
        button=True,
        container=True,
        exclude_semantics=True,
    )


@ft.component
def PhotoGallery(*, photos: list[PhotoView], on_open: Callable[[PhotoView], None]) -> ft.Control:
    """Thumbnails oldest first; tapping one opens it full size (its own route)."""
    if not photos:
        return tagged(
            "photo-gallery",
            ft.Text("No photos yet.", italic=True, color=ft.Colors.ON_SURFACE_VARIANT),
        )
    return tagged(
        "photo-gallery",
        ft.Row(
            [_tile(p, position=n, on_open=on_open) for n, p in enumerate(photos, start=1)],
            wrap=True,
            spacing=8,
            run_spacing=10,
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        label=plural(len(photos), "photo"),
        container=True,
    )
