"""UI tests: a real seeded server, the real client as a subprocess, Debian's Chromium.

They run in their own pytest process (Playwright's sync API and pytest-asyncio
clash in one event loop):  .venv/bin/pytest -m ui tests/ui
Without `-m ui` they are deselected (not collected as skips). Selected, they need
Debian's Chromium: without it they fail, they are not skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route, sync_playwright

from server_stub.testing import ServerProcess, running_server

from .flutter import FlutterPage
from .kit import PHONE, REPO, ClientProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _ui_selected(config: pytest.Config) -> bool:
    expr = str(config.getoption("-m") or "")
    return "ui" in expr.replace("not ui", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _ui_selected(config):
        return
    # They run in their own process (pytest -m ui tests/ui): here they are not chosen,
    # which is not the same as skipped.
    chosen = [item for item in items if "ui" not in item.keywords]
    if len(chosen) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if "ui" in item.keywords])
        items[:] = chosen


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(data_dir=tmp_path_factory.mktemp("server")) as proc:
        yield proc


@pytest.fixture
def start_client(tmp_path: Path) -> Iterator[Callable[[str], ClientProcess]]:
    started: list[ClientProcess] = []

    def start(server_url: str) -> ClientProcess:
        client = ClientProcess(data_dir=tmp_path / f"client{len(started)}", server_url=server_url)
        started.append(client)
        client.start()
        return client

    yield start
    for client in started:
        client.stop()
    ours = f'File "{REPO / "app"}'
    for client in started:
        # Whatever the user did, no traceback may run through our code. (Flet's web server
        # logs one of its own when a browser tab closes its websocket; that one is not ours.)
        assert ours not in client.log_tail(chars=200_000), client.log_tail()


# A browser per test file, not per run: Chromium drawing Flutter in software slowed down
# over a long run (a page that took minutes to answer, late in the suite), and a fresh
# one costs about a second.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        # Selected browser tests that cannot run are a failure, never a skip.
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _loopback_only(route: Route) -> None:
    # Tests must prove the app works offline: nothing may leave the machine.
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def open_ui(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., FlutterPage]]:
    contexts: list[BrowserContext] = []
    pages: list[FlutterPage] = []

    def open_ui(base_url: str, *, path: str = "/", viewport: dict[str, int] = PHONE) -> FlutterPage:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        context.route("**/*", _loopback_only)
        contexts.append(context)
        ui = FlutterPage(context.new_page(), base_url=base_url)
        pages.append(ui)
        ui.open(path)
        return ui

    yield open_ui
    if request.node.stash.get(_FAILED, False):
        # What the user saw when it failed, for whoever reads the report.
        for n, ui in enumerate(pages):
            shot = tmp_path / f"failure-{n}.png"
            ui.page.screenshot(path=str(shot))
            print(f"screenshot of page {n} ({ui.path}): {shot}")
    for context in contexts:
        context.close()
