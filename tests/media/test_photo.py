"""process_photo on real images made by Pillow: orientation, size, metadata, hashing, encoding."""

from __future__ import annotations

import hashlib
import io
import itertools
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFilter

from app.media import ProcessedImage, process_photo
from app.media.encoding import encode_jpeg, encode_smallest, encode_webp

RED = (255, 0, 0)
EXIF_IFD = ExifTags.IFD.Exif
GPS_IFD = ExifTags.IFD.GPSInfo
DEVICE_TAGS = (ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.Software)
DEVICE_EXIF_TAGS = (ExifTags.Base.BodySerialNumber, ExifTags.Base.LensMake, ExifTags.Base.LensModel)


def photo_like(size: tuple[int, int], *, seed: int = 1) -> Image.Image:
    """Gradients, shapes and noise: compresses like a photo, unlike a flat colour."""
    width, height = size
    rng = random.Random(seed)
    base = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(base)
    for _ in range(30):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(5, max(6, width // 6))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(base, noise, 0.15)


def jpeg(image: Image.Image, *, exif: Image.Exif | None = None, quality: int = 95, **extra: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif if exif is not None else Image.Exif(), **extra)
    return buffer.getvalue()


def marked(size: tuple[int, int]) -> Image.Image:
    """Blue, with a red block in the stored top-left corner."""
    image = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 5, size[1] // 5), fill=RED)
    return image


def opened(result: ProcessedImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


def is_red(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r > 200 and g < 70 and b < 70


def corners(image: Image.Image) -> dict[str, tuple[int, ...]]:
    w, h = image.size
    return {
        "top_left": image.getpixel((4, 4)),
        "top_right": image.getpixel((w - 5, 4)),
        "bottom_left": image.getpixel((4, h - 5)),
        "bottom_right": image.getpixel((w - 5, h - 5)),
    }


def rich_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D Mark IV"
    exif[ExifTags.Base.Software] = "Firmware 1.2.3"
    sub = exif.get_ifd(EXIF_IFD)
    sub[ExifTags.Base.DateTimeOriginal] = "2024:05:01 10:30:00"
    sub[ExifTags.Base.BodySerialNumber] = "SN-0042"
    sub[ExifTags.Base.LensMake] = "Sigma"
    sub[ExifTags.Base.LensModel] = "Sigma 35mm F1.4"
    exif.get_ifd(GPS_IFD).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
        }
    )
    return exif


@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (600, 400), "top_left"),
        (6, (400, 600), "top_right"),  # stored landscape, shown rotated 90° clockwise
        (3, (600, 400), "bottom_right"),  # upside down
        (8, (400, 600), "bottom_left"),  # rotated 90° counter-clockwise
    ],
)
def test_exif_orientation_is_applied_to_the_pixels(
    orientation: int, size: tuple[int, int], red_corner: str
) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    result = process_photo(jpeg(marked((600, 400)), exif=exif), name="rotated.jpg")

    assert (result.width, result.height) == size
    image = opened(result)
    assert image.size == size
    seen = corners(image)
    assert is_red(seen.pop(red_corner))
    assert not any(is_red(pixel) for pixel in seen.values())
    assert image.getexif().get(ExifTags.Base.Orientation, 1) == 1
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert (thumb.width > thumb.height) == (size[0] > size[1])  # the thumbnail is upright too
    assert is_red(corners(thumb.convert("RGB"))[red_corner])


def test_orientation_is_applied_after_downscaling_a_large_photo() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    result = process_photo(jpeg(marked((6000, 4000)), exif=exif))
    assert (result.width, result.height) == (1365, 2048)
    assert is_red(corners(opened(result))["top_right"])


def test_large_photo_is_scaled_to_2048_on_the_long_side() -> None:
    result = process_photo(jpeg(photo_like((6000, 4000))))
    assert (result.width, result.height) == (2048, 1365)
    assert opened(result).size == (2048, 1365)


def test_small_photo_is_not_upscaled(tmp_path: Path) -> None:
    path = tmp_path / "small.jpg"
    path.write_bytes(jpeg(photo_like((640, 480))))
    result = process_photo(path)
    assert (result.width, result.height) == (640, 480)


def test_hash_size_and_thumbnail_describe_the_stored_bytes() -> None:
    result = process_photo(jpeg(photo_like((3000, 2000))))
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert len(result.sha256) == 64 and result.sha256 == result.sha256.lower()
    assert result.size == len(result.data)
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.format == "JPEG"
    assert max(thumb.size) == 320 and thumb.size == (320, 213)
    assert not thumb.getexif()


def test_content_type_matches_the_bytes() -> None:
    for image in (photo_like((1200, 900)), Image.new("RGB", (1200, 900), (30, 120, 200))):
        result = process_photo(jpeg(image))
        kind = {"JPEG": "image/jpeg", "WEBP": "image/webp"}[opened(result).format]
        assert result.content_type == kind


@pytest.mark.parametrize("seed", [1, 2])
def test_the_smaller_of_jpeg_and_webp_is_kept(seed: int) -> None:
    image = photo_like((1600, 1200), seed=seed)
    jpeg_bytes, webp_bytes = encode_jpeg(image), encode_webp(image)
    data, content_type = encode_smallest(image)
    assert len(data) == min(len(jpeg_bytes), len(webp_bytes))
    assert content_type == ("image/webp" if len(webp_bytes) < len(jpeg_bytes) else "image/jpeg")


def test_location_and_device_exif_are_stripped_by_default() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>'
    source = jpeg(photo_like((800, 600)), exif=rich_exif(orientation=6), xmp=xmp)
    result = process_photo(source)

    exif = opened(result).getexif()
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert not any(tag in exif for tag in DEVICE_TAGS)
    sub = exif.get_ifd(EXIF_IFD)
    assert not any(tag in sub for tag in DEVICE_EXIF_TAGS)
    assert sub[ExifTags.Base.DateTimeOriginal] == "2024:05:01 10:30:00"
    for needle in (b"Canon", b"EOS 5D", b"SN-0042", b"Sigma", b"GPSLatitude", b"Firmware"):
        assert needle not in result.data


def test_keep_metadata_keeps_exif_except_orientation() -> None:
    source = jpeg(photo_like((800, 600)), exif=rich_exif(orientation=6))
    result = process_photo(source, keep_metadata=True)

    assert (result.width, result.height) == (600, 800)
    exif = opened(result).getexif()
    assert exif[ExifTags.Base.Make] == "Canon"
    assert exif[ExifTags.Base.Model] == "EOS 5D Mark IV"
    assert ExifTags.Base.Orientation not in exif  # applied to the pixels; keeping it would rotate twice
    gps = exif.get_ifd(GPS_IFD)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert gps[ExifTags.GPS.GPSLatitude] == (52.0, 31.0, 12.0)
    assert exif.get_ifd(EXIF_IFD)[ExifTags.Base.LensModel] == "Sigma 35mm F1.4"


def test_taken_at_honours_the_offset_the_camera_wrote() -> None:
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD).update(
        {ExifTags.Base.DateTimeOriginal: "2024:05:01 10:30:00", ExifTags.Base.OffsetTimeOriginal: "+02:00"}
    )
    result = process_photo(jpeg(photo_like((320, 240)), exif=exif))
    assert result.taken_at == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def test_taken_at_without_offset_is_local_time() -> None:
    result = process_photo(jpeg(photo_like((320, 240)), exif=rich_exif()))
    assert result.taken_at == datetime(2024, 5, 1, 10, 30).astimezone(UTC)
    assert result.taken_at is not None and result.taken_at.tzinfo is UTC


def test_taken_at_is_none_without_a_usable_date() -> None:
    assert process_photo(jpeg(photo_like((320, 240)))).taken_at is None
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[ExifTags.Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    assert process_photo(jpeg(photo_like((320, 240)), exif=exif)).taken_at is None


def test_progress_rises_from_zero_to_one_in_stages() -> None:
    seen: list[float] = []
    process_photo(jpeg(photo_like((1000, 800))), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert len(seen) >= 5
    assert all(a < b for a, b in itertools.pairwise(seen))


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 199, 299), fill=(255, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = process_photo(buffer.getvalue(), name="drawing.png")
    out = opened(result).convert("RGB")
    assert all(channel > 240 for channel in out.getpixel((350, 150)))
    assert is_red(out.getpixel((50, 150)))


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "1", "LA"])
def test_other_colour_modes_become_rgb(mode: str) -> None:
    image = photo_like((500, 400)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG" if mode in ("L", "CMYK") else "PNG")
    result = process_photo(buffer.getvalue())
    assert opened(result).mode == "RGB"
    assert (result.width, result.height) == (500, 400)


def test_webp_and_png_sources_are_read() -> None:
    for fmt in ("WEBP", "PNG"):
        buffer = io.BytesIO()
        photo_like((900, 600)).save(buffer, fmt)
        assert process_photo(buffer.getvalue()).width == 900


def test_icc_profile_is_kept() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_photo(jpeg(photo_like((640, 480)), icc_profile=icc))
    assert opened(result).info.get("icc_profile") == icc
