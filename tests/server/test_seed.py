"""The demo organisation: counts, checklists, dates, and seeding twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.domain.skills import clean_required_skills
from server_stub.db import Database, open_database
from server_stub.migrate import migrate
from server_stub.models import (
    ChecklistItem,
    ChecklistTemplate,
    IntakeRecord,
    OrderEvent,
    Part,
    User,
    WorkOrder,
)
from server_stub.seeding.demo import seed_demo

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
INTAKE = 4  # requests and alerts waiting in the desk's queue


def test_demo_seed(database_url: str, db: Database) -> None:
    report = seed_demo(database_url=database_url, now=NOW)
    assert (report.created, report.users, report.orders, report.intake) == (True, 6, 60 + INTAKE, INTAKE)
    with db.read() as session:
        users = {u.username: u for u in session.execute(select(User)).scalars()}
        every = list(session.execute(select(WorkOrder)).scalars())
        items = list(session.execute(select(ChecklistItem)).scalars())
        parts = list(session.execute(select(Part)).scalars())
    # The 60 orders made by hand; the intake orders are test_the_desk_has_a_queue's.
    orders = [o for o in every if o.source == "manual"]
    assert len(parts) >= 5 and all(p.sku and p.name and p.unit for p in parts)
    assert set(users) == {"dispatcher", "tech1", "tech2", "tech3", "tech4", "tech5"}
    assert users["dispatcher"].role == "dispatcher"
    assert all(users[f"tech{i}"].role == "technician" and users[f"tech{i}"].skills for i in range(1, 6))
    assert len(orders) == 60
    assigned = Counter(o.assignee_id for o in orders if o.status == "assigned")
    assert assigned == {users[f"tech{i}"].id: 10 for i in range(1, 6)}
    others = Counter(o.status for o in orders if o.status != "assigned")
    assert set(others) == {"new", "in_progress", "completed"} and sum(others.values()) == 10
    assert all(o.assignee_id is None for o in orders if o.status == "new")
    assert all(o.assignee_id is not None for o in orders if o.status != "new")
    assert {o.kind for o in orders} == {"repair", "maintenance", "inspection", "installation"}
    assert len({o.priority for o in orders}) == 4
    assert 6 <= sum(o.requires_signature for o in orders) <= 18
    by_order: dict[str, list[ChecklistItem]] = {}
    for item in items:
        by_order.setdefault(item.order_id, []).append(item)
    for order in orders:
        checklist = by_order[order.id]
        assert 3 <= len(checklist) <= 6
        assert any(i.required for i in checklist)
        assert sorted(i.position for i in checklist) == list(range(1, len(checklist) + 1))
        if order.status == "completed":
            assert all(i.done for i in checklist) and not order.requires_signature
    assert len({i.kind for i in items}) == 4
    naive_now = NOW.replace(tzinfo=None)
    end_of_today = (
        NOW.astimezone().replace(hour=23, minute=59, second=59).astimezone(UTC).replace(tzinfo=None)
    )
    for i in range(1, 6):
        dues = [o.due_at for o in orders if o.assignee_id == users[f"tech{i}"].id and o.status == "assigned"]
        assert any(d < naive_now for d in dues), "some overdue"
        assert any(naive_now <= d <= end_of_today for d in dues), "some due today"
        assert any(d > end_of_today for d in dues), "some upcoming"
    numbers = sorted(o.number for o in every)
    assert numbers[0] == "WO-000001" and numbers[-1] == f"WO-{60 + INTAKE:06d}"


def test_seeding_twice_changes_nothing(database_url: str, db: Database) -> None:
    seed_demo(database_url=database_url, now=NOW)
    again = seed_demo(database_url=database_url, now=NOW + timedelta(hours=1))
    assert again.created is False
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(WorkOrder)).scalar_one() == 60 + INTAKE
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 6


def test_seed_is_deterministic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    titles = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path / name / 'ordo.db'}"
        migrate(url)
        seed_demo(database_url=url, now=NOW)
        database = open_database(url)
        with database.read() as session:
            titles.append(
                session.execute(select(WorkOrder.id, WorkOrder.title).order_by(WorkOrder.number)).all()
            )
        database.dispose()
    assert titles[0] == titles[1]


def test_the_desk_has_a_queue_templates_skills_and_places(database_url: str, db: Database) -> None:
    report = seed_demo(database_url=database_url, now=NOW)
    with db.read() as session:
        orders = list(session.execute(select(WorkOrder)).scalars())
        techs = list(session.execute(select(User).where(User.role == "technician")).scalars())
        templates = list(session.execute(select(ChecklistTemplate)).scalars())
        records = {r.order_id: r for r in session.execute(select(IntakeRecord)).scalars()}
        events = {e.order_id: e for e in session.execute(select(OrderEvent)).scalars()}
    # Every site can be measured to.
    assert all(isinstance(o.site["lat"], float) and isinstance(o.site["lon"], float) for o in orders)
    # Skills the suggestion can match, gas-safe engineers among them.
    assert sum("gas-safe" in t.skills for t in techs) >= 2 and all(t.skills for t in techs)
    # Intake: requests and alerts (with their asset), unassigned, taken in as the intake API would.
    intake = [o for o in orders if o.source in ("request", "alert")]
    assert len(intake) == report.intake == INTAKE
    assert {o.source for o in intake} == {"request", "alert"}
    for order in intake:
        assert (order.status, order.assignee_id, order.created_by) == ("new", None, None)
        assert records[order.id].external_id == order.external_id and order.due_at is not None
        made = {"request": "Created from a request", "alert": "Created from an alert"}[order.source]
        assert events[order.id].summary == made
        assert (order.asset is not None) == (order.source == "alert")
    # A template for every kind of work, well formed; an archived one too.
    assert len(templates) == report.templates
    live = [t for t in templates if not t.archived]
    assert {t.kind for t in live} == {"repair", "maintenance", "inspection", "installation"}
    assert any(t.archived for t in templates)
    for template in templates:
        assert [i["position"] for i in template.items] == list(range(1, len(template.items) + 1))
        assert any(i["required"] for i in template.items)
        assert all(i["min"] is None or i["max"] is None or i["min"] <= i["max"] for i in template.items)


def test_orders_need_skills_some_technicians_have_and_others_lack(database_url: str, db: Database) -> None:
    seed_demo(database_url=database_url, now=NOW)
    with db.read() as session:
        orders = list(session.execute(select(WorkOrder)).scalars())
        techs = list(session.execute(select(User).where(User.role == "technician")).scalars())
    skills = {t.username: set(t.skills) for t in techs}
    needing = [o for o in orders if o.required_skills]
    # Most jobs name a trade; every tag is one some technician has, spelled as the wire keeps it.
    assert len(orders) - 20 <= len(needing) < len(orders)
    assert all(o.required_skills == clean_required_skills(o.required_skills) for o in orders)
    assert {s for o in needing for s in o.required_skills} <= set().union(*skills.values())
    gas = [o for o in needing if "gas-safe" in o.required_skills]
    assert gas and all("boiler" in o.title.lower() or "gas" in o.title.lower() or "water" in o.title.lower()
                       for o in gas)  # fmt: skip
    # For every such order someone has them all and someone lacks one: the suggestion has work to do.
    for order in needing:
        able = {name for name, has in skills.items() if set(order.required_skills) <= has}
        assert able and able != set(skills), (order.title, order.required_skills)
    # Intake orders name theirs too (an alert from a fire panel needs fire safety).
    intake = {o.external_id: o.required_skills for o in orders if o.external_id}
    assert intake["FP-5531"] == ["fire_safety", "electrical"] and intake["CRM-24117"][0] == "plumbing"
