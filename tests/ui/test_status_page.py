"""The customer's status link, end to end (issue 13): the dispatcher copies it on the desk at
1280×800; a fresh browser context (no sign-in, no cookies) at 390×844 opens it on the server
and follows the order from assigned to completed as the technician's pushes move it, and is
offered the PDF; the desk downloads the same report; revoking ends the link.

The technician's side is spoken over real HTTP, as their phone would (kit.Desk as tech1).
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Download, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from server_stub.testing import ServerProcess, read_order

from .desk_kit import sign_in_desk, synced, wait_until
from .flutter import FlutterPage
from .kit import DESKTOP, PHONE, SCREENSHOTS, ClientProcess, Desk, check_item, create_order, user_ids

pytestmark = pytest.mark.ui

TITLE = "Boiler service, Flat 4"
SIGNER = "Pat Customer"


def now_iso(minutes_ago: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - minutes_ago * 60))


def signature_png() -> bytes:
    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).line([(30, 150), (120, 40), (220, 160), (320, 50), (560, 120)], fill="black", width=5)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def upload(tech: Desk, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    headers = {**tech._headers, UPLOAD_OFFSET: "0", UPLOAD_LENGTH: str(len(data))}
    answer = httpx.patch(f"{tech.server_url}/api/v1/blobs/{sha}", content=data, headers=headers, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return sha


def move(tech: Desk, order_id: str, frm: str, to: str) -> None:
    result = tech.push(
        type="order.transition", entity_id=order_id, args={"from": frm, "to": to, "at": now_iso()}
    )
    assert result["status"] == "applied", result


def tap_until(ui: FlutterPage, identifier: str, done: Callable[[], bool], *, what: str) -> None:
    """Tap until `done()`: a tap while a sync redraws the order can miss (three tries)."""
    for _ in range(3):
        ui.reveal(identifier, max_steps=60)
        ui.settle()
        ui.click(identifier)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if done():
                return
            ui.page.wait_for_timeout(250)
    raise AssertionError(f"{what} never happened")


def said(ui: FlutterPage, start: str) -> bool:
    return ui.has("customer-message") and ui.text("customer-message").startswith(start)


def download_report(ui: FlutterPage) -> Download:
    """Tap `report-download` until the browser gets the file. A sync landing meanwhile redraws
    the order and can move the button from under a tap (tried again, up to three times)."""
    for _ in range(3):
        synced(ui)
        ui.reveal("report-download", max_steps=60)
        ui.settle()
        try:
            with ui.page.expect_download(timeout=15_000) as downloaded:
                ui.click("report-download")
            return downloaded.value
        except PlaywrightTimeout:
            continue
    raise AssertionError("the report never downloaded")


def state_word(phone: Page) -> str:
    return phone.locator("p.state").inner_text()


def test_the_customer_follows_the_order_from_a_copied_link(
    server: ServerProcess,
    browser: Browser,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    item = check_item(position=1, label="Boiler fired and tested", required=True)
    order_id = create_order(
        Desk(server_url=server.url),
        title=TITLE,
        assignee_id=user_ids(server_url=server.url)["tech1"],
        checklist=[item],
    )
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    number = held["number"]

    # The dispatcher copies the link on the desk.
    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    ui.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.url)
    sign_in_desk(ui)
    ui.page.goto(f"{desk.url}/orders/{number}")
    ui.wait_path(f"/orders/{number}")
    ui.enable_semantics()
    tap_until(ui, "status-link-copy", lambda: said(ui, "Copied"), what="copying the link")
    url = ui.label("status-link-url")
    assert re.fullmatch(rf"{re.escape(server.url)}/s/[A-Za-z0-9_-]{{22}}", url), url
    copied = ui.page.evaluate("navigator.clipboard.readText()")
    assert copied == url
    assert ui.has("status-link-renew") and ui.has("status-link-revoke")
    assert not ui.has("report-download")  # not completed yet
    ui.reveal("customer-message")  # the whole panel in view, its message at the bottom
    ui.settle()
    ui.stable_screenshot(SCREENSHOTS / "status-link-desktop.png")

    # A fresh browser, as the customer's phone: no sign-in, no cookies.
    customer = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    try:
        phone = customer.new_page()
        answer = phone.goto(url)
        assert answer is not None and answer.status == 200
        assert answer.headers["x-robots-tag"] == "noindex, nofollow"
        assert state_word(phone) == "Scheduled"
        assert TITLE in phone.inner_text("h1") and number in phone.inner_text(".num")

        tech = Desk(server_url=server.url, username="tech1", password="demo-tech")
        move(tech, order_id, "assigned", "en_route")
        phone.reload()
        assert state_word(phone) == "Technician on the way"
        assert "On the way" in phone.inner_text("dl")
        phone.screenshot(path=str(SCREENSHOTS / "status-page-phone.png"))

        move(tech, order_id, "en_route", "in_progress")
        phone.reload()
        assert state_word(phone) == "Work in progress"
        assert phone.locator("a.pdf").count() == 0  # no report before completion
        done = tech.push(
            type="checklist.set",
            entity_id=order_id,
            args={"item_id": item["id"], "value": True, "done": True},
        )
        assert done["status"] == "applied", done
        sha = upload(tech, signature_png())
        signed = tech.push(
            type="signature.add",
            entity_id=order_id,
            args={"id": str(uuid.uuid4()), "signer_name": SIGNER, "sha256": sha, "signed_at": now_iso()},
        )
        assert signed["status"] == "applied", signed
        move(tech, order_id, "in_progress", "completed")
        phone.reload()
        assert state_word(phone) == "Completed"
        summary = phone.inner_text("main")
        assert "1 of 1 check done" in summary and f"Signed by\n{SIGNER}" in summary, summary
        phone.screenshot(path=str(SCREENSHOTS / "status-page-done-phone.png"), full_page=True)

        # The PDF, offered on the page, opens for the customer too.
        href = phone.locator("a.pdf").get_attribute("href")
        assert href is not None and href.endswith("/report.pdf")
        pdf = customer.request.get(f"{server.url}{href}")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        assert customer.cookies() == []
    finally:
        customer.close()

    # The desk, synced, offers the same report and saves it.
    wait_until(ui, lambda: ui.has("report-download"), what="the desk offering the report")
    saved = download_report(ui)
    assert saved.suggested_filename == f"{number}-report.pdf"
    with open(saved.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    ui.wait_text("customer-message", lambda t: t.startswith("Download started"), timeout_s=30)

    # Revoked, the link answers the same 404 page as any unknown one.
    tap_until(
        ui,
        "status-link-revoke",
        lambda: "Revoke the customer's status link?" in ui.screen_words(),
        what="the revoke confirmation",
    )
    ui.click("confirm-ok")
    ui.wait_text("customer-message", lambda t: t.startswith("Link revoked"), timeout_s=30)
    wait_until(ui, lambda: httpx.get(url, timeout=10).status_code == 404, what="the link ending")
