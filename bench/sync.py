"""Sync benchmark: a real `ordo-server` process and real client engines on loopback.

Prints one JSON object per database backend (not a test: the machines are shared
and noisy, so figures are read, not asserted):

- push: N new orders (~1 KB each, 5 checklist items, 2 notes each: 3 mutations
  an order) from one dispatcher device, until a pull acknowledges them all;
- initial_pull: a second, empty device pulls everything;
- incremental: 100 notes made on device A, synced, then pulled by device B.

    .venv/bin/python bench/sync.py [--orders 10000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import backends_of, database, device, now, timed, wire_time

from app.domain.protocol import MutationType
from app.services.facade import Ordo
from app.store.outbox import enqueue
from server_stub.testing import running_server

KINDS = ["check", "number", "text", "pass_fail", "check"]
# The demo organisation's dispatcher (running_server seeds it).
DEMO_DISPATCHER = {"username": "dispatcher", "password": "demo-dispatcher"}


def _order_args(rng: random.Random, *, order_id: str, n: int) -> dict[str, Any]:
    due = now() + timedelta(days=rng.randint(-3, 10))
    return {
        "id": order_id,
        "title": f"Bench order {n}: inspect chiller plant and pumps",
        "description": " ".join(rng.choice(["valve", "pump", "filter", "belt", "seal"]) for _ in range(130)),
        "kind": rng.choice(["repair", "maintenance", "inspection", "installation"]),
        "priority": rng.choice(["low", "normal", "high", "urgent"]),
        "customer": {"name": f"Customer {n % 97}", "contact": "+44 20 7946 0000"},
        "site": {"name": f"Site {n % 31}", "address": f"{n} Bench Road", "lat": 51.5, "lon": -0.12},
        "asset": f"CH-{n:05d}",
        "due_at": wire_time(due),
        "requires_signature": False,
        "source": "manual",
        "checklist": [
            {
                "id": str(uuid.uuid4()),
                "position": p + 1,
                "label": f"Step {p + 1}",
                "kind": KINDS[p],
                "required": p == 0,
            }
            for p in range(5)
        ],
    }


def _queue_orders(ordo: Ordo, *, count: int) -> None:
    """Queue the orders as a device would have, straight into its outbox (one transaction)."""
    rng = random.Random(7)
    at = now()
    with ordo._store.transaction() as s:
        for n in range(count):
            oid = str(uuid.uuid4())
            enqueue(
                s,
                type=MutationType.ORDER_CREATE.value,
                entity_id=oid,
                args=_order_args(rng, order_id=oid, n=n),
                base_seq=None,
                created_at=at,
            )
            for k in range(2):
                enqueue(
                    s,
                    type=MutationType.NOTE_ADD.value,
                    entity_id=oid,
                    args={
                        "id": str(uuid.uuid4()),
                        "text": f"Bench note {k} of order {n}",
                        "at": wire_time(at),
                    },
                    base_seq=None,
                    created_at=at,
                )


def run(*, backend: str, orders: int, changes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(backend) as database_url:
        root = Path(tmp)
        with running_server(data_dir=root / "server", database_url=database_url) as server:
            a = device(root / "a", server.url, **DEMO_DISPATCHER)
            a.sync_blocking()
            _queue_orders(a, count=orders)
            push_s, push = timed(a.sync_blocking)

            b = device(root / "b", server.url, **DEMO_DISPATCHER)
            pull_s, pull = timed(b.sync_blocking)

            groups = a.list_orders()
            order_id = [*groups.overdue, *groups.today, *groups.upcoming][0].id
            start = time.perf_counter()
            for k in range(changes):
                a.add_note(order_id, f"incremental note {k}")
            a.sync_blocking()
            incr_pull = b.sync_blocking()
            incr_s = time.perf_counter() - start
            a.close()
            b.close()
    mutations = orders * 3
    return {
        "backend": backend,
        "orders": orders,
        "push": {
            "mutations": mutations,
            "seconds": round(push_s, 2),
            "mutations_per_s": round(mutations / push_s, 1),
            "push_requests": push.push_requests,
            "results": push.results,
        },
        "initial_pull": {
            "changes": pull.changes,
            "pages": pull.pages,
            "seconds": round(pull_s, 2),
            "changes_per_s": round(pull.changes / pull_s, 1),
        },
        "incremental": {
            "changes": changes,
            "round_trip_seconds": round(incr_s, 3),
            "pulled": incr_pull.changes,
        },
        "client_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in backends_of(args.backend):
        print(json.dumps(run(backend=backend, orders=args.orders, changes=args.changes)), flush=True)


if __name__ == "__main__":
    main()
