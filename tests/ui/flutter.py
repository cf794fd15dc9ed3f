"""Driving Flet's Flutter web view with Playwright: semantics ids, typing, scrolling, stable screenshots.

Flutter paints on a canvas; what Playwright can see is the semantics tree
(turned on by clicking `flt-semantics-placeholder`). Stable ids set with
`ft.Semantics(identifier=...)` appear as `flt-semantics-identifier`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page

TYPE_SETTLE_MS = 200  # Flutter takes over a focused input; typing before that is lost
STEP_MS = 150


def sel(identifier: str) -> str:
    return f'[flt-semantics-identifier="{identifier}"]'


class FlutterPage:
    def __init__(self, page: Page, *, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # --- loading ---------------------------------------------------------------

    def open(self, path: str = "/", *, timeout_ms: int = 60_000) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.page.wait_for_selector("#loading", state="detached", timeout=timeout_ms)
        self.enable_semantics(timeout_ms=timeout_ms)

    def enable_semantics(self, *, timeout_ms: int = 30_000) -> None:
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=timeout_ms)
        # The placeholder is a 1x1 invisible element: a DOM click is what turns semantics on.
        placeholder.dispatch_event("click")
        self.page.wait_for_selector("flt-semantics-host flt-semantics", state="attached", timeout=timeout_ms)

    @property
    def path(self) -> str:
        # Playwright's page.url can lag behind Flutter's history.pushState; ask the page.
        return str(self.page.evaluate("location.pathname"))

    def wait_path(self, path: str, *, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.path != path:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected to be at {path}, still at {self.path}")
            self.page.wait_for_timeout(STEP_MS)

    def wait_path_prefix(self, prefix: str, *, timeout_s: float = 15.0) -> str:
        """Wait until the path starts with `prefix` (a route with an id the test cannot know); returns it."""
        deadline = time.monotonic() + timeout_s
        while not self.path.startswith(prefix):
            if time.monotonic() > deadline:
                raise AssertionError(f"expected a path under {prefix}, still at {self.path}")
            self.page.wait_for_timeout(STEP_MS)
        return self.path

    # --- finding ---------------------------------------------------------------

    def by_id(self, identifier: str) -> Locator:
        return self.page.locator(sel(identifier)).first

    def wait_id(self, identifier: str, *, timeout_ms: int = 15_000) -> Locator:
        self.page.wait_for_selector(sel(identifier), state="attached", timeout=timeout_ms)
        return self.by_id(identifier)

    def has(self, identifier: str) -> bool:
        return self.page.locator(sel(identifier)).count() > 0

    def _in_view(self, locator: Locator) -> bool:
        box = locator.bounding_box()
        height = (self.page.viewport_size or {"height": 800})["height"]
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height

    def reveal(self, identifier: str, *, max_steps: int = 40, within: str | None = None) -> Locator:
        """Scroll the Flutter view (mouse wheel) until the control is on screen.

        Flutter builds semantics only for what is (nearly) visible, so an id
        further down a list does not exist in the DOM until it is scrolled to.
        """
        size = self.page.viewport_size or {"width": 800, "height": 800}
        for step in range(max_steps):
            loc = self.page.locator(sel(identifier))
            if loc.count() and self._in_view(loc.first):
                return loc.first
            if loc.count():
                box = loc.first.bounding_box()
                delta = 200 if box is None or box["y"] > 0 else -200
            else:
                delta = 300 if step < max_steps // 2 else -300  # down first, then back up
            anchor = self.by_id(within).bounding_box() if within and self.has(within) else None
            x = anchor["x"] + anchor["width"] / 2 if anchor else size["width"] / 2
            y = anchor["y"] + anchor["height"] / 2 if anchor else size["height"] * 0.6
            self.page.mouse.move(x, y)
            self.page.mouse.wheel(0, delta)
            self.page.wait_for_timeout(STEP_MS)
        raise AssertionError(f"control {identifier!r} never came into view")

    # --- acting ----------------------------------------------------------------

    def click(self, identifier: str, *, within: str | None = None) -> None:
        self.reveal(identifier, within=within).click()

    def editing(self, holder: Locator) -> Locator:
        """Click the text field in `holder` and return the input Flutter edits it through.

        Usually that is the field's own semantics input. But a field that took focus before
        semantics were on (autofocus on a fresh page) keeps being edited through Flutter's
        hidden input under `flt-text-editing-host`: text put into the semantics input then
        never reaches the app (and the click's caret makes a later fill insert, not replace).
        """
        field = holder.locator("input, textarea").first
        field.click()
        self.page.wait_for_timeout(TYPE_SETTLE_MS)
        # Pin the focused input itself: a later ":focus" lookup would find nothing once typing
        # has moved the focus (a field that opens suggestions).
        pinned = self.page.evaluate(
            """() => {
                const old = document.querySelectorAll('[data-test-typing]');
                old.forEach(e => e.removeAttribute('data-test-typing'));
                const active = document.activeElement;
                if (!active || !['INPUT', 'TEXTAREA'].includes(active.tagName)) return false;
                active.setAttribute('data-test-typing', '1');
                return true;
            }"""
        )
        return self.page.locator("[data-test-typing]").first if pinned else field

    def fill(self, identifier: str, text: str, *, within: str | None = None) -> None:
        field = self.editing(self.reveal(identifier, within=within))
        field.fill(text)
        self.page.wait_for_timeout(STEP_MS)  # let Flet's on_change round-trip reach the server

    def text(self, identifier: str, *, timeout_ms: int = 15_000) -> str:
        loc = self.wait_id(identifier, timeout_ms=timeout_ms)
        return (loc.inner_text() or loc.get_attribute("aria-label") or "").strip()

    def wait_text(self, identifier: str, predicate: Callable[[str], bool], *, timeout_s: float = 20.0) -> str:
        deadline = time.monotonic() + timeout_s
        last = ""
        while time.monotonic() < deadline:
            if self.has(identifier):
                last = self.text(identifier)
                if predicate(last):
                    return last
            self.page.wait_for_timeout(STEP_MS)
        raise AssertionError(f"{identifier!r} never matched; last text: {last!r}")

    def screen_words(self) -> str:
        """Everything the semantics tree says: visible text and accessible labels."""
        return str(
            self.page.evaluate(
                """() => {
                    const host = document.querySelector('flt-semantics-host');
                    if (!host) return '';
                    const labelled = [...host.querySelectorAll('[aria-label]')];
                    const labels = labelled.map(e => e.getAttribute('aria-label'));
                    return host.innerText + '\\n' + labels.join('\\n');
                }"""
            )
        )

    def wait_for_words(self, words: str, *, timeout_s: float = 15.0) -> None:
        """Wait until `words` appear anywhere in the semantics tree (text or labels)."""
        deadline = time.monotonic() + timeout_s
        while words not in self.screen_words():
            if time.monotonic() > deadline:
                raise AssertionError(f"{words!r} never appeared on screen:\n{self.screen_words()}")
            self.page.wait_for_timeout(STEP_MS)

    # --- pictures --------------------------------------------------------------

    def stable_screenshot(self, path: Path, *, timeout_s: float = 10.0) -> None:
        """Semantics update before the frame is painted: wait for two equal frames in a row."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.mouse.move(0, 0)  # no hover highlight in the picture
        deadline = time.monotonic() + timeout_s
        previous = self.page.screenshot()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(250)
            current = self.page.screenshot()
            if current == previous:
                path.write_bytes(current)
                return
            previous = current
        path.write_bytes(previous)

    # --- added for the rulebook's browser tests -----------------------------------

    def ids_with_prefix(self, prefix: str) -> list[str]:
        """The semantics ids on screen now that start with `prefix` (ids that carry a row's id)."""
        return [
            str(v)
            for v in self.page.eval_on_selector_all(
                f'[flt-semantics-identifier^="{prefix}"]',
                "els => els.map(e => e.getAttribute('flt-semantics-identifier'))",
            )
        ]

    def label(self, identifier: str, *, timeout_ms: int = 15_000) -> str:
        """The control's accessible label, or its text when it has none (a card's label says it all)."""
        loc = self.wait_id(identifier, timeout_ms=timeout_ms)
        return (loc.get_attribute("aria-label") or loc.inner_text() or "").strip()

    def inputs_in(self, identifier: str) -> int:
        """How many things a user could type into or tick inside the control (0 when read-only)."""
        return (
            self.by_id(identifier)
            .locator('input, textarea, [role="checkbox"], [aria-checked], [role="radio"], [role="switch"]')
            .count()
        )

    def settle(self, *, timeout_s: float = 10.0) -> None:
        """Wait for two equal frames in a row: a page transition has ended, so a tap lands.

        (Flutter ignores taps while a route animates in; a tap right after navigating is lost.)
        """
        deadline = time.monotonic() + timeout_s
        previous = self.page.screenshot()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(STEP_MS)
            current = self.page.screenshot()
            if current == previous:
                return
            previous = current

    def reveal_words(
        self, words: str, *, max_steps: int = 40, x_fraction: float = 0.5, step: int = 300
    ) -> None:
        """Scroll down (up with a negative `step`; the mouse wheel at `x_fraction` of the width:
        the right pane on a wide screen) until `words` are in the semantics tree."""
        size = self.page.viewport_size or {"width": 800, "height": 800}
        for _ in range(max_steps):
            if words in self.screen_words():
                return
            self.page.mouse.move(size["width"] * x_fraction, size["height"] * 0.6)
            self.page.mouse.wheel(0, step)
            self.page.wait_for_timeout(STEP_MS)
        raise AssertionError(f"{words!r} never came into view:\n{self.screen_words()}")
