"""`ordo`: run the client, or a whole demo (seeded server + client) with one command."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8550
DEFAULT_SERVER_PORT = 8765
# Access codes are read off a terminal and typed on a phone: no 0/O, 1/I/L lookalikes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8, about 8.5e11 codes, against a few tries a minute (app/views/account/access_gate.py)
# Flet reads these after us and they win over host= and port= (flet/app.py, run_async).
FLET_HOST_ENV = "FLET_SERVER_IP"
FLET_PORT_ENV = "FLET_SERVER_PORT"
ACCESS_CODE_ENV = "ORDO_ACCESS_CODE"  # an operator's lasting code (app/settings.py)
WILDCARDS = frozenset({"", "*", "0.0.0.0", "::", "[::]"})  # every address of this machine


def new_access_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_loopback(host: str) -> bool:
    """Whether a web view bound to `host` is reachable from this machine only.

    An address must be a loopback one; a name must resolve to loopback addresses only
    (`localhost`). The wildcards ("", "*", 0.0.0.0, ::) are every address, and a name that
    does not resolve is not known to be safe.
    """
    name = host.strip().removeprefix("[").removesuffix("]")
    if not name or name == "*":
        return False
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def web_address(*, host: str, port: int) -> tuple[str, int, str]:
    """(host, port, where the host came from) the web view will really bind to."""
    env_host, env_port = os.environ.get(FLET_HOST_ENV), os.environ.get(FLET_PORT_ENV)
    origin = f"{FLET_HOST_ENV}={env_host}" if env_host else f"--host {host}"
    port = int(env_port) if env_port and env_port.isdigit() else port
    return (env_host or host), port, origin


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def cmd_run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from app.main import run
    from app.settings import ClientSettings

    if args.allow_remote and not args.web:
        print("ordo run: --allow-remote is for the web view: add --web.", file=sys.stderr)
        return 2
    host, port, origin = web_address(host=args.host, port=args.port)
    if args.web and not args.allow_remote and not is_loopback(host):
        print(
            f"ordo run: {origin} would open this device's web view to the network, and whoever "
            "opens it there works as the account signed in here. Serve it on 127.0.0.1 (the "
            "default), or add --allow-remote to require an access code, printed at start.",
            file=sys.stderr,
        )
        return 2
    overrides: dict[str, object] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = Path(args.data_dir)
    if args.server is not None:
        overrides["server_url"] = args.server
    own_code = os.environ.get(ACCESS_CODE_ENV, "").strip()
    if args.allow_remote and not own_code:
        overrides["access_code"] = new_access_code()
    try:
        settings = ClientSettings(**overrides)
    except ValidationError as err:  # a bad ORDO_* variable: say which, not a traceback
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        print(f"ordo run: a setting is wrong ({problems}).", file=sys.stderr)
        return 2
    if args.web:
        print(f"Ordo client on http://{_url_host(host)}:{port} (data: {settings.data_dir})", flush=True)
    if args.web and settings.access_code is not None:
        if host.strip() in WILDCARDS:
            print(f"  other machines: http://{socket.gethostname()}:{port} or this machine's address")
        shown = f"the one in {ACCESS_CODE_ENV}" if own_code else settings.access_code.get_secret_value()
        print(f"  Access code: {shown} (every browser session asks for it first)", flush=True)
    run(settings=settings, web=args.web, host=host, port=port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(port=args.port, server_port=args.server_port)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, not {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordo", description="Ordo: offline-first work orders for field teams."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="open the client", description="Open the Ordo client.")
    run.add_argument(
        "--web", action="store_true", help="serve the web view on --host:--port instead of a window"
    )
    run.add_argument("--host", default=DEFAULT_HOST, help=f"address of the web view (default {DEFAULT_HOST})")
    run.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port of the web view (default {DEFAULT_PORT})"
    )
    run.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --host be an address other machines reach (0.0.0.0, a LAN address); every "
        "browser must then give an access code, printed at start",
    )
    run.add_argument("--data-dir", help="folder of this device's local database (default: $ORDO_DATA_DIR)")
    run.add_argument("--server", help="server URL pre-filled at sign-in (default: $ORDO_SERVER_URL)")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser(
        "demo",
        help="start a seeded demo server and the client together",
        description="Seed a demo server in a temporary folder, start it and the client's web view on "
        "127.0.0.1, and stop both (removing the folder) on Ctrl-C.",
    )
    demo.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"client web view port (default {DEFAULT_PORT})"
    )
    demo.add_argument(
        "--server-port",
        type=_port,
        default=DEFAULT_SERVER_PORT,
        help=f"server port (default {DEFAULT_SERVER_PORT})",
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
