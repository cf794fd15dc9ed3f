"""An order's customer status link (sync-protocol.md, "Customer status links"): a dispatcher
or admin of the order's organisation makes one (`POST`, replacing any earlier one), shows it
again (`GET`, a protocol addition: the desk copies it again) and revokes it (`DELETE`).
Checks run in the protocol's order: 401, 403 (a role that never manages links), 422 (the
path), then 404 for an order of another organisation or none."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from app.domain.protocol.links import StatusLinkBody
from server_stub.api.deps import ClockDep, CurrentUser, DbDep, SettingsDep
from server_stub.api.errors import ApiError
from server_stub.reports import links
from server_stub.settings import Settings

router = APIRouter(prefix="/orders", tags=["status links"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no token, or an expired, revoked or unknown one"},
    403: {"description": "only dispatchers and admins manage status links"},
    404: {"description": "no such order in the caller's organisation (GET: or it has no link)"},
    422: {"description": "the order id is not a UUID"},
}


def _base(request: Request, settings: Settings) -> str:
    return settings.public_url or str(request.base_url)


def _body(request: Request, settings: Settings, link: links.Link) -> StatusLinkBody:
    return StatusLinkBody(
        url=links.page_url(base=_base(request, settings), token=link.token), token=link.token
    )


def _refused(exc: Exception, order_id: uuid.UUID) -> ApiError:
    if isinstance(exc, links.NotAllowed):
        return ApiError(403, "forbidden", str(exc))
    return ApiError(404, "not_found", f"no work order {order_id}")


@router.post("/{order_id}/status-link", response_model=StatusLinkBody, responses=_ERRORS)
def make_link(
    order_id: uuid.UUID,
    principal: CurrentUser,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    request: Request,
) -> StatusLinkBody:
    """A new link (128 random bits) for the order's customer; the earlier one stops working."""
    try:
        with db.write() as session, session.begin():
            link = links.renew(session, user_id=principal.user.id, order_id=str(order_id), now=clock.now())
    except (links.NotAllowed, links.NoSuchOrder) as exc:
        raise _refused(exc, order_id) from None
    return _body(request, settings, link)


@router.get("/{order_id}/status-link", response_model=StatusLinkBody, responses=_ERRORS)
def show_link(
    order_id: uuid.UUID, principal: CurrentUser, db: DbDep, settings: SettingsDep, request: Request
) -> StatusLinkBody:
    """The order's current link, to show and copy again; 404 when it has none."""
    try:
        with db.read() as session:
            link = links.current(session, user_id=principal.user.id, order_id=str(order_id))
    except (links.NotAllowed, links.NoSuchOrder) as exc:
        raise _refused(exc, order_id) from None
    if link is None:
        raise ApiError(404, "not_found", f"work order {order_id} has no status link")
    return _body(request, settings, link)


@router.delete("/{order_id}/status-link", status_code=204, responses=_ERRORS)
def revoke_link(order_id: uuid.UUID, principal: CurrentUser, db: DbDep) -> Response:
    """The link stops working at once (its page answers 404, as for any unknown link).
    Revoking an order that has none is not an error."""
    try:
        with db.write() as session, session.begin():
            links.revoke(session, user_id=principal.user.id, order_id=str(order_id))
    except (links.NotAllowed, links.NoSuchOrder) as exc:
        raise _refused(exc, order_id) from None
    return Response(status_code=204)
