"""Shared helpers for the desk's browser tests: signing in by role, waiting for the board, and
the outside world the desk watches (intake requests sent with an integration key).

Other desk tests import from here; what is here stays as it is (add, do not change).
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from PIL import Image
from playwright.sync_api import Locator

from server_stub.seeding.demo import DEMO_ORG
from server_stub.testing import ServerProcess

from .flutter import STEP_MS, FlutterPage

DISPATCHER = ("dispatcher", "demo-dispatcher")
TECH_PASSWORD = "demo-tech"
SIGNED_IN_TIMEOUT_S = 30.0

T = TypeVar("T")


def _submit(ui: FlutterPage, *, username: str, password: str) -> None:
    ui.wait_id("login-username")
    ui.fill("login-username", username)
    ui.fill("login-password", password)
    ui.click("login-submit")


def synced(ui: FlutterPage, *, timeout_s: float = SIGNED_IN_TIMEOUT_S) -> None:
    """Wait until the sync bar says a sync has finished."""
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=timeout_s)


def sign_in_desk(ui: FlutterPage, *, username: str = DISPATCHER[0], password: str = DISPATCHER[1]) -> None:
    """A dispatcher (or admin) signs in and lands on the board; the first sync has finished."""
    _submit(ui, username=username, password=password)
    ui.wait_path("/desk", timeout_s=SIGNED_IN_TIMEOUT_S)
    ui.wait_id("desk-board", timeout_ms=int(SIGNED_IN_TIMEOUT_S * 1000))
    synced(ui)


def sign_in_field(ui: FlutterPage, *, username: str, password: str = TECH_PASSWORD) -> None:
    """A technician signs in and lands on My orders; the first sync has finished."""
    _submit(ui, username=username, password=password)
    ui.wait_path("/orders", timeout_s=SIGNED_IN_TIMEOUT_S)
    ui.wait_id("order-list", timeout_ms=int(SIGNED_IN_TIMEOUT_S * 1000))
    synced(ui)


def wait_until(ui: FlutterPage, check: Callable[[], T], *, what: str, timeout_s: float = 30.0) -> T:
    """Poll `check` (a real browser and real processes, with a deadline) until it is truthy."""
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s}s")
        ui.page.wait_for_timeout(STEP_MS)
    return found


def gone(ui: FlutterPage, identifier: str, *, timeout_ms: int = 30_000) -> None:
    """Wait until no control with `identifier` is on screen."""
    ui.page.wait_for_selector(
        f'[flt-semantics-identifier="{identifier}"]', state="detached", timeout=timeout_ms
    )


def picture(ui: FlutterPage, path: Path, *, timeout_s: float = 20.0) -> None:
    """A screenshot once something is painted (a fresh page's semantics can come before its
    first frame, and two blank frames in a row look "stable"), then two equal frames in a row."""
    deadline = time.monotonic() + timeout_s
    while _blank(ui.page.screenshot()) and time.monotonic() < deadline:
        ui.page.wait_for_timeout(STEP_MS)
    ui.stable_screenshot(path)


def _blank(png: bytes) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        low, high = image.convert("L").getextrema()
    return bool(high - low < 8)


def open_card(ui: FlutterPage, *, number: str, within: str) -> None:
    """Tap a board card on its number (top left), away from the Assign button it also holds."""
    card = ui.reveal(f"order-card-{number}", within=within, max_steps=80)
    ui.settle()
    card.click(position={"x": 24, "y": 16})


def reveal_in_lane(ui: FlutterPage, *, number: str, username: str, max_steps: int = 60) -> Locator:
    """Bring `order-card-<number>` in `desk-lane-<username>` into view, unfolding the lane when
    the card is beyond its first row. (A lane's semantics box is cut to what shows, so "the lane
    is in view" says little: this walks down the lane from where it first shows.)"""
    lane, more, card = f"desk-lane-{username}", f"desk-lane-{username}-more", f"order-card-{number}"
    ui.reveal(lane, within="desk-lanes", max_steps=80)
    for _ in range(max_steps):
        if card_in(ui, number=number, container=lane) and _shown(ui, card):
            return ui.by_id(card)
        if ui.has(more) and _shown(ui, more) and "more" in ui.label(more):
            ui.click(more, within="desk-lanes")
            ui.settle()
            continue
        lanes = ui.by_id("desk-lanes").bounding_box()
        assert lanes is not None
        # Down the lane, a little at a time; back up only to a card already passed.
        seen = ui.by_id(card).bounding_box() if ui.has(card) else None
        up = seen is not None and seen["y"] < lanes["y"]
        ui.page.mouse.move(lanes["x"] + lanes["width"] / 2, lanes["y"] + lanes["height"] / 2)
        ui.page.mouse.wheel(0, -200 if up else 200)
        ui.page.wait_for_timeout(STEP_MS)
    raise AssertionError(f"{card} never came into view in {lane}")


def _shown(ui: FlutterPage, identifier: str) -> bool:
    box = ui.by_id(identifier).bounding_box()
    height = (ui.page.viewport_size or {"height": 800})["height"]
    return box is not None and box["height"] > 8 and box["y"] >= 0 and box["y"] + box["height"] <= height


def card_in(ui: FlutterPage, *, number: str, container: str) -> bool:
    """Whether `order-card-<number>` is on screen inside the control `container` (a lane, the queue)."""
    inside = f'[flt-semantics-identifier="{container}"] [flt-semantics-identifier="order-card-{number}"]'
    return ui.page.locator(inside).count() > 0


# --- the outside world ------------------------------------------------------------------------


def issue_api_key(server: ServerProcess, *, name: str = "Browser test") -> str:
    """An integration key for the demo organisation, made as an operator would (`ordo-server apikey`)."""
    script = Path(sys.executable).with_name("ordo-server")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "server_stub.cli"]
    done = subprocess.run(
        [
            *command,
            "apikey",
            "create",
            "--org",
            DEMO_ORG,
            "--name",
            name,
            "--database-url",
            server.database_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0].strip()


def send_request(
    server: ServerProcess, *, key: str, external_id: str, title: str, **extra: Any
) -> dict[str, Any]:
    """A customer request through the intake API; returns the order it made ({"id", "number", ...})."""
    body: dict[str, Any] = {
        "external_id": external_id,
        "customer": "Harbour Properties Ltd",
        "site": {
            "name": "Harbour View Offices",
            "address": "12 Quay Street, Harbourside",
            "lat": 51.5,
            "lon": -0.1,
        },
        "description": f"{title}\nSent by the browser test.",
        **extra,
    }
    answer = httpx.post(
        f"{server.url}/api/v1/intake/requests", json=body, headers={"X-API-Key": key}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
