r"""The sweep report: one self-contained HTML page and a CSV of every finished trial.

The page shows learning-rate sensitivity per optimizer (the median over seeds of the best
setting of the other hyper-parameters at each learning rate, the band spanning the seeds),
the best configurations with their spread over seeds, and the pruner's decisions (which
trials stopped at which step) and failures with their errors. It carries a
Content-Security-Policy that allows no script and no network, all text is escaped, and both
files are written atomically (:mod:`netopt._io.atomic`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from .._io.atomic import atomic_write_text
from .svg import Series, chart, display_cap

_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
    "padding:2px 8px;text-align:right;font-size:13px}th{background:#f4f4f4}"
    "td.l,th.l{text-align:left}.muted{color:#777}figure{display:inline-block;margin:0 1em 1em 0}"
)


def params_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a row's hyper-parameters (``param_`` columns, prefix removed, unset ones out)."""
    return {k[6:]: v for k, v in row.items() if k.startswith("param_") and v is not None}


def group(rows: Iterable[Mapping[str, Any]], *, over: str = "seed") -> list[dict[str, Any]]:
    """Group rows by config without ``over`` (the seed); summarize each group's values.

    Returns
    -------
    list of dict
        ``config``, ``values`` (finished values), ``n`` (trials), ``failed``, ``pruned``,
        and ``median``, ``mean``, ``sd`` (sample, 0 for one value), ``min``, ``max`` of the
        completed values (None when there is none).
    """
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        config = {k: v for k, v in params_of(row).items() if k != over}
        key = json.dumps(config, sort_keys=True)
        g = groups.setdefault(key, {"config": config, "values": [], "rows": []})
        g["rows"].append(row)
        if row["state"] == "complete" and row["value"] is not None:
            g["values"].append(float(row["value"]))
    out = []
    for g in groups.values():
        v = g["values"]
        g["n"] = len(g["rows"])
        g["failed"] = sum(r["state"] == "fail" for r in g["rows"])
        g["pruned"] = sum(r["state"] == "pruned" for r in g["rows"])
        g["median"] = statistics.median(v) if v else None
        g["mean"] = statistics.fmean(v) if v else None
        g["sd"] = statistics.stdev(v) if len(v) > 1 else (0.0 if v else None)
        g["min"], g["max"] = (min(v), max(v)) if v else (None, None)
        out.append(g)
    return out


def ranked(groups: Sequence[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """Return groups with a value, best median first (failed or pruned seeds rank last)."""
    sign = 1.0 if direction == "minimize" else -1.0
    done = [g for g in groups if g["median"] is not None]
    return sorted(done, key=lambda g: (g["failed"] + g["pruned"], sign * g["median"]))


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    return escape(str(v))


def _config_text(config: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_num(v) if isinstance(v, float) else v}" for k, v in config.items())


def sensitivity(groups: Sequence[dict[str, Any]], direction: str) -> list[Series]:
    """Per optimizer: at each lr, the best group's median, the band over its seeds."""
    sign = 1.0 if direction == "minimize" else -1.0
    by_opt: dict[str, dict[float, dict[str, Any]]] = {}
    for g in groups:
        lr = g["config"].get("lr")
        if lr is None or g["median"] is None:
            continue
        best = by_opt.setdefault(str(g["config"].get("optimizer", "all")), {})
        old = best.get(float(lr))
        if old is None or sign * g["median"] < sign * old["median"]:
            best[float(lr)] = g
    return [
        Series(name, [(lr, g["median"], g["min"], g["max"]) for lr, g in sorted(pts.items())])
        for name, pts in sorted(by_opt.items())
    ]


def _table(head: Sequence[str], body: Iterable[Sequence[str]], left: int = 1) -> str:
    cls = [' class="l"' if i < left else "" for i in range(len(head))]
    h = "".join(f"<th{c}>{escape(t)}</th>" for c, t in zip(cls, head))
    rows = ["<tr>" + "".join(f"<td{c}>{t}</td>" for c, t in zip(cls, r)) + "</tr>" for r in body]
    return f"<table><tr>{h}</tr>{''.join(rows)}</table>"


def page(spec: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """Return the report's HTML for the run ``spec`` and its ``rows``."""
    metric, direction = spec.get("metric", "value"), spec.get("direction", "minimize")
    groups = group(rows)
    states = {s: sum(r["state"] == s for r in rows) for s in ("complete", "pruned", "fail")}
    title = f"netopt sweep: {spec.get('name', '')}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>problem <b>{escape(str(spec.get('problem')))}</b>, sampler "
        f"{escape(str(spec.get('sampler')))}, pruner {escape(str(spec.get('pruner')))}, root "
        f"seed {escape(str(spec.get('seed')))}; objective {escape(metric)} "
        f"({escape(direction)}). Trials: {len(rows)} finished — {states['complete']} "
        f"complete, {states['pruned']} pruned, {states['fail']} failed.</p>",
    ]
    series = sensitivity(groups, direction)
    values = [p[1] for s in series for p in s.points]
    ylog = bool(values) and min(values) > 0 and max(values) / min(values) > 100
    cap = display_cap(values) if ylog else None
    svg = chart(series, xlabel="learning rate", ylabel=metric, xlog=True, ylog=ylog, ycap=cap)
    parts.append("<h2>Learning-rate sensitivity</h2>")
    if svg:
        parts.append(
            f"<figure>{svg}<figcaption class='muted'>Per optimizer and learning rate: median "
            "over seeds of the best setting of the other hyper-parameters; the band spans the "
            "seeds (min to max)."
            + (f" Values above {cap:.3g} (diverged runs) are drawn at that height." if cap else "")
            + "</figcaption></figure>"
        )
    else:
        parts.append("<p class='muted'>No completed trial with a learning rate.</p>")
    parts.append("<h2>Best configurations</h2>")
    body = [
        [
            escape(_config_text(g["config"])),
            _num(g["median"]),
            f"{_num(g['mean'])} ± {_num(g['sd'])}",
            f"{_num(g['min'])} – {_num(g['max'])}",
            str(len(g["values"])),
            str(g["pruned"] + g["failed"]),
        ]
        for g in ranked(groups, direction)[:15]
    ]
    head = ["config", f"median {metric}", "mean ± sd", "range", "seeds", "pruned/failed"]
    parts.append(_table(head, body) if body else "<p class='muted'>No completed trial.</p>")
    pruned = [r for r in rows if r["state"] == "pruned"]
    parts.append(f"<h2>Pruning decisions ({len(pruned)} trials stopped early)</h2>")
    if pruned:
        body = [
            [
                str(r["number"]),
                escape(_config_text(params_of(r))),
                _num(r["pruned_at"]),
                _num(_last(r.get("curve"))),
            ]
            for r in pruned[:50]
        ]
        parts.append(_table(["trial", "config", "stopped at step", "last value"], body, 2))
    else:
        parts.append("<p class='muted'>No trial was pruned.</p>")
    failed = [r for r in rows if r["state"] == "fail"]
    if failed:
        parts.append(f"<h2>Failures ({len(failed)})</h2>")
        body = [
            [str(r["number"]), escape(_config_text(params_of(r))), escape(str(r["error"]))]
            for r in failed[:50]
        ]
        parts.append(_table(["trial", "config", "error"], body, 3))
    parts.append(
        "<p class='muted'>Every trial, with its metrics: trials.csv. Optuna's dashboard reads "
        "the same store: <code>optuna-dashboard sqlite:///RUN/study.db</code>.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _last(curve: Any) -> float | None:
    if not curve:
        return None
    return curve[max(curve)]


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Return the rows as CSV text (every column of every row; the curve as JSON)."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = dict(row)
        if "curve" in out:
            out["curve"] = json.dumps({str(k): v for k, v in (out["curve"] or {}).items()})
        writer.writerow(out)
    return buf.getvalue()


def write_report(
    run_dir: Path, spec: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> dict[str, Path]:
    """Write ``report.html`` and ``trials.csv`` into ``run_dir``; return their paths."""
    html_path = atomic_write_text(run_dir / "report.html", page(spec, rows))
    csv_path = atomic_write_text(run_dir / "trials.csv", to_csv(rows))
    return {"html": Path(html_path), "csv": Path(csv_path)}
