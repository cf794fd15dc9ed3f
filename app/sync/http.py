"""Requests to the server and the reading of its answers, mapped onto typed sync errors."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from app.domain.protocol import AuthErrorBody, ErrorBody
from app.sync.errors import (
    AuthExpired,
    DeviceRevoked,
    DeviceWiped,
    Offline,
    ProtocolError,
    ServerUnavailable,
    TokenExpired,
)

M = TypeVar("M", bound=BaseModel)


def server_name(client: httpx.Client) -> str:
    return str(client.base_url).rstrip("/") or "the server"


def server_message(response: httpx.Response) -> str:
    try:
        return ErrorBody.model_validate(response.json()).error.message
    except (ValueError, ValidationError):
        return ""


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
# What the operating system says, as people say it.
_PLAIN = (
    ("connection refused", "the server is not answering (connection refused)"),
    ("name or service not known", "its name is not known here (no network, or a typo)"),
    ("temporary failure in name resolution", "its name cannot be looked up (no network?)"),
    ("nodename nor servname", "its name is not known here (no network, or a typo)"),
    ("network is unreachable", "there is no network"),
    ("no route to host", "there is no route to it (no network?)"),
    ("connection reset", "the connection was cut"),
)


def unreachable_words(exc: Exception) -> str:
    """Why a server could not be reached, in words: no "[Errno 111]"."""
    text = _ERRNO.sub("", str(exc) or type(exc).__name__)
    folded = text.casefold()
    for needle, words in _PLAIN:
        if needle in folded:
            return words
    return text


EXPIRED_MESSAGE = "Your session has expired: sign in again to sync. Your changes are kept."
REVOKED_MESSAGE = (
    "This device was signed out by an administrator: sign in again to sync. Your changes are kept."
)


def auth_error(response: httpx.Response) -> AuthExpired:
    """The SyncError for a 401, by its code: refresh (token_expired), signed out by an
    administrator (device_revoked), erase local data (device_wiped), or sign in again."""
    try:
        error = AuthErrorBody.model_validate(response.json()).error
    except (ValueError, ValidationError):
        return AuthExpired(EXPIRED_MESSAGE)
    if error.code == "device_wiped" or error.wipe:
        return DeviceWiped(REVOKED_MESSAGE)
    if error.code == "device_revoked":
        return DeviceRevoked(REVOKED_MESSAGE)
    if error.code == "token_expired":
        return TokenExpired(EXPIRED_MESSAGE)
    return AuthExpired(EXPIRED_MESSAGE)


def request(
    client: httpx.Client,
    method: str,
    path: str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request (with `token` as its bearer; None: none). No connection, 401, 426, 429
    and 5xx become the matching SyncError; any other answer is returned for the caller to
    read (blob uploads use 201/204/409/...)."""
    url = server_name(client)
    bearer = {"Authorization": f"Bearer {token}"} if token is not None else {}
    try:
        response = client.request(method, path, headers={**bearer, **(headers or {})}, **kwargs)
    except httpx.TimeoutException as exc:
        raise Offline(f"Cannot reach {url}: timed out") from exc
    except httpx.TransportError as exc:
        raise Offline(f"Cannot reach {url}: {unreachable_words(exc)}") from exc
    except httpx.RequestError as exc:  # e.g. a body that fails to decode
        raise ProtocolError(f"{url} did not answer like an Ordo server: {exc}") from exc
    except RuntimeError as exc:
        # The client was closed under us (a new sign-in replaced it): try again with the new one.
        if client.is_closed:
            raise Offline(f"Cannot reach {url}: the connection was closed") from exc
        raise
    code = response.status_code
    if code == 401:
        raise auth_error(response)
    if code == 429:
        raise ServerUnavailable(f"{url} is busy (HTTP 429)", retry_after=_retry_after(response))
    if code >= 500:
        raise ServerUnavailable(f"{url} is unavailable (HTTP {code})", retry_after=_retry_after(response))
    if code == 426:
        detail = server_message(response)
        raise ProtocolError(
            f"This app is too old for {url}: update it to sync" + (f" ({detail})" if detail else "")
        )
    return response


def send(client: httpx.Client, method: str, path: str, *, token: str, **kwargs: Any) -> httpx.Response:
    """One request; any answer but 200 becomes the matching SyncError."""
    response = request(client, method, path, token=token, **kwargs)
    if response.status_code == 200:
        return response
    detail = server_message(response)
    raise ProtocolError(
        f"{server_name(client)} refused the sync (HTTP {response.status_code})"
        + (f": {detail}" if detail else "")
    )


def parse(client: httpx.Client, response: httpx.Response, model: type[M]) -> M:
    """The body as `model`, or ProtocolError naming the server.

    Read straight from the bytes first: half the time of making Python objects and then
    validating them, which counts for pull pages, most of what a first sync reads. A body
    refused that way is read again the ordinary way, for the same answer or error."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        pass
    url = server_name(client)
    try:
        body = response.json()
    except ValueError as exc:
        raise ProtocolError(f"{url} did not answer like an Ordo server (the answer is not JSON)") from exc
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ProtocolError(
            f"{url} did not answer like an Ordo server ({exc.error_count()} unexpected fields)"
        ) from exc
