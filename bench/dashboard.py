"""Dashboard benchmark: the managers' figures from a dispatcher's device holding N orders.

Builds N orders (default 10,000) over the last 120 days, half of them completed with a
travel and a work log each, 20 technicians, written as pulled pages through the real
store (`app.store.bulk.apply_changes`, as a pull does), then times
`app.services.dashboard.dashboard` (read the rows, measure them) for each range, as the
screen calls it off the UI loop. Prints one JSON object: build time, and p50/max per
range in milliseconds. Figures, not a test: the machines are shared and noisy.

    .venv/bin/python bench/dashboard.py [--orders 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.domain.kpi import RangeChoice
from app.domain.protocol import Change
from app.services.dashboard import dashboard
from app.store import LocalStore
from app.store.bulk import apply_changes

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PAGE = 500


def wire(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _changes(n: int, rng: random.Random) -> list[dict[str, Any]]:
    techs = [str(uuid.UUID(int=i + 1)) for i in range(20)]
    out: list[dict[str, Any]] = [
        {"entity": "user", "id": t, "seq": i + 1, "deleted": False,
         "data": {"id": t, "username": f"tech{i}", "display_name": f"Tech {i}", "role": "technician",
                  "skills": [], "active": True}}
        for i, t in enumerate(techs)
    ]  # fmt: skip
    seq = len(out)
    for i in range(n):
        made = NOW - timedelta(minutes=rng.randint(60, 120 * 24 * 60))
        tech = rng.choice(techs)
        done = made + timedelta(hours=rng.randint(2, 60)) < NOW and rng.random() < 0.5
        assigned, en_route = made + timedelta(minutes=30), made + timedelta(hours=2)
        started, completed = en_route + timedelta(minutes=40), en_route + timedelta(hours=3)
        data = {
            "id": str(uuid.uuid4()), "number": f"WO-{i + 1:06d}", "title": f"Job {i}", "description": "",
            "kind": "repair", "priority": rng.choice(["low", "normal", "high", "urgent"]),
            "status": "completed" if done else rng.choice(["new", "assigned", "in_progress"]),
            "assignee_id": tech, "customer": {}, "site": {}, "asset": None,
            "due_at": wire(made + timedelta(days=1)), "requires_signature": False, "source": "manual",
            "external_id": None, "created_at": wire(made), "updated_at": wire(made),
            "assigned_at": wire(assigned), "first_assigned_at": wire(assigned),
            "en_route_at": wire(en_route) if done else None, "started_at": wire(started) if done else None,
            "completed_at": wire(completed) if done else None, "reopen_count": 0, "follow_up_of": None,
        }  # fmt: skip
        seq += 1
        out.append({"entity": "work_order", "id": data["id"], "seq": seq, "deleted": False, "data": data})
        if done:
            for kind, start, end in (("travel", en_route, started), ("work", started, completed)):
                seq += 1
                log = {"id": str(uuid.uuid4()), "order_id": data["id"], "user_id": tech, "kind": kind,
                       "started_at": wire(start), "ended_at": wire(end), "voided": False}  # fmt: skip
                out.append({"entity": "time_log", "id": log["id"], "seq": seq, "deleted": False, "data": log})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore.open(Path(folder) / "ordo.db")
        started = time.perf_counter()
        changes = [Change.model_validate(c) for c in _changes(args.orders, rng)]
        for i in range(0, len(changes), PAGE):
            with store.transaction() as s:
                apply_changes(s, changes[i : i + PAGE])
        built = time.perf_counter() - started
        figures: dict[str, Any] = {"orders": args.orders, "rows": len(changes), "build_s": round(built, 2)}
        for choice in RangeChoice:
            times = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                with store.read() as s:
                    view = dashboard(
                        s, role="dispatcher", choice=choice, technician_id=None, now=NOW, zone=UTC
                    )
                times.append((time.perf_counter() - t) * 1000)
            figures[choice.value] = {
                "p50_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "completed": view.figures.completed,
            }
        store.close()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
