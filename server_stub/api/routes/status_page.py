"""The customer's status page, outside the API: `GET /s/<token>` and, once the work is
completed, `GET /s/<token>/report.pdf` (sync-protocol.md, "Customer status links").

No sign-in, no cookies, not indexed, not cached, rate-limited per client address (a 429
page with Retry-After, on the server's clock). An unknown, malformed or revoked token, and
the report of an order not completed yet, are all the same plain 404 page.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from app.domain.protocol.links import STATUS_PAGE_PREFIX
from server_stub.api.routes.reports import PDF, file_name
from server_stub.reports import links
from server_stub.reports.pdf import report_pdf
from server_stub.reports.pictures import blob_reader
from server_stub.reports.ratelimit import RateLimit
from server_stub.reports.record import OrderRecord, display_zone, load_record
from server_stub.reports.status import PAGE_HEADERS, not_found_page, status_page, too_many_page

router = APIRouter(prefix=STATUS_PAGE_PREFIX, include_in_schema=False)

_WINDOW = timedelta(minutes=1)


def _limiter(request: Request) -> RateLimit:
    """The app's one limiter, made on first use (route handlers of one app share it)."""
    state = request.app.state
    limiter = getattr(state, "status_page_limit", None)
    if limiter is None:
        limiter = RateLimit(limit=state.settings.status_page_per_minute, window=_WINDOW, now=state.clock.now)
        state.status_page_limit = limiter
    return limiter


async def _throttled(request: Request) -> Response | None:
    """The 429 page when this address asked too often; counted on the event loop (one
    thread), so the limiter needs no lock."""
    address = request.client.host if request.client else "unknown"
    wait = _limiter(request).retry_after(address)
    if wait is None:
        return None
    return HTMLResponse(
        too_many_page(retry_after=wait), status_code=429, headers={**PAGE_HEADERS, "Retry-After": str(wait)}
    )


def _not_found() -> HTMLResponse:
    return HTMLResponse(not_found_page(), status_code=404, headers=PAGE_HEADERS)


def _record(request: Request, token: str, *, full: bool) -> OrderRecord | None:
    db = request.app.state.db
    with db.read() as session:
        order = links.order_for_token(session, token=token)
        if order is None:
            return None
        return load_record(
            session, order=order, zone_name=request.app.state.settings.display_timezone, full=full
        )


@router.api_route("/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def page_route(request: Request, token: str) -> Response:
    refused = await _throttled(request)
    if refused is not None:
        return refused
    record = await run_in_threadpool(_record, request, token, full=False)
    if record is None:
        return _not_found()
    zone, _ = display_zone(record.zone_name)
    now = request.app.state.clock.now().astimezone(zone)
    href = f"{STATUS_PAGE_PREFIX}/{token}/report.pdf" if record.report_ready else None
    return HTMLResponse(status_page(record=record, report_href=href, now=now), headers=PAGE_HEADERS)


@router.api_route("/{token}/report.pdf", methods=["GET", "HEAD"])
async def report_route(request: Request, token: str) -> Response:
    refused = await _throttled(request)
    if refused is not None:
        return refused
    record = await run_in_threadpool(_record, request, token, full=True)
    if record is None or not record.report_ready:
        return _not_found()
    reader = blob_reader(request.app.state.blobs, org_id=record.org_id)
    data = await run_in_threadpool(
        lambda: report_pdf(record=record, read_blob=reader, now=request.app.state.clock.now())
    )
    # No Content-Security-Policy here: a browser's own PDF viewer must be free to show it.
    headers = {name: value for name, value in PAGE_HEADERS.items() if name != "Content-Security-Policy"}
    headers["Content-Disposition"] = f'inline; filename="{file_name(record.number)}"'
    return Response(data, media_type=PDF, headers=headers)


# Anything else under /s/ ("/s/", "/s/<token>/other"): the same page as an unknown link, with
# the same headers, rather than the API's JSON 404. Declared last: the routes above win.
@router.api_route("/", methods=["GET", "HEAD"])
@router.api_route("/{token}/{rest:path}", methods=["GET", "HEAD"])
async def anything_else(request: Request) -> Response:
    refused = await _throttled(request)
    return refused if refused is not None else _not_found()
