"""Importing orders from CSV (server_stub.imports, `POST /api/v1/orders/import`, the CLI):
a hostile file, nothing half-imported, the same file twice, encodings, 50,000 rows."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.domain import Source
from app.domain.csv_cells import csv_bytes
from app.domain.import_report import ImportMode
from app.domain.order_import import MAX_BYTES
from server_stub.cli import main
from server_stub.db import Database
from server_stub.imports import import_orders
from server_stub.imports.service import ANALYZE_AFTER
from server_stub.models import IntakeRecord, OrderEvent, WorkOrder

from .conftest import START, World, sign_in, snapshot

URL = "/api/v1/orders/import"
INJECTION = "=cmd|' /C calc'!A0"

GOOD = (
    "external_id,title,kind,priority,technician,due_at,customer_name,site_name\r\n"
    "EXT-1,Boiler service,maintenance,high,tech1,2026-12-07 14:30,Café Zoë,Rue de l'Été\r\n"
    "EXT-2,Leaking tap,,,,,Bob,Flat 2\r\n"
)
HOSTILE = (
    "Title,Kind,Priority,Technician,Due at,Colour,External ID\r\n"
    f'"{INJECTION}",repair,urgent,,2026-12-24T09:00:00+01:00,red,H-1\r\n'  # ok: taken as text
    "Bad date,repair,normal,,31/12/2026,,H-2\r\n"  # ambiguous date
    "Ghost tech,repair,normal,nobody,,,H-3\r\n"  # unknown technician
    "A dispatcher,repair,normal,disp,,,H-4\r\n"  # not a technician
    ",repair,normal,,,,H-5\r\n"  # no title
    "Odd words,fixing,asap,,,,H-6\r\n"  # bad kind and priority
    "Twice,repair,normal,,,,H-1\r\n"  # the same external id as row 2
    "+SUM(1;2),inspection,low,tech2,2026-12-25,,H-7\r\n"  # ok: taken as text
)


def imported(db: Database) -> list[WorkOrder]:
    with db.read() as session:
        return list(
            session.execute(select(WorkOrder).where(WorkOrder.source == Source.IMPORT.value)).scalars()
        )


def post(client: TestClient, token: str, data: bytes, *, mode: str, **params: Any) -> Any:
    return client.post(
        URL,
        params={"mode": mode, **params},
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )


def rows_by_number(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in report["rows"]}


def test_a_check_reports_and_writes_nothing(client: TestClient, world: World, db: Database) -> None:
    disp = sign_in(client, "disp")
    before = snapshot(db)
    answer = post(client, disp.token, GOOD.encode(), mode="check")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["total"], report["ok"], report["refused"], report["committed"]) == (2, 2, 0, False)
    assert report["encoding"] == "UTF-8"
    assert snapshot(db) == before


def test_a_hostile_file_in_mode_all_imports_nothing(client: TestClient, world: World, db: Database) -> None:
    disp = sign_in(client, "disp")
    before = snapshot(db)
    report = post(client, disp.token, HOSTILE.encode(), mode="all").json()
    assert report["committed"] is False and report["imported"] == 0
    assert (report["total"], report["ok"], report["refused"]) == (8, 2, 6)
    assert report["columns"]["unknown"] == ["Colour"]
    rows = rows_by_number(report)
    assert rows[2]["status"] == "ok" and rows[2]["title"] == INJECTION
    assert "ambiguous" in rows[3]["reasons"][0]
    assert "no user of that name" in rows[4]["reasons"][0]
    assert "is not a technician" in rows[5]["reasons"][0]
    assert "title is empty" in rows[6]["reasons"][0]
    assert any("kind 'fixing'" in r for r in rows[7]["reasons"])
    assert any("priority 'asap'" in r for r in rows[7]["reasons"])
    assert rows[8]["reasons"] == ["the same external_id as row 2"]
    assert snapshot(db) == before  # nothing half-imported


def test_mode_good_imports_the_good_rows_as_text(client: TestClient, world: World, db: Database) -> None:
    disp = sign_in(client, "disp")
    report = post(client, disp.token, HOSTILE.encode(), mode="good").json()
    assert report["committed"] is True and report["imported"] == 2
    orders = {o.external_id: o for o in imported(db)}
    assert set(orders) == {"H-1", "H-7"}
    assert orders["H-1"].title == INJECTION  # stored as the text it is, never evaluated
    assert orders["H-1"].status == "new" and orders["H-1"].first_assigned_at is None
    assert orders["H-1"].due_at.isoformat() == "2026-12-24T08:00:00"  # +01:00 -> UTC
    assert orders["H-7"].title == "+SUM(1;2)"
    assert orders["H-7"].status == "assigned" and orders["H-7"].assignee_id == world.users["tech2"]
    assert orders["H-7"].first_assigned_at is not None and orders["H-7"].assigned_at is not None
    assert orders["H-7"].due_at.isoformat() == "2026-12-25T17:00:00"  # a date alone: 17:00, UTC here
    numbers = {r["row"]: r["number"] for r in report["rows"] if r["status"] == "ok"}
    assert numbers == {2: orders["H-1"].number, 9: orders["H-7"].number}
    # Each has its history entry, and the technician and dispatchers pull it.
    history = client.get(f"/api/v1/orders/{orders['H-7'].id}/history", headers=disp.headers).json()
    assert history["entries"][0]["summary"] == "Created by an import (row 9)"
    tech2 = sign_in(client, "tech2")
    changes, _ = tech2.pull_all()
    pulled = {c["id"]: c["data"] for c in changes if c["entity"] == "work_order"}
    assert pulled[orders["H-7"].id]["source"] == "import"
    assert orders["H-1"].id not in pulled  # not tech2's


def test_the_same_file_twice_makes_no_duplicates(client: TestClient, world: World, db: Database) -> None:
    disp = sign_in(client, "disp")
    without_ids = "title,customer_name,due_at\r\nGate stuck,Acme,2026-12-09\r\nLift noise,Acme,\r\n"
    for data in (GOOD.encode(), without_ids.encode("utf-8")):
        first = post(client, disp.token, data, mode="all").json()
        assert first["imported"] == 2, first
        again = post(client, disp.token, data, mode="all").json()
        assert (again["imported"], again["already"], again["committed"]) == (0, 2, True)
        assert [r["number"] for r in again["rows"]] == [r["number"] for r in first["rows"]]
        assert all("already here" in r["reasons"][0] for r in again["rows"])
    assert len(imported(db)) == 4
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(IntakeRecord)) == 4
        assert session.scalar(select(func.count()).select_from(OrderEvent)) == 4


def test_an_exported_file_names_orders_already_here(client: TestClient, world: World, db: Database) -> None:
    """Orders made by hand have no external id: their number says they are here."""
    disp = sign_in(client, "disp")
    with db.read() as session:
        here = session.get(WorkOrder, world.orders["new"])
        assert here is not None
    data = csv_bytes(
        header=["number", "title", "status"], rows=[[here.number, here.title, "new"], ["", "New one", ""]]
    )
    report = post(client, disp.token, data, mode="all").json()
    rows = rows_by_number(report)
    assert rows[2]["status"] == "already_imported" and rows[2]["number"] == here.number
    assert rows[3]["status"] == "ok" and report["imported"] == 1
    assert report["columns"]["not_imported"] == ["status"]


def test_a_crash_mid_import_leaves_nothing(world: World, db: Database) -> None:
    lines = ["external_id,title"] + [f"C-{n},Order {n}" for n in range(2500)]
    before = snapshot(db)

    def crash(chunk: int) -> None:
        if chunk == 2:  # 2,000 orders written in the transaction by now
            raise RuntimeError("the server died")

    with pytest.raises(RuntimeError):
        import_orders(db, org_id=world.org_id, data="\n".join(lines).encode(), mode=ImportMode.ALL,
                      now=START, after_chunk=crash)  # fmt: skip
    assert snapshot(db) == before
    report = import_orders(
        db, org_id=world.org_id, data="\n".join(lines).encode(), mode=ImportMode.ALL, now=START
    )
    assert report.imported == 2500 and len(imported(db)) == 2500


@pytest.mark.parametrize(
    ("encoding", "said"),
    [("utf-8-sig", "UTF-8 (with BOM)"), ("utf-16", "UTF-16"), ("cp1252", "Windows-1252")],
)
def test_encodings(client: TestClient, world: World, db: Database, encoding: str, said: str) -> None:
    disp = sign_in(client, "disp")
    report = post(client, disp.token, GOOD.encode(encoding), mode="all").json()
    assert report["encoding"] == said and report["imported"] == 2
    boiler = next(o for o in imported(db) if o.external_id == "EXT-1")
    assert boiler.customer["name"] == "Café Zoë" and boiler.site["name"] == "Rue de l'Été"


def test_a_file_without_a_title_column_is_refused_whole(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    report = post(client, disp.token, b"name,when\r\nBoiler,today\r\n", mode="good").json()
    assert report["committed"] is False and report["rows"] == []
    assert "no 'title' column" in report["problems"][0]


def test_who_may_import_and_the_limits(client: TestClient, world: World) -> None:
    tech = sign_in(client, "tech1")
    answer = post(client, tech.token, GOOD.encode(), mode="check")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert client.post(URL, content=GOOD.encode()).status_code == 401
    disp = sign_in(client, "disp")
    big = post(client, disp.token, b"title\r\n" + b"x" * (MAX_BYTES + 1), mode="check")
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
    zone = post(client, disp.token, GOOD.encode(), mode="check", tz="Mars/Olympus")
    assert zone.status_code == 422 and "unknown time zone" in zone.json()["error"]["message"]
    mode = post(client, disp.token, GOOD.encode(), mode="maybe")
    assert mode.status_code == 422 and "error" in mode.json()


def test_times_without_an_offset_are_read_in_the_zone_given(
    client: TestClient, world: World, db: Database
) -> None:
    disp = sign_in(client, "disp")
    report = post(client, disp.token, GOOD.encode(), mode="all", tz="Europe/Paris").json()
    assert report["zone"] == "Europe/Paris"
    boiler = next(o for o in imported(db) if o.external_id == "EXT-1")
    assert boiler.due_at.isoformat() == "2026-12-07T13:30:00"  # 14:30 in Paris, winter: UTC+1


def test_more_than_50000_rows_are_refused(world: World, db: Database) -> None:
    data = ("title\n" + "x\n" * 50_001).encode()
    report = import_orders(db, org_id=world.org_id, data=data, mode=ImportMode.CHECK, now=START)
    assert report.problems == ["the file has more than 50,000 rows: split it"] and report.rows == []


@pytest.mark.slow
def test_50000_rows_in_one_transaction(
    world: World, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["external_id,title,priority,technician,due_at"]
    lines += [f"BIG-{n},Order {n},high,tech{1 + n % 2},2026-12-{1 + n % 28:02d} 08:00" for n in range(50_000)]
    data = "\r\n".join(lines).encode()
    started = time.perf_counter()
    report = import_orders(db, org_id=world.org_id, data=data, mode=ImportMode.ALL, now=START)
    took = time.perf_counter() - started
    assert report.imported == 50_000 and report.refused == 0
    assert len({r.number for r in report.rows}) == 50_000
    started = time.perf_counter()
    again = import_orders(db, org_id=world.org_id, data=data, mode=ImportMode.ALL, now=START)
    took_again = time.perf_counter() - started
    assert again.imported == 0 and again.already == 50_000
    with capsys.disabled():
        print(
            f"\n50,000 rows ({len(data):,} bytes): imported in {took:.1f} s,"
            f" found again in {took_again:.1f} s"
        )


def test_the_cli(
    tmp_path: Path, world: World, database_url: str, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = tmp_path / "hostile.csv"
    hostile.write_bytes(HOSTILE.encode("cp1252"))
    base = ["import", "orders", str(hostile), "--org", "Test Org", "--database-url", database_url]
    assert main([*base, "--check"]) == 1
    out = capsys.readouterr().out
    assert "8 rows, 2 good, 6 refused" in out and "row 3: refused: due_at:" in out
    assert main(base) == 1
    assert "Nothing was imported" in capsys.readouterr().out and imported(db) == []
    assert main([*base, "--good-rows"]) == 1  # some were refused: the good ones are in
    assert "2 imported, 6 refused" in capsys.readouterr().out and len(imported(db)) == 2
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["import", "orders", str(good), "--org", world.org_id, "--database-url", database_url]) == 0
    assert main(["import", "orders", str(good), "--org", "Test Org", "--database-url", database_url]) == 0
    assert "2 already here" in capsys.readouterr().out and len(imported(db)) == 4
    assert main(["import", "orders", str(good), "--org", "Nobody", "--database-url", database_url]) == 2
    assert "no organisation" in capsys.readouterr().err


def test_a_commit_announces_the_new_orders(world: World, db: Database, sqlite_only: None) -> None:
    """The live poke (server_stub.announce): after the commit, naming the organisation (on
    PostgreSQL it is a NOTIFY, which tests/server/test_announce.py follows)."""
    heard: list[dict[str, Any]] = []
    db.seq_listeners.append(heard.append)
    import_orders(db, org_id=world.org_id, data=GOOD.encode(), mode=ImportMode.CHECK, now=START)
    assert heard == []  # a check writes nothing, announces nothing
    import_orders(db, org_id=world.org_id, data=GOOD.encode(), mode=ImportMode.ALL, now=START)
    assert len(heard) == 1 and heard[0]["orgs"] == [world.org_id]
    with db.read() as session:
        highest = session.scalar(select(func.max(WorkOrder.seq)))
        assert heard[0]["seq"] >= highest


def test_two_imports_of_one_file_at_once_make_it_once(world: World, db: Database) -> None:
    lines = ["external_id,title"] + [f"T-{n},Order {n}" for n in range(300)]
    data = "\n".join(lines).encode()
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(
            pool.map(
                lambda _n: import_orders(db, org_id=world.org_id, data=data, mode=ImportMode.ALL, now=START),
                range(2),
            )
        )
    assert sorted(r.imported for r in reports) == [0, 300]
    assert sorted(r.already for r in reports) == [0, 300]
    assert len(imported(db)) == 300


def test_a_large_import_leaves_postgres_planning_with_its_rows(world: World, db: Database) -> None:
    """Right after a bulk load, PostgreSQL plans as if the tables were still as they were
    (autovacuum takes fresh statistics only later): a large import takes them itself."""
    lines = ["external_id,title"] + [f"STAT-{n},Order {n}" for n in range(ANALYZE_AFTER)]
    report = import_orders(
        db, org_id=world.org_id, data="\n".join(lines).encode(), mode=ImportMode.ALL, now=START
    )
    assert report.imported == ANALYZE_AFTER
    if db.engine.dialect.name != "postgresql":
        return
    with db.read() as session:
        planned = session.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = :name"), {"name": WorkOrder.__tablename__}
        ).scalar_one()
    assert planned >= ANALYZE_AFTER  # what the planner believes the table holds
