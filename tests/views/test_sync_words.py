"""The sync screen's and the sign-out warning's words: pure, without a browser."""

import uuid
from datetime import UTC, datetime

from app.services.types import SyncState, SyncStatus
from app.services.waiting import Waiting, WaitingFile, WaitingOrder
from app.views.field.sync_screen import file_words, summary_words
from app.views.shared.sign_out import sign_out_confirmation

AT = datetime(2026, 11, 25, 9, 5, tzinfo=UTC)


def test_nothing_waiting_signs_out_at_once():
    assert sign_out_confirmation(SyncStatus(state=SyncState.SYNCED, waiting=0), username="tech1") is None


def test_unsent_work_is_named_and_said_to_stay():
    one = sign_out_confirmation(SyncStatus(state=SyncState.OFFLINE, waiting=1), username="tech1")
    assert one is not None
    assert one.lines[0] == "1 change is not on the server yet."
    assert "never deletes" in one.lines[1] and "tech1 signs in here again" in one.lines[2]
    both = sign_out_confirmation(SyncStatus(state=SyncState.OFFLINE, waiting=3, uploads=1), username="tech1")
    assert both is not None and both.lines[0] == "3 changes and 1 file are not on the server yet."


def test_the_summary_says_when_it_last_worked_and_what_went_wrong():
    status = SyncStatus(
        state=SyncState.ERROR, waiting=2, last_synced_at=AT, message="the server answered 503 busy"
    )
    lines = summary_words(status, Waiting(orders=[_row()]))
    assert lines[0] == "Sync problem · 2 waiting"
    assert lines[1].startswith("Last synced ") and lines[1].endswith(f"{AT.astimezone():%H:%M}.")
    assert lines[2] == "Last problem: the server answered 503 busy."
    assert "kept on this device" in lines[3]


def test_a_device_never_synced_with_nothing_waiting_says_so():
    lines = summary_words(SyncStatus(state=SyncState.NEVER, waiting=0), Waiting())
    assert lines[1] == "This device has not synced yet."
    assert lines[-1].startswith("Nothing is waiting")


def test_files_say_their_progress_or_why_not():
    going = WaitingFile(sha256="a" * 64, what="photo", number="WO-000007", size=2_400_000, sent=600_000)
    assert file_words(going) == "Photo on WO-000007 · 25% of 2.4 MB"
    refused = WaitingFile(
        sha256="b" * 64, what="signature", number="", size=9000, sent=0, problem="Too large."
    )
    assert file_words(refused) == "Signature: Too large."


def _row() -> WaitingOrder:
    return WaitingOrder(order_id=uuid.uuid4(), number="WO-000001", title="Fix", changes=2, words="2 notes")
