"""Asking a server for a token, with a clear message for every way it can fail."""

from __future__ import annotations

import math
import re
import uuid

import httpx
from pydantic import ValidationError

from app.domain.protocol import ErrorBody, RefreshRequest, TokenRequest, TokenResponse
from app.services.types import ServerUnreachable, SignInError
from app.sync.errors import AuthExpired, ProtocolError, TokenExpired
from app.sync.http import EXPIRED_MESSAGE, parse, request, server_name, unreachable_words

TOKEN_PATH = "/api/v1/auth/token"
# A DNS name, an IPv4 address, or an IPv6 address (httpx gives it without brackets).
_HOST = re.compile(r"[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+")


def normalize_url(raw: str) -> str:
    """A server address as typed, checked and without a trailing slash; SignInError when it is no URL."""
    text = raw.strip()
    if not text:
        raise SignInError("Enter the server address, e.g. https://ordo.example.com")
    if any(ch.isspace() for ch in text):
        raise SignInError(f"{text!r} is not a valid server address (it contains spaces)")
    if "://" not in text:
        text = f"http://{text}" if text.startswith(("127.", "localhost")) else f"https://{text}"
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise SignInError(f"{raw.strip()!r} is not a valid server address: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host or not _HOST.fullmatch(url.host):
        raise SignInError(f"{raw.strip()!r} is not a valid server address (use http:// or https://)")
    return str(url).rstrip("/")


def _wait_text(seconds: float) -> str:
    if seconds < 90:
        n = max(1, math.ceil(seconds))
        return f"{n} second{'s' if n != 1 else ''}"
    n = math.ceil(seconds / 60)
    return f"{n} minutes"


def _not_ordo(url: str, why: str) -> SignInError:
    return SignInError(f"{url} did not answer like an Ordo server ({why}). Check the address.")


def request_token(
    client: httpx.Client, *, url: str, username: str, password: str, device_id: str
) -> TokenResponse:
    """POST /auth/token; every failure is a SignInError whose text can be shown as is."""
    if not username.strip() or not password:
        raise SignInError("Enter your username and password.")
    try:
        body = TokenRequest(username=username.strip(), password=password, device_id=uuid.UUID(device_id))
    except ValidationError as exc:
        raise SignInError("The username or password is too long.") from exc
    try:
        response = client.post(TOKEN_PATH, json=body.model_dump(mode="json"))
    except httpx.TimeoutException as exc:
        raise ServerUnreachable(f"Cannot reach {url}: it did not answer in time.") from exc
    except httpx.UnsupportedProtocol as exc:
        raise SignInError(f"{url} is not a valid server address (use http:// or https://)") from exc
    except httpx.TransportError as exc:
        raise ServerUnreachable(f"Cannot reach {url}: {unreachable_words(exc)}.") from exc
    except httpx.RequestError as exc:
        raise _not_ordo(url, str(exc)) from exc

    code = response.status_code
    if code == 401:
        raise SignInError("Wrong username or password.")
    if code == 429:
        try:
            wait = float(response.headers.get("Retry-After", ""))
        except ValueError:
            wait = 0.0
        when = f"in {_wait_text(wait)}" if wait > 0 else "later"
        raise SignInError(f"Too many failed sign-ins. Try again {when}.")
    try:
        data = response.json()
    except ValueError as exc:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise _not_ordo(url, f"HTTP {code}, {kind}") from exc
    if code != 200:
        try:
            message = ErrorBody.model_validate(data).error.message
        except ValidationError as exc:
            raise _not_ordo(url, f"HTTP {code}") from exc
        if code >= 500:
            raise ServerUnreachable(f"{url} has a problem (HTTP {code}): {message}. Try again later.")
        raise SignInError(f"Sign-in refused (HTTP {code}): {message}")
    try:
        return TokenResponse.model_validate(data)
    except ValidationError as exc:
        raise _not_ordo(url, "unexpected answer to sign-in") from exc


REFRESH_PATH = "/api/v1/auth/refresh"


def refresh_session(client: httpx.Client, *, refresh_token: str, device_id: str) -> TokenResponse:
    """POST /auth/refresh: a new token pair for this device, the refresh token spent.

    Raises SyncErrors, as a sync would: Offline / ServerUnavailable (try again later,
    the tokens held stay good), DeviceRevoked / DeviceWiped (an administrator's word),
    AuthExpired for any other refusal (sign in again; nothing local is lost)."""
    body = RefreshRequest(refresh_token=refresh_token, device_id=uuid.UUID(device_id))
    try:
        response = request(client, "POST", REFRESH_PATH, token=None, json=body.model_dump(mode="json"))
    except TokenExpired as exc:  # the refresh token itself ran out
        raise AuthExpired(EXPIRED_MESSAGE) from exc
    if response.status_code != 200:
        # 404/405: a server from before refresh tokens; 422: it does not take ours.
        raise AuthExpired(EXPIRED_MESSAGE)
    answer = parse(client, response, TokenResponse)
    if not answer.refresh_token:
        raise ProtocolError(f"{server_name(client)} renewed the session without a refresh token")
    return answer
