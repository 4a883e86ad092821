r"""The compiled loops behind :mod:`._fused`: one pass over memory per optimizer step.

Importing this module imports numba (about 0.6 s); :mod:`._fused` does it on the first step
that can use it, never at ``import netopt``. Each loop runs over 1-D contiguous arrays of one
float dtype, with every scalar already converted to that dtype, and performs, element by
element, exactly the operations of the NumPy kernel it replaces, in the same order and the
same precision (the formulas are on the NumPy kernels: :func:`~netopt.optim.sgd.sgd`,
:func:`~netopt.optim.adam.adam`, :func:`~netopt.optim.rmsprop.rmsprop`,
:func:`~netopt.optim.adagrad.adagrad`). ``fastmath`` stays off, so LLVM neither reorders
nor contracts to fused multiply-adds and every result is bit-identical to NumPy's. The
compiled code is cached on disk (``cache=True``), so only the first process pays the
compilation.

Flags that decide which arrays are read or written (momentum, amsgrad, centered) are
tested once, outside the loop, and passed on as constants; the others choose between
values computed on both sides (a select, not a branch), so LLVM vectorizes every loop.

Shared argument conventions: ``wd`` is :math:`\lambda` (``has_wd`` false when it is 0),
``maximize`` flips the gradient's sign, and ``w_small`` / ``w_lerp`` select and carry the
weight of torch's two-branch ``lerp`` (see :func:`~netopt.optim._common.lerp`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

J = {"cache": True, "error_model": "numpy"}
INLINE = {**J, "inline": "always"}


@njit(**INLINE)
def _direction(p, g, wd, has_wd, maximize):  # pragma: no cover - compiled
    plain = -g if maximize else g
    decayed = p * wd - g if maximize else p * wd + g
    return decayed if has_wd else plain


@njit(**INLINE)
def _lerp(start, end, w_small, w):  # pragma: no cover - compiled
    diff = end - start
    low = start + diff * w
    high = end - diff * w
    return low if w_small else high


@njit(**INLINE)
def _sgd_at(i, p, g, buf, lr, mom, damp1, wd, has_wd, maximize, use_mom, first, undamped,
            nesterov):  # fmt: skip  # pragma: no cover - compiled
    d = _direction(p[i], g[i], wd, has_wd, maximize)
    if use_mom:
        if first:
            b = d
        else:
            kept = buf[i] * mom
            b = kept + d if undamped else kept + damp1 * d
        buf[i] = b
        ahead = (b * mom + d) * lr
        p[i] = p[i] - ahead if nesterov else p[i] - lr * b
    else:
        p[i] = p[i] - d * lr


@njit(**J)
def sgd_loop(p, g, buf, lr, mom, damp1, wd, has_wd, maximize, use_mom, first, undamped,
             nesterov):  # fmt: skip
    """SGD, momentum and Nesterov (see :func:`~netopt.optim.sgd.sgd`)."""
    n = p.size  # pragma: no cover - compiled
    if not use_mom:
        for i in range(n):
            _sgd_at(i, p, g, buf, lr, mom, damp1, wd, has_wd, maximize, False, False, undamped,
                    nesterov)  # fmt: skip
    elif first:
        for i in range(n):
            _sgd_at(i, p, g, buf, lr, mom, damp1, wd, has_wd, maximize, True, True, undamped,
                    nesterov)  # fmt: skip
    else:
        for i in range(n):
            _sgd_at(i, p, g, buf, lr, mom, damp1, wd, has_wd, maximize, True, False, undamped,
                    nesterov)  # fmt: skip


@njit(**INLINE)
def _adam_at(i, p, g, m, v, vmax, decay, wd, has_wd, maximize, w_small, w1, beta2, c2, amsgrad,
             root_bc2, eps, neg_step):  # fmt: skip  # pragma: no cover - compiled
    theta = p[i] * decay
    d = _direction(theta, g[i], wd, has_wd, maximize)
    mi = _lerp(m[i], d, w_small, w1)
    m[i] = mi
    vi = v[i] * beta2 + d * c2 * d
    v[i] = vi
    if amsgrad:
        s = vmax[i]
        if not (s >= vi or s != s):  # np.maximum, NaN included
            s = vi
        vmax[i] = s
        vi = s
    p[i] = theta + mi * neg_step / (np.sqrt(vi) / root_bc2 + eps)


@njit(**J)
def adam_loop(p, g, m, v, vmax, decay, wd, has_wd, maximize, w_small, w1, beta2, c2, amsgrad,
              root_bc2, eps, neg_step):  # fmt: skip
    """Adam and AdamW (see :func:`~netopt.optim.adam.adam`); ``decay`` is 1 for Adam.

    Multiplying by 1 returns every float unchanged, so Adam without decoupled decay runs
    the same loop with ``decay = 1``.
    """
    n = p.size  # pragma: no cover - compiled
    if amsgrad:
        for i in range(n):
            _adam_at(i, p, g, m, v, vmax, decay, wd, has_wd, maximize, w_small, w1, beta2, c2,
                     True, root_bc2, eps, neg_step)  # fmt: skip
    else:
        for i in range(n):
            _adam_at(i, p, g, m, v, vmax, decay, wd, has_wd, maximize, w_small, w1, beta2, c2,
                     False, root_bc2, eps, neg_step)  # fmt: skip


@njit(**INLINE)
def _rmsprop_at(i, p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, centered, w_small, w1,
                eps, use_mom, mom, lr, neg_lr):  # fmt: skip  # pragma: no cover - compiled
    d = _direction(p[i], g[i], wd, has_wd, maximize)
    s = sq[i] * alpha + d * c * d
    sq[i] = s
    if centered:
        a = _lerp(ga[i], d, w_small, w1)
        ga[i] = a
        avg = np.sqrt(s - a * a) + eps
    else:
        avg = np.sqrt(s) + eps
    if use_mom:
        b = buf[i] * mom + d / avg
        buf[i] = b
        p[i] = p[i] - lr * b
    else:
        p[i] = p[i] + d * neg_lr / avg


@njit(**J)
def rmsprop_loop(p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, centered, w_small, w1, eps,
                 use_mom, mom, lr, neg_lr):  # fmt: skip
    """RMSprop, centered and with momentum (see :func:`~netopt.optim.rmsprop.rmsprop`)."""
    n = p.size  # pragma: no cover - compiled
    if centered and use_mom:
        for i in range(n):
            _rmsprop_at(i, p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, True, w_small, w1,
                        eps, True, mom, lr, neg_lr)  # fmt: skip
    elif centered:
        for i in range(n):
            _rmsprop_at(i, p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, True, w_small, w1,
                        eps, False, mom, lr, neg_lr)  # fmt: skip
    elif use_mom:
        for i in range(n):
            _rmsprop_at(i, p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, False, w_small,
                        w1, eps, True, mom, lr, neg_lr)  # fmt: skip
    else:
        for i in range(n):
            _rmsprop_at(i, p, g, sq, ga, buf, alpha, c, wd, has_wd, maximize, False, w_small,
                        w1, eps, False, mom, lr, neg_lr)  # fmt: skip


@njit(**J)
def adagrad_loop(p, g, total, wd, has_wd, maximize, eps, neg_clr):
    """AdaGrad (see :func:`~netopt.optim.adagrad.adagrad`)."""
    for i in range(p.size):  # pragma: no cover - compiled
        d = _direction(p[i], g[i], wd, has_wd, maximize)
        t = total[i] + d * d
        total[i] = t
        p[i] = p[i] + d * neg_clr / (np.sqrt(t) + eps)
