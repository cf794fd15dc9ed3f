"""Client benchmark: where a desk user with N orders (default 10,000) waits on the app itself.

A real `ordo-server` process gets the peers' workload (bench/peers.py: N orders of 5
checklist items and 2 notes, assigned to 50 technicians) pushed by one dispatcher device;
a second, fresh dispatcher device makes its first sync. Then, on that device's store:

- cold_start: a new process opens the store and has what the desk shows first ready, the
  signed-in user, the board and the first page of orders (median of --runs): `open_to_ready_s`
  is from opening the store (target 1 s), `process_s` includes starting Python and importing
  the app; `phone_list_s` is the phone's grouped list over all N orders (a dispatcher's
  screens never read it; a technician's phone holds only their own orders);
- open_order: reading one order by its number, as the order screen does (target 100 ms);
- local_write: adding a note until listeners are told (the row and its outbox entry
  committed in one transaction), p50/p95 (targets 1 ms and 3 ms); and with the order read
  back for the screen (local_write_and_read_back);
- search: the desk's order search for a word (target 30 ms; bench/search.py has the mix).

Prints one JSON line per figure and a summary line. Figures, not a test: the machines
are shared and noisy.

    .venv/bin/python bench/client.py [--orders 10000] [--samples 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import device, engine_first_sync, percentiles_ms, push_outbox
from peers import DISPATCHER, PEERS_DIR, SEED, check, queue_records, seed_org

from app.services.desk_types import OrderQuery
from server_stub.testing import database_url_for, running_server

TARGETS_MS = {"cold_start": 1000.0, "open_order": 100.0, "local_write_p50": 1.0, "local_write_p95": 3.0}
TARGETS_MS["search"] = 30.0

# The child imports the app alone (no server modules) and times its own start.
_COLD = """
import time; t0 = time.perf_counter()
import json, sys
from pathlib import Path
import httpx
from app.services.desk_types import OrderQuery
from app.services.facade import Ordo
from app.settings import ClientSettings
from app.store import LocalStore
args = json.load(sys.stdin)
t1 = time.perf_counter()
settings = ClientSettings(data_dir=Path(args["folder"]), server_url=args["url"])
from datetime import UTC, datetime
ordo = Ordo(store=LocalStore.open(settings.db_path), client_factory=lambda u: httpx.Client(base_url=u),
            clock=lambda: datetime.now(UTC), settings=settings, start_worker=False)
user = ordo.current_user()
board = ordo.board()
page = ordo.search_orders(OrderQuery())
t2 = time.perf_counter()
groups = ordo.list_orders()
t3 = time.perf_counter()
ordo.close()
print(json.dumps({"imports_s": t1 - t0, "open_to_ready_s": t2 - t1, "phone_list_s": t3 - t2,
                  "page_rows": len(page.rows), "total": page.total}))
"""


def cold_start(folder: Path, url: str, *, runs: int) -> dict[str, Any]:
    outcomes = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _COLD],
            input=json.dumps({"folder": str(folder), "url": url}),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the cold-start process failed:\n{done.stderr[-3000:]}")
        child = json.loads(done.stdout.strip().splitlines()[-1])
        outcomes.append({"process_s": time.perf_counter() - started, **child})
    median = {k: round(statistics.median(o[k] for o in outcomes), 3) for k in outcomes[0]}
    return {**median, "runs": runs}


def on_the_device(folder: Path, url: str, *, samples: int, rng: random.Random) -> dict[str, Any]:
    ordo = device(folder, url, **DISPATCHER)
    try:
        page = ordo.search_orders(OrderQuery())
        check(page.total > 0, "the device holds orders")
        numbers = [row.summary.number for row in ordo.search_orders(OrderQuery(limit=500)).rows]
        opened, wrote, told, searched = [], [], [], []
        told_at: list[float] = []  # when listeners (the screens' view models) heard of the write
        ordo.add_listener(lambda: told_at.append(time.perf_counter()))
        for _ in range(samples):
            number = rng.choice(numbers)
            started = time.perf_counter()
            detail = ordo.get_order_by_number(number)
            opened.append(time.perf_counter() - started)
            check(detail is not None, f"order {number} opens")
            assert detail is not None
            started = time.perf_counter()
            ordo.add_note(detail.summary.id, f"bench note {rng.random():.6f}")
            wrote.append(time.perf_counter() - started)
            told.append(told_at[-1] - started)
        for word in ("pump", "valve", "inspect", "leak", "boiler") * max(1, samples // 50):
            started = time.perf_counter()
            ordo.search_orders(OrderQuery(text=word))
            searched.append(time.perf_counter() - started)
        return {
            "open_order": percentiles_ms(opened),
            "local_write": percentiles_ms(told),  # committed (row and outbox) and listeners told
            "local_write_and_read_back": percentiles_ms(wrote),  # and the order read again for the screen
            "search": percentiles_ms(searched),
        }
    finally:
        ordo.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="ordo-client-") as tmp:
        root = Path(tmp)
        out = root / "workload.json"
        subprocess.run(
            [sys.executable, str(PEERS_DIR / "workload.py"), "--n", str(args.orders), "--seed", str(SEED),
             "--out", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        records = json.loads(out.read_bytes())["records"]
        url = database_url_for(root / "server")
        techs = seed_org(url, technicians=sorted({r["assignee"] for r in records}))
        with running_server(data_dir=root / "server", database_url=url, seed_demo=False) as server:
            a = device(root / "a", server.url, **DISPATCHER)
            queue_records(a, records=records, technicians=techs)
            push_outbox(a)
            a.close()
            first = engine_first_sync(root / "b", server.url, **DISPATCHER)
            lines: list[dict[str, Any]] = [{"op": "first_sync", "n": args.orders, **first}]
            lines.append(
                {"op": "cold_start", "n": args.orders, **cold_start(root / "b", server.url, runs=args.runs)}
            )
            figures = on_the_device(root / "b", server.url, samples=args.samples, rng=rng)
            lines += [{"op": op, "n": args.orders, **f} for op, f in figures.items()]
    for line in lines:
        print(json.dumps(line), flush=True)
    summary = {
        "cold_start_ms": round(lines[1]["open_to_ready_s"] * 1000, 1),
        "open_order_p50_ms": figures["open_order"]["p50_ms"],
        "local_write_p50_ms": figures["local_write"]["p50_ms"],
        "local_write_p95_ms": figures["local_write"]["p95_ms"],
        "search_p50_ms": figures["search"]["p50_ms"],
        "targets_ms": TARGETS_MS,
        "cores": os.cpu_count(),
    }
    print(json.dumps({"summary": summary}), flush=True)


if __name__ == "__main__":
    main()
