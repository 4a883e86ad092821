"""Take the README's screenshots of ``netopt playground`` with headless Chromium.

    python benchmarks/playground_screenshots.py [--out docs/images]

Starts a server on a free port of 127.0.0.1, drives the page with Playwright and Debian's
``/usr/bin/chromium`` (no browser download), and writes ``playground.png`` (network panel,
1280x800, a spiral learned), ``playground-race.png`` (the race on the chapter's ravine),
``playground-zh.png`` (the 中文 labels; needs a CJK font such as fonts-wqy-microhei) and
``playground-phone.png`` (390 px wide).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from playground_bench import start_server

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SPIRAL = (
    "#dataset=spiral&noise=0.1&hidden=8,8,6&features=x1,x2,sinx1,sinx2&optimizer=adam"
    "&lr=0.01&schedule=cosine&t_max=300&batch=10&grid=100"
)


def _wait(predicate, timeout: float = 120.0):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("the page did not reach the expected state")
        time.sleep(0.1)


def main() -> int:
    """Write the screenshots."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images", help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    proc, port = start_server()
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url + SPIRAL)
            _wait(lambda: page.get_attribute("#test-loss", "data-value"))
            page.check("#show-test")
            page.click("#play")
            _wait(lambda: int(page.text_content("#epoch")) >= 150)
            page.click("#play")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "playground.png"))
            page.click("#lang")
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / "playground-zh.png"))
            page.click("#lang")
            page.click("#tab-race")
            _wait(lambda: page.locator("#race-results li").count() > 0)
            page.click("#add-racer")
            page.click("#run-race")
            page.wait_for_timeout(5000)
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(out / "playground-race.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(url + SPIRAL)
            _wait(lambda: phone.get_attribute("#test-loss", "data-value"))
            phone.click("#play")
            _wait(lambda: int(phone.text_content("#epoch")) >= 60)
            phone.click("#play")
            phone.wait_for_timeout(500)
            phone.screenshot(path=str(out / "playground-phone.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for name in ("playground", "playground-zh", "playground-race", "playground-phone"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
