"""Photos and signatures through the facade: real Pillow images, files on disk, one transaction each."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import delete
from store.kit import T0

from app.domain import Status
from app.services.types import BlobState, InvalidInput, SignInError
from app.store.models import BlobUpload, Order, OutboxEntry, Photo, Signature
from app.store.outbox import queued


def _order(rig):
    return uuid.UUID(rig.order)


def _jpeg(path, size=(3000, 2000), color=(200, 30, 30)):
    Image.new("RGB", size, color).save(path, "JPEG", quality=90)
    return path


def _outbox(rig):
    with rig.ordo._store.read() as s:
        return [(e.type, e.args) for e in queued(s)]


def test_photos_are_processed_stored_and_queued_and_bad_files_are_reported(signed_in, tmp_path):
    rig = signed_in
    good = _jpeg(tmp_path / "IMG_1.jpg")
    bad = tmp_path / "letter.jpg"
    bad.write_text("Dear customer,")
    seen = []
    batch = rig.ordo.add_photos(
        _order(rig), [good, bad], caption="  Before  ", progress=lambda *a: seen.append(a)
    )
    assert batch.added == 1
    assert [p.name for p in batch.problems] == ["letter.jpg"] and "letter.jpg" in batch.problems[0].message
    assert seen == [(0, 2, "IMG_1.jpg"), (1, 2, "letter.jpg"), (2, 2, "")]
    [photo] = batch.detail.photos
    assert (photo.width, photo.height, photo.caption, photo.author_name) == (2048, 1365, "Before", "You")
    assert photo.state is BlobState.LOCAL and photo.pending and photo.mine
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (320, 213)
    [(kind, args)] = _outbox(rig)
    assert kind == "photo.add"
    assert args["sha256"] == photo.sha256 and args["size"] == photo.size and args["caption"] == "Before"
    assert args["taken_at"] == "2026-11-25T09:00:00Z"  # no EXIF date: when it was added
    stored = rig.ordo._files.read(photo.sha256)
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    with rig.ordo._store.read() as s:
        upload = s.get(BlobUpload, photo.sha256)
        assert (upload.state, upload.size, upload.offset) == ("queued", photo.size, 0)
    assert good.exists() and bad.exists()  # the user's own files are never removed
    assert rig.ordo.sync_status().uploads == 1
    assert "1 file to upload" in rig.ordo.sync_status().label()


def test_web_uploads_are_removed_once_read_and_the_same_bytes_upload_once(signed_in):
    rig = signed_in
    incoming = rig.ordo.incoming_dir()
    a = _jpeg(incoming / "a.jpg")
    b = incoming / "b.jpg"
    b.write_bytes(a.read_bytes())
    batch = rig.ordo.add_photos(_order(rig), [a, b])
    assert batch.added == 2 and not a.exists() and not b.exists()
    assert len({p.sha256 for p in batch.detail.photos}) == 1
    with rig.ordo._store.read() as s:
        assert s.query(BlobUpload).count() == 1
    assert rig.ordo.sync_status().uploads == 1


def test_a_too_long_caption_or_unknown_order_fails_before_any_work(signed_in, tmp_path):
    rig = signed_in
    photo = _jpeg(tmp_path / "p.jpg")
    with pytest.raises(InvalidInput, match="caption is too long"):
        rig.ordo.add_photos(_order(rig), [photo], caption="x" * 2_001)
    with pytest.raises(InvalidInput, match="not on this device"):
        rig.ordo.add_photos(uuid.uuid4(), [photo])
    with rig.ordo._store.read() as s:
        assert s.query(Photo).count() == 0 and s.query(BlobUpload).count() == 0
    assert _outbox(rig) == []


def test_a_signature_is_rendered_queued_and_lifts_the_completion_blocker(signed_in):
    rig = signed_in
    oid = _order(rig)
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).requires_signature = True
    detail = rig.ordo.transition(oid, Status.IN_PROGRESS)
    assert "a signature is required" in detail.blockers
    strokes = [[(10, 10), (60, 40), (120, 20)], [(30, 60), (90, 70)]]
    with pytest.raises(InvalidInput, match="name"):
        rig.ordo.add_signature(oid, signer_name="  ", strokes=strokes, width=300, height=150)
    with pytest.raises(InvalidInput):
        rig.ordo.add_signature(oid, signer_name="Ann Customer", strokes=[], width=300, height=150)
    detail = rig.ordo.add_signature(oid, signer_name=" Ann Customer ", strokes=strokes, width=300, height=150)
    assert "a signature is required" not in detail.blockers
    [sig] = detail.signatures
    assert sig.signer_name == "Ann Customer" and sig.signed_at == T0 and sig.pending
    assert sig.state is BlobState.LOCAL
    assert Image.open(io.BytesIO(sig.image)).format == "PNG"
    kinds = [k for k, _ in _outbox(rig)]
    assert kinds[-1] == "signature.add"
    with rig.ordo._store.read() as s:
        assert s.query(Signature).count() == 1


def test_only_the_assignee_collects_a_signature(signed_in):
    rig = signed_in
    with rig.ordo._store.transaction() as s:
        s.get(Order, rig.order).assignee_id = str(uuid.uuid4())
    with pytest.raises(InvalidInput, match="assigned"):
        rig.ordo.add_signature(
            _order(rig), signer_name="Ann", strokes=[[(1, 1), (50, 50)]], width=100, height=100
        )


def test_a_photo_that_cannot_be_stored_is_reported_and_nothing_is_queued(signed_in, tmp_path):
    rig = signed_in
    blob_dir = rig.ordo._settings.blob_dir
    blob_dir.parent.mkdir(parents=True, exist_ok=True)
    blob_dir.write_text("a file where the photo folder should be")  # any OSError on the way to disk
    batch = rig.ordo.add_photos(_order(rig), [_jpeg(tmp_path / "p.jpg")])
    assert batch.added == 0 and "could not be saved on this device" in batch.problems[0].message
    assert batch.detail.photos == [] and _outbox(rig) == []


def test_another_user_waits_for_unsent_photo_bytes_then_finds_none_of_them(signed_in, tmp_path):
    rig = signed_in
    [photo] = rig.ordo.add_photos(_order(rig), [_jpeg(tmp_path / "p.jpg")]).detail.photos
    with rig.ordo._store.transaction() as s:
        s.execute(delete(OutboxEntry))  # the photo.add went; its bytes did not
    with pytest.raises(SignInError, match="1 change of tech1 is still waiting"):
        rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    with rig.ordo._store.transaction() as s:
        s.get(BlobUpload, photo.sha256).state = "done"
    rig.ordo.sign_in(server_url="https://ordo.test", username="disp1", password="demo-disp")
    assert rig.ordo._files.read(photo.sha256) is None and rig.ordo._files.thumbnail(photo.sha256) is None
    with rig.ordo._store.read() as s:
        assert s.query(BlobUpload).count() == 0 and s.query(Photo).count() == 0
