"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from server_stub.api.errors import ApiError
from server_stub.clock import Clock
from server_stub.db import Database
from server_stub.security import Principal, authenticate
from server_stub.settings import Settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def get_session(db: DbDep) -> Iterator[Session]:
    with db.read() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_principal(request: Request, session: SessionDep, clock: ClockDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "unauthorized", "sign in first: no bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = authenticate(session, token=token.strip(), now=clock.now())
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            "the token is unknown or has expired; sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
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
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack ("[[[[…"), far past any real body.
        raise ApiError(400, "malformed", "the body is not valid JSON") from None


JsonBody = Annotated[Any, Depends(json_body)]
