"""``netopt playground``: serve the interactive page on this machine.

::

    netopt playground [--port 8000] [--host 127.0.0.1] [--no-browser]

Starts a uvicorn server with the playground app (needs ``pip install "netopt[playground]"``),
opens the page in the default browser unless ``--no-browser`` is given, and serves until
Ctrl-C. It binds 127.0.0.1 unless ``--host`` says otherwise, and warns when the address is
reachable from other machines.
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``playground`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "playground",
        help="serve the interactive training page on this machine",
        description="Train small netopt networks on 2-D data and race optimizers on loss "
        "surfaces, live in the browser. Needs the playground extra.",
    )
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open the page in a browser"
    )
    parser.set_defaults(handler=run)


def run(args: Any) -> int:
    """Serve the playground until interrupted; return the exit status."""
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be in [0, 65535], got {args.port}")
    try:
        from netopt.playground.server import is_loopback, make_server
    except ModuleNotFoundError as exc:
        print(
            f"netopt playground: error: {exc.name} is not installed; "
            'pip install "netopt[playground]"',
            file=sys.stderr,
        )
        return 2
    if not is_loopback(args.host):
        print(
            f"netopt playground: warning: binding {args.host} makes the playground reachable "
            "from other machines; it has no authentication",
            file=sys.stderr,
        )
    try:  # a clear message for a busy port, before uvicorn's own
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((args.host, args.port))
    except OSError as exc:
        raise ValueError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    shown = f"[{args.host}]" if ":" in args.host else args.host
    if args.host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    url = f"http://{shown}:{args.port}/"
    server = make_server(args.host, args.port, log_level="warning")
    print(f"netopt playground: serving {url} (Ctrl-C stops)", flush=True)
    if not args.no_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn shuts down, then re-raises the signal it caught
        pass
    print("netopt playground: stopped", flush=True)
    return 0
