"""Encoders: the stored photo (JPEG or WebP, whichever is smaller), thumbnails and PNGs."""

from __future__ import annotations

import io

from PIL import Image

from app.media.reading import fit

JPEG_QUALITY = 85
WEBP_QUALITY = 82
# libwebp's method trades CPU for bytes, and on a 3 MP photo it is most of the pipeline's time.
# bench/media.py's 2048x1536 photo: method 4 (libwebp's default) ~250 ms, 480 KB; 3 the same;
# 2 ~120 ms, 503 KB; 1 ~90 ms, 490 KB; 0 ~70 ms, 496 KB; all within 0.15 dB PSNR of each other.
# From 3 up libwebp adds a rate-distortion pass that costs more than decode and resize together.
# At 1, smooth pictures and screenshots come out 15-30% larger than at 2-4 (small files anyway);
# detailed photos, the ones that come near the 500 KB we aim for, come out smaller than at 2.
WEBP_METHOD = 1
THUMBNAIL_LONG_SIDE = 320
THUMBNAIL_QUALITY = 80


def encode_jpeg(image: Image.Image, *, exif: bytes = b"", icc_profile: bytes | None = None) -> bytes:
    # Progressive: a few percent smaller than baseline at this size (bench/media.py) and it
    # shows a coarse full picture early while a slow link is still downloading it.
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        quality=JPEG_QUALITY,
        optimize=True,
        progressive=True,
        exif=exif,
        icc_profile=icc_profile,
    )
    return buffer.getvalue()


def encode_webp(image: Image.Image, *, exif: bytes = b"", icc_profile: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image.save(
        buffer,
        "WEBP",
        quality=WEBP_QUALITY,
        method=WEBP_METHOD,
        exif=exif,
        icc_profile=icc_profile or "",
    )
    return buffer.getvalue()


def encode_smallest(
    image: Image.Image, *, exif: bytes = b"", icc_profile: bytes | None = None
) -> tuple[bytes, str]:
    """(bytes, content type): JPEG, or WebP where that is smaller. Ties go to JPEG, which
    every viewer opens."""
    jpeg = encode_jpeg(image, exif=exif, icc_profile=icc_profile)
    webp = encode_webp(image, exif=exif, icc_profile=icc_profile)
    if len(webp) < len(jpeg):
        return webp, "image/webp"
    return jpeg, "image/jpeg"


def encode_thumbnail(image: Image.Image) -> bytes:
    """A JPEG whose long side is at most 320 px, without metadata; `image` is already RGB/L
    and upright."""
    small = image.resize(fit(image.size, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return buffer.getvalue()


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
