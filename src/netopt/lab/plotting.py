r"""Figures for the lab: matplotlib, loaded lazily, with the Agg backend and one house style.

Experiments build figures with :func:`figure` (matplotlib's object-oriented
:class:`~matplotlib.figure.Figure`, no pyplot state to leak) and return them in a
:class:`~netopt.lab.core.FigureSpec`; the runner turns them into PNG bytes with
:func:`render_png` and closes them with :func:`close`. Nothing here runs at
``import netopt``.
"""

from __future__ import annotations

import io
import sys
from typing import Any

DPI = 110
"""Resolution of the PNGs in the report (a 6.4 x 4 inch figure is 704 x 440 pixels)."""

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
"""The colour cycle used in every lab figure (colour-blind friendly tab10 subset)."""


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
    _matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=True)
    for ax in fig.axes:
        ax.set_prop_cycle(color=list(COLORS))
        ax.grid(True, alpha=0.3, linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
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
    _matplotlib()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def close(fig: Any) -> None:
    """Release a figure: drop it from pyplot's registry when pyplot made it, clear it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    if hasattr(fig, "clear"):
        fig.clear()
