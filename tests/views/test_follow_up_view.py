"""The follow-up form's pure decisions: what a failed item prefills, the words around the photos."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from app.domain import ChecklistKind, Kind, Priority
from app.domain.limits import MAX_TITLE
from app.services.types import BlobState, ChecklistItemView, ItemId, PhotoView
from app.views.field.follow_up import (
    Draft,
    item_description,
    item_draft,
    item_title,
    link_text,
    photo_words,
    photos_heading,
    toggled,
)
from app.views.order.checklist import offers_follow_up


def _item(**changes: object) -> ChecklistItemView:
    base: dict[str, object] = {
        "id": ItemId(uuid.uuid4()),
        "position": 6,
        "label": "Function test after repair",
        "kind": ChecklistKind.PASS_FAIL,
        "required": True,
        "value": "fail",
        "done": True,
    }
    base.update(changes)
    return ChecklistItemView(**base)  # type: ignore[arg-type]


def _photo(caption: str = "") -> PhotoView:
    return PhotoView(
        id=uuid.uuid4(),
        sha256="a" * 64,
        caption=caption,
        taken_at=datetime(2026, 11, 25, 14, 2, tzinfo=UTC),
        width=2048,
        height=1536,
        size=400_000,
        author_name="You",
        pending=True,
        mine=True,
        state=BlobState.LOCAL,
        upload_percent=0,
        thumbnail=None,
    )


def test_a_failed_item_prefills_the_title_and_the_description() -> None:
    item = _item()
    assert item_title(item) == "Follow-up: Function test after repair"
    assert item_description(item, number="WO-000123") == (
        "Failed on WO-000123: checklist item 6, “Function test after repair”."
    )


def test_a_long_label_is_shortened_to_fit_a_title() -> None:
    title = item_title(_item(label="x" * MAX_TITLE))
    assert len(title) == MAX_TITLE and title.startswith("Follow-up: xxx") and title.endswith("…")
    assert item_title(_item(label="  Leak test  ")) == "Follow-up: Leak test"


def test_the_prefilled_form_takes_the_orders_photos_along_at_normal_priority_as_a_repair() -> None:
    photos = [_photo("Weeping valve"), _photo()]
    draft = item_draft(_item(), number="WO-000123", photos=photos)
    assert draft.photo_ids == {p.id for p in photos}
    assert (draft.priority, draft.kind) == (Priority.NORMAL.value, Kind.REPAIR.value)
    assert item_draft(_item(), number="WO-000123", photos=[]).photo_ids == frozenset()
    # The plain "Needs more work" form starts empty, with no photo ticked.
    assert Draft() == Draft(title="", description="", priority="normal", kind="repair", photo_ids=frozenset())


@pytest.mark.parametrize(
    ("kind", "value", "offered"),
    [
        (ChecklistKind.PASS_FAIL, "fail", True),
        (ChecklistKind.PASS_FAIL, "pass", False),
        (ChecklistKind.PASS_FAIL, None, False),
        (ChecklistKind.TEXT, "fail", False),  # a text item whose words happen to be "fail"
    ],
)
def test_only_a_failed_pass_fail_item_offers_follow_up(kind: str, value: object, offered: bool) -> None:
    assert offers_follow_up(_item(kind=kind, value=value)) is offered


def test_the_photo_words() -> None:
    assert photos_heading(chosen=1, total=1, number="WO-000123") == (
        "Photos from WO-000123 for the new order: 1 of 1 chosen"
    )
    assert photos_heading(chosen=0, total=3, number="WO-000123") == (
        "Photos from WO-000123 for the new order: 0 of 3 chosen"
    )
    assert photo_words(_photo("  Weeping valve "), position=2) == "Photo 2: Weeping valve"
    assert photo_words(_photo(), position=1) == "Photo 1"


def test_ticking_and_unticking_a_photo() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert toggled(frozenset({a}), b, True) == {a, b}
    assert toggled(frozenset({a, b}), a, False) == {b}
    assert toggled(frozenset(), a, False) == frozenset()


def test_the_form_says_what_save_links() -> None:
    words = link_text("WO-000123")
    assert "for a dispatcher to assign" in words and words.count("WO-000123") == 2
