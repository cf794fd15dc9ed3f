"""The photo pipeline: a camera or gallery file in, the bytes Ordo stores and uploads out.

Pure CPU work (no database, no network); callers run it off the UI event.

Steps: open lazily and check the header (format, size, mode) → decode (JPEGs at a
reduced DCT scale) → RGB → scale to at most 2048 px on the long side (never up)
→ apply EXIF orientation → encode JPEG and WebP, keep the smaller → hash → 320 px
JPEG thumbnail.

Transparency is flattened onto white: the stored image then looks the same in
every viewer and in the light and dark themes, and black ink or lines on a
transparent screenshot stay readable. Colour profiles (ICC) are kept, so phone
photos in Display P3 keep their colours; they say nothing about where or who.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from PIL import ExifTags, Image, ImageOps

from app.media.encoding import THUMBNAIL_LONG_SIDE, encode_smallest, encode_thumbnail
from app.media.metadata import orientation, output_exif, read_exif, taken_at
from app.media.reading import decode, fit, label_of, open_image, to_rgb
from app.media.types import ProcessedImage

MAX_LONG_SIDE = 2048
# The downscale from the (drafted) decode to at most 2048 px. Pillow's BICUBIC is a full
# antialiasing convolution like LANCZOS, with a 4-tap kernel instead of 6 (both widened by the
# scale): a 12 MP photo resizes in ~95 ms instead of ~130 ms, and the two differ far less
# (53 dB PSNR) than the encoders then change the picture (34-41 dB on photos like the bench's).
DOWNSCALE = Image.Resampling.BICUBIC

# progress() fractions at the end of each stage
_OPENED, _DECODED, _RESIZED, _ENCODED, _DONE = 0.1, 0.5, 0.6, 0.9, 1.0


def process_photo(
    source: Path | bytes,
    *,
    name: str = "",
    keep_metadata: bool = False,
    progress: Callable[[float], None] | None = None,
) -> ProcessedImage:
    """The photo ready to store: see the module docstring. Raises only `MediaError` for bad input."""
    report = progress or (lambda _fraction: None)
    source = bytes(source) if isinstance(source, bytearray | memoryview) else source
    source = source if isinstance(source, bytes) else Path(source)
    label = label_of(source, name)
    report(0.0)
    with open_image(source, name=label) as opened:
        report(_OPENED)
        # From the header's size: a JPEG decoded at 1/4 scale rounds its size up by a pixel.
        target = fit(opened.size, MAX_LONG_SIDE)
        decoded = decode(opened, long_side=MAX_LONG_SIDE, name=label)
        exif = read_exif(decoded)
        icc_profile = decoded.info.get("icc_profile") or None
        rgb = to_rgb(decoded)
        report(_DECODED)
        upright = _resize_upright(rgb, exif=exif, size=target)
    report(_RESIZED)
    try:
        data, content_type = encode_smallest(
            upright, exif=output_exif(exif, keep=keep_metadata), icc_profile=icc_profile
        )
    except (ValueError, OSError):  # metadata from the source that an encoder refuses: store pixels only
        data, content_type = encode_smallest(upright)
    report(_ENCODED)
    thumbnail = encode_thumbnail(upright)
    report(_DONE)
    return ProcessedImage(
        data=data,
        content_type=content_type,
        width=upright.width,
        height=upright.height,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        thumbnail=thumbnail,
        taken_at=taken_at(exif),
    )


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG of at most 320 px from image bytes (e.g. downloaded from the server)."""
    label = "The downloaded image"
    with open_image(data, name=label) as opened:
        target = fit(opened.size, THUMBNAIL_LONG_SIDE)
        decoded = decode(opened, long_side=THUMBNAIL_LONG_SIDE, name=label)
        exif = read_exif(decoded)
        upright = _resize_upright(to_rgb(decoded), exif=exif, size=target)
    return encode_thumbnail(upright)


def _resize_upright(image: Image.Image, *, exif: Image.Exif, size: tuple[int, int]) -> Image.Image:
    # Resize before rotating: rotating the full-size decode would copy it once more.
    # reducing_gap lets Pillow box-reduce by an integer factor first (from 6x down only;
    # a drafted JPEG usually has less than 2x left to go), then DOWNSCALE.
    resized = image.resize(size, DOWNSCALE, reducing_gap=3.0) if size != image.size else image.copy()
    if orientation(exif) != 1:
        # exif_transpose reads the orientation from info["exif"]; hand it just that tag
        # (conversion and resizing do not carry the source's EXIF reliably, TIFFs keep it
        # elsewhere, and a vendor block Pillow cannot write back must not cost the rotation).
        only_orientation = Image.Exif()
        only_orientation[ExifTags.Base.Orientation] = orientation(exif)
        resized.info["exif"] = only_orientation.tobytes()
        ImageOps.exif_transpose(resized, in_place=True)
    resized.info.pop("exif", None)
    return resized
