"""The order facts the dashboard measures (app.domain.measures), kept by the server:
first_assigned_at set once, reopen_count, and follow_up_of on order.create."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server_stub.clock import FakeClock

from .conftest import World, sign_in
from .kit import codes, move, new_id, pulled, seq_of, signature_args, statuses, update


def test_first_assigned_at_is_set_by_the_first_assignment_and_never_moved(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    disp = sign_in(client, "disp")
    order = world.orders["new"]
    assert pulled(disp, "work_order")[order]["first_assigned_at"] is None
    clock.advance(seconds=300)
    result = disp.push([update(disp, order, seq_of(disp, order), assignee_id=world.users["tech1"])])
    assert statuses(result) == ["applied"]
    row = pulled(disp, "work_order")[order]
    assert row["first_assigned_at"] == "2026-11-25T09:05:00Z" == row["assigned_at"]
    clock.advance(seconds=300)
    disp.push([update(disp, order, seq_of(disp, order), assignee_id=None)])
    assert pulled(disp, "work_order")[order]["status"] == "new"
    clock.advance(seconds=300)
    disp.push([update(disp, order, seq_of(disp, order), assignee_id=world.users["tech2"])])
    row = pulled(disp, "work_order")[order]
    assert (row["assigned_at"], row["first_assigned_at"]) == ("2026-11-25T09:15:00Z", "2026-11-25T09:05:00Z")
    # Made with an assignee: the creation is the first assignment.
    made = new_id()
    disp.push(
        [disp.mutation("order.create", made, {"id": made, "title": "T", "assignee_id": world.users["tech1"]})]
    )
    assert pulled(disp, "work_order")[made]["first_assigned_at"] == "2026-11-25T09:15:00Z"
    # Seeded with an assignee (server_stub.seeding.records): its assigned time.
    assert pulled(disp, "work_order")[world.orders["a"]]["first_assigned_at"] == "2026-11-25T09:00:00Z"


def test_reopen_count_counts_each_completed_to_in_progress_move(client: TestClient, world: World) -> None:
    disp, tech = sign_in(client, "disp"), sign_in(client, "tech1")
    order = world.orders["sig"]
    tech.push([tech.mutation("signature.add", order, signature_args())])
    for n in (1, 2):
        assert statuses(tech.push([move(tech, order, "in_progress", "completed")])) == ["applied"]
        assert pulled(disp, "work_order")[order]["reopen_count"] == n - 1
        assert statuses(disp.push([move(disp, order, "completed", "in_progress")])) == ["applied"]
        assert pulled(disp, "work_order")[order]["reopen_count"] == n
    # Other moves never count.
    tech.push(
        [
            move(tech, order, "in_progress", "on_hold", reason="parts"),
            move(tech, order, "on_hold", "in_progress"),
        ]
    )
    assert pulled(tech, "work_order")[order]["reopen_count"] == 2


def test_follow_up_of_names_an_order_its_creator_sees(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    mine, theirs, unknown = new_id(), new_id(), new_id()

    def follow_up(order_id: str, source: str) -> dict:
        return tech.mutation(
            "order.create", order_id, {"id": order_id, "title": "More work", "follow_up_of": source}
        )

    result = tech.push(
        [
            follow_up(mine, world.orders["a"]),
            follow_up(theirs, world.orders["b"]),  # tech2's order: tech1 does not see it
            follow_up(unknown, new_id()),
        ]
    )
    assert statuses(result) == ["applied", "rejected", "rejected"]
    assert codes(result) == [None, "not_found", "not_found"]
    assert pulled(tech, "work_order")[mine]["follow_up_of"] == world.orders["a"]
    # The same create sent again is the same create (its digest holds follow_up_of).
    assert statuses(tech.push([follow_up(mine, world.orders["a"])])) == ["applied"]
    assert statuses(tech.push([follow_up(mine, world.orders["sig"])])) == ["rejected"]
    outsider = sign_in(client, "outsider")
    other = new_id()
    result = outsider.push(
        [
            outsider.mutation(
                "order.create", other, {"id": other, "title": "X", "follow_up_of": world.orders["a"]}
            )
        ]
    )
    assert codes(result) == ["not_found"]
    disp = sign_in(client, "disp")
    made = new_id()
    result = disp.push(
        [disp.mutation("order.create", made, {"id": made, "title": "Y", "follow_up_of": world.orders["b"]})]
    )
    assert statuses(result) == ["applied"]
    assert pulled(disp, "work_order")[made]["follow_up_of"] == world.orders["b"]
    bad = new_id()
    result = disp.push(
        [disp.mutation("order.create", bad, {"id": bad, "title": "Z", "follow_up_of": "nope"})]
    )
    assert codes(result) == ["invalid_args"]
