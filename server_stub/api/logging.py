"""The request log: one JSON line per request, with method, route template,
status, duration, user, device (or API key id) and remote address.

What it never holds: headers (Authorization, X-API-Key, cookies), query strings,
bodies (passwords, photo bytes) or raw paths (a route template stands for them).
Only what `record_caller` is told and what the ASGI scope says goes in.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import IO, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "ordo.access"
_CALLER = "ordo.caller"  # scope key: a dict the authentication dependencies fill in
_HANDLER_MARK = "_ordo_request_log"


def record_caller(
    scope: MutableMapping[str, Any],
    *,
    user_id: str,
    device_id: str | None = None,
    key_id: str | None = None,
) -> None:
    """Tell the request log who is calling (ids only); a no-op outside the middleware."""
    caller = scope.get(_CALLER)
    if isinstance(caller, dict):
        caller.update({"user": user_id, "device": device_id, "key": key_id})


def _route_template(scope: Scope) -> str:
    """The matched route's template with its router prefixes ("/api/v1/blobs/{sha256}").

    The route knows only its path below its router, so the prefix is what precedes
    that path, filled in with this request's parameters, in the request's path. An
    unmatched path is not copied: it is whatever the caller typed."""
    template = getattr(scope.get("route"), "path_format", None)
    path = scope.get("path")
    if not isinstance(template, str) or not isinstance(path, str):
        return "(no route)"
    params = {name: str(value) for name, value in (scope.get("path_params") or {}).items()}
    try:
        filled = template.format(**params)
    except (KeyError, IndexError, ValueError):
        return "(no route)"
    return path[: len(path) - len(filled)] + template if path.endswith(filled) else "(no route)"


class RequestLogMiddleware:
    """Outermost middleware: sees every answer, 413s of the body limit included.
    `timer` is injectable so tests can fix the duration."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger: logging.Logger | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)
        self.timer = timer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller: dict[str, str | None] = {}
        scope[_CALLER] = caller
        started = self.timer()
        status = 500  # stays so if the app fails before it starts an answer

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            client = scope.get("client")
            line = {
                "method": scope.get("method"),
                "path": _route_template(scope),
                "status": status,
                "ms": round((self.timer() - started) * 1000, 1),
                "user": caller.get("user"),
                "device": caller.get("device"),
                "key": caller.get("key"),
                "remote": client[0] if client else None,
            }
            self.logger.info(json.dumps(line, separators=(",", ":")))


def log_requests_to(stream: IO[str] | None = None, *, level: str = "INFO") -> None:
    """Write the request log to `stream` (default stderr), once per process: for
    `ordo-server run`, where nothing else configures logging. Its lines are INFO,
    so a `level` of WARNING or above silences them."""
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.setLevel(level.upper())
    if any(getattr(h, _HANDLER_MARK, False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)
