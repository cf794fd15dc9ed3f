"""The customer's status link and the completion report, asked of the server online
(sync-protocol.md, "Customer status links" and "Reports"). Blocking calls over an httpx
client the caller hands in (the sync engine's, or a test's over a MockTransport), with the
bearer token given: no state here.

Offline, signed out or a server in trouble raise the sync errors of app.sync.http
(Offline, AuthExpired, TokenExpired, ServerUnavailable, ProtocolError); what the server
answers about the link or report itself raises `CustomerLinkError`, with words to show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from app.domain.protocol.links import REPORT_PATH, STATUS_LINK_PATH, StatusLinkBody
from app.services.types import ServiceError
from app.sync.errors import ProtocolError
from app.sync.http import request, server_message, server_name

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True, slots=True)
class StatusLink:
    url: str
    token: str


class CustomerLinkError(ServiceError):
    """The server refused or has nothing: `str(err)` says why, ready to show."""


class NotCompleted(CustomerLinkError):
    """409 `not_completed`: the report exists once the work is completed."""


def _refusal(response: httpx.Response, client: httpx.Client, *, what: str) -> Exception:
    code = response.status_code
    if code == 403:
        return CustomerLinkError(f"Only a dispatcher or admin can manage {what}.")
    if code == 404:
        return CustomerLinkError("The server does not know this order yet: sync first, then try again.")
    detail = server_message(response)
    return ProtocolError(
        f"{server_name(client)} answered HTTP {code} about {what}" + (f": {detail}" if detail else "")
    )


def _link(response: httpx.Response, client: httpx.Client) -> StatusLink:
    try:
        body = StatusLinkBody.model_validate_json(response.content)
    except ValidationError as exc:
        raise ProtocolError(f"{server_name(client)} sent a status link that does not read") from exc
    return StatusLink(url=body.url, token=body.token)


def current_link(client: httpx.Client, *, token: str, order_id: uuid.UUID) -> StatusLink | None:
    """The order's link as the server holds it; None when it has none."""
    path = STATUS_LINK_PATH.format(order_id=order_id)
    response = request(client, "GET", path, token=token)
    if response.status_code == 404:
        # "No link" and "no such order" are both 404; the body's message tells them apart
        # for people, and either way there is no link to show.
        return None
    if response.status_code != 200:
        raise _refusal(response, client, what="status links")
    return _link(response, client)


def new_link(client: httpx.Client, *, token: str, order_id: uuid.UUID) -> StatusLink:
    """A new link; the earlier one, if any, stops working at once."""
    response = request(client, "POST", STATUS_LINK_PATH.format(order_id=order_id), token=token)
    if response.status_code not in (200, 201):
        raise _refusal(response, client, what="status links")
    return _link(response, client)


def revoke_link(client: httpx.Client, *, token: str, order_id: uuid.UUID) -> None:
    response = request(client, "DELETE", STATUS_LINK_PATH.format(order_id=order_id), token=token)
    if response.status_code not in (200, 204):
        raise _refusal(response, client, what="status links")


def report_pdf(client: httpx.Client, *, token: str, order_id: uuid.UUID) -> bytes:
    """The completion report's bytes. NotCompleted before the work is completed."""
    response = request(client, "GET", REPORT_PATH.format(order_id=order_id), token=token)
    if response.status_code == 409:
        raise NotCompleted("The report exists once the order is completed.")
    if response.status_code != 200:
        raise _refusal(response, client, what="the completion report")
    if not response.content.startswith(PDF_MAGIC):
        raise ProtocolError(f"{server_name(client)} sent a report that is not a PDF")
    return response.content
