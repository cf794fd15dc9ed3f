"""Blobs on disk (sync-protocol.md, "Blobs"): one folder per organisation, so
de-duplication never tells one organisation what another holds.

    <root>/<org>/ab/<sha256>                complete blobs, named by their hash
    <root>/<org>/partial/<sha256>           bytes of an upload in progress
    <root>/<org>/partial/<sha256>.length    its declared total (Upload-Length)
    <root>/<org>/partial/<sha256>.lock      held (flock) by whoever writes that upload

A complete blob only ever appears by `os.replace` of a partial that was fsynced
and whose SHA-256 and magic bytes checked out: never a half file under the final
name. The lock is an advisory file lock, so it also holds between server
processes sharing the folder; it is taken without waiting (a second writer of the
same bytes is told 409 and asks HEAD where the first one got).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from app.domain.blobs import SNIFF_BYTES, is_sha256, sniff_content_type

_READ_CHUNK = 1024 * 1024
_SAFE_ORG = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BlobKind(StrEnum):
    ABSENT = "absent"
    PARTIAL = "partial"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class BlobState:
    kind: BlobKind
    offset: int = 0  # bytes held (all of them when complete)
    length: int | None = None  # declared total of a partial; the size of a complete blob


class UploadBusy(Exception):
    """Someone else is writing these bytes right now."""


class HashMismatch(Exception):
    """The finished bytes do not hash to the name they were sent under (partial discarded)."""

    def __init__(self, actual: str) -> None:
        super().__init__(f"the bytes hash to {actual}")
        self.actual = actual


class NotAnImage(Exception):
    """The finished bytes are not JPEG, PNG or WebP (partial discarded)."""


class BlobStore:
    def __init__(self, *, root: Path) -> None:
        self.root = root

    # --- paths ------------------------------------------------------------------

    def _org_dir(self, org_id: str) -> Path:
        if _SAFE_ORG.fullmatch(org_id) is None:
            raise ValueError(f"not an organisation id usable as a folder name: {org_id!r}")
        return self.root / org_id

    def path(self, *, org_id: str, sha256: str) -> Path:
        """Where the complete blob is (or would be)."""
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self._org_dir(org_id) / sha256[:2] / sha256

    def _partial(self, org_id: str, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self._org_dir(org_id) / "partial" / sha256

    # --- reading ----------------------------------------------------------------

    def has(self, *, org_id: str, sha256: str) -> bool:
        return self.path(org_id=org_id, sha256=sha256).is_file()

    def state(self, *, org_id: str, sha256: str) -> BlobState:
        final = self.path(org_id=org_id, sha256=sha256)
        with contextlib.suppress(FileNotFoundError):
            size = final.stat().st_size
            return BlobState(kind=BlobKind.COMPLETE, offset=size, length=size)
        data = self._partial(org_id, sha256)
        length = _read_length(data)
        try:
            held = data.stat().st_size
        except FileNotFoundError:
            return BlobState(kind=BlobKind.ABSENT)
        if length is None:
            # Bytes without their declared length (only by meddling): unusable, start over.
            return BlobState(kind=BlobKind.ABSENT)
        return BlobState(kind=BlobKind.PARTIAL, offset=held, length=length)

    def head(self, *, org_id: str, sha256: str) -> bytes:
        """The first bytes of a complete blob, enough to sniff its type."""
        with self.path(org_id=org_id, sha256=sha256).open("rb") as f:
            return f.read(SNIFF_BYTES)

    # --- writing ----------------------------------------------------------------

    @contextlib.contextmanager
    def upload(self, *, org_id: str, sha256: str) -> Iterator[Upload]:
        """Hold the (org, sha) lock while writing; raises UploadBusy at once if another holds it."""
        data = self._partial(org_id, sha256)
        data.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(_lock_path(data), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(f"another upload of {sha256} is in progress") from None
            yield Upload(store=self, org_id=org_id, sha256=sha256, data=data)
        finally:
            os.close(fd)  # releases the lock

    def prune_partials(self, *, older_than: datetime) -> int:
        """Drop partial uploads untouched since `older_than`, skipping any being
        written; returns how many."""
        cutoff = older_than.timestamp()
        dropped = 0
        if not self.root.is_dir():
            return 0
        for org_dir in self.root.iterdir():
            partial_dir = org_dir / "partial"
            if not partial_dir.is_dir():
                continue
            for data in partial_dir.iterdir():
                if not is_sha256(data.name):
                    continue
                try:
                    stale = data.stat().st_mtime < cutoff
                except FileNotFoundError:
                    continue
                if not stale:
                    continue
                with (
                    contextlib.suppress(UploadBusy),
                    self.upload(org_id=org_dir.name, sha256=data.name) as upload,
                ):
                    upload.discard()
                    dropped += 1
        return dropped


@dataclass(frozen=True, slots=True)
class Upload:
    """One upload under its lock: the partial's bytes and declared length."""

    store: BlobStore
    org_id: str
    sha256: str
    data: Path

    def state(self) -> BlobState:
        return self.store.state(org_id=self.org_id, sha256=self.sha256)

    def begin(self, *, length: int) -> None:
        """A new, empty partial with its declared length (the length first: bytes
        without a length read as no upload at all)."""
        _write_atomically(_length_path(self.data), f"{length}\n".encode())
        self.data.write_bytes(b"")

    def open_append(self) -> BinaryIO:
        return self.data.open("ab")

    def truncate(self, *, offset: int) -> None:
        """Back to `offset` bytes: a refused request leaves the upload as it was."""
        with self.data.open("r+b") as f:
            f.truncate(offset)
            _sync(f)

    def sync(self) -> None:
        """Make the bytes held so far durable before their offset is announced."""
        with contextlib.suppress(FileNotFoundError), self.data.open("rb") as f:
            os.fsync(f.fileno())

    def finish(self) -> str:
        """Verify the complete partial and move it under its final name; returns
        its content type. Raises HashMismatch or NotAnImage (partial discarded).
        Blocking: hashes the whole file; run it in a worker thread."""
        digest = hashlib.sha256()
        with self.data.open("rb") as f:
            os.fsync(f.fileno())
            head = f.read(SNIFF_BYTES)
            digest.update(head)
            while chunk := f.read(_READ_CHUNK):
                digest.update(chunk)
        actual = digest.hexdigest()
        if actual != self.sha256:
            self.discard()
            raise HashMismatch(actual)
        content_type = sniff_content_type(head)
        if content_type is None:
            self.discard()
            raise NotAnImage("the bytes are not a JPEG, PNG or WebP image")
        final = self.store.path(org_id=self.org_id, sha256=self.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.data, final)
        _sync_dir(final.parent)
        _length_path(self.data).unlink(missing_ok=True)
        # Whoever opened this lock file before now finds the blob complete under it
        # and writes nothing, so removing it cannot let two writers in.
        _lock_path(self.data).unlink(missing_ok=True)
        return content_type

    def discard(self) -> None:
        self.data.unlink(missing_ok=True)
        _length_path(self.data).unlink(missing_ok=True)


def _length_path(data: Path) -> Path:
    return data.with_name(data.name + ".length")


def _lock_path(data: Path) -> Path:
    return data.with_name(data.name + ".lock")


def _read_length(data: Path) -> int | None:
    try:
        text = _length_path(data).read_text().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _write_atomically(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(content)
        _sync(f)
    os.replace(tmp, path)


def _sync(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
