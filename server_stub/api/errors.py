"""Every error answers with the protocol's body {"error": {"code", "message"}}."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.protocol import error_body
from server_stub.db import DatabaseBusy, is_lock_contention

log = logging.getLogger("ordo.server")

_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    426: "protocol_not_supported",
    429: "rate_limited",
    503: "overloaded",
}
# Retry-After of a 503 when the app has no settings to say otherwise.
DEFAULT_RETRY_AFTER = 2


class ApiError(Exception):
    """An error answer: raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        # More members of the error object, e.g. {"wipe": true} on device_wiped.
        self.extra = dict(extra or {})


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=dict(headers or {}))


def _describe(errors: list[Any]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if exc.extra:
        body = error_body(exc.code, exc.message)
        body["error"].update(exc.extra)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


def _allowed_methods(request: Request) -> str | None:
    """The methods the OpenAPI document names for this path. Starlette's 405 names only
    those of the first route that matched the path (here one route per method)."""
    for template, operations in request.app.openapi().get("paths", {}).items():
        parts = re.split(r"\{[^}/]*\}", template)
        if re.fullmatch("[^/]+".join(re.escape(part) for part in parts), request.url.path):
            return ", ".join(sorted(method.upper() for method in operations))
    return None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_"))
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return error_response(exc.status_code, code, message, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        # Not JSON at all: the protocol wants 400, not 422.
        return error_response(400, "malformed", "the body is not valid JSON")
    return error_response(422, "validation_failed", _describe(errors))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # A bug, not bad input: log it for us, answer without a traceback.
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "the server failed; the error was logged")


def unavailable(code: str, message: str, *, retry_after: int) -> JSONResponse:
    """503 with the protocol's body and a whole number of seconds to wait."""
    return error_response(503, code, message, {"Retry-After": str(retry_after)})


def _retry_after(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "overload_retry_after_seconds", DEFAULT_RETRY_AFTER))


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    # The write lock or a pooled connection did not come free in time: the
    # request did nothing wrong, and a retry later will do (pushes are idempotent).
    log.warning("database busy: %s", exc)
    wait = _retry_after(request)
    return unavailable("busy", f"the server is busy; try again in {wait} s", retry_after=wait)


async def _operational(request: Request, exc: Exception) -> JSONResponse:
    if is_lock_contention(exc):
        return await _busy(request, exc)
    return await _unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DatabaseBusy, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(sqlite3.OperationalError, _operational)  # from a COMMIT in db.py
    app.add_exception_handler(Exception, _unexpected)


class BodyLimitMiddleware:
    """Refuse a declared body over the limit before anything reads it.

    Bodies without Content-Length (chunked) are counted as they are read: past
    the limit, reading raises a 413 HTTPException, whichever route reads them
    (FastAPI's own body parsing too, which would otherwise buffer any size).
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        length = -1
                    if length < 0:
                        await error_response(400, "malformed", "bad Content-Length")(scope, receive, send)
                        return
                    if length > self.max_body_bytes:
                        message = f"the body is over the limit of {self.max_body_bytes} bytes"
                        await error_response(413, "too_large", message)(scope, receive, send)
                        return
            receive = _counted(receive, limit=self.max_body_bytes)
        await self.app(scope, receive, send)


def _counted(receive: Receive, *, limit: int) -> Receive:
    received = 0

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise StarletteHTTPException(413, f"the body is over the limit of {limit} bytes")
        return message

    return counting
