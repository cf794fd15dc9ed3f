"""The blob rules both sides share (app.domain.blobs) and the on-disk store
(server_stub.blobs.store), on real files: names, sniffing, locks, verification
before the final name, pruning of abandoned partials."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.blobs import is_sha256, sniff_content_type
from server_stub.blobs.store import BlobKind, BlobStore, HashMismatch, NotAnImage, UploadBusy
from server_stub.cli import main as server_cli

from .test_blobs import noise_image, sha

ORG = "3f1c2a9e-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_is_sha256_wants_exactly_64_lowercase_hex() -> None:
    assert is_sha256("0123456789abcdef" * 4)
    for bad in ("0123456789ABCDEF" * 4, "a" * 63, "a" * 65, "g" * 64, "", None, 7, "a" * 63 + "\n"):
        assert not is_sha256(bad)


@pytest.mark.parametrize(
    ("fmt", "expected"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_sniff_knows_jpeg_png_and_webp_by_their_magic_bytes(fmt: str, expected: str) -> None:
    assert sniff_content_type(noise_image(fmt=fmt)[:12]) == expected


def test_sniff_refuses_everything_else() -> None:
    for head in (
        noise_image(fmt="GIF")[:12],
        noise_image(fmt="BMP")[:12],
        b"%PDF-1.7",
        b"",
        b"RIFF\0\0\0\0WAVE",
    ):
        assert sniff_content_type(head) is None


def _upload_all(store: BlobStore, data: bytes, *, name: str | None = None) -> str:
    with store.upload(org_id=ORG, sha256=name or sha(data)) as upload:
        upload.begin(length=len(data))
        with upload.open_append() as f:
            f.write(data)
        return upload.finish()


def test_finish_moves_only_verified_bytes_under_the_final_name(tmp_path: Path) -> None:
    store = BlobStore(root=tmp_path)
    good = noise_image(fmt="WEBP")
    assert _upload_all(store, good) == "image/webp"
    assert store.path(org_id=ORG, sha256=sha(good)).read_bytes() == good
    assert store.state(org_id=ORG, sha256=sha(good)).kind is BlobKind.COMPLETE
    # The partial folder keeps nothing of a finished upload: bytes, length and lock are gone.
    assert list((tmp_path / ORG / "partial").iterdir()) == []

    claimed = sha(b"other bytes")
    with pytest.raises(HashMismatch):
        _upload_all(store, noise_image(seed=5), name=claimed)
    text = b"plain text, not an image"
    with pytest.raises(NotAnImage):
        _upload_all(store, text)
    for refused in (claimed, sha(text)):
        assert store.state(org_id=ORG, sha256=refused).kind is BlobKind.ABSENT
    names = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert names <= {sha(good)} | {n for n in names if n.endswith(".lock")}


def test_one_writer_per_blob_across_open_files(tmp_path: Path) -> None:
    store, digest = BlobStore(root=tmp_path), sha(b"x")
    with store.upload(org_id=ORG, sha256=digest):
        with pytest.raises(UploadBusy), store.upload(org_id=ORG, sha256=digest):
            pass
        # Another blob, or the same bytes in another organisation, is not held up.
        with store.upload(org_id=ORG, sha256=sha(b"y")), store.upload(org_id="other-org", sha256=digest):
            pass
    with store.upload(org_id=ORG, sha256=digest):
        pass


def test_a_partial_without_its_length_is_no_upload(tmp_path: Path) -> None:
    store, data = BlobStore(root=tmp_path), noise_image()
    with store.upload(org_id=ORG, sha256=sha(data)) as upload:
        upload.begin(length=len(data))
        with upload.open_append() as f:
            f.write(data[:100])
    assert store.state(org_id=ORG, sha256=sha(data)).offset == 100
    (tmp_path / ORG / "partial" / f"{sha(data)}.length").unlink()
    assert store.state(org_id=ORG, sha256=sha(data)).kind is BlobKind.ABSENT


def test_unsafe_names_never_reach_the_file_system(tmp_path: Path) -> None:
    store = BlobStore(root=tmp_path)
    with pytest.raises(ValueError):
        store.path(org_id="../etc", sha256=sha(b"x"))
    with pytest.raises(ValueError):
        store.path(org_id=ORG, sha256="../../passwd")


def _partial(store: BlobStore, data: bytes, *, touched: datetime) -> Path:
    with store.upload(org_id=ORG, sha256=sha(data)) as upload:
        upload.begin(length=len(data))
        with upload.open_append() as f:
            f.write(data[:10])
    os.utime(upload.data, (touched.timestamp(), touched.timestamp()))
    return upload.data


def test_prune_drops_abandoned_partials_only(tmp_path: Path) -> None:
    store = BlobStore(root=tmp_path)
    old = _partial(store, b"old bytes....", touched=NOW - timedelta(days=8))
    fresh = _partial(store, b"fresh bytes..", touched=NOW - timedelta(days=1))
    busy = _partial(store, b"being written", touched=NOW - timedelta(days=9))
    complete = noise_image()
    _upload_all(store, complete)
    with store.upload(org_id=ORG, sha256=busy.name):
        assert store.prune_partials(older_than=NOW - timedelta(days=7)) == 1
    assert not old.exists() and fresh.exists() and busy.exists()
    assert store.has(org_id=ORG, sha256=sha(complete))


def test_ordo_server_prune_drops_stale_partials(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = BlobStore(root=tmp_path / "blobs")
    stale = _partial(store, b"abandoned....", touched=datetime.now(UTC) - timedelta(days=30))
    kept = _partial(store, b"recent.......", touched=datetime.now(UTC))
    argv = ["prune", "--data-dir", str(tmp_path), "--database-url", database_url]
    assert server_cli(argv) == 0
    assert "1 abandoned partial upload" in capsys.readouterr().out
    assert not stale.exists() and kept.exists()
