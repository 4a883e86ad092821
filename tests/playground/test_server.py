"""The playground server over real HTTP and WebSocket connections on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from .conftest import Server, wait_for

ws_client = pytest.importorskip("websockets.sync.client", reason="needs the playground extra")


def _get(server, path: str, host: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{server.port}")
    conn.endheaders()
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def _connect(server, **kwargs):
    return ws_client.connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=30, **kwargs)


def _next(ws, kind: str) -> dict:
    """The next message of type ``kind`` (frames of a playing session may come between)."""
    while True:
        message = json.loads(ws.recv(timeout=60))
        if message["type"] == kind:
            return message


def test_page_carries_csp_and_nosniff(server):
    response = _get(server, "/")
    assert response.status == 200
    assert b"netopt playground" in response.body
    csp = response.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    static = _get(server, "/static/app.js")
    assert static.status == 200 and static.getheader("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_foreign_host_header_is_refused(server, host):
    # DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host
    assert _get(server, "/", host=host).status == 400


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_loopback_host_names_are_served(server, host):
    assert _get(server, "/", host=f"{host}:{server.port}").status == 200


@pytest.mark.parametrize(
    "path",
    ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static//etc/passwd"],
)
def test_static_paths_cannot_leave_the_folder(server, path):
    response = _get(server, path)
    assert response.status == 404 and b"create_app" not in response.body


def test_a_cross_origin_websocket_is_refused(server):
    with pytest.raises(Exception, match=r"HTTP 403"):
        with _connect(server, origin="http://evil.example") as ws:
            ws.send(json.dumps({"type": "config", "config": {}}))
            ws.recv(timeout=30)


BAD_MESSAGES = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "unknown message type"),
    (json.dumps({"type": "explode"}), "unknown message type 'explode'"),
    (json.dumps({"type": "config", "config": {"lr": "fast"}}), "lr must be a number"),
    (json.dumps({"type": "config", "config": {"lr": 1e9}}), "lr must be a number"),
    (json.dumps({"type": "config", "config": {"hidden": [8] * 7}}), "hidden must be a list"),
    (json.dumps({"type": "config", "config": {"hidden": [99]}}), "hidden must be a list"),
    (json.dumps({"type": "config", "config": {"features": []}}), "features must be"),
    (json.dumps({"type": "config", "config": {"batchnorm": 1}}), "batchnorm must be true"),
    (json.dumps({"type": "config", "config": {"bogus": 1}}), "unknown config key"),
    (json.dumps({"type": "config", "config": {"n": 100, "batch": 80}}), "batch must be at most"),
    (json.dumps({"type": "race", "racers": []}), "racers must be a list"),
    (json.dumps({"type": "race", "surface": "moon", "racers": []}), "surface must be one of"),
    (json.dumps({"type": "race", "racers": [{"optimizer": "sgd", "lr": -1}]}), "racer lr"),
    (json.dumps({"type": "race", "steps": 10**9, "racers": [{"optimizer": "sgd"}]}), "steps"),
    (json.dumps({"type": "config", "config": {"noise": float("nan")}}), "noise must be"),
    ('{"type": "config", "config": ' + "[" * 5000 + "]" * 5000 + "}", "not valid JSON"),
    (json.dumps({"type": "config", "config": {"seed": "x" * 20000}}), "too large"),
]


def test_malformed_messages_get_errors_and_the_session_survives(server):
    with _connect(server) as ws:
        for text, expected in BAD_MESSAGES:
            ws.send(text)
            message = _next(ws, "error")
            assert expected in message["message"], (text[:60], message)
        ws.send(b"\x00\x01binary")
        assert "binary" in _next(ws, "error")["message"]
        ws.send(json.dumps({"type": "step"}))
        assert "send a config" in _next(ws, "error")["message"]
        ws.send(json.dumps({"type": "config", "config": {"hidden": [3]}}))
        assert _next(ws, "reset")["config"]["hidden"] == [3]
        assert _next(ws, "frame")["epoch"] == 0
        ws.send(json.dumps({"type": "step"}))
        assert _next(ws, "frame")["epoch"] == 1
    # and the server still serves a new tab
    assert _get(server, "/").status == 200


def test_too_many_messages_are_refused_not_queued(server):
    with _connect(server) as ws:
        for _ in range(60):
            ws.send(json.dumps({"type": "pause"}))
        answers = [json.loads(ws.recv(timeout=60)) for _ in range(60)]
        errors = [a for a in answers if a["type"] == "error"]
        assert errors and all("too many messages" in a["message"] for a in errors)


def test_twenty_tabs_all_train(server):
    """A bounded load test: 20 sessions at once, each plays until epoch 5."""
    epochs: dict[int, int] = {}
    failures: list[str] = []

    def tab(k: int) -> None:
        try:
            with _connect(server) as ws:
                ws.send(json.dumps({"type": "config", "config": {"seed": k}}))
                ws.send(json.dumps({"type": "play"}))
                while epochs.get(k, 0) < 5:
                    epochs[k] = _next(ws, "frame")["epoch"]
                ws.send(json.dumps({"type": "pause"}))
        except Exception as exc:  # reported below, with the tab's number
            failures.append(f"tab {k}: {exc!r}")

    threads = [threading.Thread(target=tab, args=(k,)) for k in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert sorted(epochs) == list(range(20)) and min(epochs.values()) >= 5


def test_ctrl_c_stops_the_server_cleanly():
    srv = Server()
    with _connect(srv) as ws:
        ws.send(json.dumps({"type": "config", "config": {}}))
        ws.send(json.dumps({"type": "play"}))
        _next(ws, "frame")
        code, out, err = srv.stop()
    assert code == 0, err[-2000:]
    assert "stopped" in out and "Traceback" not in err


def test_a_public_host_warns():
    srv = Server(host="0.0.0.0")
    try:
        wait_for(lambda: srv.proc.poll() is None, what="the server")
    finally:
        code, _, err = srv.stop()
    assert "warning" in err and "0.0.0.0" in err
    assert code == 0


def test_a_busy_port_or_a_bad_port_is_a_clear_error():
    import socket
    import subprocess
    import sys

    pytest.importorskip("uvicorn", reason="needs the playground extra")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for bad, message in ((str(port), "cannot listen on 127.0.0.1"), ("70000", "--port")):
            result = subprocess.run(
                [sys.executable, "-m", "netopt", "playground", "--no-browser", "--port", bad],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 2 and message in result.stderr, result.stderr


def test_tabs_beyond_the_session_limit_are_refused(server):
    from contextlib import ExitStack

    from netopt.playground.app import MAX_SESSIONS

    with ExitStack() as stack:
        tabs = [stack.enter_context(_connect(server)) for _ in range(MAX_SESSIONS)]
        tabs[-1].send(json.dumps({"type": "pause"}))
        assert _next(tabs[-1], "paused")  # the last allowed tab is served
        with pytest.raises(Exception, match=r"HTTP 403"):
            with _connect(server) as extra:
                extra.send(json.dumps({"type": "pause"}))
                extra.recv(timeout=30)
    # once tabs close, new ones are served again
    wait_for(lambda: _served(server), what="a new tab after the others closed")


def _served(server) -> bool:
    try:
        with _connect(server) as ws:
            ws.send(json.dumps({"type": "pause"}))
            return _next(ws, "paused")["type"] == "paused"
    except Exception:
        return False
