"""A signature drawn on the pad, as the PNG that is stored and uploaded."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

from app.media.encoding import encode_png, encode_thumbnail
from app.media.errors import MediaError
from app.media.types import ProcessedImage

MAX_LONG_SIDE = 1200
INK_WIDTH = 3.0  # in pad pixels; scaled with the drawing
# Twice the pad's logical size matches a phone screen's pixel density; more adds bytes, not detail.
MAX_SCALE = 2.0
# ImageDraw does not anti-alias: draw at 4x and box-reduce for smooth edges.
_SUPERSAMPLE = 4


def render_signature(
    strokes: Sequence[Sequence[tuple[float, float]]], *, width: float, height: float
) -> ProcessedImage:
    """Black ink on white, round-capped lines; PNG with its long side at most 1200 px.

    `strokes` are in pad coordinates (0..width, 0..height); points outside are
    clamped to the pad and non-numbers dropped. A stroke of one point is a dot, but
    at least one stroke must have two points: an empty pad (or only taps) is
    `MediaError("Sign in the box first.")`.
    """
    if not (_finite(width) and _finite(height) and width > 0 and height > 0):
        raise MediaError("The signature pad has no size; sign again.")
    clean = [_clean(stroke, width=width, height=height) for stroke in strokes]
    if not any(len(stroke) >= 2 for stroke in clean):
        raise MediaError("Sign in the box first.")

    scale = min(MAX_SCALE, MAX_LONG_SIDE / max(width, height))
    out_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = scale * _SUPERSAMPLE
    canvas = Image.new("L", (out_size[0] * _SUPERSAMPLE, out_size[1] * _SUPERSAMPLE), 255)
    draw = ImageDraw.Draw(canvas)
    ink = max(1, round(INK_WIDTH * factor))
    radius = ink / 2
    for stroke in clean:
        points = [(x * factor, y * factor) for x, y in stroke]
        if len(points) >= 2:
            draw.line(points, fill=0, width=ink, joint="curve")
        for x, y in points:  # round caps, and round joins where "curve" leaves gaps
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    image = canvas.reduce(_SUPERSAMPLE)

    data = encode_png(image)
    return ProcessedImage(
        data=data,
        content_type="image/png",
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        thumbnail=encode_thumbnail(image),
        taken_at=None,
    )


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _clean(
    stroke: Sequence[tuple[float, float]], *, width: float, height: float
) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for point in stroke:
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError):
            continue
        if math.isfinite(x) and math.isfinite(y):
            points.append((min(max(x, 0.0), width), min(max(y, 0.0), height)))
    return points
