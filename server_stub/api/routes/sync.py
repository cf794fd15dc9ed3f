"""Push and pull (sync-protocol.md). Checks run in the protocol's order:
413 body size (middleware), 400 not JSON at all, 401 (CurrentUser), 403,
then the body's content: 426, 413 batch, 422."""

from __future__ import annotations

import gzip
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import ValidationError

from app.domain.limits import MAX_CURSOR
from app.domain.protocol import MAX_BATCH, PROTOCOL, PullResponse, PushRequest, PushResponse
from server_stub.api.deps import ClockDep, CurrentUser, DbDep, JsonBody, SettingsDep
from server_stub.api.errors import ApiError
from server_stub.auth import policy
from server_stub.auth.security import Principal
from server_stub.sync import shared_pages
from server_stub.sync.cursor import BadCursor
from server_stub.sync.pull import Page, read_page
from server_stub.sync.push import push

router = APIRouter(prefix="/sync", tags=["sync"])

# A cursor is what an earlier pull gave out: urlsafe base64 without padding
# (server_stub.sync.cursor). The document names that as the format `pull-cursor`, so a
# checker can tell "any string" from "a cursor"; the alphabet is documented, not enforced
# here, so a foreign string stays the protocol's 400 `bad_cursor`, not a 422.
CURSOR_DOC = {"format": "pull-cursor", "pattern": "^[A-Za-z0-9_-]*$"}

# Pull pages are compressed by the route (see _json_response), from the size at which
# main.py's GZipMiddleware compresses other bodies.
PULL_GZIP_LEVEL = shared_pages.GZIP_LEVEL
GZIP_MIN_BYTES = 1024

PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}


def _may_sync(principal: Principal) -> None:
    if not policy.may_sync(principal.user):
        raise ApiError(403, "forbidden", "this account may not sync")


def _check_push_envelope(body: Any, *, device_id: str) -> PushRequest:
    if not isinstance(body, dict):
        raise ApiError(422, "validation_failed", "the body must be a JSON object")
    sent_device = body.get("device_id")
    try:
        sent = str(uuid.UUID(sent_device)) if isinstance(sent_device, str) else None
    except ValueError:
        sent = None
    if sent is not None and sent != device_id:
        raise ApiError(403, "wrong_device", "device_id differs from the device this token was issued to")
    protocol = body.get("protocol")
    if isinstance(protocol, int) and not isinstance(protocol, bool) and protocol != PROTOCOL:
        raise ApiError(
            426, "protocol_not_supported", f"this server speaks protocol {PROTOCOL}, not {protocol}"
        )
    mutations = body.get("mutations")
    if isinstance(mutations, list) and len(mutations) > MAX_BATCH:
        raise ApiError(
            413, "batch_too_large", f"at most {MAX_BATCH} mutations per push, got {len(mutations)}"
        )
    try:
        return PushRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, "validation_failed", f"{where}: {first['msg']}") from None


@router.post(
    "/push",
    response_model=PushResponse,
    response_model_exclude_none=True,
    openapi_extra=PUSH_BODY,
    responses={400: {}, 401: {}, 403: {}, 413: {}, 422: {}, 426: {}},
)
def push_route(
    request: Request, body: JsonBody, principal: CurrentUser, db: DbDep, clock: ClockDep
) -> PushResponse:
    # FastAPI resolves dependencies in parameter order: JSON parsing (400) runs
    # before authentication, everything else about the body after it.
    _may_sync(principal)
    envelope = _check_push_envelope(body, device_id=principal.device_id)
    return push(
        db=db,
        user_id=principal.user.id,
        device_id=principal.device_id,
        mutations=envelope.mutations,
        now=clock.now,
        blobs=request.app.state.blobs,
        user=principal.user,
    )


@router.get(
    "/pull",
    # Documents the answer; the route sends Page.json, which is this model's JSON with
    # None-valued keys left out, without building the model (issue 11).
    response_model=PullResponse,
    response_model_exclude_none=True,
    responses={400: {}, 401: {}, 403: {}},
)
def pull_route(
    request: Request,
    principal: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    clock: ClockDep,
    background: BackgroundTasks,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR, json_schema_extra=CURSOR_DOC)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    _may_sync(principal)
    # Opportunistic housekeeping (at most once per interval), before the page is read.
    request.app.state.pruner.maybe_run()
    # Over the maximum is clamped, not refused: the page just comes smaller.
    size = min(limit or settings.pull_default_limit, settings.pull_max_limit)
    try:
        page = read_page(
            db=db,
            user_id=principal.user.id,
            device_id=principal.device_id,
            cursor=cursor,
            limit=size,
            now=clock.now,
            later=background.add_task,
            user=principal.user,
            shared=request.app.state.shared_pages,
        )
    except BadCursor as exc:
        raise ApiError(400, "bad_cursor", str(exc)) from None
    return _json_response(page, accept_encoding=request.headers.get("accept-encoding", ""))


def _json_response(page: Page, *, accept_encoding: str) -> Response:
    """The page, gzipped here when the client takes gzip (GZipMiddleware leaves a body
    that names its encoding alone). Pull pages are the largest bodies the server sends:
    at the middleware's level 9 compressing took about a third of a page's time, level
    5 takes a third of that for 2-3 % more bytes (issue 11). A kept page (shared_pages)
    is gzipped already, but for its few per-caller bytes."""
    takes_gzip = "gzip" in accept_encoding
    zipped = page.gzip() if takes_gzip else None
    if zipped is None:
        body = page.json()
        if not takes_gzip or len(body) < GZIP_MIN_BYTES:
            return Response(content=body, media_type="application/json")
        zipped = gzip.compress(body, compresslevel=PULL_GZIP_LEVEL, mtime=0)
    return Response(
        content=zipped,
        media_type="application/json",
        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
    )
