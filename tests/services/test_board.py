"""The dispatcher's board: the unassigned queue, a lane per technician with today's work,
lateness, load and sync truth; the conflicts desk."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from servicekit import update_fields
from sqlalchemy import select
from store.kit import DISPATCHER, T0, TECH, change, item_data, new_id, order_data, wire

from app.domain import Status
from app.domain.protocol import Change
from app.services import board
from app.services.desk_types import Lateness
from app.store.models import Order
from app.store.outbox import sync_state
from app.store.rows import apply_change

ANA = {"id": "a0000000-0000-4000-8000-000000000001", "username": "ana", "display_name": "Ana Alvarez"}
BEN = {"id": "b0000000-0000-4000-8000-000000000002", "username": "ben", "display_name": "Ben Brook"}
GONE = {"id": "c0000000-0000-4000-8000-000000000003", "username": "cy", "display_name": "Cy Gone"}
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def pull(rig, *changes):
    with rig.ordo._store.transaction() as s:
        for c in changes:
            apply_change(s, Change.model_validate(c))


def order(number, seq, **fields):
    return change("work_order", order_data(new_id(), number=number, **fields), seq)


def device(user, seq, *, pulled_seq, last_pull_at):
    data = {
        "id": new_id(),
        "user_id": user["id"],
        "last_pull_at": wire(last_pull_at),
        "pulled_seq": pulled_seq,
        "last_push_at": None,
    }
    return change("device", data, seq)


@pytest.fixture
def desk(dispatcher):
    """A dispatcher's device. The queue: three new orders. Ana: overdue, at risk, under way
    (due tomorrow), assigned for tomorrow, completed; Ben: nothing; Tess: the rig's order
    (due in 6 h); Cy has left. Ana's phone has pulled up to seq 115, her tablet to 50."""
    rig = dispatcher
    un = {"status": "new", "assignee_id": None}
    pull(
        rig,
        change("user", {**TECH, "skills": ["boilers"]}, 100),
        change("user", {**ANA, "role": "technician", "skills": ["hvac", "fire_safety"]}, 101),
        change("user", {**BEN, "role": "technician", "skills": []}, 102),
        change("user", {**GONE, "role": "technician", "skills": [], "active": False}, 103),
        change("user", {**DISPATCHER, "skills": []}, 104),
        order("WO-000010", 105, **un, source="request", asset="AHU-2", created_at=wire(T0 - 2 * H)),
        order("WO-000011", 106, **un, priority="urgent", source="alert", created_at=wire(T0 - 5 * H)),
        order("WO-000012", 107, **un, created_at=wire(T0 - H), due_at=wire(T0 + 30 * H)),
        order("WO-000020", 110, assignee_id=ANA["id"], status="on_hold", due_at=wire(T0 - 50 * H)),
        order("WO-000021", 111, assignee_id=ANA["id"], due_at=wire(T0 + H + 20 * MIN)),
        order("WO-000022", 120, assignee_id=ANA["id"], status="in_progress", due_at=wire(T0 + 26 * H)),
        order("WO-000023", 113, assignee_id=ANA["id"], due_at=wire(T0 + 26 * H)),
        order("WO-000024", 114, assignee_id=ANA["id"], status="completed", due_at=wire(T0 + H)),
        order("WO-000030", 115, assignee_id=GONE["id"], due_at=wire(T0)),
        device(ANA, 130, pulled_seq=115, last_pull_at=T0 - 10 * MIN),
        device(ANA, 131, pulled_seq=50, last_pull_at=T0 - H),
    )
    return rig


def read_board(rig, now=T0):
    with rig.ordo._store.read() as s:
        return board.board(s, now=now)


def numbers(cards):
    return [c.summary.number for c in cards]


def test_the_queue_most_urgent_first_then_newest_with_intake_marked(desk):
    queue = read_board(desk).unassigned
    assert numbers(queue) == ["WO-000030", "WO-000011", "WO-000012", "WO-000010"]
    _, alert, manual, request = queue
    assert [c.stranded_words for c in queue[1:]] == ["", "", ""]
    assert (alert.source, alert.asset, alert.created_at) == ("alert", None, T0 - 5 * H)
    assert (request.source, request.asset, request.kind) == ("request", "AHU-2", "repair")
    assert (manual.on_device, manual.summary.assignee_name) == (None, "")


def test_a_lane_per_active_technician_by_name_with_todays_work_by_due_time(desk):
    b = read_board(desk)
    assert [(lane.username, lane.display_name) for lane in b.lanes] == [
        ("ana", "Ana Alvarez"),
        ("ben", "Ben Brook"),
        ("tech1", "Tess Tech"),
    ]
    ana, ben, tess = b.lanes
    # Overdue, at risk, under way though due tomorrow; not tomorrow's, not the completed one.
    assert numbers(ana.cards) == ["WO-000020", "WO-000021", "WO-000022"]
    assert (ana.open_today, ana.load_ratio, ana.load_words) == (3, 0.5, "busy")
    assert (ana.technician_id, ana.skills) == (uuid.UUID(ANA["id"]), ["hvac", "fire_safety"])
    assert (ben.cards, ben.open_today, ben.load_ratio, ben.load_words) == ([], 0, 0.0, "free")
    assert (numbers(tess.cards), tess.load_words) == (["WO-000001"], "light")
    assert b.now == T0 and b.open_conflicts == 0


def test_work_held_by_someone_who_left_waits_first_in_the_queue_whatever_its_day(desk):
    # Cy was deactivated holding WO-000030: no lane shows it, nobody would do it.
    pull(desk, order("WO-000031", 140, assignee_id=GONE["id"], due_at=wire(T0 + 72 * H)))
    b = read_board(desk)
    stranded = [c for c in b.unassigned if c.stranded_words]
    assert numbers(stranded) == ["WO-000030", "WO-000031"]  # by due time, next week's too
    assert stranded[0].stranded_words == "Cy Gone can no longer take work: reassign it"
    assert stranded[0].summary.assignee_name == "Cy Gone"
    assert all(c.summary.number not in ("WO-000030", "WO-000031") for lane in b.lanes for c in lane.cards)
    # Reactivated, Cy gets a lane again and the queue lets go of the orders.
    pull(desk, change("user", {**GONE, "role": "technician", "skills": [], "active": True}, 141))
    b = read_board(desk)
    assert not [c for c in b.unassigned if c.stranded_words]
    assert numbers(next(lane for lane in b.lanes if lane.username == "cy").cards) == ["WO-000030"]


def test_lateness_stands_out_in_words(desk):
    overdue, at_risk, under_way = read_board(desk).lanes[0].cards
    assert (overdue.lateness, overdue.lateness_words) == (Lateness.OVERDUE, "Overdue by 2 d 2 h")
    assert (at_risk.lateness, at_risk.lateness_words) == (Lateness.AT_RISK, "Due in 1 h 20 min, not started")
    assert (under_way.lateness, under_way.lateness_words) == (Lateness.ON_TIME, "")
    assert overdue.summary.status is Status.ON_HOLD and overdue.summary.assignee_name == "Ana Alvarez"
    # Later on, the at-risk order is overdue too.
    later = read_board(desk, now=T0 + 2 * H).lanes[0].cards
    assert [c.lateness_words for c in later[:2]] == ["Overdue by 2 d 4 h", "Overdue by 40 min"]


def test_today_is_the_users_date(desk):
    # 09:00 UTC is 18:00 in Tokyo: the order due at 15:00 UTC (midnight there) is tomorrow's.
    from zoneinfo import ZoneInfo

    tokyo = read_board(desk, now=T0.astimezone(ZoneInfo("Asia/Tokyo")))
    assert numbers(tokyo.lanes[2].cards) == []
    assert numbers(tokyo.lanes[0].cards) == ["WO-000020", "WO-000021", "WO-000022"]


def test_sync_truth_last_pull_and_on_the_phone(desk):
    ana, ben, tess = read_board(desk).lanes
    assert ana.last_synced_at == T0 - 10 * MIN  # the latest of her two devices
    assert ben.last_synced_at is None and tess.last_synced_at is None
    # Seq 110 and 111 are behind her phone's cursor (115); 120 is not yet on any device.
    assert [c.on_device for c in ana.cards] == [True, True, False]
    assert [c.on_device for c in tess.cards] == [None]  # none of Tess's devices has pulled yet


def test_a_change_made_here_is_not_on_the_phone_until_sent_and_pulled(desk):
    rig = desk
    target = read_board(rig).lanes[0].cards[0]
    assert target.on_device is True
    update_fields(rig.ordo, target.summary.id, {"priority": "urgent"})
    card = read_board(rig).lanes[0].cards[0]
    assert (card.summary.pending, card.on_device) == (True, False)


def test_assigning_from_the_queue_moves_the_card_to_the_lane(desk):
    rig = desk
    queue = rig.ordo.board().unassigned
    rig.ordo.assign(queue[0].summary.id, uuid.UUID(BEN["id"]))
    b = rig.ordo.board()
    assert numbers(b.unassigned) == ["WO-000011", "WO-000012", "WO-000010"]
    ben = b.lanes[1]
    # Cy's order, reassigned, is due today: on Ben's lane at once.
    assert numbers(ben.cards) == ["WO-000030"] and ben.cards[0].summary.pending
    rig.ordo.assign(b.unassigned[0].summary.id, uuid.UUID(BEN["id"]))
    b = rig.ordo.board()
    assert numbers(b.unassigned) == ["WO-000012", "WO-000010"]
    # Due today (in 6 h, as the kit makes orders): on his lane at once, by due time.
    assert numbers(b.lanes[1].cards) == ["WO-000030", "WO-000011"]
    assert ben.cards[0].on_device is None  # Ben has no device that pulled


def test_the_board_needs_an_aware_now(desk):
    with desk.ordo._store.read() as s, pytest.raises(ValueError, match="aware"):
        board.board(s, now=datetime(2026, 11, 25, 9, 0))


# --- the conflicts desk -----------------------------------------------------------------


def conflict(rig, seq, *, order_id, **fields):
    data = {
        "id": new_id(),
        "order_id": order_id,
        "entity": "work_order",
        "entity_id": order_id,
        "field": "priority",
        "mine": "urgent",
        "theirs": "normal",
        "mid": 1,
        "device_id": new_id(),
        "status": "open",
        "resolution": None,
        "user_id": ANA["id"],
        "created_at": wire(T0 - H),
        "order_number": "",
        **fields,
    }
    pull(rig, change("conflict", data, seq))
    return data["id"]


def conflict_rows(rig):
    return rig.ordo.list_open_conflicts()


def test_every_open_conflict_in_words_newest_first(desk):
    rig = desk
    with rig.ordo._store.read() as s:
        ours = sync_state(s).device_id
        target = s.scalar(select(Order.id).where(Order.number == "WO-000021"))
    item = new_id()
    pull(
        rig,
        change(
            "checklist_item",
            item_data(item, target, label="Flue temperature", kind="number", value=68, done=True, unit="°C"),
            200,
        ),
    )
    phone = "9f0e1d2c-0000-4000-8000-000000000009"
    elsewhere = new_id()  # an order this device does not hold
    c_priority = conflict(rig, 201, order_id=target, device_id=ours, user_id=DISPATCHER["id"])
    c_item = conflict(
        rig,
        202,
        order_id=target,
        entity="checklist_item",
        entity_id=item,
        field="value",
        mine={"value": 72.5, "done": True},
        theirs={"value": 68, "done": True},
        created_at=wire(T0 - 30 * MIN),
        device_id=phone,
    )
    c_status = conflict(
        rig, 203, order_id=target, field="status", mine="completed", theirs="cancelled", created_at=None
    )
    c_assignee = conflict(
        rig,
        204,
        order_id=target,
        field="assignee_id",
        mine=BEN["id"],
        theirs=None,
        created_at=wire(T0 - 2 * H),
        user_id=new_id(),  # not in the directory
        device_id=None,
    )
    c_far = conflict(
        rig,
        205,
        order_id=elsewhere,
        order_number="WO-000099",
        field="due_at",
        mine="2026-11-25T12:00:00Z",
        theirs=None,
        created_at=wire(T0 - 3 * H),
        device_id=phone,
    )
    conflict(rig, 206, order_id=target, status="resolved", resolution={"choice": "theirs"})

    rows = rig.ordo.list_open_conflicts()
    noon = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).astimezone()
    assert [
        (str(r.conflict.id), r.order_number, r.conflict.label, r.mine_words, r.theirs_words, r.made_by)
        for r in rows
    ] == [
        (c_item, "WO-000021", "checklist: Flue temperature", "72.5 °C", "68 °C", "Ana Alvarez"),
        (c_priority, "WO-000021", "priority", "Urgent", "Normal", "You"),
        (c_assignee, "WO-000021", "assignee id", "Ben Brook", "Unassigned", ""),
        (c_far, "WO-000099", "due at", f"{noon:%d %b %Y %H:%M}", "Nothing", "Ana Alvarez"),
        (c_status, "WO-000021", "status", "Completed", "Cancelled", "Ana Alvarez"),  # no time: last
    ]
    assert [r.device for r in rows[:4]] == ["device 9f0e1d2c", "this device", "", "device 9f0e1d2c"]
    assert [r.made_at for r in rows] == [T0 - 30 * MIN, T0 - H, T0 - 2 * H, T0 - 3 * H, None]
    assert [r.order_title for r in rows] == ["Fix pump", "Fix pump", "Fix pump", "", "Fix pump"]
    assert rows[3].order_id == uuid.UUID(elsewhere)
    # Who may decide: a dispatcher, on the orders this device holds.
    assert [r.conflict.may_resolve for r in rows] == [True, True, True, False, True]
    assert rig.ordo.open_conflict_count() == 5 == rig.ordo.board().open_conflicts


def test_a_decided_conflict_leaves_the_desk_once_decided_here(desk):
    rig = desk
    target = str(read_board(rig).lanes[0].cards[1].summary.id)
    cid = conflict(rig, 201, order_id=target)
    [row] = conflict_rows(rig)
    assert not row.conflict.pending
    rig.ordo.resolve_conflict(uuid.UUID(cid), choice="mine")
    assert conflict_rows(rig) == [] and rig.ordo.open_conflict_count() == 0


def test_time_overlaps_and_plain_values_read_as_words(desk):
    rig = desk
    target = str(read_board(rig).lanes[0].cards[1].summary.id)
    span = {"kind": "work", "started_at": "2026-11-25T08:00:00Z", "ended_at": "2026-11-25T09:30:00Z"}
    other = {"kind": "travel", "started_at": "2026-11-25T09:00:00Z", "ended_at": "2026-11-25T10:00:00Z"}
    conflict(
        rig,
        201,
        order_id=target,
        entity="time_log",
        entity_id=new_id(),
        field="overlap",
        mine=span,
        theirs=[other],
    )
    conflict(
        rig,
        202,
        order_id=target,
        field="site",
        mine={"name": "Plant 2", "address": "2 Main St", "lat": None},
        theirs={"name": "Plant 1"},
        created_at=wire(T0 - 2 * H),
    )
    conflict(
        rig,
        203,
        order_id=target,
        field="requires_signature",
        mine=True,
        theirs=False,
        created_at=wire(T0 - 3 * H),
    )
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC).astimezone()
    end = datetime(2026, 11, 25, 9, 30, tzinfo=UTC).astimezone()
    o_start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC).astimezone()
    o_end = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).astimezone()
    assert [(r.mine_words, r.theirs_words) for r in conflict_rows(rig)] == [
        (
            f"Work {start:%d %b %Y %H:%M} – {end:%H:%M}",
            f"Travel {o_start:%d %b %Y %H:%M} – {o_end:%H:%M}",
        ),
        ("Plant 2, 2 Main St", "Plant 1"),
        ("Required", "Not required"),
    ]
