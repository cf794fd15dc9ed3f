"""One order's own resources: its history (sync-protocol.md, "Order history").
Checks run in the protocol's order: 401 (CurrentUser), 403 (who may sync), then the
path and query (422, 400 `bad_cursor`), then 404 for an order the caller may not read."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.domain.limits import MAX_CURSOR
from app.domain.protocol import DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, HistoryPage
from server_stub.api.deps import CurrentUser, DbDep
from server_stub.api.errors import ApiError
from server_stub.api.routes.sync import CURSOR_DOC
from server_stub.auth import policy
from server_stub.history.ledger import NoSuchOrder, order_history
from server_stub.sync.cursor import BadCursor

router = APIRouter(prefix="/orders", tags=["orders"])


_HISTORY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "a cursor this server did not give out (`bad_cursor`)"},
    401: {"description": "no token, or an expired, revoked or unknown one"},
    403: {"description": "this account may not read orders (an integration key's)"},
    404: {"description": "no such order, or not one the caller may read"},
    422: {"description": "the order id is not a UUID, or the limit is out of range"},
}


@router.get("/{order_id}/history", response_model=HistoryPage, responses=_HISTORY_ERRORS)
def history_route(
    order_id: uuid.UUID,
    principal: CurrentUser,
    db: DbDep,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR, json_schema_extra=CURSOR_DOC)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_LIMIT)] = DEFAULT_HISTORY_LIMIT,
) -> HistoryPage:
    """The order's changes, oldest first: pushed mutations with their results, and the
    changes nobody pushed (intake, the server's own moves: `user_id` null)."""
    if not policy.may_sync(principal.user):
        raise ApiError(403, "forbidden", "this account may not read orders")
    try:
        return order_history(
            db, user_id=principal.user.id, order_id=str(order_id), cursor=cursor, limit=limit
        )
    except BadCursor as exc:
        raise ApiError(400, "bad_cursor", str(exc)) from None
    except NoSuchOrder:
        raise ApiError(404, "not_found", f"no work order {order_id}") from None
