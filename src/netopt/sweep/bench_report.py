r"""The benchmark's outputs: ``bench.json`` (strict JSON), ``bench.csv`` and ``report.html``.

The page shows the protocol, one table per problem (the learning rate each method chose,
the held-out metric on fresh seeds as mean ± sd, time to target in steps and samples), the
tuning curves, and the performance profiles across problems. Same safety rules as the
sweep report: a CSP that allows no script, escaped text, atomic writes.
"""

from __future__ import annotations

import csv
import io
import json
import math
from html import escape
from pathlib import Path
from typing import Any

from .._io.atomic import atomic_write_text
from .report_page import _CSP, _CSS, _num, _table
from .svg import Series, chart, display_cap


def _plain(obj: Any) -> Any:
    """Replace non-finite floats by None (strict JSON has no Infinity)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _work(v: Any, applies: bool = True) -> str:
    if not applies:
        return "—"
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "not reached"
    return f"{v:.0f}"


def summary_rows(data: dict[str, Any]) -> list[list[str]]:
    """Return ``[problem, method, lr, held-out mean ± sd, steps, samples, reached]`` rows."""
    n = data["protocol"]["final_seeds"]
    out = []
    for r in data["results"]:
        out.append(
            [
                r["problem"],
                r["method"],
                _num(r["lr"]),
                f"{_num(r['mean'])} ± {_num(r['sd'])}",
                _work(r["steps_to_target"]),
                _work(r["samples_to_target"], r.get("has_samples", True)),
                f"{r['reached']}/{n}",
            ]
        )
    return out


HEAD = ["problem", "method", "lr", "held-out mean ± sd", "steps to target", "samples", "reached"]


def page(data: dict[str, Any]) -> str:
    """Return the benchmark page's HTML."""
    p = data["protocol"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">',
        f"<title>netopt bench ({escape(data['suite'])})</title><style>{_CSS}</style></head>",
        f"<body><h1>netopt bench: suite {escape(data['suite'])}</h1>",
        "<p>Every method's learning rate is tuned on the validation split over a log grid of "
        f"{p['n_lr']} rates in [{p['lr_low']:g}, {p['lr_high']:g}] × {p['tune_seeds']} seeds "
        "(selected by the median over seeds; a failed seed counts as +inf), then re-run on "
        f"{p['final_seeds']} fresh seeds and reported on held-out data. Time to target counts "
        "optimizer steps and training samples until the validation objective first reaches "
        "the problem's target (median over the fresh seeds), never seconds.</p>",
    ]
    profile = data["profile"]
    series = [
        Series(m, [(t, rho, None, None) for t, rho in pts], step=True)
        for m, pts in sorted(profile.items())
        if pts
    ]
    svg = chart(series, xlabel="τ (steps / best steps)", ylabel="fraction of problems", xlog=True)
    parts.append("<h2>Performance profiles (time to target)</h2>")
    parts.append(
        f"<figure>{svg}</figure>" if svg else "<p class='muted'>No method reached a target.</p>"
    )
    for task in data["tasks"]:
        name = task["problem"]
        rows = [r for r in summary_rows(data) if r[0] == name]
        parts.append(
            f"<h2>{escape(name)}</h2><p class='muted'>options: "
            f"{escape(json.dumps(task['options']))}; held-out metric "
            f"{escape(task['heldout'])}</p>"
        )
        parts.append(_table(HEAD[1:], [[escape(c) for c in row[1:]] for row in rows], 2))
        curves = [
            Series(r["method"], [(lr, m, None, None) for lr, m in r["tuning"]])
            for r in data["results"]
            if r["problem"] == name
        ]
        values = [pt[1] for s in curves for pt in s.points if pt[1] is not None]
        ylog = bool(values) and min(values) > 0 and max(values) / min(values) > 100
        svg = chart(
            curves,
            ycap=display_cap(values) if ylog else None,
            xlabel="learning rate",
            ylabel="median validation objective",
            xlog=True,
            ylog=ylog,
        )
        if svg:
            parts.append(
                f"<figure>{svg}<figcaption class='muted'>tuning curves</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_bench(out: Path, data: dict[str, Any]) -> dict[str, Path]:
    """Write ``bench.json``, ``bench.csv`` and ``report.html`` into ``out``."""
    for r in data["results"]:
        r["has_samples"] = r["samples_to_target"] is not None
    plain = _plain(data)
    paths = {
        "json": atomic_write_text(out / "bench.json", json.dumps(plain, indent=1, allow_nan=False))
    }
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "problem",
            "method",
            "lr",
            "heldout",
            "mean",
            "sd",
            "steps_to_target",
            "samples_to_target",
            "reached",
            "failed",
        ]
    )
    for r in plain["results"]:
        writer.writerow(
            [
                r["problem"],
                r["method"],
                r["lr"],
                r["heldout"],
                r["mean"],
                r["sd"],
                r["steps_to_target"],
                r["samples_to_target"],
                r["reached"],
                r["failed"],
            ]
        )
    paths["csv"] = atomic_write_text(out / "bench.csv", buf.getvalue())
    paths["html"] = atomic_write_text(out / "report.html", page(plain))
    return {k: Path(v) for k, v in paths.items()}
