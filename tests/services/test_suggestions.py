"""The assignee suggestion on a dispatcher's device: skills, today's load and where each
technician is or last worked, ranked by app.domain.suggest, with reasons in words."""

import math
import uuid
from datetime import timedelta

import pytest
from store.kit import DISPATCHER, T0, TECH, change, new_id, order_data, wire

from app.domain.protocol import Change
from app.domain.suggest import UNKNOWN_DISTANCE, W_DISTANCE, W_LOAD, W_SKILL
from app.services import board
from app.services.types import InvalidInput, OrderId
from app.store.models import Order
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}
BEN = {"id": "b0000000-0000-4000-8000-000000000002", "username": "ben", "display_name": "Ben Brook"}
GONE = {"id": "c0000000-0000-4000-8000-000000000003", "username": "cy", "display_name": "Cy Gone"}
SITE = {"name": "Harbour View Offices", "address": "12 Quay Street", "lat": 51.4545, "lon": -2.5970}
KM_PER_DEGREE = 6371.0 * math.pi / 180
H = timedelta(hours=1)


def north(km):
    return {**SITE, "name": f"{km} km north", "lat": SITE["lat"] + km / KM_PER_DEGREE}


def pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


def order(seq, **fields):
    oid = new_id()
    return oid, change("work_order", order_data(oid, number=f"WO-{seq:06d}", **fields), seq)


@pytest.fixture
def desk(dispatcher):
    """A new order at the harbour needing HVAC. Ana (hvac) is at work 3.4 km north and has
    another order today; she finished one 20 km away since, but her work in progress is where
    she is. Ben (no skills) last started work 10 km north (on hold, due tomorrow) after
    completing one at the harbour itself. Tess (boilers) works only at a site without
    coordinates. Cy (hvac) has left."""
    rig = dispatcher
    new, new_row = order(
        200, status="new", assignee_id=None, site=SITE, required_skills=["HVAC"], due_at=wire(T0 + 72 * H)
    )
    rows = [
        change("user", {**TECH, "skills": ["boilers"]}, 100),
        change("user", {**ANA, "role": "technician", "skills": ["hvac"]}, 101),
        change("user", {**BEN, "role": "technician", "skills": []}, 102),
        change("user", {**GONE, "role": "technician", "skills": ["hvac"], "active": False}, 103),
        change("user", {**DISPATCHER, "skills": []}, 104),
        new_row,
    ]
    for seq, who, status, site, started, completed, due in [
        (210, ANA, "in_progress", north(3.4), T0 - 2 * H, None, T0 + 48 * H),
        (211, ANA, "completed", north(20), T0 - 5 * H, T0 - H, T0),
        (212, ANA, "assigned", north(50), None, None, T0 + 3 * H),
        (220, BEN, "completed", SITE, T0 - 4 * H, T0 - 3 * H, T0 - H),
        (221, BEN, "on_hold", north(10), T0 - 2 * H, None, T0 + 24 * H),
        (230, GONE, "in_progress", SITE, T0 - H, None, T0),
    ]:
        times = {"started_at": wire(started) if started else None}
        if completed:
            times["completed_at"] = wire(completed)
        rows.append(order(seq, status=status, assignee_id=who["id"], site=site, due_at=wire(due), **times)[1])
    pull(rig, *rows)
    rig.new_order = OrderId(uuid.UUID(new))
    return rig


def test_the_top_three_with_reasons_in_words(desk):
    suggestions = desk.ordo.suggest_technicians(desk.new_order)
    assert [(s.rank, s.technician.username, s.summary) for s in suggestions] == [
        (1, "ana", "has hvac; 2 open today; 3.4 km away"),
        (2, "ben", "lacks hvac; nothing open today; 10.0 km away"),
        (3, "tech1", "lacks hvac; 1 open today; no location known"),
    ]
    ana, ben, tess = suggestions
    assert ana.score == pytest.approx(W_SKILL + W_LOAD * 4 / 6 + W_DISTANCE * 0.5**0.34, abs=1e-5)
    assert ben.score == pytest.approx(W_LOAD + W_DISTANCE / 2)
    assert tess.score == pytest.approx(W_LOAD * 5 / 6 + W_DISTANCE * UNKNOWN_DISTANCE)
    # The picker's record of each, as the assign dialog shows it (the same load count).
    assert (ana.technician.display_name, ana.technician.open_today, ana.technician.skills) == (
        "Ana Alvarez",
        2,
        ["hvac"],
    )
    listed = {c.username: c.open_today for c in desk.ordo.list_technicians(desk.new_order)}
    assert listed == {"ana": 2, "ben": 0, "tech1": 1}


def test_limit_and_one_action_assigns(desk):
    rig = desk
    [first] = rig.ordo.suggest_technicians(rig.new_order, limit=1)
    detail = rig.ordo.assign(rig.new_order, first.technician.id)
    assert detail.assignee_name == "Ana Alvarez"
    # Whom to give it to now: never the one who has it.
    assert [s.technician.username for s in rig.ordo.suggest_technicians(rig.new_order)] == ["ben", "tech1"]


def test_without_site_coordinates_distance_is_left_out(desk):
    rig = desk
    with rig.ordo._store.read() as s:
        suggestions = board.suggestions(s, order_id=OrderId(uuid.UUID(rig.order)), now=T0, limit=3)
    # The rig's order (Tess's, at a site without coordinates, no skills named): load decides.
    assert [(s.technician.username, s.summary) for s in suggestions] == [
        ("ben", "nothing open today"),
        ("ana", "2 open today"),
    ]


def test_the_skills_an_order_names_come_from_its_row(desk):
    with desk.ordo._store.read() as s:
        job = board.job_of(s.get(Order, str(desk.new_order)))
    assert (job.required_skills, job.site.lat, job.due_at) == (("hvac",), SITE["lat"], T0 + 72 * H)


def test_only_a_dispatcher_gets_suggestions(signed_in):
    with pytest.raises(InvalidInput, match="Only a dispatcher assigns"):
        signed_in.ordo.suggest_technicians(OrderId(uuid.UUID(signed_in.order)))
