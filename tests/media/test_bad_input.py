"""Input Ordo cannot use is refused with one clear MediaError, never another exception."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import time
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image

from app.media import MediaError, make_thumbnail, process_photo


def small_jpeg() -> bytes:
    image = Image.radial_gradient("L").convert("RGB").resize((640, 480))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small real PNG whose IHDR is patched (with a valid CRC) to claim `width`×`height`."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_zero_byte_bytes() -> None:
    with pytest.raises(MediaError, match=r"^photo\.jpg is empty \(0 bytes\)\.$"):
        process_photo(b"", name="photo.jpg")


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(b"")
    with pytest.raises(MediaError, match=r"^IMG_0001\.jpg is empty"):
        process_photo(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^gone\.jpg could not be read"):
        process_photo(tmp_path / "gone.jpg")


@pytest.mark.parametrize(
    "data",
    [b"Meeting notes: replace the seal.\n" * 20, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"],
    ids=["text", "pdf"],
)
def test_non_image(data: bytes) -> None:
    with pytest.raises(MediaError) as caught:
        process_photo(data, name="photo.jpg")
    assert str(caught.value).startswith("photo.jpg is not an image Ordo can read (JPEG, PNG, WebP")


def test_formats_outside_the_list_are_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PCX")  # Pillow reads it; Ordo does not take it
    with pytest.raises(MediaError, match="is not an image Ordo can read"):
        process_photo(buffer.getvalue(), name="scan.pcx")


def test_truncated_jpeg() -> None:
    data = small_jpeg()
    with pytest.raises(MediaError, match=r"^cut\.jpg is damaged or incomplete and cannot be read\.$"):
        process_photo(data[: len(data) // 2], name="cut.jpg")


def test_jpeg_with_a_broken_header() -> None:
    data = bytearray(small_jpeg())
    data[2:40] = b"\xff" * 38
    with pytest.raises(MediaError, match=r"damaged or incomplete|is not an image"):
        process_photo(bytes(data), name="broken.jpg")


def test_damaged_bytes_raise_only_media_error() -> None:
    original = small_jpeg()
    rng = random.Random(7)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = rng.choice([len(data), rng.randrange(2, len(data))])
        with contextlib.suppress(MediaError):
            process_photo(bytes(data[:cut]), name="fuzz.jpg")


def test_decompression_bomb_is_refused_quickly_without_decoding() -> None:
    bomb = png_declaring(30000, 30000)  # 900 MP: 3.6 GB if decoded
    started = time.perf_counter()
    with pytest.raises(MediaError, match=r"^bomb\.png is too large"):
        process_photo(bomb, name="bomb.png")
    assert time.perf_counter() - started < 1.0


def test_pillows_bomb_warning_is_an_error_for_our_calls_only() -> None:
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(MediaError, match="too large"):
        process_photo(png_declaring(9500, 9500), name="big.png")  # 90.25 MP: over Pillow's warning line
    assert warnings.filters == filters_before
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_our_own_pixel_limit_holds_when_pillows_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(MediaError, match=r"^huge\.png is too large \(12000×10000 pixels; the limit is 100"):
        process_photo(png_declaring(12000, 10000), name="huge.png")


@pytest.mark.parametrize("mode", ["I;16", "F"])
def test_unsupported_mode(mode: str) -> None:
    buffer = io.BytesIO()
    Image.new(mode, (64, 64)).save(buffer, "TIFF")
    with pytest.raises(MediaError, match=r"^scan\.tif uses a colour format Ordo cannot read \("):
        process_photo(buffer.getvalue(), name="scan.tif")


def test_name_defaults_to_something_readable(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^The image is not an image"):
        process_photo(b"not an image")
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(MediaError, match=r"^notes\.txt is not an image"):
        process_photo(path)


def test_make_thumbnail_refuses_bad_bytes() -> None:
    for data in (b"", b"<html>502 Bad Gateway</html>", small_jpeg()[:300], png_declaring(30000, 30000)):
        with pytest.raises(MediaError):
            make_thumbnail(data)
