"""The lab's report: results.json schema, figures on disk, atomic writes, a safe page."""

import base64
import hashlib
import json
import os
import re

import pytest

import netopt
from netopt.lab import report, runner
from netopt.lab.core import Claim, Experiment, FigureSpec, Result, Table
from netopt.lab.page import format_cell, png_size
from netopt.lab.plotting import figure

HOSTILE = '<script>alert("x")</script> & "quotes"'


def _drawn(ctx):
    fig, ax = figure()
    ax.plot([0, 1, 2], [2, 0, 1])
    ax.set_xlabel("step")
    return Result(
        claims=[
            Claim("a claim that holds", True, "x = 1", kind="check"),
            Claim(
                f"a claim that fails {HOSTILE}",
                False,
                f"evidence {HOSTILE}",
                kind="finding",
                protocol={"seeds": 3, "tuning": "none", "statistic": "3 of 3 seeds"},
            ),
        ],
        figures=[FigureSpec("curve", fig, f"Cf. chapter figure 6.10 {HOSTILE}")],
        tables=[
            Table(f"numbers {HOSTILE}", ["name", "value"], [["nan", float("nan")], [HOSTILE, 2]])
        ],
        summary=f"summary {HOSTILE}",
    )


def _crash(ctx):
    raise ValueError(f"crashed {HOSTILE}")


@pytest.fixture(scope="module")
def runs():
    experiments = [
        Experiment("drawn", f"Drawn {HOSTILE}", "画图", "slide 1", 1, _drawn),
        Experiment("crash", "Crash", "崩溃", "slide 2", 2, _crash),
    ]
    return runner.run_experiments(experiments, seed=5, quick=True)


@pytest.fixture(scope="module")
def written(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    index = report.write_report(runs, out, seed=5, quick=True, total_seconds=1.25)
    return out, index


def test_results_json_schema(written):
    out, _ = written
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for key, kind in {
        "experiments": list,
        "netopt_version": str,
        "numpy_version": str,
        "python": str,
        "seed": int,
        "quick": bool,
        "started": str,
        "total_seconds": float,
    }.items():
        assert isinstance(doc[key], kind), key
    assert doc["netopt_version"] == netopt.__version__
    assert (doc["seed"], doc["quick"], doc["total_seconds"]) == (5, True, 1.25)
    assert (doc["claims_holding"], doc["claims_total"]) == (1, 2)
    drawn, crash = doc["experiments"]
    expected = {"name", "title", "title_zh", "reference", "claims", "tables", "figures"}
    assert expected | {"seconds", "error"} <= set(drawn)
    assert drawn["name"] == "drawn" and drawn["title_zh"] == "画图" and drawn["error"] is None
    assert drawn["claims"][1] == {
        "claim": f"a claim that fails {HOSTILE}",
        "kind": "finding",
        "holds": False,
        "evidence": f"evidence {HOSTILE}",
        "protocol": {"seeds": 3, "tuning": "none", "statistic": "3 of 3 seeds"},
    }
    assert drawn["claims"][0]["kind"] == "check" and drawn["claims"][0]["protocol"] is None
    counts = ("findings_holding", "findings_total", "checks_holding", "checks_total")
    assert tuple(doc[k] for k in counts) == (0, 1, 1, 1)
    assert tuple(drawn[k] for k in counts) == (0, 1, 1, 1)
    assert drawn["tables"][0]["rows"] == [["nan", "nan"], [HOSTILE, 2]]  # NaN as a string
    assert drawn["figures"] == ["figures/drawn-curve.png"]
    assert crash["error"] == f"ValueError: crashed {HOSTILE}"
    assert "Traceback" in crash["traceback"] and crash["claims"] == []


def test_figures_written_and_embedded(written, runs):
    out, index = written
    png = (out / "figures" / "drawn-curve.png").read_bytes()
    assert png == runs[0].figures[0].png
    page = index.read_text(encoding="utf-8")
    assert base64.b64encode(png).decode() in page
    width, height = png_size(png)
    assert f'width="{width}" height="{height}"' in page


def test_page_escapes_all_text(written):
    _, index = written
    page = index.read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes") >= 7


def test_page_is_self_contained(written):
    _, index = written
    page = index.read_text(encoding="utf-8")
    sources = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert sources, "expected embedded images and links"
    for source in sources:
        assert source.startswith(("data:image/png;base64,", "#", "figures/")), source
    assert "<link" not in page and "@import" not in page and "url(" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"sha256-{digest}" in csp  # the one inline script is allowed by its hash


def test_page_shows_titles_summary_and_failures(written):
    _, index = written
    page = index.read_text(encoding="utf-8")
    assert "网络优化" in page and "画图" in page and "崩溃" in page
    assert "findings: 0 of 1 hold; checks: 1 of 1 (2 experiments); 1 experiment crashed." in page
    assert "Findings (0 of 1 hold" in page and "Checks (1 of 1 hold" in page
    assert "<dt>statistic:</dt><dd>3 of 3 seeds</dd>" in page
    assert ">nan<" not in page and "—" in page  # an unmeasured value reads as a dash
    assert page.count("does not hold") >= 2  # in the summary list and in the claims table
    assert "This experiment crashed" in page
    assert "Cf. chapter figure 6.10" in page


def test_stale_figures_of_rerun_experiments_are_removed(runs, tmp_path):
    (tmp_path / "figures").mkdir()
    stale = tmp_path / "figures" / "drawn-old.png"
    other = tmp_path / "figures" / "someone-else.png"
    stale.write_bytes(b"old")
    other.write_bytes(b"keep")
    report.write_report(runs, tmp_path, seed=0, quick=False)
    assert not stale.exists() and other.read_bytes() == b"keep"
    assert (tmp_path / "figures" / "drawn-curve.png").exists()


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    report.atomic_write(target, b"old")

    def interrupted(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError, match="disk full"):
        report.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temp left


def test_atomic_write_replaces_and_is_readable(tmp_path):
    target = tmp_path / "index.html"
    report.atomic_write(target, b"one")
    report.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.14384103622589045, "0.1438"),
        (1234567.0, "1.235e+06"),
        (3, "3"),
        (False, "no"),
        (float("inf"), "inf"),
        ("x", "x"),
    ],
)
def test_format_cell(value, text):
    assert format_cell(value) == text
