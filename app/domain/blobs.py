"""Blobs (sync-protocol.md, "Blobs"): the rules both sides share about photo and
signature bytes. Pure: no I/O."""

from __future__ import annotations

import re
from typing import Final

# Exactly 64 lowercase hex characters: the name of a blob on every method.
SHA256_RE: Final = re.compile(r"[0-9a-f]{64}")

# Bytes per PATCH, and the default cap on one blob (the server's is a setting).
MAX_CHUNK: Final = 4 * 1024 * 1024
DEFAULT_MAX_BLOB: Final = 25 * 1024 * 1024

# tus-style headers of the resumable upload.
UPLOAD_OFFSET: Final = "Upload-Offset"
UPLOAD_LENGTH: Final = "Upload-Length"

IMAGE_TYPES: Final = ("image/jpeg", "image/png", "image/webp")

# `photo.blob_status` as pulled: the metadata came, the bytes not yet / the bytes are held.
BLOB_PENDING: Final = "pending"
BLOB_STORED: Final = "stored"

# How many leading bytes sniff_content_type needs to decide.
SNIFF_BYTES: Final = 12

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def is_sha256(text: object) -> bool:
    return isinstance(text, str) and SHA256_RE.fullmatch(text) is not None


def sniff_content_type(head: bytes) -> str | None:
    """The image type of bytes starting with `head` (at least SNIFF_BYTES of them),
    by magic bytes alone; None for anything that is not JPEG, PNG or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(_PNG_SIGNATURE):
        return "image/png"
    if len(head) >= SNIFF_BYTES and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
