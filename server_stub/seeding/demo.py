"""The demo organisation: one dispatcher, five technicians with skills, 60 orders at
sites with coordinates (most needing skills some technicians have and others lack),
checklist templates, and a few orders other systems sent (requests and alerts) waiting
unassigned in the desk's queue.

Deterministic (a seeded random generator, name-based ids) apart from dates, which are
placed relative to `now` so every technician always has overdue, due-today and
upcoming orders.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ChecklistKind, Kind, Priority, Role, Source, Status, default_due
from app.domain.protocol import MutationType
from server_stub.db import next_seq, open_database, seq_block
from server_stub.history.ledger import CREATED_FROM, record_server_change
from server_stub.models import ChecklistTemplate, IntakeRecord, Organisation
from server_stub.seeding.data import (
    CHECKLISTS,
    CUSTOMERS,
    INTAKE,
    NEEDS,
    PARTS,
    SITES,
    TECHNICIANS,
    TEMPLATES,
    TITLES,
)
from server_stub.seeding.history import seed_history
from server_stub.seeding.records import (
    ItemSpec,
    OrderSpec,
    create_order,
    create_organisation,
    create_part,
    create_user,
)
from server_stub.seeding.schedules import seed_schedules
from server_stub.timeutil import to_db

DEMO_ORG = "Ordo Demo Facilities"
DISPATCHER = ("dispatcher", "demo-dispatcher", "Dana Dispatch")
TECH_PASSWORD = "demo-tech"
ASSIGNED_PER_TECH = 10
# The ten orders beyond the 50 assigned ones.
OTHER_STATUSES = [Status.NEW] * 4 + [Status.IN_PROGRESS] * 3 + [Status.COMPLETED] * 3


@dataclass(frozen=True, slots=True)
class SeedReport:
    created: bool  # False: the demo organisation was already there, nothing changed
    users: int
    orders: int  # all of them, the intake orders included
    intake: int = 0  # orders other systems sent, unassigned
    templates: int = 0
    history: int = 0  # past orders for the dashboard (server_stub.seeding.history), in `orders`


def _due(rng: random.Random, *, slot: int, now: datetime) -> datetime:
    """Slot 0-2 overdue, 3-5 due later today (local day), the rest upcoming."""
    local_now = now.astimezone()
    end_of_day = local_now.replace(hour=23, minute=59, second=0, microsecond=0)
    if slot < 3:
        return now - timedelta(hours=rng.randint(2, 72))
    if slot < 6:
        room = (end_of_day - local_now).total_seconds()
        if room > 120:
            return now + timedelta(seconds=rng.uniform(60, room - 60))
        return end_of_day  # a minute before midnight: still today
    return now + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8))


def _checklist(rng: random.Random, *, kind: Kind, done: bool) -> list[ItemSpec]:
    pool = CHECKLISTS[kind]
    chosen = rng.sample(pool, rng.randint(3, min(6, len(pool))))
    items = [
        ItemSpec(label=label, kind=ck, required=req, unit=unit, min=lo, max=hi)
        for (label, ck, req, unit, lo, hi) in chosen
    ]
    if not any(i.required for i in items):
        first = items[0]
        items[0] = ItemSpec(
            label=first.label, kind=first.kind, required=True, unit=first.unit, min=first.min, max=first.max
        )
    if done:
        items = [_done(i, rng) for i in items]
    return items


def _done(item: ItemSpec, rng: random.Random) -> ItemSpec:
    value = {
        ChecklistKind.CHECK: True,
        ChecklistKind.NUMBER: round(rng.uniform(item.min or 0, item.max or 100), 1),
        ChecklistKind.TEXT: "Checked, no findings.",
        ChecklistKind.PASS_FAIL: "pass",
    }[item.kind]
    return ItemSpec(
        label=item.label,
        kind=item.kind,
        required=item.required,
        unit=item.unit,
        min=item.min,
        max=item.max,
        value=value,
        done=True,
    )


def _spec(
    rng: random.Random, *, status: Status, assignee_id: str | None, due_at: datetime, now: datetime
) -> OrderSpec:
    kind = rng.choice(list(Kind))
    title, description = rng.choice(TITLES[kind])
    site = rng.choice(SITES)
    customer = rng.choice(CUSTOMERS)
    completed = status is Status.COMPLETED
    lifecycle: dict[str, datetime] = {}
    if assignee_id is not None:
        lifecycle["assigned_at"] = now - timedelta(hours=rng.randint(3, 48))
    if status in (Status.IN_PROGRESS, Status.COMPLETED):
        lifecycle["started_at"] = now - timedelta(hours=rng.randint(1, 3))
    if completed:
        lifecycle["completed_at"] = now - timedelta(minutes=rng.randint(5, 50))
    return OrderSpec(
        title=f"{title} — {site['name']}",
        kind=kind,
        priority=rng.choices(list(Priority), weights=[2, 5, 3, 1])[0],
        status=status,
        assignee_id=assignee_id,
        description=description,
        customer=dict(customer),
        site=dict(site),
        asset=f"{kind.value[:3].upper()}-{rng.randint(1000, 9999)}",
        due_at=due_at,
        # Completed orders never need a signature: there are no signatures yet.
        requires_signature=(not completed) and rng.random() < 0.2,
        # From the title, not the generator: the orders stay those of every earlier seed.
        required_skills=NEEDS.get(title, ()),
        lifecycle=lifecycle,
        checklist=_checklist(rng, kind=kind, done=completed),
    )


def seed_demo(
    *, database_url: str, now: datetime, rng_seed: int = 20261125, history: bool = False
) -> SeedReport:
    """Create the demo organisation in an already migrated database, once. `history`: with
    ~90 days of completed work behind it, for the dashboard (`ordo-server seed --demo`)."""
    rng = random.Random(rng_seed)

    def ids() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    db = open_database(database_url)
    try:
        with db.write() as session, session.begin():
            if session.execute(select(Organisation).where(Organisation.name == DEMO_ORG)).first() is not None:
                return SeedReport(created=False, users=0, orders=0)
            org = create_organisation(session, name=DEMO_ORG, now=now, ids=ids)
            username, password, name = DISPATCHER
            create_user(
                session,
                org_id=org.id,
                username=username,
                password=password,
                role=Role.DISPATCHER,
                display_name=name,
                skills=[],
                ids=ids,
            )
            techs = [
                create_user(
                    session,
                    org_id=org.id,
                    username=u,
                    password=TECH_PASSWORD,
                    role=Role.TECHNICIAN,
                    display_name=n,
                    skills=list(skills),
                )
                for (u, n, skills) in TECHNICIANS
            ]
            orders = 0
            for tech in techs:
                for slot in range(ASSIGNED_PER_TECH):
                    spec = _spec(
                        rng,
                        status=Status.ASSIGNED,
                        assignee_id=tech.id,
                        due_at=_due(rng, slot=slot, now=now),
                        now=now,
                    )
                    create_order(session, org_id=org.id, spec=spec, now=now, ids=ids)
                    orders += 1
            for i, status in enumerate(OTHER_STATUSES):
                assignee = None if status is Status.NEW else techs[i % len(techs)].id
                due = _due(rng, slot=rng.randint(0, 9), now=now)
                create_order(
                    session,
                    org_id=org.id,
                    spec=_spec(rng, status=status, assignee_id=assignee, due_at=due, now=now),
                    now=now,
                    ids=ids,
                )
                orders += 1
            for sku, part_name, unit in PARTS:
                create_part(session, org_id=org.id, sku=sku, name=part_name, unit=unit, ids=ids)
            # After everything the random generator places, so the orders above stay as they were.
            intake = _intake_orders(session, org_id=org.id, now=now)
            templates = _templates(session, org_id=org.id, now=now)
            seed_schedules(session, org_id=org.id, technicians=techs, now=now)
            past = 0
            if history:
                with seq_block(session, numbers_too=True):  # hundreds of rows: no UPDATE each
                    past = seed_history(session, org_id=org.id, technicians=techs, now=now).orders
            return SeedReport(
                created=True,
                users=1 + len(techs),
                orders=orders + intake + past,
                intake=intake,
                templates=templates,
                history=past,
            )
    finally:
        db.dispose()


def _seed_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ordo-demo:{kind}:{key}"))


def _intake_orders(session: Session, *, org_id: str, now: datetime) -> int:
    """Requests and alerts as the intake API takes them in: new, unassigned, recorded by
    their sender's id (an alert again for the same asset adds a note), in the history."""
    for kind, external_id, source, asset, priority, site, customer, title, description, ago in INTAKE:
        made = now - timedelta(minutes=ago)
        spec = OrderSpec(
            title=title,
            kind=Kind.REPAIR,
            priority=Priority(priority),
            description=description,
            customer=dict(CUSTOMERS[customer]) if customer is not None else {"name": "", "contact": None},
            site=dict(SITES[site]),
            asset=asset,
            due_at=default_due(priority=Priority(priority), created_at=made),
            source=Source(kind),
            required_skills=NEEDS.get(title, ()),
        )
        order = create_order(
            session, org_id=org_id, spec=spec, now=made, ids=lambda e=external_id: _seed_id("order", e)
        )
        order.external_id = external_id
        session.add(
            IntakeRecord(
                id=_seed_id("intake", external_id), org_id=org_id, kind=kind, external_id=external_id,
                source=source, order_id=order.id, created_at=to_db(made),
            )
        )  # fmt: skip
        record_server_change(
            session, order=order, type_=MutationType.ORDER_CREATE, summary=CREATED_FROM[kind], now=made
        )
    return len(INTAKE)


def _templates(session: Session, *, org_id: str, now: datetime) -> int:
    for name, kind, archived, items in TEMPLATES:
        session.add(
            ChecklistTemplate(
                id=_seed_id("template", name),
                org_id=org_id,
                name=name,
                kind=kind.value,
                items=[
                    {
                        "position": position,
                        "label": label,
                        "kind": ck.value,
                        "required": required,
                        "unit": unit,
                        "min": low,
                        "max": high,
                    }
                    for position, (label, ck, required, unit, low, high) in enumerate(items, start=1)
                ],
                archived=archived,
                updated_at=to_db(now),
                updated_by=None,
                seq=next_seq(session),
            )
        )
    session.flush()
    return len(TEMPLATES)
