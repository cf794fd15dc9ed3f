"""`ordo-server`: run, migrate and seed the central server."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from server_stub.cli.kit import settings_of, where
from server_stub.settings import WORKER_LOG_LEVEL


def cmd_migrate(args: argparse.Namespace) -> int:
    from server_stub.migrate import migrate

    settings = settings_of(args)
    migrate(settings.database_url)
    print(f"Database is up to date: {where(settings)}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from server_stub.migrate import migrate
    from server_stub.seeding.demo import DEMO_ORG, seed_demo

    if not args.demo:
        print("Nothing to seed: pass --demo for the demo organisation.", file=sys.stderr)
        return 2
    settings = settings_of(args)
    migrate(settings.database_url)
    report = seed_demo(database_url=settings.database_url, now=datetime.now(UTC), history=args.history)
    if report.created:
        print(f"Seeded {DEMO_ORG!r}: {report.users} users, {report.orders} orders in {where(settings)}")
        print("Sign in as dispatcher / demo-dispatcher, or tech1…tech5 / demo-tech.")
    else:
        print(f"{DEMO_ORG!r} is already in {where(settings)}; nothing changed.")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from server_stub.blobs.store import BlobStore
    from server_stub.db import open_database
    from server_stub.migrate import migrate
    from server_stub.sync.apply.evidence import settle_held_blobs
    from server_stub.sync.tombstones import prune_tombstones

    settings = settings_of(args)
    migrate(settings.database_url)
    retention = (
        timedelta(seconds=args.older_than) if args.older_than is not None else settings.tombstone_retention
    )
    now = datetime.now(UTC)
    store = BlobStore(root=settings.blobs_dir)
    db = open_database(settings.database_url)
    try:
        report = prune_tombstones(db, now=now, retention=retention)
        with db.write() as session, session.begin():
            settled = settle_held_blobs(
                session, held=lambda org_id, sha256: store.has(org_id=org_id, sha256=sha256)
            )
    finally:
        db.dispose()
    partials = store.prune_partials(older_than=now - settings.blob_partial_retention)
    print(
        f"Pruned {report.deleted} out-of-scope tombstones older than {report.cutoff:%Y-%m-%d %H:%M} UTC"
        f" in {where(settings)}; devices with a cursor below seq {report.pruned_through} will re-pull."
    )
    days = settings.blob_partial_retention / timedelta(days=1)
    print(
        f"Dropped {partials} abandoned partial upload(s) untouched for {days:g} days;"
        f" {settled} photo(s) whose bytes were already held are now marked stored."
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from server_stub import collector
    from server_stub.auth.security import signing_key
    from server_stub.main import create_app
    from server_stub.migrate import migrate

    settings = settings_of(args)
    workers = args.workers
    if workers < 1:
        print("--workers must be at least 1.", file=sys.stderr)
        return 2
    if workers > 1 and settings.database_url.startswith("sqlite"):
        # SQLite has one writer, queued per process (db.WriteGate); several processes would
        # fight over its file lock instead. Many processes share a PostgreSQL database.
        print(
            "--workers above 1 needs PostgreSQL (--database-url postgresql+psycopg://...).", file=sys.stderr
        )
        return 2
    migrate(settings.database_url)
    print(f"Ordo server on http://{args.host}:{args.port} (database: {where(settings)})", flush=True)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal
    # to whatever handler was there before; with ours there, the process ends
    # normally (exit 0) instead of dying by the signal it was asked to stop with.
    received: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: received.append(signum))
    # Our request log (server_stub.api.logging) replaces uvicorn's access log.
    from server_stub.api.logging import log_requests_to

    log_requests_to(level=args.log_level)
    if workers == 1:
        app = create_app(settings)
        collector.settle()
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    else:
        signing_key(settings)  # read or made once here, before the workers would race to make it
        # Each worker is a fresh interpreter that builds its settings from the environment
        # (server_stub.main.app_for_worker): what the options said goes there.
        os.environ["ORDO_SERVER_DATA_DIR"] = str(settings.data_dir.resolve())
        for name in ("ORDO_SERVER_DATABASE_URL", "DATABASE_URL"):
            os.environ[name] = settings.database_url
        os.environ[WORKER_LOG_LEVEL] = args.log_level
        uvicorn.run(
            "server_stub.main:app_for_worker",
            factory=True,
            workers=workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
        )
    print("Ordo server stopped.", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordo-server", description="The Ordo central server.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", help="folder for the SQLite database (default: $ORDO_SERVER_DATA_DIR)")
        p.add_argument("--database-url", help="SQLAlchemy URL; overrides DATABASE_URL and --data-dir")

    run = sub.add_parser("run", help="migrate the database, then serve the API")
    common(run)
    run.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    run.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (default 1; above 1 needs PostgreSQL)",
    )
    run.set_defaults(func=cmd_run)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    common(migrate)
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="migrate, then create demo data (once; a second run changes nothing)")
    common(seed)
    seed.add_argument(
        "--demo", action="store_true", help="the demo organisation: 1 dispatcher, 5 technicians"
    )
    seed.add_argument(
        "--history", action="store_true", help="with --demo: ~90 days of past work for the dashboard"
    )
    seed.set_defaults(func=cmd_seed)

    prune = sub.add_parser(
        "prune",
        help="forget out-of-scope tombstones past retention (servers also do it by themselves),"
        " drop abandoned partial blob uploads ($ORDO_SERVER_BLOB_PARTIAL_RETENTION, 7 days)",
    )
    common(prune)
    prune.add_argument(
        "--older-than",
        type=float,
        metavar="SECONDS",
        help="retention in seconds (default: $ORDO_SERVER_TOMBSTONE_RETENTION, 30 days)",
    )
    prune.set_defaults(func=cmd_prune)

    from server_stub.cli.accounts import add_commands as add_account_commands

    add_account_commands(sub, common)

    from server_stub.cli.apikeys import add_commands as add_apikey_commands

    add_apikey_commands(sub, common)

    from server_stub.imports.cli import add_commands as add_import_commands

    add_import_commands(sub, common)

    from server_stub.schedules.cli import add_commands as add_schedule_commands

    add_schedule_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
