"""Photos against a real server process: captured offline, uploaded resumably, seen elsewhere.

Uploads are cut at random bytes and corrupted in flight through an httpx transport
wrapped around the real one, so the server really receives the partial bytes.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.domain import Status
from app.services.facade import Ordo
from app.services.types import BlobState, OrderDetail
from app.store.models import BlobUpload
from app.sync import Offline
from app.sync.blobs import BlobTransfer, UploadState
from server_stub import testing

from .devices import device

pytestmark = pytest.mark.slow


class _Stream(httpx.SyncByteStream):
    def __init__(self, pieces: Iterator[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        return self.pieces


class CuttingTransport(httpx.BaseTransport):
    """The real HTTP transport; PATCH bodies can be cut after N bytes or have one byte flipped."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.cut_after: int | None = None  # bytes of PATCH bodies (all chunks together) before the cut
        self.flip_in_patch: int | None = None  # flip a byte in the PATCH with this index (0-based)
        self.patch_bytes = 0
        self.patches = 0
        self.offline = False
        self.requests: list[tuple[str, str]] = []
        self.answers: list[tuple[str, int | None, int]] = []  # (method, Upload-Offset sent, status)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        if self.offline:
            raise httpx.ConnectError("offline (test)", request=request)
        if request.method == "PATCH":
            index = self.patches
            self.patches += 1
            request.stream = _Stream(self._body(request.stream, flip=index == self.flip_in_patch))
        response = self.inner.handle_request(request)
        offset = request.headers.get("Upload-Offset")
        self.answers.append((request.method, None if offset is None else int(offset), response.status_code))
        return response

    def _body(self, stream, *, flip: bool) -> Iterator[bytes]:
        for piece in stream:
            if flip and piece:
                piece = bytes([piece[0] ^ 0xFF]) + piece[1:]
                flip = False
            if self.cut_after is not None and self.patch_bytes + len(piece) >= self.cut_after:
                keep = self.cut_after - self.patch_bytes
                self.patch_bytes += keep
                self.cut_after = None
                if keep:
                    yield piece[:keep]
                raise httpx.WriteError("connection cut by the test")
            self.patch_bytes += len(piece)
            yield piece

    def close(self) -> None:
        self.inner.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _client(server_url: str, data_dir: Path, transport: httpx.BaseTransport) -> Ordo:
    return device(server_url, data_dir, transport, timeout=20)


def _noisy_jpeg(path: Path, *, size: tuple[int, int] = (1800, 1200), seed: int = 1) -> Path:
    """A photo-like JPEG that stays large after processing (noise does not compress)."""
    rng = random.Random(seed)
    im = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: device EXIF the pipeline strips
    exif.get_ifd(0x8825)[2] = (52.0, 31.0, 12.0)  # GPS latitude
    im.save(path, "JPEG", quality=95, exif=exif)
    return path


GPS_IFD_POINTER = 0x8825  # the IFD0 tag that points to the GPS (location) directory


def _ifd0_tags(image: bytes) -> set[int]:
    """The tag numbers of IFD0 as the file's own EXIF bytes hold them (JPEG APP1 or WebP
    EXIF chunk), read from the TIFF structure, not from Pillow's view of it."""
    raw = Image.open(io.BytesIO(image)).info.get("exif", b"")
    raw = raw.removeprefix(b"Exif\x00\x00")
    if not raw:
        return set()
    order = {b"II": "<", b"MM": ">"}[raw[:2]]
    (first,) = struct.unpack_from(order + "I", raw, 4)
    (count,) = struct.unpack_from(order + "H", raw, first)
    return {struct.unpack_from(order + "H", raw, first + 2 + 12 * n)[0] for n in range(count)}


def _order(ordo: Ordo) -> OrderDetail:
    groups = ordo.list_orders()
    for s in groups.overdue + groups.today + groups.upcoming:
        if s.status in (Status.ASSIGNED, Status.IN_PROGRESS):
            detail = ordo.get_order(s.id)
            assert detail is not None
            return detail
    raise AssertionError("tech1 has no open order in the demo seed")


def _small_chunks(ordo: Ordo) -> BlobTransfer:
    """A new transfer (as after an app restart) on the device's client, in 256 KiB chunks,
    so a cut can land in any of several PATCHes."""
    _, transfer = ordo._current_engine()
    return BlobTransfer(
        store=transfer.store, files=transfer.files, client=transfer.client, clock=_now, chunk_size=256 * 1024
    )


def _server_blob(server, sha: str) -> Path | None:
    found = [p for p in (server.data_dir / "blobs").rglob(sha) if "partial" not in p.parts]
    return found[0] if found else None


def _server_offset(ordo: Ordo, sha: str) -> int | None:
    """What the server says it holds (None: all of it)."""
    _, transfer = ordo._current_engine()
    return transfer._server_offset(f"/api/v1/blobs/{sha}", token=transfer._token())


def test_a_photo_taken_offline_reaches_the_server_and_another_device_downloads_it(tmp_path, server_database):
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = CuttingTransport()
        tech = _client(server.url, tmp_path / "tech", transport)
        other = _client(server.url, tmp_path / "dispatcher", httpx.HTTPTransport())
        try:
            tech.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            tech.sync_blocking()
            order = _order(tech)
            good = _noisy_jpeg(tmp_path / "IMG_0001.jpg")
            assert GPS_IFD_POINTER in _ifd0_tags(good.read_bytes())  # the camera's location is there
            bad = tmp_path / "notes.jpg"
            bad.write_text("not a photo at all")
            empty = tmp_path / "empty.jpg"
            empty.write_bytes(b"")

            transport.offline = True
            seen: list[tuple[int, int, str]] = []
            batch = tech.add_photos(
                order.summary.id,
                [good, bad, empty],
                caption="Seal before",
                progress=lambda *a: seen.append(a),
            )
            assert batch.added == 1
            assert [p.name for p in batch.problems] == ["notes.jpg", "empty.jpg"]
            assert all(p.message for p in batch.problems)
            assert seen[0] == (0, 3, "IMG_0001.jpg") and seen[-1] == (3, 3, "")
            photo = batch.detail.photos[-1]
            assert photo.state is BlobState.LOCAL and photo.pending and photo.thumbnail
            assert photo.caption == "Seal before" and max(photo.width, photo.height) <= 2048
            assert tech.sync_status().uploads == 1
            with pytest.raises(Offline):
                tech.sync_blocking()

            transport.offline = False
            tech.sync_blocking()
            stored = _server_blob(server, photo.sha256)
            assert stored is not None
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
            after = tech.get_order(order.summary.id)
            assert after.photos[-1].state is BlobState.ON_SERVER and tech.sync_status().uploads == 0
            held = testing.read_order(database_url=server.database_url, order_id=str(order.summary.id))
            assert [p["blob_status"] for p in held["photos"]] == ["stored"]
            # No location on the server: no GPS directory in the stored bytes.
            assert GPS_IFD_POINTER not in _ifd0_tags(stored.read_bytes())
            assert not Image.open(stored).getexif().get_ifd(GPS_IFD_POINTER)

            # Another device sees the photo at once, and fetches the bytes only when asked.
            other.sign_in(server_url=server.url, username="dispatcher", password="demo-dispatcher")
            other.sync_blocking()
            theirs = other.get_order(order.summary.id).photos[-1]
            assert theirs.state is BlobState.ON_SERVER and theirs.thumbnail is None
            data = other.photo_bytes(theirs.sha256)
            assert hashlib.sha256(data).hexdigest() == photo.sha256
            assert other.get_order(order.summary.id).photos[-1].thumbnail  # cached for next time
            server.stop()
            assert other.photo_bytes(theirs.sha256) == data  # from the cache, offline
        finally:
            tech.close()
            other.close()


@pytest.mark.parametrize("seed", range(4))
def test_an_upload_cut_at_a_random_byte_resumes_from_the_servers_offset(tmp_path, server_database, seed):
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = CuttingTransport()
        tech = _client(server.url, tmp_path / "tech", transport)
        try:
            tech.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            tech.sync_blocking()
            order = _order(tech)
            photo = tech.add_photos(
                order.summary.id, [_noisy_jpeg(tmp_path / "p.jpg", seed=seed)]
            ).detail.photos[-1]
            total = photo.size
            cut = random.Random(seed).randrange(1, total)
            # Small chunks so the cut can land in any of several PATCHes.
            small = _small_chunks(tech)
            transport.cut_after = cut
            with pytest.raises(Offline):
                small.upload_pending()
            held = _server_offset(tech, photo.sha256)
            # The server keeps what reached it whole: up to the cut, never past it.
            assert held is not None and 0 <= held <= cut
            assert held >= (cut // (256 * 1024)) * 256 * 1024  # every finished chunk was kept

            # A new transfer (as after an app restart) resumes from the server's offset: the
            # first PATCH it gets taken starts where the server is (a 409 names it, if the
            # server was still writing the cut request when we asked), never from zero.
            transport.requests.clear()
            transport.answers.clear()
            fresh = _small_chunks(tech)
            report = fresh.upload_pending()
            assert transport.requests[0][0] == "HEAD"
            start = next(off for m, off, code in transport.answers if m == "PATCH" and code != 409)
            assert held <= start <= cut
            assert report.uploaded == 1 and report.bytes_sent == total - start
            stored = _server_blob(server, photo.sha256)
            assert stored is not None and hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
            with tech._store.read() as s:
                assert s.get(BlobUpload, photo.sha256).state == UploadState.DONE
        finally:
            tech.close()


def test_a_corrupted_chunk_is_refused_and_the_upload_starts_again(tmp_path, server_database):
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        transport = CuttingTransport()
        tech = _client(server.url, tmp_path / "tech", transport)
        try:
            tech.sign_in(server_url=server.url, username="tech1", password="demo-tech")
            tech.sync_blocking()
            order = _order(tech)
            photo = tech.add_photos(order.summary.id, [_noisy_jpeg(tmp_path / "p.jpg")]).detail.photos[-1]
            small = _small_chunks(tech)
            transport.flip_in_patch = 1  # the second chunk arrives damaged
            report = small.upload_pending()
            assert report.restarts == 1 and report.uploaded == 1
            stored = _server_blob(server, photo.sha256)
            assert stored is not None and hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
            with tech._store.read() as s:
                assert s.get(BlobUpload, photo.sha256).restarts == 1
        finally:
            tech.close()


def test_bytes_the_server_already_holds_are_not_sent_again(tmp_path, server_database):
    with testing.running_server(data_dir=tmp_path / "server", database_url=server_database) as server:
        first = CuttingTransport()
        second = CuttingTransport()
        a = _client(server.url, tmp_path / "a", first)
        b = _client(server.url, tmp_path / "b", second)
        try:
            source = _noisy_jpeg(tmp_path / "same.jpg")
            copy = tmp_path / "copy.jpg"
            copy.write_bytes(source.read_bytes())
            for ordo, path in ((a, source), (b, copy)):
                ordo.sign_in(server_url=server.url, username="tech1", password="demo-tech")
                ordo.sync_blocking()
                ordo.add_photos(_order(ordo).summary.id, [path])
            a.sync_blocking()
            assert first.patches >= 1
            b.sync_blocking()
            assert second.patches == 0  # HEAD said 200: nothing sent
            assert b.sync_status().uploads == 0
        finally:
            a.close()
            b.close()
