"""Intake (sync-protocol.md, "Intake"): orders from other systems, with an
integration key in `X-API-Key`. Checks run in the protocol's order: 400 not
JSON at all (FastAPI reads the body first), 401/403 (the key), then 422."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import APIKeyHeader

from app.domain.protocol import API_KEY_HEADER, ErrorBody, IntakeAlert, IntakeRequest, IntakeResult
from server_stub.api.deps import ClockDep, DbDep
from server_stub.api.errors import ApiError
from server_stub.api.logging import record_caller
from server_stub.auth import policy
from server_stub.auth.apikeys import KeyPrincipal, authenticate_key
from server_stub.intake import Taken, take_alert, take_request

router = APIRouter(prefix="/intake", tags=["intake"])

# auto_error=False: a missing key is answered with the protocol's error body below.
_KEY_HEADER = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="an integration key")
_UNAUTHORIZED = {"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'}


def intake_caller(
    request: Request, db: DbDep, key: Annotated[str | None, Security(_KEY_HEADER)] = None
) -> KeyPrincipal:
    """The integration key's caller. Bearer tokens are not read here: a person's
    token never opens intake, and a key opens nothing else."""
    if not key or not key.strip():
        raise ApiError(401, "unauthorized", f"intake needs an integration key in {API_KEY_HEADER}",
                       headers=_UNAUTHORIZED)  # fmt: skip
    with db.read() as session:
        principal = authenticate_key(session, key=key.strip())
    if principal is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked", headers=_UNAUTHORIZED)
    record_caller(request.scope, user_id=principal.user.id, key_id=principal.key_id)
    if not policy.may_intake(principal.user):
        raise ApiError(403, "forbidden", "this key may not use intake")
    return principal


IntakeCaller = Annotated[KeyPrincipal, Depends(intake_caller)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": what}
    for status, what in {
        400: "the body is not JSON",
        401: "no API key, or an unknown or revoked one",
        403: "the key may not use intake",
        413: "the body is over the size limit",
        422: "the body fails validation",
    }.items()
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IntakeResult, "description": "taken in before (same external_id), or de-duplicated"},
    201: {"model": IntakeResult, "description": "a new order"},
    **_ERRORS,
}


def _answer(taken: Taken, response: Response) -> IntakeResult:
    response.status_code = 201 if taken.created else 200
    return taken.order


@router.post("/requests", status_code=201, responses=_RESPONSES)
def intake_request(
    body: IntakeRequest, caller: IntakeCaller, response: Response, db: DbDep, clock: ClockDep
) -> IntakeResult:
    """A customer's request: a new order (`new`, `source: request`); the same
    `external_id` again answers 200 with that order."""
    return _answer(take_request(db, user=caller.user, body=body, now=clock.now()), response)


@router.post("/alerts", status_code=201, responses=_RESPONSES)
def intake_alert(
    body: IntakeAlert, caller: IntakeCaller, response: Response, db: DbDep, clock: ClockDep
) -> IntakeResult:
    """A system's alert: a new order (`source: alert`), or 200 with the open order
    already raised for the same asset and source, which gets the message as a note."""
    return _answer(take_alert(db, user=caller.user, body=body, now=clock.now()), response)
