"""A client device as its own process, for the crash tests (tests/integration/test_crash.py).

It opens the SQLite file in --data-dir with the real `Ordo` facade, signs in if it must,
then does --rounds rounds of "one local write, one sync", and drains what is left. It
reports on stdout, one JSON object a line, flushed at once (so a parent that kills it
with SIGKILL still reads everything said before the kill):

    {"event": "request", "kind": "push", "k": 2, "mids": [5, 6]}           before sending
    {"event": "request", "kind": "pull", "k": 1, "cursor": null}
    {"event": "response", "kind": "pull", "k": 1, "changes": 500, "orders": 480, ...}
    {"event": "wrote", "mid": 7, "text": "..."}                              a committed write
    {"event": "stopped", "at": "pull:13:commit"}                             then it hangs
    {"event": "done", "last_mid": 9, "cursor": "...", "outbox": 0}

--stop KIND:K:WHEN makes it stop dead at one precise point, print "stopped" and wait
for the parent's SIGKILL:
    push:K:before / pull:K:before   the K-th request of that kind is not sent yet
    push:K:after  / pull:K:after    the server answered (and committed); the engine has not seen it
    push:K:commit / pull:K:commit   inside the transaction that records that answer, before COMMIT
                                    (a pull's K counts pages as the engine takes them in: it asks
                                    for the next page while writing one, so the K-th answer can
                                    come while page K - 1 is being written)
    write:K:commit                  inside the K-th local write's transaction, before COMMIT
    ...:commit+N                    N write transactions after that one commit; stop in the next
                                    (so a step split over two transactions is caught between them)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select

from app.domain import Status
from app.domain.protocol import PullResponse
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
from app.store.models import Order
from app.store.outbox import count, sync_state
from app.sync.engine import SyncEngine

# How long a stopped driver waits for its SIGKILL before giving up on its own, so a
# parent that died first never leaves it hanging around.
ORPHAN_TIMEOUT = 120.0

# The technician's moves the rounds cycle through: legal forever, and none idempotent
# by an id (unlike notes), so a mutation applied twice would show on the server.
NEXT_MOVE = {
    Status.ASSIGNED: Status.EN_ROUTE,
    Status.EN_ROUTE: Status.IN_PROGRESS,
    Status.IN_PROGRESS: Status.ON_HOLD,
    Status.ON_HOLD: Status.IN_PROGRESS,
}


def say(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class Stop:
    """The one point at which this run stops dead and waits to be killed."""

    def __init__(self, spec: str | None) -> None:
        self.spec = spec
        self.kind, self.k, self.when = (None, 0, None)
        self.skip = 0  # write transactions let through after the trigger ("commit+N")
        if spec:
            kind, k, when = spec.split(":")
            when, _, skip = when.partition("+")
            if kind not in ("push", "pull", "write") or when not in ("before", "after", "commit"):
                raise SystemExit(f"bad --stop {spec!r}")
            if kind == "write" and when != "commit":
                raise SystemExit(f"bad --stop {spec!r}: a write stops only at a commit")
            self.kind, self.k, self.when, self.skip = kind, int(k), when, int(skip or 0)
        self.armed = False  # stop at a coming write transaction's COMMIT

    def matches(self, kind: str, k: int, when: str) -> bool:
        return (self.kind, self.k, self.when) == (kind, k, when)

    def hang(self) -> None:
        say(event="stopped", at=self.spec)
        threading.Event().wait(ORPHAN_TIMEOUT)
        os._exit(3)  # never killed: the parent is gone; leave without touching anything

    def on_commit(self, conn: Any) -> None:
        # Read-only snapshots commit too; only a write transaction is a stopping point.
        if not self.armed or conn.get_execution_options().get("ordo_read_only"):
            return
        if self.skip:
            self.skip -= 1  # this one commits; a later one is where we stop
            return
        self.hang()


class Tap(httpx.BaseTransport):
    """The real HTTP transport, reporting each sync request and stopping where told."""

    def __init__(self, stop: Stop) -> None:
        self.inner = httpx.HTTPTransport()
        self.stop = stop
        self.counts = {"push": 0, "pull": 0}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        kind = "push" if path.endswith("/sync/push") else "pull" if path.endswith("/sync/pull") else None
        if kind is None:
            return self.inner.handle_request(request)
        self.counts[kind] += 1
        k = self.counts[kind]
        if kind == "push":
            say(
                event="request",
                kind=kind,
                k=k,
                mids=[m["mid"] for m in json.loads(request.content)["mutations"]],
            )
        else:
            say(event="request", kind=kind, k=k, cursor=request.url.params.get("cursor"))
        if self.stop.matches(kind, k, "before"):
            self.stop.hang()
        response = self.inner.handle_request(request)
        response.read()
        say(event="response", kind=kind, k=k, status=response.status_code, **_summary(kind, response))
        if kind == "push":  # a pull's page stops where the engine takes it in (take_pages)
            if self.stop.matches(kind, k, "after"):
                self.stop.hang()
            if self.stop.matches(kind, k, "commit"):
                # The engine's next write transaction is the one that takes this answer in.
                self.stop.armed = True
        return response

    def close(self) -> None:
        self.inner.close()


def take_pages(stop: Stop) -> None:
    """Count pull pages as the engine takes each in, and stop at the K-th: before its
    transaction ("after": the answer is here, unseen) or at that transaction's COMMIT."""
    apply_page = SyncEngine._apply_page
    taken = 0

    def counted(engine: SyncEngine, page: PullResponse) -> int | None:
        nonlocal taken
        taken += 1
        if stop.matches("pull", taken, "after"):
            stop.hang()
        if stop.matches("pull", taken, "commit"):
            stop.armed = True
        return apply_page(engine, page)

    SyncEngine._apply_page = counted  # type: ignore[method-assign]


def _summary(kind: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        return {}
    body = response.json()
    if kind == "push":
        return {
            "results": {str(r["mid"]): r["status"] for r in body["results"]},
            "last_mid": body["last_mid"],
        }
    changes = body["changes"]
    return {
        "changes": len(changes),
        "orders": sum(1 for c in changes if c["entity"] == "work_order" and not c["deleted"]),
        "cursor": body["cursor"],
        "has_more": body["has_more"],
        "last_mid": body["last_mid"],
    }


def step_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that moves one second a reading: replayable, and every note gets its own time."""
    ticks = iter(range(10**9))
    return lambda: start + timedelta(seconds=next(ticks))


def one_round(ordo: Ordo, store: LocalStore, *, i: int, label: str, stop: Stop) -> None:
    """One local write (a note, or every other round a status move), then one sync."""
    user = ordo.current_user()
    assert user is not None
    with store.read() as s:
        ids = list(
            s.scalars(select(Order.id).where(Order.assignee_id == str(user.id)).order_by(Order.number))
        )
    details = [d for d in (ordo.get_order(oid) for oid in ids) if d is not None]
    movable = [d for d in details if d.summary.status in NEXT_MOVE]
    if not movable:
        raise SystemExit("no order this driver can work on")
    detail = movable[i % len(movable)]
    text = f"{label}-{i}"
    if stop.matches("write", i + 1, "commit"):  # the K-th write is round K - 1
        stop.armed = True
    say(event="writing", i=i, text=text, order=str(detail.summary.id))
    if i % 2:
        to = NEXT_MOVE[detail.summary.status]
        ordo.transition(detail.summary.id, to, reason="waiting for parts" if to is Status.ON_HOLD else None)
    else:
        ordo.add_note(detail.summary.id, text)
    with store.read() as s:
        say(event="wrote", i=i, text=text, mid=sync_state(s).last_mid, kind="move" if i % 2 else "note")
    ordo.sync_blocking()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--user", help="sign in as this user if nobody is signed in yet")
    parser.add_argument("--password")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--label", default="note")
    parser.add_argument("--stop")
    parser.add_argument("--now", default="2026-11-25T09:00:00+00:00")
    args = parser.parse_args(argv)

    stop = Stop(args.stop)
    settings = ClientSettings(data_dir=args.data_dir, server_url=args.server, request_timeout=60)
    store = LocalStore.open(settings.db_path)
    event.listen(store.engine, "commit", stop.on_commit)
    take_pages(stop)
    tap = Tap(stop)
    ordo = Ordo(
        store=store,
        client_factory=lambda url: httpx.Client(base_url=url, transport=tap, timeout=60),
        clock=step_clock(datetime.fromisoformat(args.now).astimezone(UTC)),
        settings=settings,
        start_worker=False,  # this process is the worker: it syncs in the open, step by step
    )
    if ordo.current_user() is None:
        ordo.sign_in(server_url=args.server, username=args.user, password=args.password)
    for i in range(args.rounds):
        one_round(ordo, store, i=i, label=args.label, stop=stop)
    # Drain: push what is left and pull until the server has nothing more.
    ordo.sync_blocking()
    with store.read() as s:
        state = sync_state(s)
        say(
            event="done",
            last_mid=state.last_mid,
            cursor=state.cursor,
            high_seq=state.high_seq,
            outbox=count(s),
        )
    ordo.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
