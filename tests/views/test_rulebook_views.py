"""The words the screens use for what the rulebook allows: confirmations, out-of-range flags,
reasons, the assignee picker and refused changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from app.domain import Priority, Status
from app.services.types import (
    ChecklistItemView,
    ItemId,
    Offers,
    OrderId,
    OrderSummary,
    RefusalView,
    SyncState,
    SyncStatus,
    TechnicianChoice,
)
from app.views.field.orders import assignee_line, card_label
from app.views.order.actions import action_label
from app.views.order.assign_words import (
    UNASSIGNED,
    asks_before_choosing,
    assign_button_text,
    assignee_text,
    choice_label,
    open_today_text,
    skills_text,
)
from app.views.order.checklist import item_label, limits_text, range_text, readonly_reason, value_text
from app.views.order.screen import reason_text
from app.views.shared.confirm import move_confirmation, reassign_confirmation
from app.views.shared.refusals import callout_title, refusal_label, refusal_lines, refusals_banner_text
from app.views.shared.sync_bar import bar_look

# --- confirmations --------------------------------------------------------------------


def test_complete_says_what_happens_and_lists_out_of_range_readings() -> None:
    asked = move_confirmation(
        frm=Status.IN_PROGRESS,
        to=Status.COMPLETED,
        number="WO-000003",
        out_of_range=["Flue temperature", "Pressure"],
    )
    assert asked is not None
    assert asked.title == "Complete WO-000003?"
    assert any("Completed" in line for line in asked.lines)
    assert any("read-only" in line for line in asked.lines)
    (warning,) = asked.warnings
    assert "out of range" in warning and "Flue temperature, Pressure" in warning
    assert "kept as measured" in warning.lower()
    assert not asked.asks_reason


def test_complete_without_flagged_readings_warns_of_nothing() -> None:
    asked = move_confirmation(frm=Status.IN_PROGRESS, to=Status.COMPLETED, number="WO-1", out_of_range=[])
    assert asked is not None and asked.warnings == []


def test_cancel_names_who_loses_the_order_and_takes_a_reason() -> None:
    asked = move_confirmation(
        frm=Status.ASSIGNED, to=Status.CANCELLED, number="WO-000001", assignee_name="Tess Tech"
    )
    assert asked is not None and asked.asks_reason and asked.destructive
    assert asked.ok_label == "Cancel order"
    assert any("Tess Tech" in line for line in asked.lines)
    assert any("for good" in line for line in asked.lines)


def test_close_is_for_good_and_reopen_goes_back_to_the_technician() -> None:
    close = move_confirmation(frm=Status.COMPLETED, to=Status.CLOSED, number="WO-7")
    assert close is not None and close.ok_label == "Close order" and close.destructive
    reopen = move_confirmation(
        frm=Status.COMPLETED, to=Status.IN_PROGRESS, number="WO-7", assignee_name="Ann"
    )
    assert reopen is not None and reopen.asks_reason
    assert any("In progress for Ann" in line for line in reopen.lines)


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (Status.ASSIGNED, Status.EN_ROUTE),
        (Status.EN_ROUTE, Status.IN_PROGRESS),
        (Status.ON_HOLD, Status.IN_PROGRESS),
        (Status.ASSIGNED, Status.NEW),
    ],
)
def test_everyday_steps_happen_on_one_tap(frm: Status, to: Status) -> None:
    assert move_confirmation(frm=frm, to=to, number="WO-1") is None


def test_reassigning_a_started_order_says_who_loses_it() -> None:
    asked = reassign_confirmation(
        number="WO-000003", status=Status.IN_PROGRESS, current_name="Tess Tech", new_name="Theo Tran"
    )
    assert asked.title == "Reassign WO-000003 to Theo Tran?"
    assert asked.lines[0].startswith("Tess Tech loses this order")
    assert "In progress" in asked.lines[1]
    assert asked.ok_label == "Reassign to Theo Tran"


def test_handing_a_cannot_complete_order_back_is_not_called_assign() -> None:
    assert action_label(frm=Status.CANNOT_COMPLETE, to=Status.ASSIGNED) == "Back to assigned"


# --- checklist: limits, the out-of-range flag, read-only values --------------------------


def _item(**changes: object) -> ChecklistItemView:
    base: dict[str, object] = {
        "id": ItemId(uuid.uuid4()),
        "position": 2,
        "label": "Flue temperature",
        "kind": "number",
        "required": False,
        "value": 95,
        "done": True,
        "unit": "°C",
        "min": 55.0,
        "max": 80.0,
        "out_of_range": True,
    }
    base.update(changes)
    return ChecklistItemView(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("low", "high", "unit", "words"),
    [
        (55.0, 80.0, "°C", "55–80 °C"),
        (1.5, 3.0, "bar", "1.5–3 bar"),
        (55.0, None, "°C", "at least 55 °C"),
        (None, 80.0, None, "at most 80"),
        (None, None, "°C", ""),
    ],
)
def test_limits_read_as_people_write_them(low, high, unit, words) -> None:  # type: ignore[no-untyped-def]
    assert limits_text(_item(min=low, max=high, unit=unit)) == words


def test_an_out_of_range_value_is_flagged_in_words_with_its_limits() -> None:
    item = _item()
    assert range_text(item) == "Out of range (limits 55–80 °C): kept as measured"
    assert range_text(_item(value=60, out_of_range=False)) == ""
    assert range_text(_item(min=None, max=None)) == "Out of range: kept as measured"
    label = item_label(item, editable=True)
    assert "out of range" in label and "55–80 °C" in label


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({}, "95 °C"),
        ({"value": 62.5}, "62.5 °C"),
        ({"value": None, "done": False}, "Not filled in"),
        ({"kind": "check", "value": True}, "Done"),
        ({"kind": "check", "value": None, "done": False}, "Not done"),
        ({"kind": "pass_fail", "value": "fail"}, "Fail"),
        ({"kind": "text", "value": "Seal replaced"}, "Seal replaced"),
    ],
)
def test_a_read_only_checklist_shows_each_value(changes: dict[str, object], shown: str) -> None:
    assert value_text(_item(**changes)) == shown


def test_a_read_only_item_is_read_out_with_its_value() -> None:
    assert "95 °C" in item_label(_item(), editable=False)
    assert "95 °C" not in item_label(_item(), editable=True)  # the field says it itself


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.COMPLETED, "completed"),
        (Status.CLOSED, "closed"),
        (Status.CANCELLED, "cancelled"),
        (Status.IN_PROGRESS, "assigned technician"),
    ],
)
def test_a_read_only_checklist_says_why(status: Status, words: str) -> None:
    assert words in readonly_reason(status)


# --- reasons and the assignee -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "shown"),
    [
        (Status.ON_HOLD, "waiting for part", "On hold: waiting for part"),
        (Status.CANNOT_COMPLETE, " no access to roof ", "Cannot complete: no access to roof"),
        (Status.CANCELLED, "customer withdrew", "Cancelled: customer withdrew"),
        (Status.IN_PROGRESS, "seal leaks again", "Reopened: seal leaks again"),
        (Status.ON_HOLD, None, ""),
        (Status.ON_HOLD, "  ", ""),
    ],
)
def test_the_reason_is_said_with_the_state(status: Status, reason: str | None, shown: str) -> None:
    assert reason_text(status, reason) == shown


def _summary(assignee_name: str) -> OrderSummary:
    return OrderSummary(
        id=OrderId(uuid.uuid4()),
        number="WO-000005",
        title="Leaking valve",
        priority=Priority.HIGH,
        status=Status.NEW,
        due_at=None,
        site_name="Harbour Depot",
        pending=False,
        assignee_name=assignee_name,
    )


def test_a_dispatchers_card_says_who_has_the_order() -> None:
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert assignee_line(_summary("")) == "Unassigned"
    assert assignee_line(_summary("Tess Tech")) == "Assigned to Tess Tech"
    assert "Unassigned" in card_label(_summary(""), now=now, show_assignee=True)
    assert "Unassigned" not in card_label(_summary(""), now=now)
    assert assignee_text("") == UNASSIGNED and assignee_text("Ann") == "Ann"


def _choice(**changes: object) -> TechnicianChoice:
    base: dict[str, object] = {
        "id": uuid.uuid4(),
        "username": "tech2",
        "display_name": "Theo Tran",
        "skills": ["plumbing", "pumps"],
        "open_today": 2,
        "current": False,
    }
    base.update(changes)
    return TechnicianChoice(**base)  # type: ignore[arg-type]


def test_a_technician_in_the_picker_is_read_out_whole() -> None:
    assert open_today_text(0) == "No open orders today"
    assert open_today_text(1) == "1 open order today"
    assert skills_text([]) == "No skills listed"
    assert skills_text(["fire_safety", "hvac"]) == "Skills: fire safety, hvac"
    assert choice_label(_choice()) == "Theo Tran, 2 open orders today, Skills: plumbing, pumps"
    assert choice_label(_choice(current=True)).endswith("assigned now")
    assert assign_button_text("") == "Assign a technician" and assign_button_text("Ann") == "Reassign"


def test_only_taking_a_started_order_from_someone_asks_first() -> None:
    asks = Offers(assign=True, reassign_needs_confirmation=True)
    calm = Offers(assign=True)
    assert asks_before_choosing(asks, _choice(), has_assignee=True)
    assert not asks_before_choosing(asks, _choice(current=True), has_assignee=True)
    assert not asks_before_choosing(asks, _choice(), has_assignee=False)
    assert not asks_before_choosing(calm, _choice(), has_assignee=True)


# --- refused changes and the sync bar -------------------------------------------------------


def _refusal() -> RefusalView:
    return RefusalView(
        id=7,
        order_id=uuid.uuid4(),
        order_number="WO-000003",
        what="Complete",
        sentence="The order cannot be completed yet: required work is still open.",
        kept="The order stays In progress.",
        at=datetime(2026, 11, 25, 9, tzinfo=UTC),
    )


def test_a_refusal_says_what_why_and_what_was_kept() -> None:
    r = _refusal()
    assert refusal_lines(r) == ["Complete", r.sentence, r.kept]
    assert refusal_lines(r, with_number=True)[0] == "WO-000003: Complete"
    assert refusal_label(r).startswith("Refused: Complete. ")
    assert callout_title(1) == "The server refused a change:"
    assert callout_title(3) == "The server refused 3 changes:"
    assert refusals_banner_text(1).startswith("The server refused 1 change ")


def test_the_bar_turns_to_the_refused_look_until_dismissed() -> None:
    synced = SyncStatus(state=SyncState.SYNCED, waiting=0, last_synced_at=datetime.now(UTC))
    refused = SyncStatus(state=SyncState.SYNCED, waiting=0, last_synced_at=datetime.now(UTC), refused=1)
    assert refused.label() == "1 change refused"
    assert bar_look(refused) != bar_look(synced)
    # Offline stays calm and says so; the refusal banner under the bar still counts it.
    offline = SyncStatus(state=SyncState.OFFLINE, waiting=0, refused=1)
    assert bar_look(offline) == bar_look(SyncStatus(state=SyncState.OFFLINE, waiting=0))
