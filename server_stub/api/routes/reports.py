"""The completion report of an order (sync-protocol.md, "Reports"): a PDF for a dispatcher
or admin of its organisation and for its assignee; 404 for everyone else (as if it did not
exist), 409 `not_completed` before the work is completed."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from app.domain import rules
from server_stub.api.deps import ClockDep, CurrentUser, DbDep, SettingsDep
from server_stub.api.errors import ApiError
from server_stub.auth import policy
from server_stub.models import WorkOrder
from server_stub.reports.pdf import report_pdf
from server_stub.reports.pictures import blob_reader
from server_stub.reports.record import load_record

router = APIRouter(prefix="/orders", tags=["reports"])

PDF = "application/pdf"
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")

_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF: {}}, "description": "the completion report"},
    401: {"description": "no token, or an expired, revoked or unknown one"},
    403: {"description": "this account may not read orders (an integration key's)"},
    404: {"description": "no such order, or not one the caller may read the report of"},
    409: {"description": "the order is not completed (`not_completed`)"},
    422: {"description": "the order id is not a UUID"},
}


def file_name(number: str) -> str:
    return f"{_SAFE.sub('-', number).strip('-') or 'order'}-report.pdf"


@router.get("/{order_id}/report.pdf", response_class=Response, responses=_ERRORS)
def report_route(
    order_id: uuid.UUID,
    principal: CurrentUser,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    if not policy.may_sync(principal.user):
        raise ApiError(403, "forbidden", "this account may not read orders")
    with db.read() as session:
        order = session.get(WorkOrder, str(order_id))
        if order is None or not rules.may_read_report(policy.order_access(user=principal.user, order=order)):
            raise ApiError(404, "not_found", f"no work order {order_id}")
        record = load_record(session, order=order, zone_name=settings.display_timezone, full=True)
    if not record.report_ready:
        raise ApiError(409, "not_completed", f"work order {record.number} is not completed")
    data = report_pdf(
        record=record,
        read_blob=blob_reader(request.app.state.blobs, org_id=record.org_id),
        now=clock.now(),
    )
    return Response(
        data,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(record.number)}"',
            "Cache-Control": "no-store",
        },
    )
