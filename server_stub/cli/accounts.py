"""`ordo-server user ...` and `ordo-server device ...`: accounts and devices from the shell.

Exit codes: 0 done, 1 refused (unknown user or device, taken username, weak
password, ...: the reason is printed on stderr), 2 wrong usage (argparse).
Passwords are read from a prompt (twice) or, with --password-stdin, from one
line of standard input; never from the command line, where `ps` and the shell
history would keep them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.domain import Role
from app.domain.rules import SYNC_ROLES
from server_stub.cli.kit import Common, Refused, in_transaction


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise Refused("--password-stdin: standard input is empty")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise Refused("no terminal to ask for the password on: pass --password-stdin and pipe it in")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise Refused("the two passwords differ; nothing changed")
    return first


def _run(args: argparse.Namespace, action: Callable[[Any, datetime], str]) -> int:
    from server_stub.auth.accounts import AccountError

    return in_transaction(args, action, refusals=(AccountError,))


def cmd_user_create(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import check_password, check_username, create_account

    try:
        check_username(args.username)
        password = check_password(_read_password(args))
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    def action(session: Any, now: datetime) -> str:
        user, org, made = create_account(
            session,
            username=args.username,
            password=password,
            role=Role(args.role),
            org=args.org,
            display_name=args.display_name,
            create_org=args.create_org,
            now=now,
        )
        made_text = f" (organisation {org.name!r} created: {org.id})" if made else ""
        return f"Created {user.role} {user.username!r} ({user.id}) in {org.name!r}{made_text}."

    return _run(args, action)


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import check_password, reset_password

    try:
        password = check_password(_read_password(args))
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    def action(session: Any, now: datetime) -> str:
        revoked = reset_password(session, username=args.username, password=password, now=now)
        return (
            f"New password set for {args.username!r};"
            f" {revoked} token(s) revoked: every device signs in again."
        )

    return _run(args, action)


def cmd_user_disable(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import disable_user

    def action(session: Any, now: datetime) -> str:
        revoked = disable_user(session, username=args.username, now=now)
        return f"Disabled {args.username!r}: sign-in refused, {revoked} token(s) revoked."

    return _run(args, action)


def cmd_user_enable(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import enable_user

    def action(session: Any, _now: datetime) -> str:
        was = enable_user(session, username=args.username)
        return f"{args.username!r} may sign in again." if was else f"{args.username!r} was not disabled."

    return _run(args, action)


def _when(at: datetime | None) -> str:
    return "-" if at is None else f"{at:%Y-%m-%d %H:%M}"


def cmd_device_list(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import list_devices

    def action(session: Any, now: datetime) -> str:
        rows = list_devices(session, username=args.user, now=now)
        if not rows:
            return "No devices" + (f" of {args.user!r}." if args.user else ".")
        header = f"{'DEVICE':36}  {'USER':20}  {'FIRST SEEN (UTC)':16}  {'LAST SIGN-IN':16}  TOKENS  STATUS"
        lines = [header]
        for r in rows:
            lines.append(
                f"{r.device_id:36}  {r.username[:20]:20}  {_when(r.created_at):16}  "
                f"{_when(r.last_sign_in):16}  {r.live_tokens:6}  {r.status}"
            )
        return "\n".join(lines)

    return _run(args, action)


def cmd_device_revoke(args: argparse.Namespace) -> int:
    from server_stub.auth.accounts import revoke_device

    def action(session: Any, now: datetime) -> str:
        owner, live = revoke_device(session, device_id=args.device_id, wipe=args.wipe, now=now)
        then = (
            "its next request gets 401 device_wiped: it saves its unsent work to a file, then erases its data"
            if args.wipe
            else "its next request gets 401 device_revoked: it is signed out, its data kept"
        )
        return (
            f"Revoked device {args.device_id} of {owner!r} ({live} live token(s)); {then}.\n"
            f"Signing in again with the password makes it usable again: to keep the person out too,"
            f" run `ordo-server user reset-password {owner}` or `user disable {owner}`."
        )

    return _run(args, action)


def add_commands(sub: Any, common: Common) -> None:
    """Register `user` and `device` under the `ordo-server` parser's sub-commands."""
    user = sub.add_parser("user", help="create users, reset passwords, disable users")
    user_sub = user.add_subparsers(dest="user_command", required=True)

    def password_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from one line of standard input instead of prompting twice",
        )

    create = user_sub.add_parser("create", help="create a user (the password is prompted for twice)")
    common(create)
    create.add_argument("username", help="what they sign in with")
    create.add_argument("--role", required=True, choices=[r.value for r in Role if r in SYNC_ROLES])
    create.add_argument("--org", required=True, help="the organisation's name or id")
    create.add_argument(
        "--create-org", action="store_true", help="create the organisation if there is none by that name"
    )
    create.add_argument("--display-name", help="the name others see (default: the username)")
    password_option(create)
    create.set_defaults(func=cmd_user_create)

    reset = user_sub.add_parser(
        "reset-password", help="set a new password and revoke the user's tokens on every device"
    )
    common(reset)
    reset.add_argument("username")
    password_option(reset)
    reset.set_defaults(func=cmd_user_reset_password)

    disable = user_sub.add_parser(
        "disable", help="refuse the user's sign-ins (answered as a wrong password) and revoke their tokens"
    )
    common(disable)
    disable.add_argument("username")
    disable.set_defaults(func=cmd_user_disable)

    enable = user_sub.add_parser("enable", help="let a disabled user sign in again")
    common(enable)
    enable.add_argument("username")
    enable.set_defaults(func=cmd_user_enable)

    device = sub.add_parser("device", help="list devices, revoke a lost one")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    listing = device_sub.add_parser("list", help="every device that ever signed in, with its status")
    common(listing)
    listing.add_argument("--user", help="only this user's devices")
    listing.set_defaults(func=cmd_device_list)

    revoke = device_sub.add_parser(
        "revoke", help="revoke a device's tokens: its next request gets 401 (device_revoked)"
    )
    common(revoke)
    revoke.add_argument("device_id", help="the device's id, from `ordo-server device list`")
    revoke.add_argument(
        "--wipe",
        action="store_true",
        help="also tell it to erase its local data (after saving its unsent work to a file): device_wiped",
    )
    revoke.set_defaults(func=cmd_device_revoke)
