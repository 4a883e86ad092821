"""The playground's ASGI app (Starlette): one page, its static files, one WebSocket.

Security, for a server meant for one person's machine: requests whose ``Host`` header is
not an allowed name are refused with 400 (a DNS-rebinding page cannot reach the server
under its own name); a WebSocket whose ``Origin`` is not the page's own is refused;
every response carries a Content-Security-Policy (scripts, styles and connections from
this origin only), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
``Referrer-Policy: no-referrer``. Static files are looked up by name in the package's
``static/`` folder (Starlette's ``StaticFiles`` refuses paths that leave it).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .session import Session

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _hostname(value: str) -> str:
    """The host part of a ``Host`` header (``name:port``, ``[v6]:port``), lower-cased."""
    return (urlsplit(f"//{value}").hostname or "").lower()


class _Guard:
    """ASGI middleware: the Host check, the Origin check and the security headers."""

    def __init__(self, app, allowed: tuple[str, ...] | None) -> None:
        self.app = app
        self.allowed = allowed  # None: any host (the server was bound to a wildcard)

    def _host_ok(self, headers: dict[bytes, bytes]) -> bool:
        if self.allowed is None:
            return True
        return _hostname(headers.get(b"host", b"").decode("latin-1")) in self.allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if not self._host_ok(headers):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            response = PlainTextResponse("bad Host header", status_code=400, headers=HEADERS)
            return await response(scope, receive, send)
        if scope["type"] == "websocket":
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1").lower()
            if origin and urlsplit(origin).netloc.lower() != host:
                return await send({"type": "websocket.close", "code": 1008})
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                names = {k for k, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


async def index(request):
    """The page."""
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


async def favicon(request):
    """No icon: an empty answer instead of a 404 in the browser's console."""
    return Response(status_code=204)


#: At most this many tabs at once; more are refused (HTTP 403 at the handshake).
MAX_SESSIONS = 64
_open_sessions = 0


async def stream(websocket: WebSocket) -> None:
    """One tab's session: read messages, hand them to a :class:`Session`."""
    global _open_sessions
    if _open_sessions >= MAX_SESSIONS:
        await websocket.close(code=1013)
        return
    _open_sessions += 1
    try:
        await _serve(websocket)
    finally:
        _open_sessions -= 1


async def _serve(websocket: WebSocket) -> None:
    """Accept the connection and run its session until the tab goes."""
    await websocket.accept()

    async def send(payload):
        await websocket.send_text(json.dumps(payload, allow_nan=False))

    session = Session(send)
    session.start()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                await session.error("binary messages are not accepted; send JSON text")
                continue
            await session.handle(text)
    except WebSocketDisconnect:
        pass
    finally:
        await session.close()


def create_app(host: str = "127.0.0.1", port: int | None = None):
    """Build the ASGI app for a server bound to ``host``.

    Parameters
    ----------
    host : str
        The address the server binds. For a loopback address the ``Host`` header must be a
        loopback name; for another address it may also be that address; for a wildcard
        (``0.0.0.0``, ``::``) any name is accepted.
    port : int, optional
        Unused; kept for symmetry with :func:`netopt.playground.server.serve`.
    """
    routes = [
        Route("/", index),
        Route("/favicon.ico", favicon),
        WebSocketRoute("/ws", stream),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    if host in WILDCARDS:
        allowed = None
    else:
        allowed = (*LOOPBACK_NAMES, _hostname(host) or host.lower())
    return _Guard(app, allowed)
