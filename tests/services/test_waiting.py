"""What is still to send, as the sync screen reads it: changes by order in words, files."""

import uuid
from datetime import timedelta

from store.kit import T0

from app.domain import Status
from app.services.waiting import Waiting, WaitingFile
from app.store.models import BlobUpload, Photo
from app.sync.blobs import UploadState


def test_nothing_waiting_after_a_sync(signed_in):
    assert signed_in.ordo.waiting_work() == Waiting()


def test_queued_changes_are_counted_by_order_in_words(signed_in):
    rig = signed_in
    order = uuid.UUID(rig.order)
    rig.ordo.transition(order, Status.IN_PROGRESS)
    rig.ordo.add_note(order, "one")
    rig.ordo.add_note(order, "two")
    rig.ordo.log_time(order, kind="travel", started_at=T0 - timedelta(hours=1), ended_at=T0)
    [row] = rig.ordo.waiting_work().orders
    assert (row.order_id, row.number, row.title, row.changes) == (order, "WO-000001", "Fix pump", 4)
    assert row.words == "2 notes, 1 status move, 1 time entry"


def test_files_not_on_the_server_show_their_progress_or_why_not(signed_in):
    rig = signed_in
    with rig.ordo._store.transaction() as s:
        for sha, state, offset, error in (
            ("a" * 64, UploadState.QUEUED, 500_000, None),
            ("b" * 64, UploadState.REFUSED, 0, "The server says this is not an image."),
            ("c" * 64, UploadState.DONE, 1_000_000, None),
        ):
            s.add(
                BlobUpload(
                    sha256=sha,
                    size=1_000_000,
                    content_type="image/jpeg",
                    state=state.value,
                    offset=offset,
                    error=error,
                    created_at=T0,
                )
            )
        s.add(Photo(id=str(uuid.uuid4()), order_id=rig.order, sha256="a" * 64))
    files = rig.ordo.waiting_work().files
    assert files == [
        WaitingFile(sha256="a" * 64, what="photo", number="WO-000001", size=1_000_000, sent=500_000),
        WaitingFile(
            sha256="b" * 64,
            what="file",
            number="",
            size=1_000_000,
            sent=0,
            problem="The server says this is not an image.",
        ),
    ]
    assert files[0].percent == 50


def test_signed_out_nothing_is_read(rig):
    assert rig.ordo.waiting_work() == Waiting()
