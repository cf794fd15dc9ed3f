"""GET /sync/events: live pokes as Server-Sent Events (sync-protocol.md, "Live pokes").

401 and 403 as for pull; then the stream: `event: changed` / `data: {"seq": N}` when
something newer than N-1 entered the caller's scope, `: ping` every 15 s. It ends when
the access token expires (the client reconnects with its renewed one), when the device
opens a fourth, or when the server stops.

Left out of the OpenAPI document: a response that never ends cannot be checked by a
request/response fuzzer, and OpenAPI 3.0 has no words for an event stream.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from app.domain import rules
from server_stub.api.deps import CurrentUser, DbDep
from server_stub.api.errors import ApiError
from server_stub.auth import policy
from server_stub.auth.signing import token_digest
from server_stub.live import Live, scope

router = APIRouter(prefix="/sync", tags=["sync"])

# A seq fits PostgreSQL's BIGINT; a longer Last-Event-ID is no seq of ours.
MAX_SEQ = 2**63 - 1


def _seen(last_event_id: str | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return None
    text = last_event_id.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_SEQ:
        raise ApiError(400, "malformed", "Last-Event-ID must be a seq this server sent (a whole number)")
    return int(text)


@router.get("/events", include_in_schema=False)
async def events_route(
    request: Request,
    principal: CurrentUser,
    db: DbDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    if not policy.may_sync(principal.user):
        raise ApiError(403, "forbidden", "this account may not sync")
    seen = _seen(last_event_id)
    live: Live | None = getattr(request.app.state, "live", None)
    if live is None or not live.hub.running:
        raise ApiError(503, "unavailable", "live pokes are not running; pull on your own schedule")
    token = request.headers["authorization"].partition(" ")[2].strip()  # CurrentUser checked it
    expires_at, latest = await run_in_threadpool(scope.opening, db, digest=token_digest(token))
    if expires_at is None:  # revoked and gone between the two reads
        raise ApiError(401, "unauthorized", "the token is unknown or has expired; sign in again")
    stream = live.hub.open(
        user_id=principal.user.id,
        org_id=principal.user.org_id,
        dispatch=rules.is_dispatcher(principal.user.role),
        device_id=principal.device_id,
        token=token_digest(token),
        expires_at=expires_at,
        latest=latest,
        seen=seen,
    )
    return StreamingResponse(
        live.hub.frames(stream),
        media_type="text/event-stream",
        # No cache, and no buffering by a reverse proxy (nginx reads X-Accel-Buffering).
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
