"""The device's photo and signature bytes: plain files named by their SHA-256.

A file appears under its final name only complete and verified (written to a
temporary name, flushed to disk, then renamed), so a crash leaves either the
whole blob or nothing, never half a photo that looks whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from app.domain.blobs import is_sha256


class BlobCorrupt(Exception):
    """Bytes that do not hash to the name they are stored (or about to be stored) under."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself must survive a power cut too.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class BlobFiles:
    """`root/ab/abcdef…` holds the bytes; `root/thumbs/abcdef….jpg` the 320 px thumbnail."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def thumb_path(self, sha256: str) -> Path:
        return self.path(sha256).parent.parent / "thumbs" / f"{sha256}.jpg"

    def put(self, sha256: str, data: bytes) -> None:
        """Store `data` under `sha256`, checking first that it is what the name says."""
        if sha256_of(data) != sha256:
            raise BlobCorrupt(f"the bytes do not hash to {sha256}")
        path = self.path(sha256)
        if path.exists() and path.stat().st_size == len(data):
            return  # content-addressed: the same name means the same bytes
        _write_atomic(path, data)

    def put_thumbnail(self, sha256: str, data: bytes) -> None:
        _write_atomic(self.thumb_path(sha256), data)

    def read(self, sha256: str, *, verify: bool = False) -> bytes | None:
        """The bytes, or None when this device does not hold them; BlobCorrupt when
        `verify` finds the file damaged (a disk error, or someone editing it)."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        if verify and sha256_of(data) != sha256:
            raise BlobCorrupt(f"the file for {sha256} is damaged")
        return data

    def thumbnail(self, sha256: str) -> bytes | None:
        try:
            return self.thumb_path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def discard(self, sha256: str) -> None:
        """Remove one blob and its thumbnail (bytes kept for a write that was then refused)."""
        self.path(sha256).unlink(missing_ok=True)
        self.thumb_path(sha256).unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every blob and thumbnail (another user signs in on this device)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()
