"""The device's revision 0013: a 0012 database gains `schedules` (the columns the desk and
the dashboard read), and goes back down cleanly; pulled schedule rows land in it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from app.domain.protocol import Change
from app.store.db import alembic_config
from app.store.models import Schedule
from app.store.rows import apply_change, reset_server_rows
from store.kit import change, new_id, open_store

COLUMNS = {
    "id", "name", "site", "asset", "every_n", "every_unit", "anchor", "starts_on", "lead_days", "template",
    "assignee_id", "paused", "next_due_on", "timezone", "updated_at", "seq", "server_data",
}  # fmt: skip


def _migrate(path, revision, *, down=False):
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()


def _columns(path):
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        found = inspect(engine)
        return {c["name"] for c in found.get_columns("schedules")} if found.has_table("schedules") else None
    finally:
        engine.dispose()


def test_0012_gains_schedules_and_0013_goes_back_down(tmp_path):
    path = tmp_path / "ordo.db"
    _migrate(path, "0012")
    assert _columns(path) is None
    _migrate(path, "0013")
    assert _columns(path) == COLUMNS
    _migrate(path, "0012", down=True)
    assert _columns(path) is None


def test_a_pulled_schedule_is_kept_and_a_reset_forgets_it(tmp_path):
    store = open_store(tmp_path)
    sid = new_id()
    data = {
        "id": sid, "name": "Lift inspection", "site": {"name": "Tower"}, "asset": "LIFT-1",
        "every": {"n": 6, "unit": "month"}, "anchor": "fixed", "starts_on": "2027-01-31", "lead_days": 14,
        "template": {"title": "Half-yearly lift inspection", "checklist": []}, "assignee_id": None,
        "paused": False, "next_due_on": "2027-01-31", "timezone": "Europe/Berlin",
        "updated_at": "2026-11-25T09:00:00Z",
    }  # fmt: skip
    with store.transaction() as s:
        assert apply_change(s, Change.model_validate(change("schedule", data, 12)))
    with store.read() as s:
        row = s.get(Schedule, sid)
        assert (row.every_n, row.every_unit, row.lead_days, row.timezone, row.seq) == (
            6,
            "month",
            14,
            "Europe/Berlin",
            12,
        )
        assert row.next_due_on == "2027-01-31"
    with store.transaction() as s:
        reset_server_rows(s)
    with store.read() as s:
        assert s.get(Schedule, sid) is None
