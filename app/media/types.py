"""What the photo pipeline hands back: the bytes to store and upload, and what to record about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes  # the bytes to store and upload
    content_type: str  # "image/jpeg" | "image/webp" | "image/png"
    width: int  # of `data`, after orientation
    height: int
    sha256: str  # lowercase hex of `data`: the blob's address (sync protocol, "Blobs")
    size: int  # len(data)
    thumbnail: bytes  # JPEG, long side at most 320 px
    taken_at: datetime | None  # aware UTC, from EXIF DateTimeOriginal; None when absent
