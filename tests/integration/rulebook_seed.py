"""The orders the rulebook matrix acts on, written straight into the server's database
before the server starts (and one reassignment while it runs), so each cell finds its
order in the state and with the people it needs without a long chain of pushes.

Per state S:
  shared[S]      assignee tech1 (a new one: none, made by tech4 as follow-up work, and
                 once held by tech2); every cell that changes neither status nor assignee
  stale[S]       held by tech2 until `reassign_away` hands it to tech1 behind tech2's back:
                 tech2's device still shows it as theirs (the former assignee worked offline)
  stale_moves    one such order per field move a former assignee makes from a stale copy
  fresh[cell]    one order per cell that moves the order or changes its assignee
Each shared and stale order has one checklist item per relation, a note of each author
a cell voids, and one open conflict per (relation, kind) a cell resolves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ChecklistKind, Role, Status
from server_stub.db import next_seq, open_database
from server_stub.models import ChecklistItem, Conflict, Note, Organisation, ScopeExit, User, WorkOrder
from server_stub.seeding.demo import DEMO_ORG, DISPATCHER, TECH_PASSWORD
from server_stub.seeding.records import ItemSpec, OrderSpec, create_order, create_user
from server_stub.timeutil import to_db

from .rulebook_cells import APPLY, CONFLICT, Cell, Gate, Rel

ADMIN = ("matrix-admin", "matrix-admin-pass", "Ada Admin")
USERNAMES: dict[Rel, str] = {
    Rel.ASSIGNEE: "tech1",
    Rel.FORMER: "tech2",
    Rel.OTHER: "tech3",
    Rel.CREATOR: "tech4",
    Rel.DISPATCHER: DISPATCHER[0],
    Rel.ADMIN: ADMIN[0],
}
PASSWORDS: dict[str, str] = {
    **{f"tech{n}": TECH_PASSWORD for n in range(1, 6)},
    DISPATCHER[0]: DISPATCHER[1],
    ADMIN[0]: ADMIN[1],
}
NEW_ASSIGNEE = "tech5"  # whom `assign` cells choose
CONFLICT_KINDS: dict[str, tuple[str, str]] = {  # resolve cell -> (entity, field) of the row
    "resolve_value": ("checklist_item", "value"),
    "resolve_overlap": ("time_log", "overlap"),
    "resolve_status": ("work_order", "status"),
    "resolve_field": ("work_order", "title"),
}
CHANGES_HANDS = frozenset({"move", "assign", "unassign"})


@dataclass
class World:
    users: dict[str, str]  # username -> id
    shared: dict[Status, str] = field(default_factory=dict)
    stale: dict[Status, str] = field(default_factory=dict)
    stale_moves: dict[tuple[Status, Status], str] = field(default_factory=dict)
    fresh: dict[str, str] = field(default_factory=dict)  # cell id -> order id
    items: dict[tuple[str, Rel], str] = field(default_factory=dict)  # (order, rel) -> item id
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # (order, key) -> note id
    conflicts: dict[tuple[str, Rel, str], str] = field(default_factory=dict)  # (order, rel, kind)
    blocked: str = ""  # in progress, a required item open: Complete is blocked
    unsigned: str = ""  # in progress, requires a signature and has none
    creator_source: str = ""  # tech4's own assigned order, whence their follow-up

    def uid(self, rel: Rel) -> str:
        return self.users[USERNAMES[rel]]

    def order_for_gate(self, gate: Gate) -> str:
        return {"required": self.blocked, "signature": self.unsigned}.get(gate.needs, self.shared[gate.state])

    def order_for(self, cell: Cell) -> str | None:
        """The order a cell acts on (None: order.create makes a new one)."""
        if cell.action == "create_assigned":
            return None
        if cell.action == "create_follow_up":
            return self.creator_source if cell.rel is Rel.CREATOR else self.shared[Status.IN_PROGRESS]
        assert cell.state is not None
        if cell.rel is Rel.FORMER and cell.state is not Status.NEW:
            if cell.action == "move" and cell.expect == CONFLICT:
                assert cell.to is not None
                return self.stale_moves[(cell.state, cell.to)]
            return self.stale[cell.state]
        if cell.action in CHANGES_HANDS and cell.expect == APPLY:
            return self.fresh[cell.id]
        return self.shared[cell.state]


def seed_world(*, database_url: str, now: datetime, cells: list[Cell]) -> World:
    db = open_database(database_url)
    try:
        with db.write() as session, session.begin():
            org = session.execute(select(Organisation).where(Organisation.name == DEMO_ORG)).scalar_one()
            name, password, display = ADMIN
            create_user(
                session,
                org_id=org.id,
                username=name,
                password=password,
                role=Role.ADMIN,
                display_name=display,
            )
            users = {u.username: u.id for u in session.execute(select(User)).scalars()}
            world = World(users=users)
            _Seeder(session=session, org_id=org.id, now=now, world=world).run(cells)
            return world
    finally:
        db.dispose()


@dataclass
class _Seeder:
    session: Session
    org_id: str
    now: datetime
    world: World

    def order(
        self,
        label: str,
        *,
        status: Status,
        assignee: Rel | None,
        past: list[Rel],
        created_by: Rel | None = None,
        items: list[ItemSpec] | None = None,
        requires_signature: bool = False,
    ) -> str:
        w = self.world
        spec = OrderSpec(
            title=f"Matrix: {label}",
            status=status,
            assignee_id=w.uid(assignee) if assignee else None,
            site={"name": "Matrix site", "address": "1 Rule St", "lat": None, "lon": None},
            customer={"name": "Matrix customer", "contact": ""},
            due_at=self.now,
            checklist=items or [],
            requires_signature=requires_signature,
        )
        order = create_order(self.session, org_id=self.org_id, spec=spec, now=self.now)
        order.past_assignees = [w.uid(r) for r in past]
        order.created_by = w.uid(created_by) if created_by else None
        self.session.flush()
        return order.id

    def furnish(self, order_id: str, *, losers: dict[Rel, Rel], notes: dict[str, Rel]) -> None:
        """An item per relation, the notes cells void, the conflicts cells resolve."""
        s = self.session
        w = self.world
        for item in s.execute(select(ChecklistItem).where(ChecklistItem.order_id == order_id)).scalars():
            w.items[(order_id, Rel(item.label.removeprefix("Item ")))] = item.id
        for key, author in notes.items():
            note_id = str(uuid.uuid4())
            s.add(
                Note(
                    id=note_id,
                    order_id=order_id,
                    author_id=w.uid(author),
                    text=f"Matrix note {key}",
                    at=to_db(self.now),
                    voided=False,
                    seq=next_seq(s),
                )
            )
            w.notes[(order_id, key)] = note_id
        for rel, loser in losers.items():
            for kind, (entity, fld) in CONFLICT_KINDS.items():
                entity_id = {
                    "checklist_item": w.items.get((order_id, rel), order_id),
                    "time_log": str(uuid.uuid4()),
                    "work_order": order_id,
                }[entity]
                mine, theirs = {
                    "value": ({"value": None, "done": True}, {"value": None, "done": False}),
                    "overlap": ({"id": entity_id}, []),
                    "status": ("on_hold", "in_progress"),
                    "title": ("Their title", "Kept title"),
                }[fld]
                conflict_id = str(uuid.uuid4())
                s.add(
                    Conflict(
                        id=conflict_id,
                        order_id=order_id,
                        entity=entity,
                        entity_id=entity_id,
                        field=fld,
                        mine=mine,
                        theirs=theirs,
                        mid=0,
                        device_id=str(uuid.uuid4()),
                        user_id=w.uid(loser),
                        status="open",
                        resolution=None,
                        seq=next_seq(s),
                    )
                )
                w.conflicts[(order_id, rel, kind)] = conflict_id
        s.flush()

    def run(self, cells: list[Cell]) -> None:
        w = self.world
        items = [ItemSpec(label=f"Item {r.value}", kind=ChecklistKind.CHECK) for r in Rel]
        A, F, OTHER, C, D, M = (Rel.ASSIGNEE, Rel.FORMER, Rel.OTHER, Rel.CREATOR, Rel.DISPATCHER, Rel.ADMIN)
        for state in Status:
            if state is Status.NEW:
                oid = self.order(
                    "shared new", status=state, assignee=None, past=[F], created_by=C, items=items
                )
                losers = {OTHER: A, D: A, M: A, F: F}
                notes = {"own:F": F, "own:C": C, "other": D, "void:D": A, "void:M": A}
            else:
                oid = self.order(f"shared {state}", status=state, assignee=A, past=[F, A], items=items)
                losers = {A: A, OTHER: A, D: A, M: A}
                notes = {"own:A": A, "other": D, "void:D": A, "void:M": A}
            w.shared[state] = oid
            self.furnish(oid, losers=losers, notes=notes)
            if state is not Status.NEW:
                oid = self.order(f"stale {state}", status=state, assignee=F, past=[F], items=items)
                w.stale[state] = oid
                self.furnish(oid, losers={F: F}, notes={"own:F": F, "other": D})
        for cell in cells:
            assert cell.state is not None or cell.action.startswith("create")
            if cell.rel is F and cell.action == "move" and cell.expect == CONFLICT and cell.state:
                assert cell.to is not None
                w.stale_moves[(cell.state, cell.to)] = self.order(
                    f"stale move {cell.id}", status=cell.state, assignee=F, past=[F]
                )
            elif cell.action in CHANGES_HANDS and cell.expect == APPLY and cell.state is not None:
                new = cell.state is Status.NEW
                w.fresh[cell.id] = self.order(
                    f"fresh {cell.id}",
                    status=cell.state,
                    assignee=None if new else A,
                    past=[] if new else [A],
                )
        w.blocked = self.order(
            "blocked",
            status=Status.IN_PROGRESS,
            assignee=A,
            past=[A],
            items=[ItemSpec(label="Required check", kind=ChecklistKind.CHECK, required=True)],
        )
        w.unsigned = self.order(
            "unsigned", status=Status.IN_PROGRESS, assignee=A, past=[A], requires_signature=True
        )
        w.creator_source = self.order("tech4's own", status=Status.ASSIGNED, assignee=C, past=[C])


def reassign_away(*, database_url: str, world: World, order_ids: list[str], now: datetime) -> None:
    """Hand orders of tech2 to tech1 as a dispatcher's reassignment would (status kept), so
    tech2's device holds stale copies: the next pull takes the orders off it."""
    former, assignee = world.uid(Rel.FORMER), world.uid(Rel.ASSIGNEE)
    db = open_database(database_url)
    try:
        with db.write() as session, session.begin():
            for order_id in order_ids:
                order = session.get(WorkOrder, order_id)
                assert order is not None and order.assignee_id == former
                seq = next_seq(session)
                order.assignee_id = assignee
                order.past_assignees = [former, assignee]
                order.field_seqs = {**(order.field_seqs or {}), "assignee_id": seq}
                order.seq = seq
                session.add(
                    ScopeExit(user_id=former, order_id=order_id, seq=next_seq(session), left_at=to_db(now))
                )
    finally:
        db.dispose()
