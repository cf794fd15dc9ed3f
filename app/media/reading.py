"""Opening untrusted image bytes safely.

A closed list of formats, a pixel limit checked on the header before anything is
decoded, Pillow's decompression-bomb warning turned into an error for our calls
only, and every Pillow failure turned into a `MediaError` with a sentence a user
can act on.
"""

from __future__ import annotations

import functools
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, UnidentifiedImageError, features

from app.media.errors import MediaError

MAX_PIXELS = 100_000_000  # refused from the header alone, whatever Image.MAX_IMAGE_PIXELS says

# Modes we can turn into RGB faithfully. 16-bit and float images ("I;16", "I", "F")
# would need a tone mapping we do not guess at, so they are refused by name.
SUPPORTED_MODES = frozenset({"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr"})

# `warnings.catch_warnings` swaps process-wide state; two threads entering and
# leaving it interleaved could leave our "error" filter installed for everyone.
# One lock around the (short) regions that may warn keeps the swap balanced.
_WARNINGS_LOCK = threading.Lock()


@functools.cache
def _heif_available() -> bool:
    try:
        import pillow_heif  # type: ignore[import-not-found]  # optional: only when already installed
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


@functools.cache
def _formats() -> tuple[str, ...]:
    # MPO: many phone JPEGs carry a second picture and Pillow opens them as MPO.
    names = ["JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"]
    if features.check("avif"):
        names.append("AVIF")
    if _heif_available():
        names.append("HEIF")
    Image.init()  # registers every plugin; Image.open(formats=...) looks names up without doing so
    return tuple(name for name in names if name in Image.OPEN)


def readable_kinds() -> str:
    """The formats as users name them, for messages."""
    kinds = ["JPEG", "PNG", "WebP"]
    if _heif_available():
        kinds.append("HEIC")
    if features.check("avif"):
        kinds.append("AVIF")
    return ", ".join(kinds) + "…"


def label_of(source: Path | bytes, name: str) -> str:
    if name:
        return name
    if isinstance(source, Path) and source.name:
        return source.name
    return "The image"


@contextmanager
def _bombs_are_errors() -> Iterator[None]:
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _too_large(label: str, size: tuple[int, int] | None = None) -> MediaError:
    limit = f"the limit is {MAX_PIXELS // 1_000_000} megapixels"
    if size is None:
        return MediaError(f"{label} is too large to process safely ({limit}).")
    return MediaError(f"{label} is too large ({size[0]}×{size[1]} pixels; {limit}).")


def _damaged(label: str) -> MediaError:
    return MediaError(f"{label} is damaged or incomplete and cannot be read.")


@contextmanager
def open_image(source: Path | bytes, *, name: str = "") -> Iterator[Image.Image]:
    """The image, opened lazily (header only) and checked; closed on exit."""
    label = label_of(source, name)
    fp: Path | io.BytesIO
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) == 0:
            raise MediaError(f"{label} is empty (0 bytes).")
        fp = io.BytesIO(source)
    else:
        fp = Path(source)
        try:
            if fp.stat().st_size == 0:
                raise MediaError(f"{label} is empty (0 bytes).")
        except OSError as exc:
            raise MediaError(f"{label} could not be read ({exc.strerror or exc}).") from exc
    with _bombs_are_errors():
        try:
            image = Image.open(fp, formats=_formats())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large(label) from exc
        except UnidentifiedImageError as exc:
            raise MediaError(f"{label} is not an image Ordo can read ({readable_kinds()}).") from exc
        except OSError as exc:
            if exc.errno is not None:  # the file itself: gone, no permission, I/O error
                raise MediaError(f"{label} could not be read ({exc.strerror or exc}).") from exc
            raise _damaged(label) from exc
        except Exception as exc:  # plugins raise SyntaxError, ValueError, struct.error, ... on bad headers
            raise _damaged(label) from exc
    try:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise _damaged(label)
        if width * height > MAX_PIXELS:
            raise _too_large(label, image.size)
        if image.mode not in SUPPORTED_MODES:
            raise MediaError(f"{label} uses a colour format Ordo cannot read ({image.mode}).")
        yield image
    finally:
        image.close()


def fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """`size` scaled down so its long side is at most `long_side`; never up."""
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode(image: Image.Image, *, long_side: int, name: str = "") -> Image.Image:
    """Decode the pixels, a JPEG at the smallest DCT scale that still covers `long_side`.

    `draft` makes libjpeg decode at 1/2, 1/4 or 1/8 scale, so a 60 MP photo costs
    a few MB instead of ~240 MB.
    """
    label = name or "The image"
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", fit(image.size, long_side))
    with _bombs_are_errors():
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large(label) from exc
        except MemoryError as exc:
            raise _too_large(label, image.size) from exc
        except Exception as exc:  # truncated data, broken streams, bad chunks, CRC errors
            raise _damaged(label) from exc
    return image


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is flattened onto white (why: `app.media.photo`)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
