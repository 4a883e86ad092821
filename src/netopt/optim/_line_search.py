r"""The strong-Wolfe line search of :class:`~netopt.optim.LBFGS`, and its cubic interpolation.

Written after torch's ``_strong_wolfe`` and ``_cubic_interpolate`` (ports of torch7's
``lswolfe.lua`` and ``polyinterp.lua``), so the trial steps and the number of evaluations
are torch's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Line-search objective: ``(x, t, d) -> (loss at x + t d, flat gradient there)``.
Objective = Callable[[list[np.ndarray], float, np.ndarray], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    r"""Minimizer of the cubic through two points with their values and slopes, clamped.

    .. math::
        d_1 = g_1 + g_2 - 3\frac{f_1 - f_2}{x_1 - x_2},\quad d_2 = \sqrt{d_1^2 - g_1 g_2},\quad
        x^\star = x_2 - (x_2 - x_1)\frac{g_2 + d_2 - d_1}{g_2 - g_1 + 2 d_2}

    (written from the farther point). When :math:`d_1^2 < g_1 g_2` the cubic has no
    minimum and the midpoint of the bounds is returned. ``bounds`` default to the interval
    between the points.

    Examples
    --------
    >>> cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0)   # (x - 1)^2: minimum at 1
    1.0
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return float((lo + hi) / 2.0)
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return float(min(max(x, lo), hi))


def strong_wolfe(
    obj: Objective,
    x: list[np.ndarray],
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    r"""Line search for a step ``t`` along ``d`` that meets the strong Wolfe conditions.

    .. math::
        f(x + t d) \le f(x) + c_1 t\, g^\top d, \qquad
        |\nabla f(x + t d)^\top d| \le c_2\, |g^\top d|

    First a bracketing phase (steps grow by cubic extrapolation, at most 10x), then a zoom
    phase that shrinks the bracket by safeguarded cubic interpolation, at most ``max_ls``
    evaluations in all (Nocedal & Wright, Algorithms 3.5 and 3.6; torch's ``_strong_wolfe``).

    Parameters
    ----------
    obj : callable
        ``obj(x, t, d) -> (loss, flat gradient)`` at ``x + t d``; must leave ``x`` unchanged.
    x : list of ndarray
        The current parameters (passed back to ``obj``).
    t : float
        First trial step.
    d : ndarray
        Search direction (a descent direction: ``gtd < 0``).
    f, g, gtd : float, ndarray, float
        Loss, flat gradient and directional derivative at ``x``.
    c1, c2 : float
        Sufficient-decrease and curvature constants.
    tolerance_change : float
        Stop zooming once the bracket, measured along ``d``, is shorter than this.
    max_ls : int
        Most evaluations of ``obj``.

    Returns
    -------
    (loss, gradient, t, evaluations)
        At the accepted step.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = obj(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: a step between 1.01x and 10x the last one
        step = cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = step
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter >= max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket around a point that meets both conditions
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # keep the trial point at least 10% of the bracket away from its ends
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
