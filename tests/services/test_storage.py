"""Storage on the device: the figures, "Free space", and the photo cache's cap.

A real store and real files in tmp_path; time is the injected clock (a view stamps the
file's mtime from it), never a sleep.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from store.kit import T0, Clock, open_store

from app.services import storage
from app.services.storage import FileKind, Pile
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.blobfiles import BlobFiles, sha256_of
from app.store.models import BlobUpload, Photo, Signature
from app.sync.blobs import UploadState

CAP = 2_500


def _bytes(tag: str, size: int) -> bytes:
    return (tag.encode() * size)[:size]


def _blob(files: BlobFiles, tag: str, size: int = 1_000, *, viewed_at=T0) -> str:
    data = _bytes(tag, size)
    sha = sha256_of(data)
    files.put(sha, data)
    storage.mark_viewed(files, sha, now=viewed_at)
    return sha


def _photo(store: LocalStore, sha: str) -> None:
    with store.transaction() as s:
        s.add(Photo(id=str(uuid.uuid4()), order_id=str(uuid.uuid4()), sha256=sha, blob_status="stored"))


def _upload(store: LocalStore, sha: str, state: UploadState, *, size: int = 1_000) -> None:
    with store.transaction() as s:
        s.add(BlobUpload(sha256=sha, size=size, content_type="image/jpeg", state=state.value, created_at=T0))


def _made_here(store: LocalStore, files: BlobFiles, tag: str, state: UploadState, size: int = 1_000) -> str:
    sha = _blob(files, tag, size)
    _photo(store, sha)
    _upload(store, sha, state, size=size)
    return sha


def _downloaded(store: LocalStore, files: BlobFiles, tag: str, size: int = 1_000, *, viewed_at=T0) -> str:
    sha = _blob(files, tag, size, viewed_at=viewed_at)
    _photo(store, sha)
    return sha


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return open_store(tmp_path)


@pytest.fixture
def files(tmp_path: Path) -> BlobFiles:
    return BlobFiles(tmp_path / "blobs")


def test_the_report_counts_the_database_and_each_kind_of_file(store, files, tmp_path) -> None:
    queued = _made_here(store, files, "queued", UploadState.QUEUED, 3_000)
    refused = _made_here(store, files, "refused", UploadState.REFUSED, 2_000)
    _made_here(store, files, "done", UploadState.DONE, 1_500)
    _downloaded(store, files, "elsewhere", 700)
    signature = _blob(files, "sig", 300)
    with store.transaction() as s:
        s.add(Signature(id=str(uuid.uuid4()), order_id=str(uuid.uuid4()), sha256=signature))
    files.put_thumbnail(queued, b"t" * 40)
    files.put_thumbnail(refused, b"t" * 60)
    (files.root / "ab").mkdir(exist_ok=True)
    (files.root / "ab" / ".tmp-half-written").write_bytes(b"x" * 5_000)  # never counted

    got = storage.report(store, files, cap_bytes=CAP, now=T0)

    assert got.waiting == Pile(count=2, bytes=5_000)
    assert got.cached == Pile(count=2, bytes=2_200)
    assert got.kept == Pile(count=1, bytes=300)
    assert got.thumbnails == Pile(count=2, bytes=100)
    on_disk = sum(os.path.getsize(p) for p in tmp_path.glob("ordo.db*"))
    assert got.database_bytes == on_disk > 0
    assert got.cap_bytes == CAP
    assert got.total_bytes == on_disk + 5_000 + 2_200 + 300 + 100


def test_an_empty_device_reports_nothing_but_its_database(store, files) -> None:
    got = storage.report(store, files, cap_bytes=CAP, now=T0)
    assert (got.waiting, got.cached, got.kept, got.thumbnails) == (Pile(), Pile(), Pile(), Pile())
    assert storage.free_cached(store, files, now=T0) == storage.FreedReport()


def test_free_removes_only_copies_the_server_holds(store, files) -> None:
    queued = _made_here(store, files, "queued", UploadState.QUEUED)
    refused = _made_here(store, files, "refused", UploadState.REFUSED)
    done = _made_here(store, files, "done", UploadState.DONE, 1_500)
    downloaded = _downloaded(store, files, "elsewhere", 700)
    # Downloaded once, then the same picture taken here and not yet uploaded: the only copy.
    again = _downloaded(store, files, "again")
    _upload(store, again, UploadState.QUEUED)
    signature = _made_here(store, files, "sig", UploadState.DONE, 300)
    with store.transaction() as s:
        s.add(Signature(id=str(uuid.uuid4()), order_id=str(uuid.uuid4()), sha256=signature))
    young = _blob(files, "capture-in-progress", viewed_at=T0 - timedelta(minutes=5))
    old = _blob(files, "orphan", 400, viewed_at=T0 - timedelta(hours=2))
    for sha in (queued, done, downloaded):
        files.put_thumbnail(sha, b"thumb")

    freed = storage.free_cached(store, files, now=T0)

    assert freed == storage.FreedReport(count=3, bytes=1_500 + 700 + 400, waiting=3)
    for sha in (queued, refused, again, signature, young):
        assert files.has(sha), sha
    for sha in (done, downloaded, old):
        assert not files.has(sha), sha
    for sha in (queued, done, downloaded):  # the gallery keeps showing every photo
        assert files.thumbnail(sha) == b"thumb"
    assert storage.free_cached(store, files, now=T0).count == 0  # nothing left to free


def test_the_cap_drops_the_least_recently_viewed_first(store, files) -> None:
    first = _downloaded(store, files, "a", viewed_at=T0 + timedelta(minutes=1))
    second = _downloaded(store, files, "b", viewed_at=T0 + timedelta(minutes=2))
    third = _downloaded(store, files, "c", viewed_at=T0 + timedelta(minutes=3))
    fourth = _downloaded(store, files, "d", viewed_at=T0 + timedelta(minutes=4))
    # 5 KB still to upload: over the cap by itself, and never part of the cache.
    waiting = _made_here(store, files, "w", UploadState.QUEUED, 5_000)

    freed = storage.enforce_cap(store, files, cap_bytes=CAP, now=T0 + timedelta(minutes=5))

    assert (freed.count, freed.bytes) == (2, 2_000)
    assert [files.has(s) for s in (first, second, third, fourth, waiting)] == [False, False, True, True, True]
    assert storage.enforce_cap(store, files, cap_bytes=CAP, now=T0).count == 0  # under it now


def test_a_view_moves_a_photo_to_the_back_of_the_queue(store, files) -> None:
    clock = Clock(T0)
    older = _downloaded(store, files, "older", viewed_at=clock())
    clock.advance(minutes=1)
    newer = _downloaded(store, files, "newer", viewed_at=clock())
    clock.advance(minutes=1)
    storage.mark_viewed(files, older, now=clock())  # looked at again

    storage.enforce_cap(store, files, cap_bytes=1_500, now=clock())

    assert files.has(older) and not files.has(newer)


def test_the_photo_shown_is_spared_even_when_it_alone_is_over_the_cap(store, files) -> None:
    big = _downloaded(store, files, "big", 3_000, viewed_at=T0 - timedelta(days=1))
    small = _downloaded(store, files, "small", viewed_at=T0)
    freed = storage.enforce_cap(store, files, cap_bytes=CAP, now=T0, spare=[big])
    assert files.has(big) and not files.has(small) and freed.count == 1


def test_kinds_say_why_a_file_stays(store, files) -> None:
    queued = _made_here(store, files, "q", UploadState.QUEUED)
    done = _made_here(store, files, "d", UploadState.DONE)
    unnamed = _blob(files, "u", viewed_at=T0)
    with store.read() as s:
        got = storage.kinds(s, storage.blob_files(files), now=T0)
    assert got == {queued: FileKind.WAITING, done: FileKind.CACHED, unnamed: FileKind.KEPT}
    with store.read() as s:  # an hour later nothing names it still: a leftover, on the server
        assert (
            storage.kinds(s, storage.blob_files(files), now=T0 + timedelta(hours=2))[unnamed]
            is FileKind.CACHED
        )


def test_marking_a_file_that_is_gone_is_no_error(files) -> None:
    storage.mark_viewed(files, "0" * 64, now=T0)


def test_the_cache_limit_is_a_positive_number_of_megabytes(tmp_path) -> None:
    assert ClientSettings(data_dir=tmp_path).photo_cache_mb == 500
    assert ClientSettings(data_dir=tmp_path, photo_cache_mb=40).photo_cache_mb == 40
    for bad in (0, -1):
        with pytest.raises(ValidationError):
            ClientSettings(data_dir=tmp_path, photo_cache_mb=bad)


# --- through the facade: viewing records the view, downloading keeps the cache under its cap ---


def _serve_blobs(rig, blobs: dict[str, bytes]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.startswith("/api/v1/blobs/"):
            data = blobs.get(request.url.path.rsplit("/", 1)[-1])
            return httpx.Response(200, content=data) if data else httpx.Response(404)
        return rig.server.answer(request)

    rig.server.fault = answer


def test_viewing_a_held_photo_stamps_it_with_the_clock(signed_in) -> None:
    rig = signed_in
    files = rig.ordo._files
    sha = _downloaded(rig.ordo._store, files, "held", viewed_at=T0 - timedelta(days=3))
    rig.clock.advance(hours=5)
    assert rig.ordo.photo_bytes(sha) == _bytes("held", 1_000)
    assert files.path(sha).stat().st_mtime == rig.clock().timestamp()


def test_a_download_over_the_cap_drops_the_least_recently_viewed_but_not_itself(signed_in) -> None:
    rig = signed_in
    rig.ordo._settings.photo_cache_mb = 1  # 1,000,000 bytes
    store, files = rig.ordo._store, rig.ordo._files
    stale = _downloaded(store, files, "stale", 400_000, viewed_at=rig.clock() - timedelta(days=2))
    fresh = _downloaded(store, files, "fresh", 400_000, viewed_at=rig.clock() - timedelta(days=1))
    mine = _made_here(store, files, "mine", UploadState.QUEUED, 900_000)  # not uploaded: stays
    wanted = _bytes("wanted", 500_000)
    sha = sha256_of(wanted)
    _photo(store, sha)
    _serve_blobs(rig, {sha: wanted})

    assert rig.ordo.photo_bytes(sha) == wanted

    assert files.has(sha) and files.has(fresh) and files.has(mine)
    assert not files.has(stale)
    report = rig.ordo.storage_report()
    assert report.cached == Pile(count=2, bytes=900_000) and report.cap_bytes == 1_000_000
    assert report.waiting == Pile(count=1, bytes=900_000)
    freed = rig.ordo.free_cached_photos()
    assert (freed.count, freed.bytes, freed.waiting) == (2, 900_000, 1)
    assert files.has(mine)
