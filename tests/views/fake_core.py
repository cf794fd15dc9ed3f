"""The state and the rulebook of the views' test double: who is asking, what they may do,
what they read. The writes are in `fake_services.FakeServices`."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from app.domain import ChecklistState, Status, completion_blockers
from app.domain import rules as R
from app.domain.codes import Code, plain
from app.domain.my_day import plan_day
from app.domain.protocol import MutationType
from app.services.types import (
    CurrentUser,
    InvalidInput,
    Offers,
    OrderDetail,
    OrderGroups,
    OrderId,
    RefusalView,
    ServiceError,
    SignInError,
    SyncState,
    SyncStatus,
)
from app.services.waiting import Waiting, WaitingOrder

from .fake_seed import SPECS, Person, Spec, new_order, people

# Reassigning away from someone who has set off or started asks first (design.md).
STARTED: frozenset[Status] = frozenset({Status.EN_ROUTE, Status.IN_PROGRESS, Status.ON_HOLD})
# Who starts follow-up work from an order: its technician (or the creator of a follow-up not
# assigned yet) or a dispatcher, as the real services (app.services.dispatch) allow.
FOLLOW_UP: frozenset[R.Relation] = frozenset({R.Relation.ASSIGNEE, R.Relation.CREATOR, R.Relation.DISPATCH})


def refused(verdict: R.Verdict, fallback: str) -> InvalidInput:
    """The plain sentence of the verdict's code, as the real services word a refusal."""
    return InvalidInput(plain(verdict.code) if verdict.code else fallback)


class FakeCore:
    def __init__(
        self,
        *,
        fail_sign_in: str | None = None,
        incoming: Path | None = None,
        user: str | None = None,
        specs: Sequence[Spec] = SPECS,  # the orders it starts with (tests/contract adds states)
    ) -> None:
        now = datetime.now(UTC)
        self._lock = threading.RLock()
        self.notice: str | None = None  # what sign_in_notice() says
        self._incoming = incoming or Path(tempfile.mkdtemp(prefix="ordo-incoming-"))
        self._blobs: dict[str, bytes] = {}  # sha256 -> full image, as this "device" holds it
        self.offline_blobs = False  # True: photo_bytes fails as it does offline for a missing blob
        self._listeners: list[Callable[[], None]] = []
        self._people = {p.username: p for p in people()}
        self._user: CurrentUser | None = None
        self._waiting = 0
        self._fail = fail_sign_in
        self.online = False  # True: the bar says synced (with refusals: "N changes refused")
        self._refusals: list[RefusalView] = []  # oldest first
        self._past: dict[OrderId, set[uuid.UUID]] = {}  # former assignees
        self._created_by: dict[OrderId, uuid.UUID] = {}
        self._orders: dict[OrderId, OrderDetail] = {}
        for n, spec in enumerate(specs, start=1):
            assignee = self._people[spec.assignee] if spec.assignee else None
            d = new_order(
                n,
                title=spec.title,
                priority=spec.priority,
                due=spec.due,
                status=spec.status,
                now=now,
                spec=spec,
                assignee=assignee,
            )
            self._orders[d.summary.id] = d
        if user is not None:
            self._user = self._current(self._people[user])

    # --- who is asking, and what the rulebook lets them do -------------------------

    def _current(self, person: Person) -> CurrentUser:
        return CurrentUser(
            id=person.id,
            username=person.username,
            display_name=person.display_name,
            role=person.role.value,
            server_url="http://127.0.0.1:8000",
        )

    def _me(self) -> CurrentUser:
        if self._user is None:
            raise ServiceError("Sign in first.")
        return self._user

    def _relation(self, d: OrderDetail) -> R.Relation:
        me = self._me()
        return R.relation_of(
            role=me.role,
            user_id=str(me.id),
            same_org=True,
            assignee_id=str(d.assignee_id) if d.assignee_id else None,
            past_assignees=[str(p) for p in self._past.get(d.summary.id, ())],
            created_by=str(self._created_by[d.summary.id]) if d.summary.id in self._created_by else None,
        )

    def _visible(self, d: OrderDetail) -> bool:
        """A technician's device holds their orders (and ones they had or made); a dispatcher's all."""
        return self._relation(d) is not R.Relation.OTHER_TECHNICIAN

    def _offers(self, d: OrderDetail, relation: R.Relation) -> Offers:
        status = d.summary.status
        evidence = {t: R.judge_evidence(t, relation=relation).allowed for t in R.EVIDENCE_TYPES}
        assign = relation is R.Relation.DISPATCH and R.judge_assign(status=status, assignee_id="x").allowed
        return Offers(
            checklist=R.checklist_editable(relation=relation, status=status),
            note=evidence[MutationType.NOTE_ADD],
            photo=evidence[MutationType.PHOTO_ADD],
            # Evidence is append-only in every state (rules.judge_evidence): a signature too.
            signature=evidence[MutationType.SIGNATURE_ADD],
            time_and_parts=evidence[MutationType.TIME_ADD] and evidence[MutationType.PART_USE],
            assign=assign,
            # A new unassigned order (rules.judge_create), from an order this device holds.
            follow_up=relation in FOLLOW_UP and R.judge_create(role=self._me().role, assigned=False).allowed,
            reassign_needs_confirmation=assign and d.assignee_id is not None and status in STARTED,
        )

    def _blockers(self, d: OrderDetail) -> list[str]:
        return completion_blockers(
            checklist=[ChecklistState(label=i.label, required=i.required, done=i.done) for i in d.checklist],
            requires_signature=d.requires_signature,
            has_signature=bool(d.signatures),
        )

    def _fresh(self, d: OrderDetail) -> OrderDetail:
        relation = self._relation(d)
        items = [
            dataclasses.replace(
                i, out_of_range=R.out_of_range(kind=i.kind, value=i.value, low=i.min, high=i.max)
            )
            for i in d.checklist
        ]
        gates = R.Gates(has_assignee=d.assignee_id is not None)
        role = self._me().role
        return dataclasses.replace(
            d,
            summary=dataclasses.replace(d.summary, assignee_name=d.assignee_name),
            checklist=items,
            next_statuses=R.offered_moves(
                role=role, relation=relation, current=d.summary.status, gates=gates
            ),
            blockers=self._blockers(d),
            offers=self._offers(d, relation),
            out_of_range=[i.label for i in items if i.out_of_range],
            refusals=[r for r in reversed(self._refusals) if r.order_id == d.summary.id],
        )

    def _notify(self) -> None:
        for cb in list(self._listeners):
            cb()

    # --- session ---------------------------------------------------------------------

    def current_user(self) -> CurrentUser | None:
        return self._user

    def default_server_url(self) -> str:
        return "http://127.0.0.1:8000"

    def sign_in_notice(self) -> str | None:
        return self.notice

    def sign_in(
        self, *, server_url: str, username: str, password: str, allow_insecure: bool = False
    ) -> CurrentUser:
        if self._fail:
            raise SignInError(self._fail)
        person = self._people.get(username.strip())
        if person is None or password != person.password:
            raise SignInError("Wrong username or password.")
        self._user = dataclasses.replace(self._current(person), server_url=server_url)
        self._notify()
        return self._user

    def sign_out(self) -> None:
        self._user = None
        self._notify()

    # --- reading ---------------------------------------------------------------------

    def list_orders(self) -> OrderGroups:
        # The same rules as the facade (app.domain.my_day): a finished order is never "today".
        now = datetime.now().astimezone()
        shown = [self._fresh(d).summary for d in self._orders.values() if self._visible(d)]
        return OrderGroups.of(plan_day(shown, now=now))

    def get_order(self, order_id: OrderId) -> OrderDetail | None:
        d = self._orders.get(order_id)
        return self._fresh(d) if d and self._visible(d) else None

    def get_order_by_number(self, number: str) -> OrderDetail | None:
        for d in self._orders.values():
            if d.summary.number == number:
                return self._fresh(d) if self._visible(d) else None
        return None

    def _order(self, order_id: OrderId) -> OrderDetail:
        d = self._orders.get(order_id)
        if d is None or not self._visible(d):
            raise InvalidInput("This order is not on this device.")
        return d

    def _write(self, order_id: OrderId, change: Callable[[OrderDetail], OrderDetail]) -> OrderDetail:
        with self._lock:
            d = change(self._orders[order_id])
            d = dataclasses.replace(d, summary=dataclasses.replace(d.summary, pending=True))
            self._orders[order_id] = d
            self._waiting += 1
        self._notify()
        return self._fresh(d)

    def _evidence(self, order_id: OrderId, kind: MutationType) -> None:
        verdict = R.judge_evidence(kind, relation=self._relation(self._order(order_id)))
        if not verdict.allowed:
            raise refused(verdict, "You may not add this here.")

    # --- refusals: what the server would report; `refuse` stands in for a sync --------------

    def refuse(self, order_id: OrderId, *, what: str, code: Code, kept: str) -> RefusalView:
        d = self._orders[order_id]
        refusal = RefusalView(
            id=max((r.id for r in self._refusals), default=0) + 1,
            order_id=order_id,
            order_number=d.summary.number,
            what=what,
            sentence=plain(code),
            kept=kept,
            at=datetime.now(UTC),
        )
        self._refusals.append(refusal)
        self._notify()
        return refusal

    def list_refusals(self) -> list[RefusalView]:
        return list(reversed(self._refusals))

    def dismiss_refusal(self, refusal_id: int) -> None:
        if all(r.id != refusal_id for r in self._refusals):
            raise InvalidInput("This refused change is not on this device.")
        self._refusals = [r for r in self._refusals if r.id != refusal_id]
        self._notify()

    def sync_status(self) -> SyncStatus:
        if self.online:
            return SyncStatus(
                state=SyncState.SYNCED,
                waiting=0,
                last_synced_at=datetime.now(UTC),
                refused=len(self._refusals),
            )
        return SyncStatus(
            state=SyncState.OFFLINE,
            waiting=self._waiting,
            message="server unreachable",
            refused=len(self._refusals),
        )

    def waiting_work(self) -> Waiting:
        # The double keeps no outbox: each order marked pending is one change waiting.
        return Waiting(
            orders=[
                WaitingOrder(
                    order_id=d.summary.id,
                    number=d.summary.number,
                    title=d.summary.title,
                    changes=1,
                    words="1 change",
                )
                for d in self._orders.values()
                if d.summary.pending
            ]
        )

    def sync_now(self) -> None:
        threading.Timer(0.2, self._notify).start()

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)
