r"""Small inline SVG charts for the sweep report: lines with bands, on linear or log axes.

No plotting library and no script: the page stays one self-contained file that a strict
Content-Security-Policy allows. Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


@dataclass
class Series:
    """One line: points ``(x, y, low, high)``; ``low``/``high`` draw the band (or None)."""

    label: str
    points: list[tuple[float, float, float | None, float | None]]
    step: bool = False


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        a, b = math.floor(lo), math.ceil(hi)
        stride = max(1, (b - a) // 6)
        return [float(e) for e in range(a, b + 1, stride)]
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def _fmt(v: float, log: bool) -> str:
    if log:
        return f"1e{int(v)}" if not -2 <= v <= 2 else f"{10**v:g}"
    return f"{v:.3g}"


def display_cap(values: Sequence[float]) -> float | None:
    """A y cap for a log chart: 1000 times the upper quartile of the finite positive values."""
    finite = sorted(v for v in values if v is not None and math.isfinite(v) and v > 0)
    if len(finite) < 4:
        return None
    return 1000.0 * finite[(3 * len(finite)) // 4]


def chart(
    series: Sequence[Series],
    *,
    xlabel: str,
    ylabel: str,
    xlog: bool = False,
    ylog: bool = False,
    width: int = 560,
    height: int = 320,
    ycap: float | None = None,
) -> str:
    """Return an ``<svg>`` element drawing ``series`` (empty string when nothing is finite).

    Values above ``ycap`` (a diverged run's 1e100) are drawn at ``ycap``, so that they do not
    flatten the rest of the chart.
    """

    def tx(v: float, log: bool) -> float | None:
        if v is None or not math.isfinite(v) or (log and v <= 0):
            return None
        if ycap is not None and log is ylog and v > ycap:
            v = ycap
        return math.log10(v) if log else v

    xs, ys = [], []
    for s in series:
        for x, y, lo, hi in s.points:
            if tx(x, xlog) is not None:
                xs.append(tx(x, xlog))
            for v in (y, lo, hi):
                if v is not None and tx(v, ylog) is not None:
                    ys.append(tx(v, ylog))
    if not xs or not ys:
        return ""
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    left, right, top, bottom = 64, 150, 12, 44
    pw, ph = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + (1 - (v - y0) / (y1 - y0)) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(ylabel)} against '
        f'{escape(xlabel)}" font-family="sans-serif" font-size="12">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>',
    ]
    for t in _ticks(x0, x1, xlog):
        if x0 <= t <= x1:
            out.append(
                f'<text x="{px(t):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                f"{escape(_fmt(t, xlog))}</text>"
            )
    for t in _ticks(y0, y1, ylog):
        if y0 <= t <= y1:
            out.append(
                f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" '
                f'stroke="#eee"/><text x="{left - 4}" y="{py(t) + 4:.1f}" text-anchor="end">'
                f"{escape(_fmt(t, ylog))}</text>"
            )
    out.append(
        f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">{escape(xlabel)}</text>'
    )
    out.append(
        f'<text x="14" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2})">{escape(ylabel)}</text>'
    )
    for i, s in enumerate(series):
        color = COLORS[i % len(COLORS)]
        pts = [(tx(x, xlog), y, lo, hi) for x, y, lo, hi in s.points]
        pts = sorted((p for p in pts if p[0] is not None), key=lambda p: p[0])
        band = [
            (px(x), py(tx(lo, ylog)), py(tx(hi, ylog)))
            for x, _, lo, hi in pts
            if lo is not None
            and hi is not None
            and tx(lo, ylog) is not None
            and tx(hi, ylog) is not None
        ]
        if len(band) >= 2:
            poly = [f"{x:.1f},{a:.1f}" for x, a, _ in band]
            poly += [f"{x:.1f},{b:.1f}" for x, _, b in reversed(band)]
            out.append(f'<polygon points="{" ".join(poly)}" fill="{color}" opacity="0.15"/>')
        line = [(px(x), py(tx(y, ylog))) for x, y, _, _ in pts if tx(y, ylog) is not None]
        if s.step and line:
            stepped = []
            for j, (x, y) in enumerate(line):
                if j:
                    stepped.append((x, stepped[-1][1]))
                stepped.append((x, y))
            line = stepped
        if len(line) >= 2:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in line:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
        ly = top + 14 + 16 * i
        out.append(
            f'<rect x="{left + pw + 10}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + pw + 24}" y="{ly}">{escape(s.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
