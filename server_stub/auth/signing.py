"""Signed tokens: `<kind>1.<id>.<expiry>.<signature>`, HMAC-SHA256 with the server's key.

The signature lets the server turn away garbage and forgeries without a database
query; the expiry travels in the token so an expired one is known as such at once.
A token that passes is still looked up (by its SHA-256) so it stays revocable.

The key is `ORDO_SERVER_SECRET_KEY`, or else `<data_dir>/secret.key`, made once
(mode 0600). Servers sharing one database must share the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

MIN_KEY_BYTES = 32
KEY_FILE = "secret.key"
_VERSION = "1"


class TokenKind(StrEnum):
    ACCESS = "a"
    REFRESH = "r"


class SecretKeyError(Exception):
    """The secret key is missing, too short or unreadable; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Claims:
    kind: TokenKind
    token_id: str
    expires_at: datetime  # aware UTC


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(*, key: bytes, kind: TokenKind, expires_at: datetime) -> str:
    """A new token of `kind` with a fresh random id."""
    token_id = secrets.token_urlsafe(24)
    payload = f"{kind.value}{_VERSION}.{token_id}.{int(expires_at.timestamp())}"
    return f"{payload}.{_mac(key, payload)}"


def verify(*, key: bytes, token: str, kind: TokenKind) -> Claims | None:
    """The claims of a token this server signed, of `kind`; None for anything else.
    Expiry is not judged here: the caller compares `expires_at` with its clock."""
    if len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != f"{kind.value}{_VERSION}":
        return None
    payload = ".".join(parts[:3])
    # As bytes: compare_digest refuses str with non-ASCII characters (a hostile header).
    if not hmac.compare_digest(_mac(key, payload).encode(), parts[3].encode("utf-8", "replace")):
        return None
    try:
        expires = datetime.fromtimestamp(int(parts[2]), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return Claims(kind=kind, token_id=parts[1], expires_at=expires)


def token_digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


_lock = threading.Lock()
_cache: dict[tuple[str | None, str], bytes] = {}


def load_key(*, secret: str | None, data_dir: Path) -> bytes:
    """The signing key: `secret` when given, else the key file in `data_dir`
    (created on first use). Cached per process."""
    cache_key = (secret, str(data_dir.resolve()))
    with _lock:
        key = _cache.get(cache_key)
        if key is None:
            key = _key_from(secret) if secret else _key_file(data_dir / KEY_FILE)
            _cache[cache_key] = key
        return key


def _key_from(secret: str) -> bytes:
    key = secret.encode()
    if len(key) < MIN_KEY_BYTES:
        raise SecretKeyError(
            f"ORDO_SERVER_SECRET_KEY is {len(key)} bytes; use at least {MIN_KEY_BYTES}"
            " (e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return key


def _key_file(path: Path) -> bytes:
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        key = _create_key_file(path)
    except OSError as exc:
        raise SecretKeyError(f"cannot read the secret key {path}: {exc.strerror or exc}") from exc
    if len(key) < MIN_KEY_BYTES:
        raise SecretKeyError(
            f"the secret key {path} is shorter than {MIN_KEY_BYTES} bytes; delete it to make a new one"
        )
    return key


def _create_key_file(path: Path) -> bytes:
    """Write a new key under a temporary name (0600, fsynced), then link it into place:
    of two processes starting at once, one wins and the other reads the winner's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_bytes().strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key
