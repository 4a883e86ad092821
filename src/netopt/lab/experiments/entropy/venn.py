r"""An area-proportional two-circle Venn diagram of the entropies of a joint table (private).

The circles have areas :math:`H(X)` and :math:`H(Y)`; their centres are placed so that
the overlap (a circular lens) has area :math:`I(X;Y)`, found by bisection on the
distance, since the lens area falls monotonically as the circles move apart.
"""

from __future__ import annotations

import math
from typing import Any


def lens_area(r1: float, r2: float, d: float) -> float:
    r"""Area of the intersection of two circles of radii ``r1``, ``r2`` at distance ``d``.

    Examples
    --------
    >>> round(lens_area(1.0, 1.0, 0.0), 6) == round(math.pi, 6)
    True
    >>> lens_area(1.0, 1.0, 2.0)
    0.0
    """
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    a1 = r1 * r1 * math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
    a2 = r2 * r2 * math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
    kite = 0.5 * math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))
    return a1 + a2 - kite


def centre_distance(r1: float, r2: float, overlap: float) -> float:
    """Distance between centres at which the lens has area ``overlap`` (bisection, 1e-12)."""
    lo, hi = abs(r1 - r2), r1 + r2
    if overlap >= lens_area(r1, r2, lo):
        return lo
    if overlap <= 0:
        return hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if lens_area(r1, r2, mid) > overlap:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)


def draw_venn(ax: Any, d: Any) -> None:
    r"""Draw the Venn diagram of a :class:`netopt.info.Decomposition` on ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    d : netopt.info.Decomposition
        ``h_x``, ``h_y``, ``h_x_given_y``, ``h_y_given_x``, ``mutual_information``, ``h_xy``.
    """
    from matplotlib.patches import Circle

    r1, r2 = math.sqrt(d.h_x / math.pi), math.sqrt(d.h_y / math.pi)
    x2 = centre_distance(r1, r2, d.mutual_information)
    for x, r, color in ((0.0, r1, "#1f77b4"), (x2, r2, "#d62728")):
        ax.add_patch(Circle((x, 0), r, facecolor=color, alpha=0.35, edgecolor=color, lw=2))
    left_edge, lens_left, lens_right, right_edge = -r1, x2 - r2, r1, x2 + r2
    box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.85, "lw": 0}
    regions = (
        ((left_edge + lens_left) / 2, f"H(X|Y)\n{d.h_x_given_y:.3f}", "normal"),
        ((lens_left + lens_right) / 2, f"I(X;Y)\n{d.mutual_information:.3f}", "bold"),
        ((lens_right + right_edge) / 2, f"H(Y|X)\n{d.h_y_given_x:.3f}", "normal"),
    )
    for x, text, weight in regions:
        ax.text(x, 0, text, ha="center", va="center", bbox=box, fontsize=10, fontweight=weight)
    top = max(r1, r2)
    circles = (
        (-0.55 * r1, 0.95 * r1, f"H(X) = {d.h_x:.3f}", "right", "#1f77b4"),
        (x2 + 0.55 * r2, 0.95 * r2, f"H(Y) = {d.h_y:.3f}", "left", "#d62728"),
    )
    for x, y, text, align, color in circles:
        ax.text(x, y, text, ha=align, va="bottom", color=color, fontsize=11)
    ax.text(
        (left_edge + right_edge) / 2,
        -top * 1.15,
        f"union H(X,Y) = {d.h_xy:.3f} nats",
        ha="center",
        va="top",
        fontsize=11,
    )
    ax.set_xlim(left_edge - 0.6 * top, right_edge + 0.6 * top)
    ax.set_ylim(-top * 1.4, top * 1.35)
    ax.set_aspect("equal")
    ax.set_axis_off()
