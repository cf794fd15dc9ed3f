"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic_core import from_json

from server_stub.api.errors import ApiError
from server_stub.api.logging import record_caller
from server_stub.auth.security import AuthFailure, Principal, authenticate, revoke_family, signing_key
from server_stub.clock import Clock
from server_stub.db import Database
from server_stub.settings import Settings


# The app's own objects: `async` because they never wait, so FastAPI calls them on the
# event loop; a plain `def` dependency goes through the thread pool, a hop of its own each
# (a third of what the event loop did for a request, issue 11).
async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def unauthorized(failure: AuthFailure) -> ApiError:
    """The 401 for a refused token: its code says whether to refresh (token_expired),
    sign in again, or (device_wiped, with "wipe": true) erase the device's data."""
    return ApiError(
        401,
        failure.reason.value,
        failure.message,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        extra={"wipe": True} if failure.wipe else None,
    )


def current_principal(request: Request, db: DbDep, clock: ClockDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "unauthorized", "sign in first: no bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    key = signing_key(request.app.state.settings)
    # A session of its own, ended here rather than when the request ends: an open read
    # transaction pins the SQLite WAL, which under sustained load then never restarts and
    # grows without end. The principal's rows stay readable (expire_on_commit is off).
    with db.read() as session:
        try:
            principal = authenticate(session, key=key, token=token.strip(), now=clock.now())
        except AuthFailure as failure:
            if failure.breached_family is not None:
                revoke_family(session, family_id=failure.breached_family, now=clock.now())
                session.commit()
            raise unauthorized(failure) from None
        session.commit()
    record_caller(request.scope, user_id=principal.user.id, device_id=principal.device_id)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


async def json_body(request: Request, settings: SettingsDep) -> Any:
    """The body parsed as JSON (400 when it is not JSON at all, which the protocol
    puts before 401); its content is validated by the route, after authentication."""
    limit = settings.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        return from_json(body)  # pydantic-core: a push's body parses 2.5 times faster (issue 11)
    except ValueError:
        pass  # what only the json module reads (a lone surrogate escape, a BOM) is its to judge
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack ("[[[[…"), far past any real body.
        raise ApiError(400, "malformed", "the body is not valid JSON") from None


JsonBody = Annotated[Any, Depends(json_body)]
