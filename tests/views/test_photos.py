"""The photo and signature views' decisions: the words they show, the strokes they collect, what they send."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from app.services.types import BlobState, OrderDetail, PhotoBatch, PhotoProblem, PhotoView, ServiceError
from app.views.order.photo_capture import (
    outcome_text,
    problem_text,
    processing_text,
    receiving_text,
    safe_name,
)
from app.views.order.photo_view import find_photo, photo_facts, size_text
from app.views.order.photos import blob_label, photo_label
from app.views.order.signature import (
    NO_SIGNER,
    NO_STROKES,
    PAD_HEIGHT,
    clamp,
    extended,
    form_problem,
    pad_width,
    signed_text,
)

from .fake_services import FakeServices


def _photo(**changes: object) -> PhotoView:
    base: dict[str, object] = {
        "id": uuid.uuid4(),
        "sha256": "a" * 64,
        "caption": "",
        "taken_at": datetime(2026, 11, 25, 14, 2, tzinfo=UTC),
        "width": 4032,
        "height": 3024,
        "size": 2_202_009,
        "author_name": "Tess Tech",
        "pending": False,
        "mine": True,
        "state": BlobState.ON_SERVER,
        "upload_percent": 0,
        "thumbnail": None,
    }
    base.update(changes)
    return PhotoView(**base)  # type: ignore[arg-type]


def _jpeg(path: Path, *, size: tuple[int, int] = (640, 480)) -> Path:
    Image.new("RGB", size, (200, 80, 40)).save(path, format="JPEG")
    return path


# --- words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "percent", "words"),
    [
        (BlobState.LOCAL, 0, "Local only"),
        (BlobState.UPLOADING, 42, "Uploading 42%"),
        (BlobState.UPLOADING, 140, "Uploading 100%"),
        (BlobState.ON_SERVER, 100, "On server"),
        (BlobState.AWAITING, 0, "Waiting for the other device"),
    ],
)
def test_each_blob_state_has_its_words(state: BlobState, percent: int, words: str) -> None:
    assert blob_label(state, percent) == words


def test_every_blob_state_is_covered() -> None:
    for state in BlobState:
        assert blob_label(state, 0)


def test_a_tile_says_in_words_what_the_picture_and_chip_show() -> None:
    photo = _photo(caption="Corroded flange", state=BlobState.UPLOADING, upload_percent=42, pending=True)
    assert photo_label(photo, position=2) == "Photo 2, Corroded flange, Uploading 42%, waiting to sync"
    assert photo_label(_photo(), position=1) == "Photo 1, On server"


def test_progress_reads_like_a_person_would_say_it() -> None:
    assert processing_text(1, 3, "IMG_0042.jpg") == "Processing 2 of 3: IMG_0042.jpg"
    assert processing_text(0, 1, "") == "Processing 1 of 1"
    assert processing_text(3, 3, "") == "Processed 3 of 3"
    assert processing_text(0, 0, "") == ""
    assert receiving_text(1, 2) == "Receiving photos: 1 of 2"


def _any_detail(services: FakeServices) -> OrderDetail:
    detail = services.get_order(services.list_orders().overdue[0].id)
    assert detail is not None
    return detail


def test_the_outcome_counts_what_was_added_and_what_was_not() -> None:
    detail = _any_detail(FakeServices(user="tech1"))
    one = PhotoProblem(name="notes.jpg", message="This file is not a photo we can read.")
    assert outcome_text(PhotoBatch(detail=detail, added=2)) == "Added 2 photos."
    assert outcome_text(PhotoBatch(detail=detail, added=1)) == "Added 1 photo."
    assert (
        outcome_text(PhotoBatch(detail=detail, added=0, problems=[one]))
        == "No photo was added; 1 file could not be used:"
    )


def test_a_problem_names_its_file_once() -> None:
    named = PhotoProblem(name="notes.jpg", message="notes.jpg is not an image Ordo can read.")
    unnamed = PhotoProblem(name="notes.jpg", message="This file is not a photo we can read.")
    assert problem_text(named) == "notes.jpg is not an image Ordo can read."
    assert problem_text(unnamed) == "notes.jpg: This file is not a photo we can read."


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("IMG_0042.jpg", "IMG_0042.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\a.jpg", "a.jpg"),
        ("..", "photo"),
    ],
)
def test_picked_names_become_one_harmless_path_segment(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_photo_facts_give_size_author_and_time() -> None:
    facts = photo_facts(_photo())
    assert facts.startswith("4032 × 3024 · 2.1 MB · Tess Tech · ")
    assert size_text(300) == "1 KB"
    assert size_text(52_000) == "51 KB"


def test_a_photo_is_found_by_its_id_and_a_bad_id_finds_nothing() -> None:
    photo = _photo()
    detail = dataclasses.replace(_any_detail(FakeServices(user="tech1")), photos=[photo])
    assert find_photo(detail, str(photo.id)) == photo
    assert find_photo(detail, str(uuid.uuid4())) is None
    assert find_photo(detail, "not-a-uuid") is None
    assert find_photo(None, str(photo.id)) is None


# --- the signature pad ---------------------------------------------------------------


def test_strokes_grow_point_by_point_and_split_at_each_pan_start() -> None:
    strokes: tuple[tuple[tuple[float, float], ...], ...] = ()
    strokes = extended(strokes, (1.0, 1.0), new_stroke=True)
    strokes = extended(strokes, (2.0, 3.0), new_stroke=False)
    strokes = extended(strokes, (9.0, 9.0), new_stroke=True)
    assert strokes == (((1.0, 1.0), (2.0, 3.0)), ((9.0, 9.0),))
    # An update without a start (events can race a re-render) still draws.
    assert extended((), (5.0, 5.0), new_stroke=False) == (((5.0, 5.0),),)


def test_points_off_the_pad_are_kept_on_its_edge() -> None:
    assert clamp(-4, 250, width=358, height=PAD_HEIGHT) == (0.0, float(PAD_HEIGHT))
    assert clamp(100.04, 50.06, width=358, height=PAD_HEIGHT) == (100.0, 50.1)


def test_the_pad_fills_the_readable_column() -> None:
    assert pad_width(390) == 358
    assert pad_width(1280) == 760
    assert pad_width(0) == 358  # before the first resize event: assume a phone


def test_saving_needs_a_name_and_a_drawing() -> None:
    stroke = (((1.0, 1.0), (5.0, 5.0)),)
    assert form_problem(signer_name=" ", strokes=stroke) == NO_SIGNER
    assert form_problem(signer_name="Ada", strokes=()) == NO_STROKES
    assert form_problem(signer_name="Ada", strokes=stroke) == ""


# --- the double the views are developed against behaves as the contract says --------------


def test_the_double_adds_good_photos_and_reports_bad_files_with_progress(tmp_path: Path) -> None:
    services = FakeServices(incoming=tmp_path / "incoming", user="tech1")
    order = services.list_orders().overdue[0]
    good = _jpeg(tmp_path / "IMG_0042.jpg", size=(1200, 900))
    bad = tmp_path / "notes.jpg"
    bad.write_text("a text file renamed .jpg")
    seen: list[str] = []
    batch = services.add_photos(
        order.id,
        [good, bad],
        caption="Pump 3",
        progress=lambda done, total, name: seen.append(processing_text(done, total, name)),
    )
    assert batch.added == 1
    assert [p.name for p in batch.problems] == ["notes.jpg"]
    assert seen == ["Processing 1 of 2: IMG_0042.jpg", "Processing 2 of 2: notes.jpg", "Processed 2 of 2"]
    (photo,) = batch.detail.photos
    assert photo.caption == "Pump 3" and photo.state is BlobState.LOCAL
    assert photo.thumbnail is not None
    assert max(Image.open(io.BytesIO(photo.thumbnail)).size) <= 320
    assert Image.open(io.BytesIO(services.photo_bytes(photo.sha256))).size == (1200, 900)
    services.offline_blobs = True
    with pytest.raises(ServiceError):
        services.photo_bytes(photo.sha256)
    assert services.incoming_dir().is_dir()


def test_the_double_voids_a_photo_with_a_reason(tmp_path: Path) -> None:
    services = FakeServices(incoming=tmp_path, user="tech1")
    order_id = _any_detail(services).summary.id
    (photo,) = services.add_photos(order_id, [_jpeg(tmp_path / "a.jpg")]).detail.photos
    with pytest.raises(ServiceError):
        services.void_entry(order_id, entity="photo", entry_id=photo.id, reason=" ")
    assert services.void_entry(order_id, entity="photo", entry_id=photo.id, reason="Blurred").photos == []


def test_a_signature_clears_the_signature_blocker(tmp_path: Path) -> None:
    services = FakeServices(user="tech1")
    number = "WO-000003"  # the double's order that requires a signature
    detail = services.get_order_by_number(number)
    assert detail is not None and detail.requires_signature
    assert "a signature is required" in detail.blockers
    signed = services.add_signature(
        detail.summary.id,
        signer_name=" Ada Customer ",
        strokes=[[(10.0, 10.0), (100.0, 80.0)], [(120.0, 40.0)]],
        width=358,
        height=PAD_HEIGHT,
    )
    assert "a signature is required" not in signed.blockers
    (sig,) = signed.signatures
    assert sig.image is not None
    assert Image.open(io.BytesIO(sig.image)).size == (358, PAD_HEIGHT)
    assert signed_text(sig).startswith("Signed by Ada Customer on ")
