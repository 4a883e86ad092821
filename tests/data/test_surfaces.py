"""netopt.data.surfaces: values and gradients derived by hand; floats, arrays and tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import netopt
from netopt.data import surfaces


def _autograd(fn, x, y, *args):
    theta = netopt.tensor(np.array([x, y]), requires_grad=True)
    fn(theta[0], theta[1], *args).backward()
    return np.asarray(theta.grad)


def test_minima_by_hand():
    assert surfaces.ravine(0.0, 0.0) == 0.0
    assert surfaces.rosenbrock(1.0, 1.0) == 0.0
    assert surfaces.rosenbrock(2.0, 4.0, a=2.0) == 0.0  # minimum at (a, a^2)
    assert surfaces.beale(3.0, 0.5) == 0.0
    assert surfaces.saddle(0.0, 1.0) == surfaces.saddle(0.0, -1.0) == -0.25
    assert surfaces.saddle(0.0, 0.0) == 0.0


def test_ravine_is_half_the_curvature_weighted_squares():
    # 0.5 * (0.2 * 9 + 4 * 4) = 8.9; with curvatures (1, 50): 0.5 * (9 + 200) = 104.5
    assert surfaces.ravine(3.0, -2.0) == pytest.approx(8.9, rel=1e-15)
    assert surfaces.ravine(3.0, -2.0, (1.0, 50.0)) == 104.5
    np.testing.assert_allclose(surfaces.ravine_gradient(3.0, -2.0), [0.6, -8.0], rtol=1e-15)


@pytest.mark.parametrize(
    ("fn", "args", "point", "grad"),
    [
        # d/dx = lambda1 x, d/dy = lambda2 y
        (surfaces.ravine, ((1.0, 50.0),), (2.0, -1.0), (2.0, -50.0)),
        # d/dx = -2(1 - x) - 400 x (y - x^2), d/dy = 200 (y - x^2); at (0, 1): (-2, 200)
        (surfaces.rosenbrock, (), (0.0, 1.0), (-2.0, 200.0)),
        # d/dx = c x, d/dy = -y + y^3; at (1, 2) with c = 2: (2, 6)
        (surfaces.saddle, (2.0,), (1.0, 2.0), (2.0, 6.0)),
        # d/dx = 2a (y - 1) + 2b (y^2 - 1) + 2c (y^3 - 1) = 0 at y = 1;
        # d/dy = 2a x + 4b x y + 6c x y^2 = 0 at x = 0 (a, b, c: the three brackets)
        (surfaces.beale, (), (0.0, 1.0), (0.0, 0.0)),
    ],
)
def test_autograd_gradient_matches_the_hand_gradient(fn, args, point, grad):
    np.testing.assert_allclose(_autograd(fn, *point, *args), grad, rtol=1e-14, atol=1e-14)


def test_quadratic_has_the_given_eigenvalues_along_rotated_axes():
    lam, angle = (0.5, 8.0), math.pi / 6
    # along the first eigenvector (cos, sin) only lambda1 acts: f(t e1) = lambda1 t^2 / 2
    e1 = (math.cos(angle), math.sin(angle))
    assert surfaces.quadratic(2 * e1[0], 2 * e1[1], lam, angle) == pytest.approx(1.0)
    e2 = (-math.sin(angle), math.cos(angle))
    assert surfaces.quadratic(2 * e2[0], 2 * e2[1], lam, angle) == pytest.approx(16.0)
    assert surfaces.quadratic(3.0, -2.0, lam, angle=0.0) == surfaces.ravine(3.0, -2.0, lam)


def test_arrays_evaluate_elementwise():
    x, y = np.array([1.0, 0.0, 3.0]), np.array([1.0, 1.0, 0.5])
    np.testing.assert_array_equal(
        surfaces.rosenbrock(x, y), [surfaces.rosenbrock(a, b) for a, b in zip(x, y)]
    )
    np.testing.assert_array_equal(
        surfaces.beale(x, y), [surfaces.beale(a, b) for a, b in zip(x, y)]
    )
