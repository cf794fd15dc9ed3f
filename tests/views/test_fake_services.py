"""The double the views are developed against offers what the rulebook allows, and accepts
exactly what it offers."""

from __future__ import annotations

import inspect

import pytest

from app.domain import Status
from app.domain.codes import Code
from app.services.types import InvalidInput, OrderDetail, ServiceError, Services

from .fake_seed import SPECS
from .fake_services import FakeServices

USERS = ["tech1", "tech2", "dispatcher"]
NUMBERS = [f"WO-{n:06d}" for n in range(1, len(SPECS) + 1)]


def _order(services: FakeServices, number: str) -> OrderDetail:
    detail = services.get_order_by_number(number)
    assert detail is not None, number
    return detail


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("number", NUMBERS)
def test_every_offered_move_is_accepted_and_no_other(user: str, number: str) -> None:
    seen = FakeServices(user=user).get_order_by_number(number)
    if seen is None:  # not on this user's device
        return
    for to in Status:
        services = FakeServices(user=user)  # a fresh copy for each move
        detail = _order(services, number)
        blocked = to is Status.COMPLETED and bool(detail.blockers)
        if to in detail.next_statuses and not blocked:
            moved = services.transition(detail.summary.id, to, reason="because")
            assert moved.summary.status is to
        elif to is not detail.summary.status:
            with pytest.raises(InvalidInput):
                services.transition(detail.summary.id, to, reason="because")


def test_a_technicians_device_holds_only_their_orders() -> None:
    tech2 = FakeServices(user="tech2")
    groups = tech2.list_orders()
    numbers = {o.number for o in groups.overdue + groups.today + groups.upcoming}
    assert numbers == {"WO-000006"}
    assert tech2.get_order_by_number("WO-000001") is None


def test_not_signed_in_reads_nothing() -> None:
    with pytest.raises(ServiceError):
        FakeServices().get_order_by_number("WO-000001")


def test_a_dispatcher_is_offered_no_checklist_and_no_signature_but_the_picker() -> None:
    disp = FakeServices(user="dispatcher")
    detail = _order(disp, "WO-000003")
    assert not detail.offers.checklist and not detail.offers.signature
    assert detail.offers.assign and detail.offers.reassign_needs_confirmation
    assert detail.offers.note and detail.offers.photo
    # The technician's moves are not the dispatcher's.
    on_hold = _order(disp, "WO-000006")
    assert Status.IN_PROGRESS not in on_hold.next_statuses
    assert Status.EN_ROUTE not in on_hold.next_statuses
    with pytest.raises(InvalidInput):
        disp.set_checklist(detail.summary.id, detail.checklist[0].id, value=True, done=True)


def test_the_assignee_is_offered_the_field_work() -> None:
    tech = FakeServices(user="tech1")
    detail = _order(tech, "WO-000003")
    assert detail.offers.checklist and detail.offers.signature and detail.offers.follow_up
    assert not detail.offers.assign
    with pytest.raises(InvalidInput):
        tech.list_technicians(detail.summary.id)


def test_a_completed_orders_checklist_is_read_only_and_keeps_its_out_of_range_reading() -> None:
    tech = FakeServices(user="tech1")
    done = _order(tech, "WO-000007")
    assert not done.offers.checklist
    assert done.out_of_range == ["Flue temperature"]
    flue = next(i for i in done.checklist if i.label == "Flue temperature")
    assert flue.out_of_range and flue.value == 95
    with pytest.raises(InvalidInput, match="no longer allows"):
        tech.set_checklist(done.summary.id, flue.id, value=70, done=True)


def test_a_reading_outside_its_limits_is_kept_and_flagged() -> None:
    tech = FakeServices(user="tech1")
    detail = _order(tech, "WO-000003")
    flue = next(i for i in detail.checklist if i.label == "Flue temperature")
    after = tech.set_checklist(detail.summary.id, flue.id, value=95, done=True)
    kept = next(i for i in after.checklist if i.id == flue.id)
    assert kept.value == 95 and kept.done and kept.out_of_range
    assert after.out_of_range == ["Flue temperature"]
    inside = tech.set_checklist(detail.summary.id, flue.id, value=70, done=True)
    assert inside.out_of_range == []
    with pytest.raises(InvalidInput):
        tech.set_checklist(detail.summary.id, flue.id, value="hot", done=True)


def test_the_picker_searches_and_assigning_a_new_order_makes_it_assigned() -> None:
    disp = FakeServices(user="dispatcher")
    new = _order(disp, "WO-000005")
    assert new.assignee_name == "" and new.summary.assignee_name == ""
    assert Status.ASSIGNED not in new.next_statuses  # assigning goes through the picker
    everyone = disp.list_technicians(new.summary.id)
    assert {c.username for c in everyone} == {"tech1", "tech2", "tech3"}
    assert [c.open_today for c in everyone] == sorted(c.open_today for c in everyone)
    assert [c.username for c in disp.list_technicians(new.summary.id, query="PUMP")] == ["tech2"]
    assert {c.username for c in disp.list_technicians(new.summary.id, query="electr")} == {"tech1", "tech3"}
    assert disp.list_technicians(new.summary.id, query="nobody") == []
    tech3 = next(c for c in everyone if c.username == "tech3")
    assigned = disp.assign(new.summary.id, tech3.id)
    assert assigned.summary.status is Status.ASSIGNED
    assert assigned.assignee_name == "Tara Singh" == assigned.summary.assignee_name
    assert [c.username for c in disp.list_technicians(new.summary.id) if c.current] == ["tech3"]
    assert not assigned.offers.reassign_needs_confirmation  # nobody has started it


def test_reassigning_keeps_the_status_and_takes_the_order_from_the_former_assignee() -> None:
    disp = FakeServices(user="dispatcher")
    started = _order(disp, "WO-000003")
    tech2 = next(c for c in disp.list_technicians(started.summary.id) if c.username == "tech2")
    moved = disp.assign(started.summary.id, tech2.id)
    assert moved.summary.status is Status.IN_PROGRESS and moved.assignee_name == "Theo Tran"
    disp._user = disp._current(disp._people["tech1"])  # the former assignee's device
    former = _order(disp, "WO-000003")
    assert former.next_statuses == [] and not former.offers.assign
    assert former.offers.note and former.offers.checklist  # their evidence still counts


def test_a_completed_order_keeps_its_technician() -> None:
    disp = FakeServices(user="dispatcher")
    done = _order(disp, "WO-000007")
    assert not done.offers.assign
    tech2 = next(p for p in disp._people.values() if p.username == "tech2")
    with pytest.raises(InvalidInput, match="keeps its technician"):
        disp.assign(done.summary.id, tech2.id)


def test_reasons_are_kept_for_everyone_to_read() -> None:
    tech = FakeServices(user="tech1")
    detail = _order(tech, "WO-000003")
    with pytest.raises(InvalidInput, match="needs a reason"):
        tech.transition(detail.summary.id, Status.ON_HOLD, reason="  ")
    held = tech.transition(detail.summary.id, Status.ON_HOLD, reason=" waiting for part ")
    assert held.status_reason == "waiting for part"
    resumed = tech.transition(detail.summary.id, Status.IN_PROGRESS)
    assert resumed.status_reason is None  # back at work: the hold's reason no longer applies
    disp = FakeServices(user="dispatcher")
    assert _order(disp, "WO-000006").status_reason == "Waiting for a replacement bearing"
    done = _order(disp, "WO-000007")
    reopened = disp.transition(done.summary.id, Status.IN_PROGRESS, reason="Seal leaks again")
    assert reopened.status_reason == "Seal leaks again"


def test_a_refused_change_is_listed_counted_and_dismissed() -> None:
    tech = FakeServices(user="tech1")
    detail = _order(tech, "WO-000003")
    refusal = tech.refuse(
        detail.summary.id, what="Complete", code=Code.COMPLETION_BLOCKED, kept="The order stays In progress."
    )
    assert tech.sync_status().refused == 1
    assert tech.list_refusals() == [refusal]
    assert _order(tech, "WO-000003").refusals == [refusal]
    assert "required work is still open" in refusal.sentence
    tech.dismiss_refusal(refusal.id)
    assert tech.sync_status().refused == 0 and tech.list_refusals() == []
    assert _order(tech, "WO-000003").refusals == []


def test_the_double_has_every_method_of_the_contract_with_its_parameters() -> None:
    contract = {
        name: member
        for name, member in vars(Services).items()
        if callable(member) and not name.startswith("_")
    }
    assert {"list_technicians", "assign", "list_refusals", "dismiss_refusal"} <= contract.keys()
    for name, member in contract.items():
        ours = getattr(FakeServices, name, None)
        assert ours is not None, f"the double lacks {name}"
        want = [(p.name, p.kind) for p in inspect.signature(member).parameters.values()]
        got = [(p.name, p.kind) for p in inspect.signature(ours).parameters.values()]
        assert got == want, name


def test_an_online_double_says_refused_instead_of_synced() -> None:
    tech = FakeServices(user="tech1")
    tech.online = True
    assert tech.sync_status().label().startswith("Synced at ")
    # An order of tech1's by its number: which lane holds it depends on the hour (due times
    # are the seed's offsets from now), and after about 22:00 the "today" lane is empty.
    order_id = _order(tech, "WO-000003").summary.id
    tech.refuse(order_id, what="Complete", code=Code.FORBIDDEN, kept="Nothing changed.")
    assert tech.sync_status().label() == "1 change refused"
