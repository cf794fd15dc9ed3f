"""`ordo-server import orders FILE --org ORG [--good-rows] [--check] [--tz ZONE]`: the same
import as the desk's (server_stub.imports), from a file on the server's machine.

Prints the report (counts, then each refused or already-imported row with its reasons)
and exits 0 when no row was refused (every good row imported, or with --check: would
be), 1 when the file or any row was refused (with --good-rows the good rows were
imported all the same: the report says which), 2 for a usage error (no such file,
organisation or zone; a file over the size limit).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.domain.import_report import ImportMode, ImportReport, RowStatus

MAX_LINES = 200  # rows listed on the terminal; the counts say the rest


def add_commands(sub: Any, common: Any) -> None:
    imports = sub.add_parser("import", help="bring data in from files")
    what = imports.add_subparsers(dest="what", required=True)
    orders = what.add_parser(
        "orders",
        help="import orders from a CSV file: every row checked; nothing imported if any row is"
        " refused, unless --good-rows; the same file twice makes no duplicates",
    )
    common(orders)
    orders.add_argument("file", help="the CSV file (UTF-8, UTF-16 or Windows-1252; a header row first)")
    orders.add_argument("--org", required=True, help="the organisation's name or id")
    mode = orders.add_mutually_exclusive_group()
    mode.add_argument("--good-rows", action="store_true", help="import the good rows, report the others")
    mode.add_argument("--check", action="store_true", help="check and report only; import nothing")
    orders.add_argument(
        "--tz", default="UTC", help="IANA zone of times written without an offset (default UTC)"
    )
    orders.set_defaults(func=cmd_import_orders)


def cmd_import_orders(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import AccountError, find_organisation
    from server_stub.cli.kit import open_migrated
    from server_stub.imports import ImportTooLarge, import_orders
    from server_stub.imports.service import UnknownZone

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as err:
        print(f"error: cannot read {path}: {err.strerror or err}", file=sys.stderr)
        return 2
    mode = ImportMode.CHECK if args.check else ImportMode.GOOD if args.good_rows else ImportMode.ALL
    db = open_migrated(args)
    if db is None:
        return 1
    try:
        with db.read() as session:
            try:
                org = find_organisation(session, args.org)
            except AccountError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
        if org is None:
            print(f"error: there is no organisation {args.org!r}", file=sys.stderr)
            return 2
        report = import_orders(
            db, org_id=org.id, data=data, mode=mode, now=datetime.now(UTC), zone=args.tz, file_name=path.name
        )
    except (ImportTooLarge, UnknownZone) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(report_text(report, file_name=path.name, org_name=org.name))
    return 1 if report.refused_file or report.refused > 0 else 0


def report_text(report: ImportReport, *, file_name: str, org_name: str) -> str:
    """The report for a terminal: a summary, the columns, then the rows that need a look."""
    lines = [f"{file_name} into {org_name!r} ({report.mode.value}): {report.summary()}"]
    if report.encoding:
        lines.append(f"Read as {report.encoding}; times without an offset in {report.zone}.")
    if report.columns.unknown:
        lines.append("Unknown columns, ignored: " + ", ".join(report.columns.unknown))
    if report.columns.not_imported:
        lines.append("Read but not imported: " + ", ".join(report.columns.not_imported))
    shown = [r for r in report.rows if r.status is not RowStatus.OK]
    shown.sort(key=lambda r: (r.status is not RowStatus.REFUSED, r.row))
    for line in shown[:MAX_LINES]:
        word = "refused" if line.status is RowStatus.REFUSED else "already here"
        lines.append(f"  row {line.row}: {word}: " + "; ".join(line.reasons))
    if len(shown) > MAX_LINES:
        lines.append(f"  ... and {len(shown) - MAX_LINES} more")
    return "\n".join(lines)
