"""The dispatcher's screens at 1280×800 in the dark theme, with three months of demo work
behind them: each drawn dark, and reachable from the navigation (screenshots
`desk-tour-<screen>-dark.png`, linked from the README)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from server_stub.testing import ServerProcess, running_server

from .desk_kit import picture, sign_in_desk
from .flutter import FlutterPage
from .kit import DESKTOP, SCREENSHOTS, ClientProcess
from .test_screens_tour import _set_theme

pytestmark = pytest.mark.ui

# (navigation id, path, an id the screen draws, screenshot name)
PLACES = (
    ("nav-desk", "/desk", "desk-board", "board"),
    ("nav-orders", "/orders", "orders-export", "orders"),
    ("nav-schedules", "/schedules", "schedule-list", "schedules"),
    ("nav-dashboard", "/dashboard", "kpi-on-time", "dashboard"),
)


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(data_dir=tmp_path_factory.mktemp("server"), seed_history=True) as proc:
        yield proc


def test_the_desk_in_the_dark_theme(
    history_server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    client = start_client(history_server.url)
    ui = open_ui(client.url, viewport=DESKTOP)
    sign_in_desk(ui)
    _set_theme(ui, dark=True)
    for nav, path, drawn, name in PLACES:
        ui.click(nav)
        ui.wait_path(path)
        ui.wait_id(drawn, timeout_ms=30_000)
        ui.settle()
        picture(ui, SCREENSHOTS / f"desk-tour-{name}-dark.png")
