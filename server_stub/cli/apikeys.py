"""`ordo-server apikey create|revoke`: integration keys for the intake endpoints.

A key is printed once, when it is made; the server keeps only its SHA-256.
Exit codes: 0 done, 1 refused (unknown organisation or key), 2 wrong usage.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from server_stub.cli.kit import Common, Refused, in_transaction


def cmd_apikey_create(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import AccountError, find_organisation
    from server_stub.auth.apikeys import create_api_key

    def action(session: Any, now: datetime) -> str:
        try:
            org = find_organisation(session, args.org)
        except AccountError as exc:
            raise Refused(str(exc)) from None
        if org is None:
            raise Refused(f"there is no organisation {args.org!r}")
        issued = create_api_key(session, org_id=org.id, name=args.name, now=now)
        return (
            f"{issued.key}\n"
            f"Integration key {issued.key_id} for {org.name!r} ({args.name}). It is shown this once:"
            f" send it as the X-API-Key header to /api/v1/intake/*."
        )

    return in_transaction(args, action)


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    from server_stub.auth.apikeys import revoke_api_key

    def action(session: Any, now: datetime) -> str:
        if not revoke_api_key(session, key_id=args.key_id, now=now):
            raise Refused(f"there is no API key {args.key_id!r}")
        return f"Revoked API key {args.key_id}: intake answers it with 401 from now on."

    return in_transaction(args, action)


def add_commands(sub: Any, common: Common) -> None:
    """Register `apikey` under the `ordo-server` parser's sub-commands."""
    apikey = sub.add_parser("apikey", help="integration keys for the intake endpoints")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    create = apikey_sub.add_parser("create", help="make a key for an organisation and print it once")
    common(create)
    create.add_argument("--org", required=True, help="the organisation's name or id")
    create.add_argument("--name", default="Integration", help="what the key is for (shown as its author)")
    create.set_defaults(func=cmd_apikey_create)
    revoke = apikey_sub.add_parser("revoke", help="revoke a key by the id printed when it was made")
    common(revoke)
    revoke.add_argument("key_id")
    revoke.set_defaults(func=cmd_apikey_revoke)
