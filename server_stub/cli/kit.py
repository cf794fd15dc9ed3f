"""What the account and API-key commands share: one write transaction, one-line refusals."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server_stub.settings import Settings

Common = Callable[[argparse.ArgumentParser], None]


def settings_of(args: argparse.Namespace) -> Settings:
    """The server's settings, with the command's --data-dir and --database-url over them."""
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = Path(args.data_dir)
    if args.database_url is not None:
        overrides["database_url"] = args.database_url
    return Settings(**overrides)


def where(settings: Settings) -> str:
    """The database, as a command says it: never with its password."""
    url = settings.database_url
    return url.split("@")[-1] if "@" in url else url


def open_migrated(args: argparse.Namespace) -> Any:
    """The command's database (server_stub.db.Database), migrated first; None, with one
    line on stderr and no traceback, for a wrong URL or an unreachable database."""
    from server_stub.db import open_database
    from server_stub.migrate import migrate

    settings = settings_of(args)
    try:
        migrate(settings.database_url)
        return open_database(settings.database_url)
    except Exception as exc:
        print(f"error: cannot open the database {where(settings)}: {exc}", file=sys.stderr)
        return None


class Refused(Exception):
    """A command that cannot do what was asked; the message is printed as is, exit 1."""


def in_transaction(
    args: argparse.Namespace,
    action: Callable[[Any, datetime], str],
    *,
    refusals: tuple[type[Exception], ...] = (),
) -> int:
    """Migrate, then run `action(session, now)` in one write transaction and print its
    report; a refusal rolls it back and exits 1 with the reason on stderr."""
    db = open_migrated(args)
    if db is None:
        return 1
    try:
        with db.write() as session, session.begin():
            report = action(session, datetime.now(UTC))
    except (Refused, *refusals) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(report)
    return 0
