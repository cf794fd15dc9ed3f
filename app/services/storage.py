"""What this device keeps on disk, and making room without losing field work.

Every photo and signature file (app.store.blobfiles) is one of three kinds:

- waiting: made here, its upload not `done` (queued, or refused by the server). These
  bytes exist nowhere else; nothing here ever removes them.
- cached: a photo the server holds (uploaded from here, or downloaded to be viewed).
  Removing it loses nothing: opening the photo downloads it again.
- kept: signatures (the order screen draws them from their bytes; they are small) and
  files no row names yet, which a photo being captured this minute may be about to name.

The time a cached photo was last viewed is its file's mtime, set from the app's clock each
time the full image is read (`mark_viewed`): no table to keep in step with the files, and
a file removed by any means takes its record with it. Over the cap (ClientSettings.
photo_cache_mb) the least recently viewed cached photos go first.

Thumbnails (320 px, tens of KB each) are neither counted against the cap nor removed: they
let the gallery show every photo offline, and a few hundred of them weigh what one full
photo does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.blobs import is_sha256
from app.store import LocalStore
from app.store.blobfiles import BlobFiles
from app.store.models import BlobUpload, Photo, Signature
from app.sync.blobs import UploadState

# A file no row names may be a photo being captured now (its bytes are written before the
# transaction that names them commits): it counts as cached only once this much older.
UNNAMED_GRACE = timedelta(hours=1)
DB_SUFFIXES = ("", "-wal", "-shm")


class FileKind(StrEnum):
    WAITING = "waiting"
    CACHED = "cached"
    KEPT = "kept"


@dataclass(frozen=True, slots=True)
class Pile:
    count: int = 0
    bytes: int = 0

    def plus(self, size: int) -> Pile:
        return Pile(count=self.count + 1, bytes=self.bytes + size)


@dataclass(frozen=True, slots=True)
class StorageReport:
    database_bytes: int  # the SQLite file with its -wal and -shm
    waiting: Pile  # photos and signatures not on the server yet: never removed
    cached: Pile  # photos already on the server: "Free space" removes these
    kept: Pile  # signatures, and files no row names yet
    thumbnails: Pile
    cap_bytes: int  # the photo cache's limit

    @property
    def total_bytes(self) -> int:
        return (
            self.database_bytes
            + self.waiting.bytes
            + self.cached.bytes
            + self.kept.bytes
            + self.thumbnails.bytes
        )


@dataclass(frozen=True, slots=True)
class FreedReport:
    count: int = 0  # cached photos removed
    bytes: int = 0
    waiting: int = 0  # files still to upload, all kept


@dataclass(frozen=True, slots=True)
class BlobFile:
    sha256: str
    path: Path
    size: int
    viewed_at: float  # the file's mtime: when it was last viewed (or written)


def blob_files(files: BlobFiles) -> Iterator[BlobFile]:
    """Every complete blob on disk (`root/ab/abcdef…`): not thumbnails, not half-written temporaries."""
    try:
        folders = list(os.scandir(files.root))
    except FileNotFoundError:
        return
    for folder in folders:
        if len(folder.name) != 2 or not folder.is_dir(follow_symlinks=False):
            continue  # "thumbs" and anything else that is not a two-letter fan-out folder
        with os.scandir(folder.path) as entries:
            for entry in entries:
                if not is_sha256(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed while we looked
                    continue
                yield BlobFile(
                    sha256=entry.name, path=Path(entry.path), size=st.st_size, viewed_at=st.st_mtime
                )


def thumbnails(files: BlobFiles) -> Pile:
    pile = Pile()
    try:
        entries = list(os.scandir(files.root / "thumbs"))
    except FileNotFoundError:
        return pile
    for entry in entries:
        if entry.name.endswith(".jpg") and entry.is_file(follow_symlinks=False):
            try:
                pile = pile.plus(entry.stat(follow_symlinks=False).st_size)
            except FileNotFoundError:
                continue
    return pile


def database_bytes(db_path: Path) -> int:
    total = 0
    for suffix in DB_SUFFIXES:
        try:
            total += Path(f"{db_path}{suffix}").stat().st_size
        except FileNotFoundError:
            continue
    return total


def kinds(session: Session, found: Iterable[BlobFile], *, now: datetime) -> dict[str, FileKind]:
    """What each file on disk is, by the rows that name it (see the module's docstring)."""
    found = list(found)
    shas = {f.sha256 for f in found}
    if not shas:
        return {}
    # Whole columns, not `IN (…)` of every file: no bound-parameter limit, one pass each.
    uploads = {sha: state for sha, state in session.execute(select(BlobUpload.sha256, BlobUpload.state))}
    photos = set(session.scalars(select(Photo.sha256).distinct())) & shas
    signatures = set(session.scalars(select(Signature.sha256).distinct())) & shas
    young = (now - UNNAMED_GRACE).timestamp()
    result: dict[str, FileKind] = {}
    for f in found:
        state = uploads.get(f.sha256)
        if state is not None and state != UploadState.DONE:
            result[f.sha256] = FileKind.WAITING  # the only copy there is: never removed
        elif f.sha256 in signatures:
            result[f.sha256] = FileKind.KEPT
        elif f.sha256 in photos or state is not None or f.viewed_at < young:
            result[f.sha256] = FileKind.CACHED
        else:
            result[f.sha256] = FileKind.KEPT  # maybe a photo whose capture has not committed yet
    return result


def report(store: LocalStore, files: BlobFiles, *, cap_bytes: int, now: datetime) -> StorageReport:
    """The figures for the settings screen. Walks the disk: call it off the UI thread."""
    found = list(blob_files(files))
    with store.read() as s:
        kind_of = kinds(s, found, now=now)
    piles = {kind: Pile() for kind in FileKind}
    for f in found:
        kind = kind_of.get(f.sha256, FileKind.KEPT)
        piles[kind] = piles[kind].plus(f.size)
    return StorageReport(
        database_bytes=database_bytes(store.path),
        waiting=piles[FileKind.WAITING],
        cached=piles[FileKind.CACHED],
        kept=piles[FileKind.KEPT],
        thumbnails=thumbnails(files),
        cap_bytes=cap_bytes,
    )


def _drop(
    store: LocalStore, files: BlobFiles, *, now: datetime, cap_bytes: int | None, spare: frozenset[str]
) -> FreedReport:
    """Remove cached photos, least recently viewed first, until they take at most `cap_bytes`
    (None: all of them). Decided and done inside one write transaction, so no upload row can
    be written between the look and the removal."""
    found = list(blob_files(files))
    with store.transaction() as s:
        kind_of = kinds(s, found, now=now)
        cached = sorted(
            (f for f in found if kind_of.get(f.sha256) is FileKind.CACHED),
            key=lambda f: (f.viewed_at, f.sha256),
        )
        waiting = sum(1 for k in kind_of.values() if k is FileKind.WAITING)
        held = sum(f.size for f in cached)
        freed = Pile()
        for f in cached:
            if cap_bytes is not None and held <= cap_bytes:
                break
            if f.sha256 in spare:
                continue
            with contextlib.suppress(FileNotFoundError):  # gone already: no room taken either way
                f.path.unlink()
            held -= f.size
            freed = freed.plus(f.size)
    return FreedReport(count=freed.count, bytes=freed.bytes, waiting=waiting)


def free_cached(store: LocalStore, files: BlobFiles, *, now: datetime) -> FreedReport:
    """The "Free space" button: every cached photo goes; photos still to upload (and signatures) stay."""
    return _drop(store, files, now=now, cap_bytes=None, spare=frozenset())


def enforce_cap(
    store: LocalStore, files: BlobFiles, *, cap_bytes: int, now: datetime, spare: Iterable[str] = ()
) -> FreedReport:
    """Bring the cached photos under `cap_bytes`, least recently viewed first; `spare` (the
    photo being shown now) stays even when it alone is over the cap."""
    return _drop(store, files, now=now, cap_bytes=cap_bytes, spare=frozenset(spare))


def mark_viewed(files: BlobFiles, sha256: str, *, now: datetime) -> None:
    """Record a view: the file moves to the back of the queue for removal."""
    stamp = now.timestamp()
    with contextlib.suppress(FileNotFoundError):  # removed meanwhile: nothing to keep fresh
        os.utime(files.path(sha256), (stamp, stamp))
