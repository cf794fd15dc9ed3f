"""The dispatcher closes the loop, through the real web view against a real server at 1280×800:
a conflict made by two of a technician's devices is decided from `/conflicts` and leaves the
list; a completed order shows all its evidence on one screen and Close closes it after a
confirmation; its history lists the moves in words.

The field's side is spoken over real HTTP (`FieldDevice`): what a technician's phones send.
The words those screens use are tested without a browser in tests/views/test_desk_close_views.py.
"""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from server_stub.testing import ServerProcess, read_order

from .flutter import STEP_MS, FlutterPage
from .kit import DESKTOP, SCREENSHOTS, ClientProcess, Desk, create_order, pull_everything, user_ids

pytestmark = pytest.mark.ui

NOTE = "Replaced the pump seal; pressure holds at 1.5 bar."
SIGNER = "Pat Customer"
NEW_TITLE = "Boiler service, plant room B"


class FieldDevice(Desk):
    """One of a technician's devices, over real HTTP: the kit's sign-in and pushes, and blob uploads."""

    def __init__(self, *, server_url: str, username: str, password: str = "demo-tech") -> None:
        super().__init__(server_url=server_url, username=username, password=password)

    def upload(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        headers = {**self._headers, UPLOAD_OFFSET: "0", UPLOAD_LENGTH: str(len(data))}
        answer = httpx.patch(
            f"{self.server_url}/api/v1/blobs/{sha}", content=data, headers=headers, timeout=10
        )
        assert answer.status_code in (200, 201), answer.text
        return sha


def now_iso(minutes_ago: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - minutes_ago * 60))


def photo_jpeg() -> bytes:
    """A photo-like picture: a gradient with a warm block, so the thumbnail shows something."""
    img = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    img.paste((180, 60, 30), (160, 120, 400, 300))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


def signature_png() -> bytes:
    img = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(img)
    draw.line(
        [(30, 150), (90, 40), (150, 160), (220, 60), (300, 150), (380, 70), (560, 120)], fill="black", width=5
    )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def number_item(position: int, label: str, *, unit: str, low: float, high: float) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "position": position,
        "label": label,
        "kind": "number",
        "required": True,
        "unit": unit,
        "min": low,
        "max": high,
    }


def plain_item(position: int, label: str, kind: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "position": position, "label": label, "kind": kind, "required": False}


def item_seqs(server: ServerProcess) -> dict[str, int]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    return {c["id"]: c["seq"] for c in changes if c["entity"] == "checklist_item"}


def display_name(server: ServerProcess, username: str) -> str:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    (name,) = [
        c["data"]["display_name"]
        for c in changes
        if c["entity"] == "user" and c["data"]["username"] == username
    ]
    return str(name)


def open_conflicts(server: ServerProcess) -> dict[str, dict[str, Any]]:
    changes = pull_everything(server_url=server.url, username="dispatcher", password="demo-dispatcher")
    latest = {c["id"]: c["data"] for c in changes if c["entity"] == "conflict" and not c["deleted"]}
    return {k: v for k, v in latest.items() if v["status"] == "open"}


def started(field: FieldDevice, order_id: str) -> None:
    for frm, to in (("assigned", "en_route"), ("en_route", "in_progress")):
        result = field.push(
            type="order.transition", entity_id=order_id, args={"from": frm, "to": to, "at": now_iso(90)}
        )
        assert result["status"] == "applied", result


def order_with_conflicts(server: ServerProcess) -> tuple[str, str]:
    """An order of tech2's with two open conflicts: a reading sent from a second device over a
    newer one, and a title the technician changed (a dispatcher's field). Returns
    (order id, number)."""
    reading = number_item(1, "Flow temperature", unit="°C", low=55, high=80)
    order_id = create_order(
        Desk(server_url=server.url),
        title="Boiler service — conflicts test",
        assignee_id=user_ids(server_url=server.url)["tech2"],
        checklist=[reading, plain_item(2, "Remarks", "text")],
    )
    phone, tablet = (FieldDevice(server_url=server.url, username="tech2") for _ in range(2))
    started(phone, order_id)
    base = item_seqs(server)[reading["id"]]
    # Both devices read the item at `base`; the phone's value lands first, the tablet's loses.
    kept = phone.push(
        type="checklist.set",
        entity_id=order_id,
        args={"item_id": reading["id"], "value": 72, "done": True},
        base_seq=base,
    )
    assert kept["status"] == "applied", kept
    lost = tablet.push(
        type="checklist.set",
        entity_id=order_id,
        args={"item_id": reading["id"], "value": 95, "done": True},
        base_seq=base,
    )
    assert lost["status"] == "conflict", lost
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    titled = phone.push(
        type="order.update", entity_id=order_id, args={"fields": {"title": NEW_TITLE}}, base_seq=held["seq"]
    )
    assert titled["status"] == "conflict", titled
    return order_id, held["number"]


def completed_order_with_evidence(server: ServerProcess) -> tuple[str, str, list[str]]:
    """An order tech3 did on their phone: readings (one out of range), a note, a photo, time,
    parts and the customer's signature, then completed. Returns (order id, number, the
    hashes of the photo and the signature)."""
    items = [
        number_item(1, "Flow temperature", unit="°C", low=55, high=80),
        number_item(2, "System pressure", unit="bar", low=1.0, high=2.0),
        plain_item(3, "Flue gas test", "pass_fail"),
        plain_item(4, "Filters replaced", "check"),
    ]
    order_id = create_order(
        Desk(server_url=server.url),
        title="Annual boiler service — evidence test",
        assignee_id=user_ids(server_url=server.url)["tech3"],
        checklist=items,
    )
    created = read_order(database_url=server.database_url, order_id=order_id)
    assert created is not None
    phone = FieldDevice(server_url=server.url, username="tech3")
    started(phone, order_id)
    for item, value in zip(items, (86, 1.5, "pass", True), strict=True):
        result = phone.push(
            type="checklist.set",
            entity_id=order_id,
            args={"item_id": item["id"], "value": value, "done": True},
        )
        assert result["status"] == "applied", result
    pushes: list[tuple[str, dict[str, Any]]] = [
        ("note.add", {"id": str(uuid.uuid4()), "text": NOTE, "at": now_iso(30)}),
        (
            "time.add",
            {"id": str(uuid.uuid4()), "kind": "travel", "started_at": now_iso(95), "ended_at": now_iso(75)},
        ),
        (
            "time.add",
            {"id": str(uuid.uuid4()), "kind": "work", "started_at": now_iso(75), "ended_at": now_iso(5)},
        ),
        ("part.use", {"id": str(uuid.uuid4()), "sku": "SEAL-EPDM-22", "quantity": 2}),
        ("part.use", {"id": str(uuid.uuid4()), "sku": "PIPE-CU-15", "quantity": 1.5}),
    ]
    picture, signed = photo_jpeg(), signature_png()
    pictures = [phone.upload(picture), phone.upload(signed)]
    pushes.append(
        (
            "photo.add",
            {
                "id": str(uuid.uuid4()),
                "sha256": pictures[0],
                "size": len(picture),
                "content_type": "image/jpeg",
                "width": 640,
                "height": 480,
                "caption": "New seal fitted",
                "taken_at": now_iso(20),
            },
        )
    )
    pushes.append(
        (
            "signature.add",
            {
                "id": str(uuid.uuid4()),
                "signer_name": SIGNER,
                "sha256": pictures[1],
                "signed_at": now_iso(4),
            },
        )
    )
    for type_, args in pushes:
        result = phone.push(type=type_, entity_id=order_id, args=args)
        assert result["status"] == "applied", (type_, result)
    done = phone.push(
        type="order.transition",
        entity_id=order_id,
        args={"from": "in_progress", "to": "completed", "at": now_iso(3)},
    )
    assert done["status"] == "applied", done
    return order_id, created["number"], pictures


# --- the desk in the browser ------------------------------------------------------------


def sign_in_desk(ui: FlutterPage) -> None:
    """The dispatcher signs in and lands on the desk; the first sync has finished."""
    ui.wait_id("login-username")
    ui.fill("login-username", "dispatcher")
    ui.fill("login-password", "demo-dispatcher")
    ui.click("login-submit")
    wait_until(ui, lambda: ui.path in ("/desk", "/orders"), what="leaving the sign-in screen")
    ui.wait_text("sync-status", lambda t: t.startswith("Synced at"), timeout_s=30)


def wait_until(ui: FlutterPage, check: Callable[[], Any], *, what: str, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s}s")
        ui.page.wait_for_timeout(STEP_MS * 2)
    return found


def go(ui: FlutterPage, identifier: str, path: str) -> None:
    """Tap a way to another screen until the browser is there (a tap during a route's animation
    is lost, and the desk may still be settling after sign-in)."""
    deadline = time.monotonic() + 30
    while ui.path != path:
        assert time.monotonic() < deadline, f"{identifier} never led to {path}; at {ui.path}"
        ui.settle()
        ui.click(identifier)
        ui.page.wait_for_timeout(STEP_MS * 4)
    ui.settle()


def activity_says(ui: FlutterPage, words: str) -> bool:
    return any(words in ui.label(i) for i in ui.ids_with_prefix("activity-entry-"))


def history_words(ui: FlutterPage) -> list[str]:
    """Each entry of the history screen as a screen reader hears it, oldest first (scrolling
    down to each: Flutter only builds what is near the screen)."""
    count = int(ui.label("history-count").split()[0])
    return [
        ui.label(f"history-entry-{n}") if ui.reveal(f"history-entry-{n}") else "" for n in range(1, count + 1)
    ]


def gone(ui: FlutterPage, identifier: str, *, timeout_ms: int = 30_000) -> None:
    ui.page.wait_for_selector(
        f'[flt-semantics-identifier="{identifier}"]', state="detached", timeout=timeout_ms
    )


def test_dispatcher_decides_conflicts_and_they_leave_the_list(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order_id, number = order_with_conflicts(server)
    conflicts = {c["field"]: cid for cid, c in open_conflicts(server).items() if c["order_id"] == order_id}
    assert set(conflicts) == {"value", "title"}, conflicts
    value_id, title_id = conflicts["value"], conflicts["title"]

    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)
    go(ui, "nav-conflicts", "/conflicts")
    ui.wait_id("conflict-list")
    card = ui.label(f"conflict-{value_id}")
    # Both values in words, with who sent the losing one: never JSON.
    assert number in card and "Flow temperature" in card, card
    assert "Kept: 72 °C" in card and "Sent from the field: 95 °C" in card, card
    assert display_name(server, "tech2") in card and "device" in card, card
    title_card = ui.label(f"conflict-{title_id}")
    assert NEW_TITLE in title_card and "Boiler service — conflicts test" in title_card, title_card
    ui.settle()
    ui.stable_screenshot(SCREENSHOTS / "conflicts-desktop.png")

    # One choice decides the reading: the field's 95 °C. The card leaves once the server has it.
    ui.click(f"conflict-{value_id}-keep-mine")
    gone(ui, f"conflict-{value_id}")
    # A value of one's own for the title.
    ui.fill(f"conflict-{title_id}-value", "Boiler service, plant room B (checked)")
    ui.click(f"conflict-{title_id}-use-value")
    gone(ui, f"conflict-{title_id}")
    ui.wait_id("conflict-empty")

    def decided() -> bool:
        return not any(c["order_id"] == order_id for c in open_conflicts(server).values())

    wait_until(ui, decided, what="the server holding both decisions")
    held = read_order(database_url=server.database_url, order_id=order_id)
    assert held is not None
    assert held["title"] == "Boiler service, plant room B (checked)"
    assert held["checklist"][0]["value"] == 95

    # Decided, they live on in the order's history: the losing changes and the decisions.
    ui.page.goto(f"{desk.url}/orders/{number}/history")
    ui.wait_path(f"/orders/{number}/history")
    ui.enable_semantics()
    ui.wait_id("history-entry-1", timeout_ms=30_000)
    entries = history_words(ui)
    assert sum("Conflict: kept for a decision" in e for e in entries) == 2, entries
    assert any("resolved: kept the sent value" in e for e in entries), entries
    assert any("resolved: set a new value" in e for e in entries), entries


def test_dispatcher_checks_the_evidence_closes_and_reads_the_history(
    server: ServerProcess,
    start_client: Callable[[str], ClientProcess],
    open_ui: Callable[..., FlutterPage],
) -> None:
    order_id, number, pictures = completed_order_with_evidence(server)

    desk = start_client(server.url)
    ui = open_ui(desk.url, viewport=DESKTOP)
    sign_in_desk(ui)
    ui.page.goto(f"{desk.url}/orders/{number}")
    ui.wait_path(f"/orders/{number}")
    ui.enable_semantics()

    # Everything on one screen: the summary, the readings with the flag, note, photo,
    # signature, time and parts, with who and when (who completed it: from the history).
    summary = ui.wait_text("evidence-summary", lambda t: "Completed" in t)
    assert "4 of 4 done" in summary and "1 out of range" in summary, summary
    assert f"signed by {SIGNER}" in summary, summary
    ui.wait_text("evidence-summary", lambda t: f"Completed by {display_name(server, 'tech3')}" in t)
    assert "out of range" in ui.label("checklist-item-1") and "86" in ui.label("checklist-item-1")
    assert "1.5" in ui.label("checklist-item-2")
    assert "Pass" in ui.label("checklist-item-3")
    ui.wait_for_words(NOTE)
    ui.wait_id("photo-tile-1")
    # The photo and the signature were made on the phone: they come down to the desk and show.
    thumbs = desk.data_dir / "blobs" / "thumbs"
    wait_until(ui, lambda: all((thumbs / f"{sha}.jpg").exists() for sha in pictures), what="the pictures")
    ui.settle()
    ui.stable_screenshot(SCREENSHOTS / "evidence-desktop.png")
    ui.reveal("signature-1")
    assert SIGNER in ui.label("signature-1")
    ui.reveal("evidence-time")
    time_words = ui.text("evidence-time")
    assert "Work 1 h 10 min" in time_words and "Travel 20 min" in time_words, time_words
    ui.reveal("evidence-parts")
    parts = ui.text("evidence-parts")
    assert "2 × EPDM seal 22 mm" in parts and "1.5 m × Copper pipe 15 mm" in parts, parts
    ui.reveal("evidence-full-history")
    assert activity_says(ui, f"Signed by {SIGNER}"), ui.ids_with_prefix("activity-entry-")

    # Close asks first, then closes.
    ui.click("order-close")
    ui.wait_for_words(f"Close {number}?")
    ui.click("confirm-ok")
    ui.reveal_words("Status Closed", step=-300)  # the status chip, at the top of the order

    def closed_on_server() -> bool:
        held = read_order(database_url=server.database_url, order_id=order_id)
        return held is not None and held["status"] == "closed"

    wait_until(ui, closed_on_server, what="the server closing the order")

    # The history, from the app bar: the moves in words, oldest first.
    ui.click("order-history")
    ui.wait_path(f"/orders/{number}/history")
    ui.wait_id("history-entry-1", timeout_ms=30_000)
    ui.settle()
    ui.stable_screenshot(SCREENSHOTS / "history-desktop.png")
    entries = history_words(ui)
    assert entries[0].startswith("1. Created"), entries
    assert any("Started work" in e for e in entries), entries
    assert any(f"Signed by {SIGNER}" in e for e in entries), entries
    assert entries[-2].startswith(f"{len(entries) - 1}. Completed"), entries
    assert entries[-1].startswith(f"{len(entries)}. Closed") and "Dana Dispatch" in entries[-1], entries
    assert "Status: Completed to Closed" in entries[-1], entries
