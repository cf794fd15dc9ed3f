"""`ordo-server schedules run`: make the orders of every schedule that has come due, once
(for cron, or a server run with ORDO_SERVER_SCHEDULES_EVERY_SECONDS=0)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def cmd_schedules_run(args: argparse.Namespace) -> int:
    from server_stub.cli.kit import open_migrated, settings_of, where
    from server_stub.schedules.generate import run_schedules

    now = datetime.now(UTC)
    if args.at:
        try:
            at = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            print(f"error: --at {args.at!r} is not an ISO 8601 time (2026-12-07T06:00Z)", file=sys.stderr)
            return 2
        now = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    db = open_migrated(args)
    if db is None:
        return 1
    try:
        report = run_schedules(db, now=now)
    finally:
        db.dispose()
    print(f"Schedules in {where(settings_of(args))}: {report.words()}.")
    for made in report.made:
        print(f"  made {made}")
    return 0


def add_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    schedules = sub.add_parser("schedules", help="preventive maintenance schedules")
    inner = schedules.add_subparsers(dest="schedules_command", required=True)
    run = inner.add_parser("run", help="make the orders that have come due (safe beside running servers)")
    common(run)
    run.add_argument("--at", help="act as if it were this UTC time (ISO 8601; for testing catch-up)")
    run.set_defaults(func=cmd_schedules_run)
