"""make_thumbnail for bytes downloaded from the server, and the EXIF date reader."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image

from app.media import make_thumbnail, process_photo
from app.media.metadata import taken_at


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_thumbnail_of_downloaded_bytes(fmt: str) -> None:
    image = Image.radial_gradient("L").convert("RGB").resize((2048, 1365))
    thumb = Image.open(io.BytesIO(make_thumbnail(encoded(image, fmt))))
    assert thumb.format == "JPEG"
    assert thumb.size == (320, 213)


def test_thumbnail_of_a_small_image_is_not_upscaled() -> None:
    thumb = Image.open(io.BytesIO(make_thumbnail(encoded(Image.new("RGB", (120, 90), "red"), "PNG"))))
    assert thumb.size == (120, 90)


def test_thumbnail_of_a_processed_photo_matches_its_own() -> None:
    result = process_photo(encoded(Image.linear_gradient("L").convert("RGB").resize((1600, 1200)), "JPEG"))
    again = Image.open(io.BytesIO(make_thumbnail(result.data)))
    assert again.size == Image.open(io.BytesIO(result.thumbnail)).size == (320, 240)


def _exif(date: str | None, offset: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    if date is not None:
        sub[ExifTags.Base.DateTimeOriginal] = date
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    return exif


def test_taken_at_uses_the_local_zone_for_naive_times() -> None:
    berlin_summer = timezone(timedelta(hours=2))
    assert taken_at(_exif("2024:05:01 10:30:00"), local_tz=berlin_summer) == datetime(
        2024, 5, 1, 8, 30, tzinfo=UTC
    )


def test_taken_at_prefers_the_written_offset() -> None:
    got = taken_at(_exif("2024:05:01 10:30:00", "-05:00"), local_tz=timezone(timedelta(hours=2)))
    assert got == datetime(2024, 5, 1, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "0000:00:00 00:00:00", "yesterday", "2024:13:45 99:00:00"])
def test_taken_at_without_a_date(value: str | None) -> None:
    assert taken_at(_exif(value), local_tz=UTC) is None


def test_taken_at_ignores_a_malformed_offset() -> None:
    got = taken_at(_exif("2024:05:01 10:30:00", "+2"), local_tz=UTC)
    assert got == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
