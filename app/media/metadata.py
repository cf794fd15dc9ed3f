"""EXIF in and out: what a stored photo may say about where, with what and when it was taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import ExifTags, Image

_EXIF_IFD = ExifTags.IFD.Exif
_ORIENTATION = ExifTags.Base.Orientation
_DATE_TIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
_OFFSET_TIME_ORIGINAL = ExifTags.Base.OffsetTimeOriginal
_MAKER_NOTE = ExifTags.Base.MakerNote
# When it was taken is part of the work record; where and with what device is not.
_KEPT_BY_DEFAULT = (_DATE_TIME_ORIGINAL, _OFFSET_TIME_ORIGINAL)
_MAX_EXIF_BYTES = 65533  # one JPEG APP1 segment (JpegImagePlugin refuses more)


def read_exif(image: Image.Image) -> Image.Exif:
    """The image's EXIF; empty when there is none or it cannot be parsed (a bad EXIF block
    should not cost the user the photo)."""
    try:
        exif = image.getexif()
        exif.get_ifd(_EXIF_IFD)  # parse the sub-IFD now, inside the guard
    except Exception:
        return Image.Exif()
    return exif


def orientation(exif: Image.Exif) -> int:
    value = exif.get(_ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def output_exif(source: Image.Exif, *, keep: bool) -> bytes:
    """The EXIF block to write into the stored image ("" for none).

    Default: only DateTimeOriginal (and its offset), so no GPS IFD and no Make,
    Model, Software, serial numbers or lens. `keep`: everything but Orientation,
    which has been applied to the pixels.
    """
    try:
        if keep:
            return _all_but_orientation(source)
        return _date_only(source)
    except Exception:  # an EXIF block Pillow can read but not write back: store none
        return b""


def _all_but_orientation(source: Image.Exif) -> bytes:
    exif = Image.Exif()
    exif.load(source.tobytes())
    exif.pop(_ORIENTATION, None)
    data = exif.tobytes()
    if len(data) > _MAX_EXIF_BYTES:  # the maker note is what usually overflows one segment
        exif.get_ifd(_EXIF_IFD).pop(_MAKER_NOTE, None)
        data = exif.tobytes()
    if len(data) > _MAX_EXIF_BYTES:
        return _date_only(source)
    return data


def _date_only(source: Image.Exif) -> bytes:
    sub = source.get_ifd(_EXIF_IFD)
    kept = {tag: sub[tag] for tag in _KEPT_BY_DEFAULT if tag in sub}
    if not kept:
        return b""
    exif = Image.Exif()
    exif.get_ifd(_EXIF_IFD).update(kept)
    return exif.tobytes()


def taken_at(exif: Image.Exif, *, local_tz: tzinfo | None = None) -> datetime | None:
    """DateTimeOriginal as aware UTC, or None when absent or not a date.

    EXIF times are wall-clock times. OffsetTimeOriginal says which zone when the
    camera wrote it; otherwise the time is taken as local time here (`local_tz`,
    default this machine's zone), which is right for a technician who just took it.
    """
    sub = exif.get_ifd(_EXIF_IFD)
    naive = _parse_exif_time(sub.get(_DATE_TIME_ORIGINAL))
    if naive is None:
        return None
    zone = _parse_offset(sub.get(_OFFSET_TIME_ORIGINAL)) or local_tz
    aware = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
    return aware.astimezone(UTC)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip().strip("\x00").strip()


def _parse_exif_time(value: Any) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00", blanks, vendor oddities
        return None


def _parse_offset(value: Any) -> timezone | None:
    text = _text(value)
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)
