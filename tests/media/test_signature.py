"""render_signature: strokes from the pad become a PNG of black ink on white."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from app.media import MediaError, render_signature


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image.convert("L")


def test_strokes_render_as_a_png_at_twice_the_pad_size() -> None:
    strokes = [[(20.0, 50.0), (150.0, 50.0), (280.0, 60.0)], [(100.0, 100.0), (120.0, 110.0)]]
    result = render_signature(strokes, width=300, height=150)

    assert result.content_type == "image/png"
    assert (result.width, result.height) == (600, 300)
    image = png(result.data)
    assert image.size == (600, 300)
    assert image.getpixel((170, 100)) < 60  # on the first stroke, at 2x
    assert image.getpixel((5, 5)) == 255 and image.getpixel((595, 295)) == 255  # white paper
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.size == len(result.data)
    assert result.taken_at is None


def test_lines_are_about_three_pad_pixels_wide_with_round_caps() -> None:
    result = render_signature([[(50.0, 50.0), (250.0, 50.0)]], width=300, height=100)
    image = png(result.data)  # 600x200: ink about 6 px wide around y=100
    column = [image.getpixel((300, y)) for y in range(85, 116)]
    inked = sum(1 for value in column if value < 128)
    assert 4 <= inked <= 8
    assert image.getpixel((97, 100)) < 128  # the round cap reaches past the end point (x=100)
    assert image.getpixel((97, 97)) > image.getpixel((97, 100))  # round, not square: the corner is lighter


def test_large_pad_is_scaled_so_the_long_side_is_1200() -> None:
    result = render_signature([[(0.0, 0.0), (2000.0, 1000.0)]], width=2000, height=1000)
    assert (result.width, result.height) == (1200, 600)
    assert max(Image.open(io.BytesIO(result.thumbnail)).size) <= 320


def test_a_tap_beside_a_stroke_is_a_dot() -> None:
    result = render_signature([[(10.0, 10.0), (50.0, 10.0)], [(100.0, 80.0)]], width=200, height=100)
    assert png(result.data).getpixel((200, 160)) < 128


def test_points_outside_the_pad_are_clamped() -> None:
    result = render_signature([[(-50.0, 50.0), (400.0, 50.0)]], width=300, height=100)
    assert (result.width, result.height) == (600, 200)
    assert png(result.data).getpixel((598, 100)) < 128


@pytest.mark.parametrize(
    "strokes",
    [[], [[]], [[(10.0, 10.0)]], [[(10.0, 10.0)], [(20.0, 20.0)]], [[(float("nan"), 1.0), (2.0, 2.0)]]],
    ids=["no-strokes", "empty-stroke", "one-tap", "taps-only", "nan-point"],
)
def test_an_empty_pad_is_refused(strokes: list[list[tuple[float, float]]]) -> None:
    with pytest.raises(MediaError, match=r"^Sign in the box first\.$"):
        render_signature(strokes, width=300, height=150)


def test_a_pad_without_size_is_refused() -> None:
    with pytest.raises(MediaError):
        render_signature([[(0.0, 0.0), (1.0, 1.0)]], width=0, height=150)
