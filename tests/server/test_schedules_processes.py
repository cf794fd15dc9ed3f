"""Exactly once across real server processes: three `ordo-server run` processes on one
PostgreSQL database run the schedule generator from their timers (every 0.2 s here) and
`ordo-server schedules run` runs beside them; one process is stopped and started again in
between. Afterwards every schedule and due date has exactly one order."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pgkit import fresh_database, pg_admin
from sqlalchemy import func, select

from app.domain.schedules import Anchor, EveryUnit, Rule, dates_to_make, local_date
from server_stub.db import next_seq, open_database
from server_stub.models import Organisation, Schedule, ScheduleOccurrence, WorkOrder
from server_stub.testing import ServerProcess, free_port, running_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DEADLINE = 60.0  # seconds for the processes to make what is due
SCHEDULES_PER_BATCH = 12


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    dsn, user = pg_admin()
    if dsn is None:
        pytest.fail(user)
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("ORDO_SERVER_SECRET_KEY", secrets.token_hex(32))
        patch.setenv("ORDO_SERVER_SCHEDULES_EVERY_SECONDS", "0.2")
        url = stack.enter_context(fresh_database(dsn=dsn, user=user, prefix="ordo_sched_"))
        first = stack.enter_context(running_server(data_dir=tmp_path / "a", database_url=url))
        rest = [ServerProcess(data_dir=tmp_path / n, port=free_port(), database_url=url) for n in "bc"]
        for server in rest:
            server.start()
            stack.callback(server.stop)
        yield [first, *rest]


def _add_schedules(url: str, *, now: datetime) -> dict[str, list[str]]:
    """A batch of daily and weekly schedules, saved ten days ago, so each has missed dates
    to catch up on; returns schedule id -> the due dates expected to be made."""
    db = open_database(url)
    expected: dict[str, list[str]] = {}
    try:
        with db.write() as session, session.begin():
            org_id = session.scalars(select(Organisation.id).order_by(Organisation.id)).first()
            assert org_id is not None
            saved = (now - timedelta(days=10)).replace(tzinfo=None)
            for n in range(SCHEDULES_PER_BATCH):
                unit = EveryUnit.DAY if n % 2 == 0 else EveryUnit.WEEK
                starts_on = (now - timedelta(days=20 + n)).date()
                zone = ("UTC", "Europe/Berlin", "America/New_York")[n % 3]
                row = Schedule(
                    id=str(uuid.uuid4()),
                    org_id=org_id,
                    name=f"Round {n}",
                    site={"name": f"Site {n}"},
                    asset=None,
                    every={"n": 1, "unit": unit.value},
                    anchor="fixed",
                    starts_on=starts_on.isoformat(),
                    lead_days=2,
                    assignee_id=None,
                    paused=False,
                    template={
                        "title": f"Round {n}",
                        "kind": "inspection",
                        "priority": "normal",
                        "checklist": [{"position": 1, "label": "Looked", "kind": "check"}],
                    },
                    next_due_on=None,
                    timezone=zone,
                    saved_at=saved,
                    updated_at=saved,
                    updated_by=None,
                    seq=next_seq(session),
                )
                session.add(row)
                rule = Rule(
                    every_n=1,
                    every_unit=unit,
                    anchor=Anchor.FIXED,
                    starts_on=starts_on,
                    lead_days=2,
                    timezone=zone,
                )
                dates = dates_to_make(
                    rule, today=local_date(now, zone), last=None, saved_on=local_date(saved, zone)
                )
                expected[row.id] = [d.isoformat() for d in dates]
    finally:
        db.dispose()
    return expected


def _made(url: str, ids: set[str]) -> dict[str, list[str]]:
    db = open_database(url)
    try:
        with db.read() as session:
            rows = session.execute(
                select(ScheduleOccurrence.schedule_id, ScheduleOccurrence.due_on).where(
                    ScheduleOccurrence.schedule_id.in_(ids)
                )
            ).all()
    finally:
        db.dispose()
    found: dict[str, list[str]] = {i: [] for i in ids}
    for schedule_id, due_on in rows:
        found[schedule_id].append(due_on)
    return {k: sorted(v) for k, v in found.items()}


def _wait_for(url: str, expected: dict[str, list[str]]) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if _made(url, set(expected)) == expected:
            return
        time.sleep(0.1)  # polling real processes, with a deadline
    assert _made(url, set(expected)) == expected


def _cli_run(url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "server_stub.cli",
        "schedules",
        "run",
        "--data-dir",
        str(data_dir),
        "--database-url",
        url,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_three_processes_and_cron_make_each_occurrence_once(
    cluster: list[ServerProcess], tmp_path: Path
) -> None:
    url = cluster[0].database_url
    now = datetime.now(UTC)
    first = _add_schedules(url, now=now)  # the three processes' timers alone
    assert all(len(dates) >= 1 for dates in first.values())
    assert sum(len(dates) for dates in first.values()) >= 3 * SCHEDULES_PER_BATCH  # daily: 5 each (the cap)
    _wait_for(url, first)

    # One process goes down; more work arrives; it comes back and all three go on.
    cluster[1].stop()
    second = _add_schedules(url, now=now)
    cluster[1].start()
    cron = _cli_run(url, tmp_path / "cron")  # beside the three timers
    _wait_for(url, second)
    assert cron.wait(timeout=60) == 0

    expected = {**first, **second}
    db = open_database(url)
    try:
        with db.read() as session:
            per_key = session.execute(
                select(WorkOrder.external_id, func.count())
                .where(WorkOrder.source == "schedule")
                .group_by(WorkOrder.external_id)
            ).all()
    finally:
        db.dispose()
    counts = {key: n for key, n in per_key if key.split("/")[0] in expected}
    want = {f"{sid}/{d}" for sid, dates in expected.items() for d in dates}
    assert set(counts) == want
    assert set(counts.values()) == {1}, {k: n for k, n in counts.items() if n != 1}
    for server in cluster:
        assert server.running
