"""The desk's customer tools (issue 13): the status link and the completion report asked of the
server over an injected httpx client: a scripted transport for every answer the server may
give (and none), the real server app for the round trip, and the facade's offers by role."""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from store.kit import change, order_data

from app.domain import Role, Status
from app.services import status_links
from app.services.status_links import CustomerLinkError, NotCompleted, StatusLink
from app.services.types import OrderId
from app.sync.errors import Offline, ProtocolError, ServerUnavailable

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from fastapi.testclient import TestClient  # noqa: E402

from server_stub.db import open_database  # noqa: E402
from server_stub.main import create_app  # noqa: E402
from server_stub.migrate import migrate  # noqa: E402
from server_stub.seeding.records import OrderSpec, create_order, create_organisation, create_user  # noqa: E402
from server_stub.settings import Settings  # noqa: E402

ORDER = uuid.UUID("33333333-3333-4333-8333-333333333333")
TOKEN = "A1b2C3d4E5f6G7h8I9j0Kw"
BASE = "https://ordo.test"
LINK_PATH = f"/api/v1/orders/{ORDER}/status-link"
LINK_BODY = {"url": f"{BASE}/s/{TOKEN}", "token": TOKEN}


def scripted(answer: Any) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request) if callable(answer) else answer

    return httpx.Client(base_url=BASE, transport=httpx.MockTransport(handle)), seen


def error(status: int, code: str, message: str = "no") -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


# --- the calls, over a scripted transport -------------------------------------------------


def test_each_call_speaks_the_protocol_with_the_bearer_token() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("report.pdf"):
            return httpx.Response(200, content=b"%PDF-1.7 ...", headers={"content-type": "application/pdf"})
        return httpx.Response(204) if request.method == "DELETE" else httpx.Response(200, json=LINK_BODY)

    client, seen = scripted(answer)
    assert status_links.current_link(client, token="tok", order_id=ORDER) == StatusLink(
        url=LINK_BODY["url"], token=TOKEN
    )
    assert status_links.new_link(client, token="tok", order_id=ORDER).token == TOKEN
    status_links.revoke_link(client, token="tok", order_id=ORDER)
    assert status_links.report_pdf(client, token="tok", order_id=ORDER).startswith(b"%PDF-")
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", LINK_PATH),
        ("POST", LINK_PATH),
        ("DELETE", LINK_PATH),
        ("GET", f"/api/v1/orders/{ORDER}/report.pdf"),
    ]
    assert {r.headers["Authorization"] for r in seen} == {"Bearer tok"}


def test_no_link_is_none_and_refusals_are_words() -> None:
    client, _ = scripted(error(404, "not_found"))
    assert status_links.current_link(client, token="t", order_id=ORDER) is None
    with pytest.raises(CustomerLinkError, match="sync first"):
        status_links.new_link(client, token="t", order_id=ORDER)
    client, _ = scripted(error(403, "forbidden"))
    with pytest.raises(CustomerLinkError, match="Only a dispatcher or admin"):
        status_links.new_link(client, token="t", order_id=ORDER)


@pytest.mark.parametrize(
    ("answer", "raised", "says"),
    [
        (error(409, "not_completed"), NotCompleted, "once the order is completed"),
        (httpx.Response(200, content=b"<html>not a pdf"), ProtocolError, "not a PDF"),
        (error(503, "overloaded"), ServerUnavailable, "unavailable"),
        (error(422, "validation_failed", "bad id"), ProtocolError, "HTTP 422 about the completion report"),
    ],
)
def test_report_answers_that_are_no_report(answer: httpx.Response, raised: type, says: str) -> None:
    client, _ = scripted(answer)
    with pytest.raises(raised, match=says):
        status_links.report_pdf(client, token="t", order_id=ORDER)


def test_a_link_that_does_not_read_is_a_protocol_error() -> None:
    client, _ = scripted(httpx.Response(200, json={"url": "x", "token": "too short"}))
    with pytest.raises(ProtocolError, match="does not read"):
        status_links.new_link(client, token="t", order_id=ORDER)


def test_no_connection_is_offline() -> None:
    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, _ = scripted(cut)
    with pytest.raises(Offline, match="Cannot reach"):
        status_links.current_link(client, token="t", order_id=ORDER)


# --- the round trip with the real server app ----------------------------------------------


def test_round_trip_with_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    migrate(url)
    db = open_database(url)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with db.write() as session, session.begin():
        org = create_organisation(session, name="Org", now=now)
        create_user(
            session, org_id=org.id, username="disp", password="pw-disp-123", role=Role.DISPATCHER,
            display_name="Dee",
        )  # fmt: skip
        order = create_order(session, org_id=org.id, spec=OrderSpec(title="Pump", status=Status.NEW), now=now)
        order_id = uuid.UUID(order.id)
    db.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=url))
    with TestClient(app) as client:
        signed = client.post(
            "/api/v1/auth/token",
            json={"username": "disp", "password": "pw-disp-123", "device_id": str(uuid.uuid4())},
        )
        token = signed.json()["access_token"]
        assert status_links.current_link(client, token=token, order_id=order_id) is None
        made = status_links.new_link(client, token=token, order_id=order_id)
        assert made.url == f"http://testserver/s/{made.token}"
        assert status_links.current_link(client, token=token, order_id=order_id) == made
        assert client.get(f"/s/{made.token}").status_code == 200
        with pytest.raises(NotCompleted):
            status_links.report_pdf(client, token=token, order_id=order_id)
        status_links.revoke_link(client, token=token, order_id=order_id)
        assert status_links.current_link(client, token=token, order_id=order_id) is None
        assert client.get(f"/s/{made.token}").status_code == 404


# --- through the facade -------------------------------------------------------------------


def route_links(rig: Any, answer: Any) -> None:
    path = f"/api/v1/orders/{rig.order}/status-link"

    def route(request: httpx.Request) -> httpx.Response:
        return answer(request) if request.url.path == path else rig.server.answer(request)

    rig.server.fault = route


def test_the_desk_is_offered_the_tools(dispatcher: Any) -> None:
    # The pulled order is assigned, not completed: no report yet.
    desk = dispatcher.ordo.customer_tools(OrderId(uuid.UUID(dispatcher.order)))
    assert desk.offered and desk.on_server and not desk.report_ready
    assert desk.report_name == "WO-000001-report.pdf"


def test_a_technician_is_never_offered_them(signed_in: Any) -> None:
    assert not signed_in.ordo.customer_tools(OrderId(uuid.UUID(signed_in.order))).offered


def test_a_completed_order_offers_the_report(dispatcher: Any) -> None:
    rig = dispatcher
    from app.domain.protocol import Change
    from app.store.rows import apply_change

    with rig.ordo._store.transaction() as s:
        done = order_data(rig.order, status="completed", completed_at="2026-11-25T12:00:00Z")
        apply_change(s, Change.model_validate(change("work_order", done, 50)))
    assert rig.ordo.customer_tools(OrderId(uuid.UUID(rig.order))).report_ready


def test_the_facade_asks_the_server_with_the_sessions_token(dispatcher: Any) -> None:
    rig = dispatcher
    asked: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append((request.method, request.headers["Authorization"]))
        return httpx.Response(204) if request.method == "DELETE" else httpx.Response(200, json=LINK_BODY)

    route_links(rig, answer)
    oid = OrderId(uuid.UUID(rig.order))
    assert rig.ordo.status_link(oid) == StatusLink(url=LINK_BODY["url"], token=TOKEN)
    assert rig.ordo.new_status_link(oid).token == TOKEN
    rig.ordo.revoke_status_link(oid)
    assert asked == [
        ("GET", "Bearer tok-disp1"),
        ("POST", "Bearer tok-disp1"),
        ("DELETE", "Bearer tok-disp1"),
    ]


def test_offline_the_facade_says_so(dispatcher: Any) -> None:
    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    route_links(dispatcher, cut)
    with pytest.raises(Offline):
        dispatcher.ordo.new_status_link(OrderId(uuid.UUID(dispatcher.order)))
