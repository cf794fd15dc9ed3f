"""The board's and the assign screen's pure decisions: what a card, a lane and a suggestion say in
words (never colour alone), where the assign screen returns, how lanes fit their cards, and
where "no such screen" leads each role."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Priority, Status
from app.services.desk_types import Board, BoardCard, Lane, Lateness, Suggestion
from app.services.types import CurrentUser, OrderId, OrderSummary, TechnicianChoice
from app.views.app import home_route, home_words
from app.views.desk.board import lane_row, summary_words
from app.views.desk.cards import CARD_WIDTH, card_label, lateness_text, on_device_words, source_words
from app.views.desk.lanes import lane_label, more_words, synced_words
from app.views.desk.shell import conflicts_words, place_label
from app.views.order.assign_words import back_route, reasons_text, suggestion_label

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def card(
    *,
    number: str = "WO-000042",
    assignee: str = "",
    source: str = "manual",
    asset: str | None = None,
    lateness: Lateness = Lateness.ON_TIME,
    lateness_words: str = "",
    on_device: bool | None = None,
    pending: bool = False,
    stranded_words: str = "",
    required_skills: tuple[str, ...] = (),
) -> BoardCard:
    summary = OrderSummary(
        id=OrderId(uuid.uuid4()),
        number=number,
        title="Radiator leaking",
        priority=Priority.HIGH,
        status=Status.ASSIGNED if assignee else Status.NEW,
        due_at=NOW + timedelta(hours=1),
        site_name="Harbour View Offices",
        pending=pending,
        assignee_name=assignee,
    )
    return BoardCard(
        summary=summary,
        kind="repair",
        source=source,
        asset=asset,
        created_at=NOW - timedelta(hours=1),
        lateness=lateness,
        lateness_words=lateness_words,
        on_device=on_device,
        stranded_words=stranded_words,
        required_skills=required_skills,
    )


def lane(*, cards: list[BoardCard], synced: datetime | None = None, load: str = "light") -> Lane:
    return Lane(
        technician_id=uuid.uuid4(),
        username="tech1",
        display_name="Alex Novak",
        skills=["hvac"],
        cards=cards,
        open_today=len(cards),
        load_ratio=len(cards) / 6,
        load_words=load,
        last_synced_at=synced,
    )


def test_intake_orders_say_where_they_came_from_and_which_asset() -> None:
    assert source_words(card(source="request")) == "From a request"
    assert source_words(card(source="alert", asset="AHU-7")) == "From an alert · Asset: AHU-7"
    assert source_words(card(source="manual", asset="AHU-7")) == ""


def test_late_cards_say_so_in_words_not_only_in_colour() -> None:
    overdue = card(lateness=Lateness.OVERDUE, lateness_words="Overdue by 3 h")
    assert lateness_text(overdue) == "Overdue by 3 h"
    assert "Overdue by 3 h" in card_label(overdue, now=NOW)
    # Without the services' words a late card still says it.
    assert lateness_text(card(lateness=Lateness.AT_RISK)).startswith("At risk")
    assert lateness_text(card(lateness=Lateness.OVERDUE)) == "Overdue"
    assert lateness_text(card()) == ""


def test_a_card_label_carries_everything_the_card_shows() -> None:
    label = card_label(
        card(assignee="Alex Novak", source="alert", asset="AHU-7", on_device=False, pending=True), now=NOW
    )
    for words in (
        "WO-000042",
        "Radiator leaking",
        "Harbour View Offices",
        "priority high",
        "status Assigned",
        "Assigned to Alex Novak",
        "From an alert · Asset: AHU-7",
        "Not on the phone yet",
        "waiting to sync",
    ):
        assert words in label, words
    assert "Unassigned" in card_label(card(), now=NOW)


def test_a_card_says_what_skills_it_needs_and_when_its_technician_left() -> None:
    label = card_label(
        card(
            assignee="Cy Gone",
            stranded_words="Cy Gone can no longer take work: reassign it",
            required_skills=("gas_safe", "electrical"),
        ),
        now=NOW,
    )
    assert "Cy Gone can no longer take work: reassign it" in label
    assert "Needs gas safe, electrical" in label
    assert "Needs" not in card_label(card(), now=NOW)


def test_sync_truth_in_words() -> None:
    assert on_device_words(True) == "On the phone"
    assert on_device_words(False) == "Not on the phone yet"
    assert on_device_words(None) == ""
    local = datetime(2026, 11, 25, 10, 42).astimezone()
    assert synced_words(local, now=local + timedelta(minutes=5)) == "Last synced 10:42"
    assert synced_words(local, now=local + timedelta(days=2)).startswith(f"Last synced {local:%a}")
    assert synced_words(None, now=NOW) == "Never synced"


def test_a_lane_says_who_how_loaded_and_when_last_synced() -> None:
    words = lane_label(lane(cards=[card(), card()], load="light"), now=NOW)
    assert words == "Alex Novak, 2 open today, light, Never synced"
    assert "Nothing open today" in lane_label(lane(cards=[], load="free"), now=NOW)
    assert more_words(hidden=4, unfolded=False) == "Show 4 more"
    assert more_words(hidden=0, unfolded=True) == "Show fewer"


def test_lanes_fit_as_many_cards_as_the_width_allows() -> None:
    per_row, width = lane_row(850)
    assert per_row == 3 and width >= CARD_WIDTH
    assert lane_row(200) == (1, CARD_WIDTH)  # never narrower than a card
    per_row, width = lane_row(2000)
    assert per_row > 3 and width >= CARD_WIDTH


def test_the_summary_line_counts_what_needs_an_eye() -> None:
    board = Board(
        unassigned=[card(lateness=Lateness.OVERDUE)],
        lanes=[
            lane(cards=[card(assignee="Alex Novak", lateness=Lateness.AT_RISK), card(assignee="Alex Novak")])
        ],
        open_conflicts=1,
        now=NOW,
    )
    assert summary_words(board) == (
        "1 unassigned · 2 open today across 1 technician · 1 overdue · 1 at risk · 1 conflict to decide"
    )


def test_the_conflicts_badge_is_said_in_words() -> None:
    assert conflicts_words(0) == "no open conflicts"
    assert conflicts_words(1) == "1 open conflict"
    assert place_label("Conflicts", selected=False, conflicts=3) == "Conflicts, 3 open conflicts"
    assert place_label("Board", selected=True) == "Board, current screen"


def _suggestion(*, current: bool = False, reasons: list[str] | None = None) -> Suggestion:
    choice = TechnicianChoice(
        id=uuid.uuid4(),
        username="tech2",
        display_name="Bea Lindqvist",
        skills=["gas_safe"],
        open_today=2,
        current=current,
    )
    return Suggestion(rank=1, technician=choice, score=0.9, reasons=reasons or [])


def test_a_suggestion_reads_as_a_sentence_of_reasons() -> None:
    top = _suggestion(reasons=["has gas-safe", "2 open today", "3.4 km away"])
    assert reasons_text(top) == "Has gas-safe; 2 open today; 3.4 km away"
    assert suggestion_label(top, has_assignee=False) == (
        "Suggestion 1: Bea Lindqvist, Has gas-safe; 2 open today; 3.4 km away, tap to assign"
    )
    assert suggestion_label(top, has_assignee=True).endswith("tap to reassign")
    assert suggestion_label(_suggestion(current=True), has_assignee=True).endswith("assigned now")
    assert reasons_text(_suggestion()) == "No particular reason known"


@pytest.mark.parametrize(
    ("route", "back"),
    [
        ("/orders/WO-000042/assign?from=desk", "/desk"),
        ("/orders/WO-000042/assign", "/orders/WO-000042"),
        ("/orders/WO-000042/assign?from=elsewhere", "/orders/WO-000042"),
        ("", "/orders/WO-000042"),
    ],
)
def test_the_assign_screen_returns_where_it_was_opened(route: str, back: str) -> None:
    assert back_route(number="WO-000042", route=route) == back


class _Session:
    def __init__(self, role: str | None) -> None:
        self.user = (
            None
            if role is None
            else CurrentUser(id=uuid.uuid4(), username="u", display_name="U", role=role, server_url="")
        )


@pytest.mark.parametrize(
    ("role", "home", "words"),
    [
        (None, "/login", "Go to sign in"),
        ("technician", "/orders", "Go to my orders"),
        ("dispatcher", "/desk", "Go to the board"),
        ("admin", "/desk", "Go to the board"),
    ],
)
def test_no_such_screen_leads_each_role_home(role: str | None, home: str, words: str) -> None:
    session = _Session(role)
    assert home_route(session) == home  # type: ignore[arg-type]
    assert home_words(session) == words  # type: ignore[arg-type]
