"""The report opens in a real browser: headless Chromium loads every image and draws a page.

The page's inline script writes ``<body data-images="loaded/total">`` after the load event
(an image counts when ``naturalWidth > 0``); ``--dump-dom`` shows it. A copy of the page with
one corrupted image is the control that this check can fail. Skips when no Chromium is
installed (``apt-get install chromium``; ``.ci/run`` installs it).
"""

import base64
import re
import subprocess

import numpy as np
import pytest

from netopt.lab import load_experiments, report, runner, select


def _chromium(chromium, tmp_path, *args):
    browser, flags = chromium
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    result = subprocess.run(
        [browser, *flags, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def index(tmp_path_factory, chromium):
    runs = runner.run_experiments(select(load_experiments(), ["entropy"]), seed=0, quick=True)
    assert runs[0].error is None, runs[0].traceback
    out = tmp_path_factory.mktemp("browser-report")
    return report.write_report(runs, out, seed=0, quick=True)


def _loaded(dom):
    match = re.search(r'<body[^>]*data-images="(\d+)/(\d+)"', dom)
    assert match, "the page's load script did not run: " + dom[:500]
    return int(match.group(1)), int(match.group(2))


def test_every_image_loads(index, tmp_path, chromium):
    loaded, total = _loaded(_chromium(chromium, tmp_path, "--dump-dom", index.as_uri()))
    figures = len(list((index.parent / "figures").glob("*.png")))
    assert total == figures > 0
    assert loaded == total


def test_a_broken_image_is_detected(index, tmp_path, chromium):
    page = index.read_text(encoding="utf-8")
    start = page.index("data:image/png;base64,") + len("data:image/png;base64,")
    garbage = base64.b64encode(b"not a png at all" * 8).decode()
    broken = tmp_path / "broken.html"
    broken.write_text(page[:start] + garbage + page[page.index('"', start) :], encoding="utf-8")
    loaded, total = _loaded(_chromium(chromium, tmp_path, "--dump-dom", broken.as_uri()))
    assert loaded == total - 1


def test_screenshot_is_not_blank(index, tmp_path, chromium):
    image = pytest.importorskip("matplotlib.image")
    shot = tmp_path / "page.png"
    _chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", index.as_uri())
    pixels = image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"screenshot has only {len(colours)} colours"
    assert pixels.std() > 0.05
