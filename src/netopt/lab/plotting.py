r"""Figures for the lab: matplotlib, loaded lazily, with the Agg backend and one house style.

Experiments build figures with :func:`figure` (matplotlib's object-oriented
:class:`~matplotlib.figure.Figure`, no pyplot state to leak) and return them in a
:class:`~netopt.lab.core.FigureSpec`; the runner turns them into PNG bytes with
:func:`render_png` and closes them with :func:`close`. Nothing here runs at
``import netopt``.
"""

from __future__ import annotations

import functools
import io
import sys
import warnings
from typing import Any

DPI = 110
"""Resolution of the PNGs in the report (a 6.4 x 4 inch figure is 704 x 440 pixels)."""

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
"""The colour cycle used in every lab figure (colour-blind friendly tab10 subset)."""

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
)
"""Fonts with Chinese glyphs, tried in order; the first one installed draws the titles."""

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [*CJK_FONTS, "DejaVu Sans"],
    "font.size": 10.0,
    "legend.fontsize": 9.0,
    "axes.unicode_minus": False,
}
"""The lab's matplotlib settings, applied while a figure is built and rendered only (the
user's global ``rcParams`` are left alone). DejaVu Sans comes last: matplotlib falls back
to it glyph by glyph, so Latin text renders on any machine."""

PAGE_WIDTH_PX = 1044
"""Width of the report's content column in a 1200-pixel window (the page's CSS)."""


def _matplotlib() -> Any:
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:  # never switch the backend under a user's pyplot
        matplotlib.use("Agg")
    return matplotlib


def figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: float = 6.4,
    height: float = 4.0,
    sharex: bool = False,
    sharey: bool = False,
) -> tuple[Any, Any]:
    r"""A new figure and its axes in the lab's style (grid, no top/right spines).

    Parameters
    ----------
    nrows, ncols : int, default 1
        Grid of axes.
    width, height : float
        Size in inches.
    sharex, sharey : bool, default False
        Share axes between subplots.

    Returns
    -------
    (matplotlib.figure.Figure, Axes or ndarray of Axes)
        As ``pyplot.subplots`` returns them (a single Axes when the grid is 1 x 1).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> render_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    True
    """
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=True)
        for ax in fig.axes:
            ax.set_prop_cycle(color=list(COLORS))
            ax.grid(True, alpha=0.3, linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            for label in (ax.xaxis.label, ax.yaxis.label, ax.title):
                label.set_fontsize(STYLE["font.size"])
            ax.tick_params(labelsize=9)
    return fig, axes


def render_png(fig: Any, *, dpi: int = DPI) -> bytes:
    r"""The figure as PNG bytes, without a timestamp (the same run gives the same bytes).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int, default :data:`DPI`

    Returns
    -------
    bytes
    """
    matplotlib = _matplotlib()
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        if not has_cjk_font():  # Chinese text falls back to boxes; say so once, not per glyph
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


@functools.cache
def has_cjk_font() -> bool:
    """Whether one of :data:`CJK_FONTS` is installed (matplotlib's font manager finds it)."""
    _matplotlib()
    from matplotlib import font_manager

    for name in CJK_FONTS:
        try:
            font_manager.findfont(
                font_manager.FontProperties(family=name), fallback_to_default=False
            )
        except ValueError:
            continue
        return True
    return False


def smallest_text_pt(fig: Any, *, dpi: int = DPI, page_width: int = PAGE_WIDTH_PX) -> float:
    r"""The smallest visible text of ``fig`` in points as the report shows it.

    The page shrinks a PNG wider than ``page_width`` pixels to fit, and its text with it:
    a font of :math:`s` points in a figure :math:`w` inches wide reads as
    :math:`s \min(1, \text{page\_width} / (w \cdot \text{dpi}))` points.

    Returns
    -------
    float
        ``inf`` for a figure without text.
    """
    matplotlib = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with matplotlib.rc_context(STYLE):
        FigureCanvasAgg(fig).draw()  # tick labels exist only once drawn
    scale = min(1.0, page_width / (fig.get_figwidth() * dpi))
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=float("inf")) * scale


def close(fig: Any) -> None:
    """Release a figure: drop it from pyplot's registry when pyplot made it, clear it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    if hasattr(fig, "clear"):
        fig.clear()


def _densify(xy: Any, per_segment: int = 16) -> Any:
    """Points along a polyline (display coordinates), so a segment crossing a box counts."""
    import numpy as np

    xy = np.asarray(xy, dtype=float)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if len(xy) < 2:
        return xy
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
    return (xy[:-1, None, :] + t * (xy[1:, None, :] - xy[:-1, None, :])).reshape(-1, 2)


def _in_box(points: Any, box: Any) -> Any:
    """Which of ``points`` (display coordinates, shape (n, 2)) lie in ``box``."""
    import numpy as np

    p = np.asarray(points, dtype=float).reshape(-1, 2)
    x_in = (p[:, 0] >= box.x0) & (p[:, 0] <= box.x1)
    return x_in & (p[:, 1] >= box.y0) & (p[:, 1] <= box.y1)


def _inside(points: Any, box: Any) -> bool:
    return bool(_in_box(points, box).any())


def legends_over_data(fig: Any) -> list[str]:
    r"""The axes of ``fig`` whose legend covers plotted data (a line or a marker).

    The figure is drawn once (Agg) so that legends are placed; a legend outside its axes
    covers nothing, and the parts of lines and markers clipped away by their axes (outside
    the axes box) are not data a reader sees. Contour lines, patches and images are not
    counted as data here.

    Returns
    -------
    list of str
        The title (else the y label, else ``"axes"``) of every offending axes.
    """
    matplotlib = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with matplotlib.rc_context(STYLE):
        FigureCanvasAgg(fig).draw()
    bad = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent()
        shown = ax.get_window_extent()
        artists = [
            (line, _densify(ax.transData.transform(line.get_xydata()))) for line in ax.get_lines()
        ]
        artists += [
            (c, c.get_offset_transform().transform(c.get_offsets()))
            for c in ax.collections
            if type(c).__name__ == "PathCollection" and len(c.get_offsets())
        ]
        points = [p[_in_box(p, shown)] if a.get_clip_on() else p for a, p in artists if len(p)]
        if any(_inside(p, box) for p in points if len(p)):
            bad.append(ax.get_title() or ax.get_ylabel() or "axes")
    return bad
