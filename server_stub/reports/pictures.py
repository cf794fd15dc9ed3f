"""Pictures for the report: photo thumbnails and the signature, read from the blob store
and made small with Pillow, so a report of many 12-megapixel photos stays a few hundred KB.

Anything that cannot be read (bytes that never arrived, a file that is not an image after
all) is None: the report says so in words instead of failing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from PIL import Image, ImageOps, UnidentifiedImageError

from server_stub.blobs.store import BlobStore

log = logging.getLogger(__name__)

THUMB_PX = 480  # the long side: sharp at the 55 mm a thumbnail is printed
SIGNATURE_PX = 900
JPEG_QUALITY = 72
# Pillow refuses images bigger than this many pixels (a decompression bomb is a DoS).
MAX_PIXELS = 80_000_000

BlobReader = Callable[[str], bytes | None]


def blob_reader(store: BlobStore, *, org_id: str) -> BlobReader:
    """Reads the organisation's complete blobs by SHA-256; None for absent ones."""

    def read(sha256: str) -> bytes | None:
        try:
            path = store.path(org_id=org_id, sha256=sha256)
            return path.read_bytes() if path.is_file() else None
        except (OSError, ValueError):
            return None

    return read


def _open(data: bytes, *, px: int) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return None
        # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that is still over `px`: a
        # 12-megapixel photo's thumbnail then costs a fraction of a full decode.
        image.draft("RGB", (px, px))
        image.load()
        return ImageOps.exif_transpose(image) or image
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("a picture for a report could not be read: %s", exc)
        return None


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent pixels (a signature pad's PNG) become white paper, not black."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("RGB")


def thumbnail(data: bytes | None, *, px: int = THUMB_PX) -> tuple[bytes, int, int] | None:
    """A JPEG no larger than `px` on its long side, with its width and height; None when
    there are no bytes or they are not a readable image."""
    if data is None:
        return None
    image = _open(data, px=px)
    if image is None:
        return None
    image = _on_white(image)
    image.thumbnail((px, px))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), image.width, image.height


def signature_picture(data: bytes | None) -> tuple[bytes, int, int] | None:
    """The signature as a PNG on white (line drawings stay crisp as PNG)."""
    if data is None:
        return None
    image = _open(data, px=SIGNATURE_PX)
    if image is None:
        return None
    image = _on_white(image)
    image.thumbnail((SIGNATURE_PX, SIGNATURE_PX))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height
