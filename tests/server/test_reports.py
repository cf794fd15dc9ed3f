"""The completion report (issue 13, sync-protocol.md "Reports"): a PDF of a completed order
with its whole record, for the desk and the assignee; 409 `not_completed` before, 404 for
everyone else; Unicode text never breaks it; photos and the signature are embedded."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.domain import Status
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.models import WorkOrder
from server_stub.reports import pdf as pdf_module
from server_stub.reports.record import load_record

from .conftest import Device, World
from .reportkit import API, devices, finish, start

REPORT = API + "/orders/{id}/report.pdf"


def report(dev: Device, order_id: str, *, expect: int = 200) -> bytes:
    answer = dev.client.get(REPORT.format(id=order_id), headers=dev.headers)
    assert answer.status_code == expect, answer.text
    if expect == 200:
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["content-disposition"].startswith('attachment; filename="WO-')
    else:
        assert set(answer.json()) == {"error"}
    return answer.content


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def images_of(data: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image drawn in the PDF."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            found.append(image.image.size)
    return found


def test_before_completion_it_is_409_not_completed(client: TestClient, world: World) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    body = disp.client.get(REPORT.format(id=order), headers=disp.headers)
    assert body.status_code == 409 and body.json()["error"]["code"] == "not_completed"
    start(tech, order)
    report(tech, order, expect=409)


def test_the_desk_and_the_assignee_read_it_others_get_404(client: TestClient, world: World) -> None:
    disp, tech1, tech2, outsider = devices(client)
    order = world.orders["a"]
    start(tech1, order)
    finish(tech1, world, order)
    assert report(disp, order).startswith(b"%PDF")
    assert report(tech1, order).startswith(b"%PDF")
    report(tech2, order, expect=404)  # another technician of the organisation
    report(outsider, order, expect=404)  # another organisation's dispatcher
    report(disp, "00000000-0000-4000-8000-000000000000", expect=404)
    assert client.get(REPORT.format(id=order)).status_code == 401


def test_it_holds_the_whole_record(client: TestClient, world: World) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    start(tech, order)
    finish(tech, world, order, photos=2, signer="Pat Customer")
    data = report(disp, order)
    text = text_of(data)
    for expected in (
        "Completion report", "WO-000001: A", "Test Org",
        "Kind", "Repair", "Priority", "Normal", "Technician", "Tech1",
        "Created", "Assigned", "Technician on the way", "Work started", "Completed",
        "Checklist", "4 of 4 checks done; failed: Pressure",
        "1. Isolate supply", "2. Pressure", "3.1 bar", "Failed", "Seal worn", "Pass", "Done",
        "Notes", "Replaced the valve seal",
        "Photos", "Photo 1", "Photo 2", "Photo not uploaded", "Never uploaded",
        "Time", "Travel", "Work", "30 min", "1 h 30 min", "Total", "2 h 00 min",
        "Parts", "FUSE-10A", "Fuse 10 A", "2 pcs",
        "Signature", "Signed by Pat Customer on 25 Nov 2026 10:00",
        "Site and customer",
    ):  # fmt: skip
        assert expected in text, f"{expected!r} not in {text}"
    # Two photo thumbnails (the third never arrived) and the signature, as images.
    sizes = images_of(data)
    assert len(sizes) == 3, sizes
    assert (600, 200) in sizes  # the signature at its own size
    assert sum(1 for w, h in sizes if (w, h) == (320, 240)) == 2


def test_voided_notes_are_left_out(client: TestClient, world: World) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    start(tech, order)
    note = "a6f7c1e2-5a1b-4c3d-8e9f-0a1b2c3d4e5f"
    tech.push(
        [
            tech.mutation(
                "note.add", order, {"id": note, "text": "Wrong customer typed", "at": "2026-11-25T10:00:00Z"}
            ),
            tech.mutation("entry.void", order, {"entity": "note", "id": note, "reason": "typo"}),
        ]
    )
    finish(tech, world, order)
    text = text_of(report(disp, order))
    assert "Wrong customer typed" not in text and "Replaced the valve seal" in text


def test_unicode_and_hostile_text_never_break_it(client: TestClient, world: World, db: Database) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    with db.write() as session, session.begin():
        row = session.get(WorkOrder, order)
        assert row is not None
        row.title = "Chauffe-eau — Größe ½ · Ωμέγα · 東京 · 🔥 <b>bold</b> \u202eevil"
        row.description = "Line one\nLine two\ttabbed \x07bell " + "long " * 400
        row.customer = {"name": "Zoë Ñúñez-Øster", "contact": "zoe@example.com"}
    start(tech, order)
    finish(tech, world, order, signer="Łukasz Żółć", note="Ça marche: 25 °C ± 0.5 — ok ✓")
    # pypdf spaces the words of bold text apart: compare words, not spacing.
    text = " ".join(text_of(report(disp, order)).split())
    for expected in (
        "Größe ½", "Ωμέγα", "Zoë Ñúñez-Øster", "Łukasz Żółć", "25 °C ± 0.5", "<b>bold</b>", "ok ✓",
        "Ωμέγα · ?? · ?",  # CJK and emoji, which DejaVu lacks, are question marks, not gaps
        "Line two tabbed bell",
    ):  # fmt: skip
        assert expected in text, expected
    assert "\u202e" not in text


def test_without_dejavu_text_falls_back_to_latin_1(
    client: TestClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    with db.write() as session, session.begin():
        row = session.get(WorkOrder, order)
        assert row is not None
        row.title = "Größe — Ωμέγα 東京"
    start(tech, order)
    finish(tech, world, order)
    monkeypatch.setattr(pdf_module, "_FONT_DIRS", ())
    pdf_module._font_file.cache_clear()
    try:
        text = text_of(report(disp, order))
    finally:
        pdf_module._font_file.cache_clear()
    assert "Größe - ????? ??" in text
    assert "DejaVu Sans was not found" in text


def test_a_closed_order_keeps_its_report_and_a_reopened_one_has_none(
    client: TestClient, world: World, db: Database
) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    start(tech, order)
    finish(tech, world, order)
    with db.write() as session, session.begin():
        row = session.get(WorkOrder, order)
        assert row is not None
        row.status = Status.CLOSED.value
        row.closed_at = datetime(2026, 11, 26, 9, 0)
    report(disp, order)
    with db.write() as session, session.begin():
        row = session.get(WorkOrder, order)
        assert row is not None
        row.status = Status.IN_PROGRESS.value  # reopened
    report(disp, order, expect=409)


@pytest.mark.slow
def test_ten_photos_time_and_size(client: TestClient, world: World, db: Database, clock: FakeClock) -> None:
    """The figure for the report: 10 photos (12-megapixel JPEGs of about 3 MB) and a signature."""
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    start(tech, order)
    finish(tech, world, order, photos=10, missing_photo=False, photo_side=4032)
    started = time.perf_counter()
    data = report(disp, order)
    took = time.perf_counter() - started
    print(f"\nreport with 10 photos: {len(data) / 1024:.0f} KB in {took * 1000:.0f} ms")
    assert len(images_of(data)) == 11
    assert len(data) < 2_000_000
    assert took < 10


def test_the_record_states_times_in_the_display_zone(world: World, db: Database) -> None:
    with db.write() as session, session.begin():
        row = session.get(WorkOrder, world.orders["a"])
        assert row is not None
        row.due_at = datetime(2026, 7, 1, 12, 0)  # naive UTC, as stored
        berlin = load_record(session, order=row, zone_name="Europe/Berlin", full=False)
        unknown = load_record(session, order=row, zone_name="Mars/Olympus", full=False)
    assert berlin.zone_name == "Europe/Berlin" and berlin.due_at is not None
    assert berlin.due_at.hour == 14  # summer time, UTC+2
    assert unknown.zone_name == "UTC" and unknown.due_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
