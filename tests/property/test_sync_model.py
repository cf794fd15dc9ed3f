"""Issue 3's stateful test: one server, three technicians and a dispatcher, each on a real
client, making random edits, transitions, appends (photos with their bytes too: see
photos.py), reassignments and resolutions (two people deciding one conflict at once too:
races.py) while the network drops, duplicates, delays and reorders requests and devices
crash and reopen.

After every step: no acknowledged mutation is lost, a replayed push changes nothing,
cursors and last_mid only move forward, no order is in an illegal state. At the end, with
faults off and queues drained, every device equals the server for its scope, and a fresh
device pulling from zero equals it too.

Seeded and replayable: `derandomize=True` makes each run draw the same examples, and all
randomness (faults included) comes from Hypothesis' draws. A failure prints the steps and
a `@reproduce_failure` blob. The quick profile runs by default; the CI one is `slow`.
`scripts/test.sh --explore` runs the CI profile from a fresh seed, printed first
(ORDO_EXPLORE_SEED, tests/fuzzkit.py); the same seed replays the same run.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import uuid
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from fuzzkit import explore_seed, exploring
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from servicekit import conflicts_of, update_fields
from sqlalchemy import select

from app.domain import Status
from app.domain.states import TRANSITIONS
from app.services.types import InvalidInput
from app.store import models as local
from app.sync import Offline, ServerUnavailable

from .faults import FAULTS, DeviceCrash
from .photos import PhotoRules
from .races import RaceRules
from .world import SKUS, TECHS, USERS, Device, World, device_view

SEEN: Counter[str] = Counter()  # what the examples exercised, summed over a run
FINAL = {"applied", "merged", "conflict", "rejected"}
# What a bad network does to a sync. Not ProtocolError: a server refusing (4xx) what the
# client sent, or answering what the client cannot read, is a bug even on a bad network.
SYNC_ERRORS = (Offline, ServerUnavailable)
_BASE = Path(tempfile.mkdtemp(prefix="ordo-sync-model-"))
atexit.register(shutil.rmtree, _BASE, True)

devices = st.integers(0, len(USERS) - 1)
picks = st.integers(0, 50)  # an index into whatever is on the device, taken modulo its length


def _reachable(frm: Status) -> set[Status]:
    seen, todo = {frm}, deque([frm])
    while todo:
        for nxt in TRANSITIONS[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


REACHABLE = {s: _reachable(s) for s in Status}


class SyncModel(PhotoRules, RaceRules, RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World.build(_BASE / uuid.uuid4().hex[:12], _BASE)
        for n, name in enumerate(USERS):
            self.world.add_device(name, seed=n)
        for device in self.world.devices:
            device.ordo.sync_blocking()
        self.sent: dict[tuple[str, int], tuple[str, str]] = {}  # every mutation ever queued
        self.marks: dict[str, tuple[int, ...]] = {}  # device -> its forward-only counters
        self.server_mids: dict[str, int] = {}
        self.seq = self.world.seq_counter()
        self.statuses = {o.id: Status(o.status) for o in self.world.orders()}
        self.events = set()

    # --- helpers --------------------------------------------------------------

    def dev(self, n: int) -> Device:
        return self.world.devices[n]

    def _orders(self, device: Device) -> list[local.Order]:
        with device.store.read() as s:
            return list(
                s.scalars(select(local.Order).where(~local.Order.out_of_scope).order_by(local.Order.number))
            )

    def _order(self, device: Device, pick: int) -> local.Order | None:
        orders = self._orders(device)
        return orders[pick % len(orders)] if orders else None

    def _write(self, device: Device, call: Any, *args: Any, **kw: Any) -> None:
        """A user action; the device refusing it (the UI would not offer it) is fine.
        What it queued is noted at once: it may be pushed and dropped within this step."""
        with contextlib.suppress(InvalidInput):
            call(*args, **kw)
        self._note_queued(device.state())

    def _note_queued(self, state: dict[str, Any]) -> None:
        for mid, what in state["queued"].items():
            key = (state["device_id"], mid)
            assert self.sent.setdefault(key, what) == what, f"mid {mid} reused for another mutation"

    # --- writes ---------------------------------------------------------------

    @rule(n=devices, pick=picks, to=picks)
    def transition(self, n: int, pick: int, to: int) -> None:
        device = self.dev(n)
        order = self._order(device, pick)
        if order is None:
            return
        detail = device.ordo.get_order(uuid.UUID(order.id))
        if detail is None or not detail.next_statuses:
            return
        target = detail.next_statuses[to % len(detail.next_statuses)]
        reason = "waiting for parts" if target in (Status.ON_HOLD, Status.CANNOT_COMPLETE) else None
        self._write(device, device.ordo.transition, detail.summary.id, target, reason=reason)

    @rule(n=st.integers(0, len(TECHS) - 1), pick=picks, item=picks, done=st.booleans(), value=picks)
    def tick(self, n: int, pick: int, item: int, done: bool, value: int) -> None:
        device = self.dev(n)
        order = self._order(device, pick)
        detail = order and device.ordo.get_order(uuid.UUID(order.id))
        if not detail or not detail.checklist:
            return
        it = detail.checklist[item % len(detail.checklist)]
        v = {"check": None, "number": 1.0 + (value % 3) * 0.5, "text": f"seen {value % 3}"}.get(it.kind)
        self._write(device, device.ordo.set_checklist, detail.summary.id, it.id, value=v, done=done)

    @rule(n=devices, pick=picks)
    def note(self, n: int, pick: int) -> None:
        device = self.dev(n)
        order = self._order(device, pick)
        if order is not None:
            self._write(
                device, device.ordo.add_note, uuid.UUID(order.id), f"note {pick} by {device.username}"
            )

    @rule(n=st.integers(0, len(TECHS) - 1), pick=picks, back=st.integers(1, 300), length=st.integers(1, 90))
    def log_time(self, n: int, pick: int, back: int, length: int) -> None:
        device = self.dev(n)
        order = self._order(device, pick)
        if order is None:
            return
        end = self.world.clock() - timedelta(minutes=back)
        kind = ("travel", "work", "break")[back % 3]
        start = end - timedelta(minutes=length)
        self._write(
            device, device.ordo.log_time, uuid.UUID(order.id), kind=kind, started_at=start, ended_at=end
        )

    @rule(n=st.integers(0, len(TECHS) - 1), pick=picks, sku=st.sampled_from(SKUS), qty=st.integers(1, 5))
    def use_part(self, n: int, pick: int, sku: str, qty: int) -> None:
        device = self.dev(n)
        order = self._order(device, pick)
        if order is not None:
            self._write(device, device.ordo.use_part, uuid.UUID(order.id), sku=sku, quantity=qty)

    @rule(pick=picks, who=st.integers(0, len(TECHS)))
    def reassign(self, pick: int, who: int) -> None:
        device = self.dev(len(TECHS))
        order = self._order(device, pick)
        if order is not None:
            assignee = None if who == len(TECHS) else self.world.users[TECHS[who]]
            self._write(device, update_fields, device.ordo, uuid.UUID(order.id), {"assignee_id": assignee})

    @rule(pick=picks, title=st.integers(0, 3), priority=st.sampled_from(["low", "normal", "high"]))
    def edit(self, pick: int, title: int, priority: str) -> None:
        device = self.dev(len(TECHS))
        order = self._order(device, pick)
        if order is not None:
            fields = {"title": f"Title {title}", "priority": priority}
            self._write(device, update_fields, device.ordo, uuid.UUID(order.id), fields)

    @rule(n=devices, pick=picks, choice=st.sampled_from(["mine", "theirs"]))
    def resolve(self, n: int, pick: int, choice: str) -> None:
        device = self.dev(n)
        open_ones = [
            (order.id, c) for order in self._orders(device)
            for c in conflicts_of(device.ordo, uuid.UUID(order.id))
            if c.status == "open" and c.may_resolve and not c.pending
        ]  # fmt: skip
        if open_ones:
            _, conflict = open_ones[pick % len(open_ones)]
            self._write(device, device.ordo.resolve_conflict, conflict.id, choice=choice)

    # --- the network and the devices -----------------------------------------

    @rule(
        n=devices, rate=st.sampled_from([0.0, 0.2, 0.5]), seed=st.integers(0, 2**16), meanwhile=st.booleans()
    )
    def sync(self, n: int, rate: float, seed: int, meanwhile: bool = False) -> None:
        device = self.dev(n)
        device.transport.rng.seed(seed)
        device.transport.rate = rate
        if meanwhile:
            device.transport.meanwhile = lambda: self.note(n, seed)
        try:
            device.ordo.sync_blocking()
        except SYNC_ERRORS:
            pass  # the worker would back off and try again; the next sync rule is that
        except DeviceCrash:
            device.crash()
        finally:
            device.transport.rate = 0.0
            device.transport.meanwhile = None

    # Syncing is what meets the faults: a second rule doubles its share of the steps.
    @rule(n=devices, rate=st.sampled_from([0.3, 0.6]), seed=st.integers(0, 2**16))
    def sync_on_a_bad_network(self, n: int, rate: float, seed: int) -> None:
        self.sync(n, rate, seed)

    @rule(n=devices)
    def crash(self, n: int) -> None:
        self.dev(n).crash()

    @precondition(lambda self: any(d.transport.held for d in self.world.devices))
    @rule(n=devices, how_many=st.integers(1, 3))
    def release_held(self, n: int, how_many: int) -> None:
        self.dev(n).transport.release(how_many)

    @rule()
    def tick_clock(self) -> None:
        self.world.clock.now += timedelta(minutes=7)

    # --- invariants -----------------------------------------------------------

    @invariant()
    def nothing_acknowledged_is_lost(self) -> None:
        server_mids = self.world.server_last_mids()
        ledger = self.world.ledger()
        states = [d.state() for d in self.world.devices]
        for state in states:
            self._note_queued(state)
        queued = {(st_["device_id"], mid) for st_ in states for mid in st_["queued"]}
        for (device_id, mid), (type_, entity_id) in self.sent.items():
            held = server_mids.get(device_id, 0) >= mid
            if (device_id, mid) in queued and not held:
                continue  # not acknowledged yet, still queued: fine
            assert (device_id, mid) in ledger, f"mutation {mid} ({type_}) of {device_id} is lost"
            status, ledger_type, ledger_entity = ledger[(device_id, mid)]
            assert status in FINAL and (ledger_type, ledger_entity) == (type_, entity_id)

    @invariant()
    def replays_change_nothing(self) -> None:
        server_mids = self.world.server_last_mids()
        for device in self.world.devices:
            push = device.transport.last_push
            if push is None or push.replayed:
                continue
            push.replayed = True
            device_id = device.state()["device_id"]
            if max(push.mids) > server_mids.get(device_id, 0) or len(push.results) != len(push.mids):
                continue  # only a push the server took whole is a pure replay
            before = self.world.seq_counter()
            again = device.transport.replay(push)
            assert again == push.results, f"a replay of {push.mids} answered differently"
            assert self.world.seq_counter() == before, "a replayed push changed the server"

    @invariant()
    def counters_only_move_forward(self) -> None:
        for device in self.world.devices:
            st_ = device.state()
            # The cursor is opaque to the client; high_seq is the seq it stands for (the highest
            # change taken in order), stored with it in the same transaction.
            mark = (st_["high_seq"], st_["last_mid"], st_["acked_mid"])
            old = self.marks.get(st_["device_id"], (0, 0, 0))
            assert all(new >= was for new, was in zip(mark, old, strict=True)), (
                f"{device.username}: {old} -> {mark}"
            )
            self.marks[st_["device_id"]] = mark
        for device_id, mid in self.world.server_last_mids().items():
            assert mid >= self.server_mids.get(device_id, 0), "the server's last_mid moved back"
            self.server_mids[device_id] = mid
        seq = self.world.seq_counter()
        assert seq >= self.seq
        self.seq = seq

    @invariant()
    def orders_are_legal(self) -> None:
        missing = self.world.required_open()
        for order in self.world.orders():
            status = Status(order.status)
            was = self.statuses.get(order.id, status)
            assert status in REACHABLE[was], f"{order.title}: {was} -> {status} is not reachable"
            self.statuses[order.id] = status
            if status is Status.COMPLETED:
                assert not missing.get(order.id), f"{order.title} completed with {missing[order.id]} open"
            if status is Status.NEW:
                assert order.assignee_id is None, f"{order.title} is new but assigned"
            elif status in (Status.ASSIGNED, Status.EN_ROUTE, Status.IN_PROGRESS, Status.ON_HOLD):
                assert order.assignee_id is not None, f"{order.title} is {status} with nobody on it"

    # --- the end --------------------------------------------------------------

    def converge(self) -> None:
        """Faults off, held requests delivered, every queue drained; then all must agree."""
        for device in self.world.devices:
            device.transport.rate = 0.0
            device.transport.release(len(device.transport.held))
        for _ in range(8):
            for device in self.world.devices:
                device.ordo.sync_blocking()
            if not any(d.state()["queued"] for d in self.world.devices):
                break
        for device in self.world.devices:  # one more round, so everyone sees the last pushes
            device.ordo.sync_blocking()
        for device in self.world.devices:
            assert not device.state()["queued"], f"{device.username} could not drain its queue"
            assert device_view(device) == self.world.server_view(device.username), device.username
        if self.blobs_converged():
            SEEN["photos"] += 1
        self._tell()
        for n, name in enumerate(USERS):
            fresh = self.world.add_device(name, seed=100 + n)
            fresh.ordo.sync_blocking()
            assert device_view(fresh) == self.world.server_view(name), f"a fresh {name} device"

    def _tell(self) -> None:
        """Count what this example exercised: a run that never met a fault proves little."""
        for status in sorted({status for status, _, _ in self.world.ledger().values()}):
            SEEN[status] += 1
        for device in self.world.devices:
            for fault, times in device.transport.seen.items():
                if times:
                    SEEN[fault] += 1
            if device.crashes:
                SEEN["crash"] += 1
        for event in self.events:
            SEEN[event] += 1
        SEEN["examples"] += 1
        SEEN["mutations"] += len(self.sent)

    def teardown(self) -> None:
        try:
            self.converge()
        finally:
            self.world.close()
            shutil.rmtree(self.world.folder, ignore_errors=True)


COMMON = {
    "derandomize": True,
    "deadline": None,
    "print_blob": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
QUICK = settings(max_examples=10, stateful_step_count=30, **COMMON)
CI = settings(max_examples=250, stateful_step_count=25, **COMMON)


def _run(profile: settings, *, must: tuple[str, ...], explore: bool = False) -> None:
    SEEN.clear()
    seed = explore_seed() if explore else None
    if seed is None:
        run_state_machine_as_test(SyncModel, settings=profile)
    else:
        # The machine's test, drawn from the seed (run_state_machine_as_test takes none).
        hypothesis.seed(seed)(get_state_machine_test(SyncModel, settings=exploring(profile)))()
    print(dict(SEEN))  # shown with -s: the figures of the run
    # What `must` names has to have happened somewhere, or the run proved little.
    missing = [k for k in must if not SEEN[k]]
    assert not missing, f"the run never exercised {missing}: {dict(SEEN)}"


def test_sync_model_quick() -> None:
    _run(QUICK, must=(*FAULTS, "applied", "conflict", "photos"))


@pytest.mark.slow
@pytest.mark.timeout(1800)  # about 6 minutes alone; far more while other suites share the cores
def test_sync_model_ci() -> None:
    # Not "merged": a stale `from` that is still legal needs a rare interleaving (about one
    # example in 150), so requiring it would make the check depend on the draw, not the code.
    # The one that explores under `scripts/test.sh --explore` (the quick one stays fixed:
    # ten examples from a random seed need not meet every fault `must` names).
    must = (*FAULTS, "applied", "conflict", "rejected", "photos", "partial_upload", "settled_twice")
    _run(CI, must=must, explore=True)
