r"""Synthetic 2-D loss surfaces :math:`f(x, y)`: the ravine, Rosenbrock, a saddle, Beale.

Each function is written once with ``+``, ``-``, ``*`` and ``**`` only, so the same code
evaluates Python floats, NumPy arrays (a contour grid) and netopt tensors (whose autograd
then gives the gradient). The lab, the sweep's surface problems and the playground's race
all descend on these; each keeps its own constants as the arguments.

- :func:`ravine`: :math:`\tfrac12(\lambda_1 x^2 + \lambda_2 y^2)`, the axis-aligned quadratic
  with curvatures :math:`\lambda_1, \lambda_2` (the chapter's figures 6.5-6.8: 0.2 and 4);
  its gradient :func:`ravine_gradient` is :math:`(\lambda_1 x, \lambda_2 y)`;
- :func:`quadratic`: the same quadratic in coordinates rotated by ``angle``,
  :math:`\tfrac12\theta^\top R\,\mathrm{diag}(\lambda_1, \lambda_2)R^\top\theta`;
- :func:`rosenbrock`: :math:`(a - x)^2 + b\,(y - x^2)^2`, minimum 0 at :math:`(a, a^2)`;
- :func:`saddle`: :math:`\tfrac{c}{2}x^2 - \tfrac12 y^2 + \tfrac14 y^4`, a saddle at the
  origin and minima :math:`-\tfrac14` at :math:`(0, \pm 1)`;
- :func:`beale`: :math:`(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`,
  minimum 0 at :math:`(3, 0.5)`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["beale", "quadratic", "ravine", "ravine_gradient", "rosenbrock", "saddle"]


def ravine(x: Any, y: Any, curvatures: tuple[float, float] = (0.2, 4.0)) -> Any:
    r"""The ravine :math:`\tfrac12(\lambda_1 x^2 + \lambda_2 y^2)` (module docstring).

    ``curvatures`` :math:`(\lambda_1, \lambda_2)` are the Hessian's diagonal; the default
    is the chapter's ravine :math:`0.1x^2 + 2y^2`.

    >>> ravine(1.0, 1.0), ravine(1.0, 1.0, (1.0, 50.0))
    (2.1, 25.5)
    """
    return 0.5 * (curvatures[0] * x * x + curvatures[1] * y * y)


def ravine_gradient(x: Any, y: Any, curvatures: tuple[float, float] = (0.2, 4.0)) -> np.ndarray:
    r"""The gradient :math:`(\lambda_1 x, \lambda_2 y)` of :func:`ravine`, as a NumPy array.

    >>> ravine_gradient(-8.0, 2.0).tolist()
    [-1.6, 8.0]
    """
    return np.array([curvatures[0] * x, curvatures[1] * y])


def quadratic(x: Any, y: Any, eigenvalues: tuple[float, float], angle: float = math.pi / 6) -> Any:
    r""":func:`ravine` with curvatures ``eigenvalues`` along the axes rotated by ``angle``.

    With :math:`u = x\cos\phi + y\sin\phi` and :math:`v = -x\sin\phi + y\cos\phi` (the
    coordinates along the eigenvectors), :math:`f = \tfrac12(\lambda_1 u^2 + \lambda_2 v^2)`.
    """
    c, s = math.cos(angle), math.sin(angle)
    return ravine(c * x + s * y, -s * x + c * y, eigenvalues)


def rosenbrock(x: Any, y: Any, a: float = 1.0, b: float = 100.0) -> Any:
    r"""Rosenbrock's valley :math:`(a - x)^2 + b\,(y - x^2)^2` (module docstring).

    >>> rosenbrock(1.0, 1.0), rosenbrock(0.0, 0.0)
    (0.0, 1.0)
    """
    return (a - x) ** 2 + b * (y - x * x) ** 2


def saddle(x: Any, y: Any, curvature: float = 1.0) -> Any:
    r"""The saddle :math:`\tfrac{c}{2}x^2 - \tfrac12 y^2 + \tfrac14 y^4`, ``curvature`` :math:`c`.

    >>> saddle(0.0, 1.0), saddle(1.0, 0.0, curvature=2.0)
    (-0.25, 1.0)
    """
    return 0.5 * curvature * x * x + 0.25 * y**4 - 0.5 * y * y


def beale(x: Any, y: Any) -> Any:
    r"""Beale's function (module docstring).

    >>> beale(3.0, 0.5)
    0.0
    """
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y * y
    c = 2.625 - x + x * y * y * y
    return a * a + b * b + c * c
