"""`GET /`: a short HTML page naming the API and how to start a client, not a 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server_stub.api.routes.root import root_page
from server_stub.clock import FakeClock
from server_stub.main import create_app
from server_stub.migrate import migrate
from server_stub.settings import Settings

from .conftest import START


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    # The page touches no database: SQLite alone is enough (no PostgreSQL twin).
    settings = Settings(data_dir=tmp_path, database_url=None)
    migrate(settings.database_url)
    with TestClient(create_app(settings, clock=FakeClock(start=START))) as client:
        yield client


def test_root_names_the_api_and_the_way_to_the_client(http: TestClient) -> None:
    answer = http.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    page = answer.text
    assert "<title>Ordo server</title>" in page
    assert "http://testserver/api/v1" in page
    assert 'href="/api/v1/health"' in page
    assert 'href="/docs"' in page and 'href="/openapi.json"' in page  # FastAPI serves both here
    assert "ordo run --web --server http://testserver" in page
    # Nothing loaded from elsewhere: no scripts, images, stylesheets or absolute links out.
    assert not re.search(r"<script|<img|<link|src=|https?://(?!testserver)", page)
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    # The links on the page lead somewhere.
    assert http.get("/api/v1/health").status_code == 200
    assert http.get("/openapi.json").status_code == 200


def test_head_answers_like_get_without_a_body(http: TestClient) -> None:
    get, head = http.get("/"), http.head("/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "text/html; charset=utf-8"
    assert head.headers["content-length"] == get.headers["content-length"]


def test_a_hostile_host_is_escaped() -> None:
    # The base URL comes from the request's Host header, which the caller chooses.
    page = root_page(
        base_url='http://x"><script>alert(1)</script>/', api_prefix="/api/v1", docs_url=None, openapi_url=None
    )
    assert "<script>" not in page
    assert "http://x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/api/v1" in page


def test_the_page_is_not_part_of_the_protocol(http: TestClient) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert http.post("/").status_code == 405  # only GET and HEAD


def test_without_docs_the_page_does_not_offer_them(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    migrate(settings.database_url)
    app = create_app(settings, clock=FakeClock(start=START))
    app.docs_url = None
    app.openapi_url = None
    with TestClient(app) as client:
        page = client.get("/").text
    assert "/docs" not in page and "openapi" not in page.lower()
    assert 'href="/api/v1/health"' in page
