"""Fixtures of the playground tests: a real server process and a headless Chromium.

The server is ``python -m netopt playground --no-browser`` on a free port of 127.0.0.1,
started by the test and stopped with SIGINT (Ctrl-C). The browser is Debian's
``/usr/bin/chromium`` (or another Chromium on PATH) driven by Playwright; no browser is
ever downloaded. Tests that need the playground extra, Playwright or Chromium skip with
the reason when one is missing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

WAIT = 60.0  # generous: a busy 2-core machine; verdicts never depend on it


def wait_for(predicate, timeout: float = WAIT, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A ``netopt playground`` process on 127.0.0.1."""

    def __init__(self, *extra: str, host: str = "127.0.0.1") -> None:
        pytest.importorskip("starlette", reason="needs the playground extra")
        pytest.importorskip("uvicorn", reason="needs the playground extra")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netopt",
                "playground",
                "--no-browser",
                "--host",
                host,
                "--port",
                str(self.port),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        wait_for(self._listening, what="the server to listen")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"server exited early: {self.proc.communicate()[1][-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C the server; return (exit status, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out, err


@pytest.fixture(scope="session")
def server():
    """One server for the session's browser and protocol tests."""
    srv = Server()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser(chromium):
    """Headless Chromium through Playwright (never `playwright install`)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (test extra)")
    path, flags = chromium
    with sync_api.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=path, args=list(flags))
        yield chrome
        chrome.close()


@pytest.fixture
def page(browser, server):
    """A fresh tab (1280x800); fails the test if the page logged an error (a CSP
    violation, an exception)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    tab.problems = problems
    yield tab
    context.close()
    assert not problems, problems
