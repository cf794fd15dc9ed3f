"""The rulebook, cell by cell, end to end (issue 9, "What must be shown").

For every action × relation × state of the hand-written table in rulebook_cells.py, the
real client services (the `Ordo` facade over a real local store) of a real user are asked
what they offer on the order, the action is made through them where they offer it, and
otherwise sent as a raw push by the same user from a second device; then the server's
ledger says what became of it. A cell passes when the client offers the action exactly
where the table says the server applies it, a conflict is kept as a conflict row, and a
refusal carries the table's code.

A former assignee acts on a stale copy: their device still shows the order as theirs
(it was reassigned since their last pull), so it offers what it offers an assignee; the
server then keeps their evidence and records their moves as conflicts, and the order
leaves their device.

One server process per backend for the whole module; every cell's order is seeded in
the state it needs (rulebook_seed.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pgkit import fresh_database, pg_admin
from PIL import Image

from app.domain import Status
from server_stub.migrate import migrate
from server_stub.seeding.demo import seed_demo
from server_stub.testing import database_url_for, running_server

from .rulebook_cells import APPLY, CELLS, CONFLICT, GATED, Cell, Gate, Rel, status_after, verdict_of
from .rulebook_matrix_run import Matrix
from .rulebook_raw import Observation
from .rulebook_seed import reassign_away, seed_world

pytestmark = pytest.mark.slow


def _now() -> datetime:
    return datetime.now(UTC)


def _photo(path: Path) -> Path:
    Image.new("RGB", (64, 48), (200, 80, 40)).save(path, "JPEG")
    return path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    tmp = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        yield from _run(tmp, database_url_for(tmp / "server"))
        return
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)  # CI fails loudly when PostgreSQL cannot be reached
    with fresh_database(dsn=dsn, user=user, prefix="ordo_matrix_") as url:
        yield from _run(tmp, url)


def _run(tmp: Path, url: str) -> Iterator[Matrix]:
    (tmp / "server").mkdir(parents=True, exist_ok=True)
    migrate(url)
    seed_demo(database_url=url, now=_now())
    world = seed_world(database_url=url, now=_now(), cells=CELLS)
    with running_server(data_dir=tmp / "server", seed_demo=False, database_url=url) as server:
        m = Matrix(server=server, world=world, tmp=tmp, photo=_photo(tmp / "photo.jpg"), clock=_now)
        try:
            m.sign_in_everyone()
            stale = [*world.stale.values(), *world.stale_moves.values()]
            reassign_away(database_url=url, world=world, order_ids=stale, now=_now())
            for cell in CELLS:
                m.run(cell)
            for gate in GATED:
                m.run_gate(gate)
            m.settle()
            yield m
        finally:
            m.close()


def expected_offer(cell: Cell) -> bool | None:
    """Whether the client should offer the cell's action (None: no client action exists)."""
    if cell.action == "create_assigned":
        return None  # the client has no form for a new assigned order: a raw push only
    if cell.rel is Rel.FORMER:
        if cell.state is Status.NEW:
            # Unassigned since: the order left their device, which offers nothing on it (what
            # they queued before still lands: that is the server's half of these cells).
            return False
        # The stale copy still says "yours": it offers what an assignee is offered.
        assert cell.state is not None
        return verdict_of(cell.action, cell.state, Rel.ASSIGNEE, cell.to) == APPLY
    return cell.expect == APPLY


def _problems(cell: Cell, seen: Observation, *, conflict_rows: set[str]) -> list[str]:
    problems: list[str] = []
    want = expected_offer(cell)
    if want is not None and seen.offered is not want:
        how = f" (service said: {seen.note})" if seen.note else ""
        problems.append(f"client {'offers' if seen.offered else 'does not offer'} it, table: {want}{how}")
    if seen.shown is not None and seen.call_ok is not None and seen.shown is not seen.call_ok:
        problems.append(
            f"client disagrees with itself: control shown={seen.shown} but the service call "
            f"{'succeeded' if seen.call_ok else 'was refused: ' + seen.note}"
        )
    if seen.queued_on_refusal:
        problems.append("the client refused the action but queued a mutation")
    got = seen.server_text()
    if cell.expect == APPLY:
        ok = seen.status in ("applied", "merged")
    elif cell.expect == CONFLICT:
        ok = seen.status == "conflict" and bool(seen.conflict_ids) and set(seen.conflict_ids) <= conflict_rows
    else:
        ok = seen.status == "rejected" and seen.code == cell.expect
    if not ok:
        problems.append(f"server: {got}, table: {cell.expect} (sent by {seen.sent_by})")
    after = status_after(cell)
    if after is not None and ok:
        if seen.server_status != after.value:
            problems.append(f"the server holds the order {seen.server_status}, table: {after}")
        if seen.local_status != after.value:
            problems.append(f"the client showed the order {seen.local_status} before syncing, table: {after}")
    return problems


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(matrix: Matrix, cell: Cell) -> None:
    problems = _problems(cell, matrix.seen[cell.id], conflict_rows=matrix.conflict_rows)
    assert not problems, f"{cell.id}: " + "; ".join(problems)


@pytest.mark.parametrize("gate", GATED, ids=[g.name for g in GATED])
def test_gated_move(matrix: Matrix, gate: Gate) -> None:
    """Shown (the user expects it there), refused by the service without what it needs,
    nothing queued, and refused by the server with the table's code."""
    seen = matrix.gated[gate.name]
    problems = []
    if seen.shown is not True:
        problems.append(f"{gate.to} not among the offered moves")
    if seen.call_ok is not False or seen.queued_on_refusal:
        problems.append(
            f"the service did not refuse it (call_ok={seen.call_ok}, queued={seen.queued_on_refusal})"
        )
    if seen.note.startswith(("client error", "no blocker")):
        problems.append(seen.note)
    if (seen.status, seen.code) != ("rejected", gate.code):
        problems.append(f"server: {seen.server_text()}, table: {gate.code}")
    assert not problems, f"{gate.name}: " + "; ".join(problems)


def test_the_former_assignees_device_lets_go_of_reassigned_orders(matrix: Matrix) -> None:
    still = matrix.stale_still_shown
    assert still == [], f"{len(still)} reassigned orders still on the former assignee's device"


def test_the_desk_sees_and_may_decide_the_former_assignees_moves(matrix: Matrix) -> None:
    missing = matrix.desk_misses
    assert missing == [], f"{len(missing)} orders without an open status conflict the dispatcher may resolve"


def test_the_table_covers_every_named_action(matrix: Matrix) -> None:
    actions = {c.action for c in CELLS}
    assert {"move", "note", "photo", "time", "part", "signature", "checklist", "edit"} <= actions
    assert {"assign", "unassign", "void_own", "void_other", "create_follow_up", "create_assigned"} <= actions
    assert {c.action for c in CELLS if c.action.startswith("resolve_")} == {
        "resolve_value",
        "resolve_overlap",
        "resolve_status",
        "resolve_field",
    }
    moves = {(c.state, c.to) for c in CELLS if c.action == "move"}
    assert len(moves) == 21 + 51  # the state table's moves and every move it does not name
    assert len(matrix.seen) == len(CELLS)
