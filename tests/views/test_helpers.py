"""The views' pure decisions: which button is the big one, what words to show, how input is read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Priority, Role, Status, next_statuses
from app.services.types import OrderId, OrderSummary
from app.views.account.login import _form_problem, _plain_http
from app.views.field.orders import card_label
from app.views.order.actions import action_label, primary_move
from app.views.order.checklist import parse_number
from app.views.shared.widgets import due_text, side_padding


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (Status.ASSIGNED, Status.EN_ROUTE),
        (Status.EN_ROUTE, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.COMPLETED),
        (Status.ON_HOLD, Status.IN_PROGRESS),
    ],
)
def test_the_natural_next_step_is_the_big_button(current: Status, expected: Status) -> None:
    moves = next_statuses(current, role=Role.TECHNICIAN)
    assert primary_move(current=current, moves=moves) is expected


def test_a_move_needing_a_reason_or_cancelling_is_never_the_big_button() -> None:
    assert primary_move(current=Status.IN_PROGRESS, moves=[Status.ON_HOLD, Status.CANNOT_COMPLETE]) is None
    assert primary_move(current=Status.NEW, moves=[Status.CANCELLED]) is None


def test_the_big_button_falls_back_to_the_first_plain_move() -> None:
    assert (
        primary_move(current=Status.ASSIGNED, moves=[Status.ON_HOLD, Status.IN_PROGRESS])
        is Status.IN_PROGRESS
    )


@pytest.mark.parametrize(
    ("frm", "to", "words"),
    [
        (Status.ASSIGNED, Status.IN_PROGRESS, "Start work"),
        (Status.ON_HOLD, Status.IN_PROGRESS, "Resume work"),
        (Status.COMPLETED, Status.IN_PROGRESS, "Reopen"),
        (Status.ASSIGNED, Status.EN_ROUTE, "Start travel"),
        (Status.IN_PROGRESS, Status.ON_HOLD, "Put on hold"),
        (Status.IN_PROGRESS, Status.COMPLETED, "Complete"),
    ],
)
def test_buttons_say_what_the_move_means(frm: Status, to: Status, words: str) -> None:
    assert action_label(frm=frm, to=to) == words


def test_every_legal_move_has_a_label() -> None:
    for frm in Status:
        for to in next_statuses(frm, role=Role.DISPATCHER):
            assert action_label(frm=frm, to=to)


@pytest.mark.parametrize(
    ("text", "value"), [("12", 12), ("12.5", 12.5), (" 12,5 ", 12.5), ("-3", -3), ("", None)]
)
def test_numbers_are_read_as_people_type_them(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "12b", "nan", "inf", "1e999"])
def test_garbage_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_the_sign_in_form_says_what_is_missing() -> None:
    assert "server address" in _form_problem(server_url=" ", username="a", password="b")
    assert "username" in _form_problem(server_url="http://x", username="", password="b")
    assert "password" in _form_problem(server_url="http://x", username="a", password="")
    assert _form_problem(server_url="http://x", username="a", password="b") == ""


def test_due_times_read_naturally() -> None:
    now = datetime(2026, 11, 25, 9, 0).astimezone()
    assert due_text(None, now=now) == "No due time"
    assert due_text(now + timedelta(hours=2), now=now) == f"Due {(now + timedelta(hours=2)):%H:%M}"
    assert due_text(now + timedelta(days=3), now=now).startswith(f"Due {(now + timedelta(days=3)):%a}")
    assert "2027" in due_text(now + timedelta(days=400), now=now)


def test_a_card_says_in_words_what_colour_shows() -> None:
    order = OrderSummary(
        id=OrderId(uuid.uuid4()),
        number="WO-000007",
        title="Replace filter",
        priority=Priority.URGENT,
        status=Status.IN_PROGRESS,
        due_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
        site_name="Harbour Depot",
        pending=True,
    )
    label = card_label(order, now=datetime(2026, 11, 25, 8, tzinfo=UTC))
    for words in (
        "WO-000007",
        "Replace filter",
        "Harbour Depot",
        "priority urgent",
        "In progress",
        "waiting to sync",
    ):
        assert words in label


def test_wide_windows_keep_a_readable_column() -> None:
    assert side_padding(390) == 12
    assert side_padding(1280) == (1280 - 760) / 2


@pytest.mark.parametrize(
    ("typed", "ask"),
    [
        ("http://192.168.1.20:8000", True),
        ("http://ordo.example.com/", True),
        ("https://ordo.example.com", False),
        ("127.0.0.1:8000", False),  # made http://, but this machine
        ("ordo.example.com", False),  # made https://
        ("not a url", False),  # sign-in explains what is wrong instead
    ],
)
def test_the_login_asks_consent_only_for_plain_http_to_another_machine(typed, ask):
    assert _plain_http(typed) is ask
