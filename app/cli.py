"""`ordo`: run the client, or a whole demo (seeded server + client) with one command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8550
DEFAULT_SERVER_PORT = 8765


def cmd_run(args: argparse.Namespace) -> int:
    from app.main import run
    from app.settings import ClientSettings

    overrides: dict[str, object] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = Path(args.data_dir)
    if args.server is not None:
        overrides["server_url"] = args.server
    settings = ClientSettings(**overrides)
    if args.web:
        print(f"Ordo client on http://{args.host}:{args.port} (data: {settings.data_dir})", flush=True)
    run(settings=settings, web=args.web, host=args.host, port=args.port)
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
