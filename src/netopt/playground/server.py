"""Run the playground: uvicorn serving :func:`~netopt.playground.app.create_app`."""

from __future__ import annotations

import ipaddress
import socket

import uvicorn

from .app import create_app


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def make_server(host: str, port: int, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for the playground (not yet started)."""
    config = uvicorn.Config(
        create_app(host, port),
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=65_536,
        lifespan="off",
    )
    return uvicorn.Server(config)


def serve(host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "warning") -> None:
    """Serve until interrupted (uvicorn handles Ctrl-C and closes the connections)."""
    make_server(host, port, log_level=log_level).run()
