"""`POST /api/v1/orders/import?mode=check|all|good&tz=Europe/Paris`: a CSV file of orders
(the body, as bytes) checked, and imported in one transaction (server_stub.imports).
Checks run in the protocol's order: 401 (CurrentUser), 403 (dispatchers and admins of
the organisation only), 413 (over the size limit), 422 (a bad mode or zone); then the
report, 200, whatever became of the rows (a refused file or row is in the report)."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request

from app.domain import rules
from app.domain.import_report import ImportMode, ImportReport
from app.domain.order_import import MAX_BYTES
from server_stub.api.deps import ClockDep, CurrentUser, DbDep
from server_stub.api.errors import ApiError
from server_stub.imports import ImportTooLarge, import_orders
from server_stub.imports.service import UnknownZone, zone_of

router = APIRouter(prefix="/orders", tags=["orders"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no token, or an expired, revoked or unknown one"},
    403: {"description": "only the organisation's dispatchers and admins import orders"},
    413: {"description": f"the file is over {MAX_BYTES:,} bytes (or the server's body limit)"},
    422: {"description": "an unknown mode or time zone"},
}


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise ApiError(413, "too_large", f"the file is over {MAX_BYTES:,} bytes: split it")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/import", response_model=ImportReport, responses=_RESPONSES)
async def import_route(
    request: Request,
    principal: CurrentUser,
    db: DbDep,
    clock: ClockDep,
    mode: Annotated[
        ImportMode, Query(description="check: report only; all: every row or none; good: the good rows")
    ] = ImportMode.CHECK,
    tz: Annotated[
        str, Query(max_length=64, description="IANA zone of times written without an offset")
    ] = "UTC",
    name: Annotated[
        str, Query(max_length=200, description="the file's name, kept in each order's history")
    ] = "",
) -> ImportReport:
    """The body is the CSV file as it is (any of the encodings the import reads). The
    answer is the row-by-row report (app.domain.import_report)."""
    user = principal.user
    if not rules.is_dispatcher(user.role):
        raise ApiError(403, "forbidden", "only dispatchers and admins import orders")
    try:
        zone_of(tz)
    except UnknownZone as err:
        raise ApiError(422, "validation_failed", str(err)) from None
    data = await _body(request)
    try:
        # Checking 50,000 rows and writing them takes seconds: off the event loop.
        return await to_thread.run_sync(
            lambda: import_orders(
                db, org_id=user.org_id, data=data, mode=mode, now=clock.now(), zone=tz, file_name=name
            )
        )
    except ImportTooLarge as err:
        raise ApiError(413, "too_large", str(err)) from None
