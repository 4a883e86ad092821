r"""The report page: one self-contained HTML file (inline CSS, figures as base64 PNG).

The page opens from disk with no network: a Content-Security-Policy forbids every
external resource, images are ``data:`` URIs, and the one inline script (allowed by its
SHA-256 hash) only records, after the page loads, how many images decoded
(``<body data-images="7/7">``), which the browser test reads. All text is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from .._validate import is_number
from .runner import ExperimentRun

TITLE = "Network optimization"
TITLE_ZH = "网络优化"

_SCRIPT = """
window.addEventListener("load", function () {
  var images = document.images, loaded = 0;
  for (var i = 0; i < images.length; i++) {
    var ok = images[i].complete && images[i].naturalWidth > 0;
    images[i].setAttribute("data-loaded", ok ? "yes" : "no");
    if (ok) { loaded++; }
  }
  document.body.setAttribute("data-images", loaded + "/" + images.length);
});
"""

_CSS = """
:root { --ok: #1b7a3a; --ok-bg: #e6f4ea; --bad: #b3261e; --bad-bg: #fdecea; --ink: #1d1d1f;
        --muted: #5f6368; --rule: #dadce0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
       "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
       "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif; color: var(--ink);
       margin: 0 auto;
       max-width: 1100px; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 4px; padding-top: 12px; border-top: 2px solid var(--rule); }
h3 { font-size: 16px; margin: 22px 0 6px; }
.meta, .ref { color: var(--muted); margin: 2px 0; }
code { background: #f1f3f4; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; margin: 8px 0 16px; width: 100%; }
th, td { border: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f8f9fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.fail td { background: var(--bad-bg); }
.badge { display: inline-block; min-width: 86px; padding: 1px 8px; border-radius: 10px;
         font-weight: 600; font-size: 13px; text-align: center; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.bad { color: #fff; background: var(--bad); }
.totals { font-size: 18px; font-weight: 600; }
.totals.bad { color: var(--bad); }
.alert { border: 2px solid var(--bad); background: var(--bad-bg); padding: 10px 14px;
         border-radius: 6px; margin: 10px 0; }
pre { white-space: pre-wrap; font-size: 12px; background: #fff; padding: 8px;
      border: 1px solid var(--rule); overflow-x: auto; }
figure { margin: 18px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 14px; max-width: 900px; }
.evidence { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
            font-size: 13px; }
.kind { font-size: 12px; color: var(--muted); }
.protocol { font-size: 13px; color: var(--muted); }
.protocol dt { font-weight: 600; display: inline; margin-right: 3px; }
.protocol dd { display: inline; margin: 0 6px 0 2px; }
.note { border-left: 5px solid #e37400; background: #fef7e0; padding: 8px 14px; margin: 12px 0;
        border-radius: 4px; }
.note strong { color: #8a4b00; }
.legend { font-size: 13px; color: var(--muted); margin-top: -10px; }
"""

MISSING = "\u2014"
"""How a value that was not measured (NaN, a diverged run) reads on the page: an em dash."""


def esc(value: object) -> str:
    """HTML-escape ``str(value)``, quotes included."""
    return html.escape(str(value), quote=True)


def plural(count: int, noun: str) -> str:
    """``"1 experiment"``, ``"2 experiments"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_cell(value: object) -> str:
    r"""A table cell as text: floats to 4 significant digits, booleans as yes/no.

    A value that was not measured (NaN, or the string ``"nan"``) reads :data:`MISSING`;
    infinities keep their sign (``"inf"``, ``"-inf"``).

    Examples
    --------
    >>> [format_cell(v) for v in (0.14384103622589045, 3, True, float("nan"), "x", "nan")]
    ['0.1438', '3', 'yes', '—', 'x', '—']
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    if isinstance(value, str) and value.strip().lower() == "nan":
        return MISSING
    return str(value)


def render_page(runs: Sequence[ExperimentRun], meta: Mapping[str, Any]) -> str:
    r"""The whole report as one HTML document.

    Parameters
    ----------
    runs : sequence of ExperimentRun
        What :func:`netopt.lab.runner.run_experiments` returned.
    meta : mapping
        ``seed``, ``quick``, ``started``, ``total_seconds``, ``netopt_version``,
        ``numpy_version``, ``python``: the run's header.

    Returns
    -------
    str
    """
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'"
    )
    title = f"netopt lab: {TITLE} ({TITLE_ZH})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        '<body data-images="pending">',
        f"<header><h1>{esc(title)}</h1>{_meta_line(meta)}</header>",
        _summary(runs),
    ]
    parts.extend(_section(index, run) for index, run in enumerate(runs, start=1))
    parts.append(f"<script>{_SCRIPT}</script>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _meta_line(meta: Mapping[str, Any]) -> str:
    mode = "quick run (--quick)" if meta.get("quick") else "full run"
    command = f"netopt lab --seed {meta.get('seed')}" + (" --quick" if meta.get("quick") else "")
    return (
        f'<p class="meta">Seed {esc(meta.get("seed"))}, {esc(mode)}, started '
        f"{esc(meta.get('started'))}, {float(meta.get('total_seconds', 0.0)):.1f} s in all. "
        f"netopt {esc(meta.get('netopt_version'))}, NumPy {esc(meta.get('numpy_version'))}, "
        f"Python {esc(meta.get('python'))}.</p>"
        f'<p class="meta">Every number and figure on this page was measured in this run; '
        f"reproduce it with <code>{esc(command)}</code>. The chapter is "
        f"&ldquo;{esc(TITLE_ZH)}&rdquo; (network optimization).</p>"
    )


def _badge(holds: bool) -> str:
    if holds:
        return '<span class="badge ok">&#10003; holds</span>'
    return '<span class="badge bad">&#10007; does not hold</span>'


def _heading(run: ExperimentRun) -> str:
    exp = run.experiment
    return f"{exp.title} ({exp.title_zh})"


def tally_text(claims: Sequence[Any]) -> str:
    r"""``"findings: 31 of 33 hold; checks: 30 of 30"``.

    Examples
    --------
    >>> from netopt.lab.core import Claim
    >>> tally_text([Claim("a", True, "", kind="check"), Claim("b", False, "", kind="check")])
    'findings: 0 of 0 hold; checks: 1 of 2'
    """
    parts = []
    for kind, name in (("finding", "findings"), ("check", "checks")):
        of_kind = [c for c in claims if c.kind == kind]
        held = sum(bool(c.holds) for c in of_kind)
        parts.append(f"{name}: {held} of {len(of_kind)}" + (" hold" if kind == "finding" else ""))
    return "; ".join(parts)


def _summary(runs: Sequence[ExperimentRun]) -> str:
    crashed = [r for r in runs if r.error]
    failed = [(r, c) for r in runs for c in r.failed_claims]
    ok = not crashed and not failed
    every = [c for r in runs for c in r.claims]
    text = f"{tally_text(every)} ({plural(len(runs), 'experiment')})"
    if crashed:
        text += f"; {plural(len(crashed), 'experiment')} crashed"
    rows = []
    for run in runs:
        exp = run.experiment
        if run.error:
            status = '<span class="badge bad">crashed</span>'
        else:
            status = _badge(not run.failed_claims)
        findings, checks = run.of_kind("finding"), run.of_kind("check")
        cells = [
            MISSING if run.error else f"{sum(c.holds for c in group)} / {len(group)}"
            for group in (findings, checks)
        ]
        rows.append(
            f'<tr class="{"fail" if run.error or run.failed_claims else ""}">'
            f'<td><a href="#exp-{esc(exp.name)}">{esc(_heading(run))}</a></td>'
            f"<td>{esc(exp.reference)}</td><td class='num'>{cells[0]}</td>"
            f"<td class='num'>{cells[1]}</td>"
            f"<td class='num'>{run.seconds:.1f} s</td><td>{status}</td></tr>"
        )
    parts = [
        '<section id="summary"><h2>Summary</h2>',
        f'<p class="totals{"" if ok else " bad"}">{esc(text)}.</p>',
        '<p class="meta"><strong>Findings</strong> are the chapter\'s statements about '
        "behaviour that could come out either way: each repeats over several seeds inside "
        "this run and holds when its stated paired count is met (its protocol is listed "
        "with it). <strong>Checks</strong> are identities, definitions and exact "
        "reproductions that correct code must satisfy: they test netopt, not the chapter. "
        "No verdict depends on a clock; times are shown as timings only.</p>",
        "<table><tr><th>Experiment</th><th>Chapter</th><th>Findings holding</th>"
        "<th>Checks holding</th><th>Time (timing)</th><th>Status</th></tr>",
        *rows,
        "</table>",
    ]
    if failed or crashed:
        items = [
            f'<li><a href="#exp-{esc(r.experiment.name)}">{esc(r.experiment.name)}</a>: '
            f"{esc(c.claim)} <span class='evidence'>({esc(c.evidence)})</span></li>"
            for r, c in failed
        ]
        items += [
            f'<li><a href="#exp-{esc(r.experiment.name)}">{esc(r.experiment.name)}</a> '
            f"crashed: <span class='evidence'>{esc(r.error)}</span></li>"
            for r in crashed
        ]
        parts.append(
            '<div class="alert"><strong>Not reproduced in this run:</strong><ul>'
            + "".join(items)
            + "</ul></div>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _section(index: int, run: ExperimentRun) -> str:
    exp = run.experiment
    parts = [
        f'<section class="experiment" id="exp-{esc(exp.name)}">',
        f"<h2>{index}. {esc(_heading(run))}</h2>",
        f'<p class="ref">Chapter: {esc(exp.reference)}. Experiment <code>{esc(exp.name)}</code>, '
        f"{run.seconds:.1f} s.</p>",
    ]
    if run.error:
        parts.append(
            f'<div class="alert"><strong>This experiment crashed</strong>: '
            f"<span class='evidence'>{esc(run.error)}</span><pre>{esc(run.traceback)}</pre></div>"
        )
    if run.summary:
        parts.append(f"<p>{esc(run.summary)}</p>")
    parts.extend(_note(note) for note in run.notes)
    if run.claims:
        parts.append(_claims_table(run))
    parts.extend(_table(table) for table in run.tables)
    parts.extend(_figure(fig) for fig in run.figures)
    parts.append("</section>")
    return "\n".join(parts)


def _note(note: Any) -> str:
    return (
        f'<div class="note"><strong>&#9888; The chapter, flagged: {esc(note.title)}.</strong> '
        f"{esc(note.text)}</div>"
    )


def _protocol(protocol: Mapping[str, Any] | None) -> str:
    if not protocol:
        return ""
    items = "".join(
        f"<dt>{esc(key)}:</dt><dd>{esc(_plain(value))}</dd>"
        if key != "per_seed"
        else f"<dt>per seed:</dt><dd>{esc(_held(value))}</dd>"
        for key, value in protocol.items()
    )
    return f'<dl class="protocol">{items}</dl>'


def _held(per_seed: list) -> str:
    """A finding's per-seed outcomes, in seed order: ``"held, held, failed"``."""
    return ", ".join("held" if h else "failed" for h in per_seed)


def _plain(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    return format_cell(value)


def _claims_table(run: ExperimentRun) -> str:
    groups = (
        ("finding", "Findings", "the chapter's statements, repeated over seeds"),
        ("check", "Checks", "identities and definitions that correct code must satisfy"),
    )
    parts = []
    for kind, title, what in groups:
        claims = run.of_kind(kind)
        if not claims:
            continue
        rows = [
            f'<tr class="{"" if c.holds else "fail"}"><td>{_badge(c.holds)}</td>'
            f"<td>{esc(c.claim)}{_protocol(c.protocol)}</td>"
            f"<td class='evidence'>{esc(c.evidence)}</td></tr>"
            for c in claims
        ]
        held = sum(c.holds for c in claims)
        parts.append(
            f"<h3>{title} ({held} of {len(claims)} hold; {what})</h3>"
            "<table class='claims'><tr><th>Result</th><th>Claim</th>"
            "<th>Evidence (this run)</th></tr>" + "".join(rows) + "</table>"
        )
    return "\n".join(parts)


def _table(table: Any) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body, missing = [], False
    for row in table.rows:
        cells = []
        for cell in row:
            numeric = is_number(cell)
            klass = ' class="num"' if numeric else ""
            text = format_cell(cell)
            missing = missing or text == MISSING
            cells.append(f"<td{klass}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = (
        f'<p class="legend">{MISSING} : not measured (no such value in this run, or the run '
        "diverged).</p>"
        if missing
        else ""
    )
    return f"<h3>{esc(table.title)}</h3><table><tr>{head}</tr>{''.join(body)}</table>{legend}"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _figure(fig: Any) -> str:
    width, height = png_size(fig.png)
    data = base64.b64encode(fig.png).decode("ascii")
    return (
        f'<figure id="fig-{esc(fig.file_name[:-4])}">'
        f'<img src="data:image/png;base64,{data}" width="{width}" height="{height}" '
        f'alt="{esc(fig.caption)}">'
        f"<figcaption>{esc(fig.caption)} "
        f'(<a href="figures/{esc(fig.file_name)}">{esc(fig.file_name)}</a>)</figcaption>'
        "</figure>"
    )
