r"""The estimators' objective as a loss object: eager (a graph node over the network's
outputs) or replayed by step capture, both on the kernels of :mod:`._objective`.

:class:`Objective` is what a stochastic fit hands to
:func:`netopt.train.capture_step` as its loss: ``objective(z, y)`` returns the value of
:math:`R(\theta)` (:mod:`._objective`) on the batch as a scalar tensor whose
``backward()`` runs the network's backward pass from :math:`\partial R/\partial z` and
then adds the penalties' gradients to the weights' gradients (the order the estimators
always had: the layer's gradient, then :math:`\alpha W/\sum w`, then
:math:`\alpha_1 \operatorname{sign}(W)/\sum w`). Through its ``capture_op`` and
``capture_config`` (the protocol of :mod:`netopt.train._capture_plan`) the captured step
replays the same kernels into the same gradient arrays, so a fit gives the same bits
either way.

The sample weights change from batch to batch: the objective reads the current batch's
from its ``sample_weight`` attribute, which the training loop sets before each step (all
ones when it is None). The captured operation assumes only that they have one entry per
row of the batch, and checks it on every call; whether they are all 1 (which skips a
multiplication) is decided per batch, as eagerly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import tensor
from ..autograd import Tensor
from ..autograd.grad_slots import grad_slot, set_grad_slot
from ..autograd.tensor import make_result
from ..train._capture_ops import Unsupported
from ._network import linears
from ._objective import OUT_ACTIVATIONS, add_penalty_grad, data_term_array, penalty_value


class ObjectiveValue(Tensor):
    r"""The objective's value (float64, 0-d) whose :meth:`backward` also adds the
    penalties' gradients, after the network's backward pass (see :class:`Objective`).

    It is outside any graph (``requires_grad`` False): only its own ``backward()`` reaches
    the network, and ``backward()`` on a tensor computed from it raises (as for any tensor
    without a graph) instead of silently leaving the network's gradients alone.
    """

    __slots__ = ("_node", "_objective", "_total")

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """The data term's backward pass into the network, then the penalties' gradients."""
        if gradient is not None:
            raise NotImplementedError("the estimators' objective takes no gradient argument")
        self._node.backward(None, retain_graph, create_graph)
        self._objective.add_penalty_grads(self._total)


class Objective:
    r"""The estimators' objective :math:`R(\theta)` on one batch, as a loss function of the
    network's outputs: ``objective(z, y)``.

    Parameters
    ----------
    net : netopt.nn.Sequential
        The estimator's network (its Linear weights are the penalized ones).
    out_activation : {"softmax", "logistic", "identity", "exp"}
    alpha, alpha_l1 : float
        The L2 and L1 penalties' coefficients.

    Attributes
    ----------
    sample_weight : ndarray of shape (batch,) or None
        The current batch's sample weights (None: all 1).
    """

    def __init__(self, net: Any, out_activation: str, alpha: float, alpha_l1: float) -> None:
        if out_activation not in OUT_ACTIVATIONS:
            raise ValueError(
                f"out_activation must be one of {OUT_ACTIVATIONS}, got {out_activation!r}"
            )
        self.net, self.out_activation = net, out_activation
        self.alpha, self.alpha_l1 = alpha, alpha_l1
        self.sample_weight: np.ndarray | None = None

    def _weights(self, n: int) -> tuple[np.ndarray, float]:
        w = np.ones(n) if self.sample_weight is None else self.sample_weight
        if w.shape != (n,):
            raise ValueError(f"sample_weight of shape {w.shape} for a batch of {n} samples")
        return w, float(np.sum(w))

    def __call__(self, z: Tensor, y: Any) -> ObjectiveValue:
        r""":math:`R(\theta)` of the outputs ``z`` against the targets ``y`` (converted to
        ``z``'s dtype), as an :class:`ObjectiveValue`."""
        y = np.asarray(y._data if isinstance(y, Tensor) else y, dtype=z._data.dtype)
        if y.shape != z._data.shape or z._data.ndim != 2:
            raise ValueError(f"objective: outputs of shape {z._data.shape} and targets of "
                             f"shape {y.shape} differ (or are not 2-D)")  # fmt: skip
        w, total = self._weights(z._data.shape[0])
        data, dz = data_term_array(self.out_activation, z._data, y, w, total)
        node = make_result(data, (z,), lambda g: (dz if np.all(g == 1) else dz * g,))
        value = penalty_value(
            float(data), self._penalized(), self.alpha, self.alpha_l1, total
        )  # fmt: skip
        out = ObjectiveValue(np.asarray(value, dtype=np.float64))
        out._node, out._objective, out._total = node, self, total
        return out

    def _penalized(self) -> list[np.ndarray]:
        return [lin.weight._data for lin in linears(self.net)]

    def add_penalty_grads(self, total: float) -> None:
        """Add the penalties' gradients to the weights' ``.grad`` (where they have one)."""
        if not (self.alpha > 0 or self.alpha_l1 > 0):
            return
        for lin in linears(self.net):
            if lin.weight._grad is not None:
                add_penalty_grad(
                    lin.weight._data, lin.weight._grad, self.alpha, self.alpha_l1, total
                )

    # ------------------------------------------------------------------ step capture
    def capture_config(self) -> tuple:
        """What a captured operation assumed: the output activation and the penalties."""
        return (self.out_activation, self.alpha, self.alpha_l1, id(self.net))

    def capture_op(self, shape: tuple, dtype: Any, y: np.ndarray) -> ObjectiveOp:
        """The replayed objective on outputs of ``shape`` and ``dtype`` (targets like ``y``).

        Raises
        ------
        Unsupported
            Unless the targets have the outputs' shape and dtype and, with a penalty, every
            weight that requires grad has a gradient slot (:func:`give_slots`), where the
            captured backward pass leaves its gradient.
        """
        if len(shape) != 2 or y.shape != tuple(shape) or y.dtype != dtype:
            raise Unsupported(f"objective of outputs {shape} {dtype} and targets {y.shape} "
                              f"{y.dtype}")  # fmt: skip
        penalized, targets = [], []
        if self.alpha > 0 or self.alpha_l1 > 0:
            for lin in linears(self.net):
                if not lin.weight.requires_grad:
                    continue
                slot = grad_slot(lin.weight)
                if slot is None:
                    raise Unsupported("a penalized weight without a gradient slot")
                penalized.append(lin.weight._data)
                targets.append(slot)
        return ObjectiveOp(self, self._penalized(), penalized, targets)


class ObjectiveOp:
    r"""The captured step's objective: :func:`._objective.data_term_array` and
    :func:`._objective.penalty_value` forward, :func:`._objective.add_penalty_grad` into
    the weights' gradient slots after the layers' backward pass."""

    def __init__(self, objective: Objective, weights, penalized, targets) -> None:
        self.objective, self.weights = objective, weights
        self.kind = objective.out_activation
        self.alpha, self.alpha_l1 = objective.alpha, objective.alpha_l1
        self.penalized, self.targets = penalized, targets
        self.tmp = [np.empty_like(W) for W in penalized]  # the weights' layout: fast loops
        self.sign = [np.empty_like(W) for W in penalized]
        self.total = 1.0

    def forward(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective's value and its gradient with respect to ``z``."""
        w, self.total = self.objective._weights(z.shape[0])
        data, dz = data_term_array(self.kind, z, y, w, self.total)
        return penalty_value(float(data), self.weights, self.alpha, self.alpha_l1, self.total), dz

    def backward(self) -> None:
        """Add the penalties' gradients to the weights' gradients (after the layers')."""
        for W, target, tmp, sign in zip(self.penalized, self.targets, self.tmp, self.sign):
            add_penalty_grad(W, target, self.alpha, self.alpha_l1, self.total, tmp, sign)


def give_slots(net: Any) -> None:
    """Register a gradient slot for each Linear weight of ``net`` that has none
    (:mod:`netopt.autograd.grad_slots`): where both the eager and the captured backward
    pass write its gradient, and where the captured objective adds the penalties.

    A slot has its weight's memory layout (Fortran order: ``coefs_[i]`` is its
    transpose), so the optimizer's element-wise update runs over arrays of one layout (a
    gradient in the other order made Adam's update 3.6 times slower on digits). The layout
    also decides the gradient's bits: ``matmul`` into a C- or an F-ordered output runs
    different BLAS kernels, whose sums can differ in the last bit (seen for the weight
    gradient of a 64-to-100 layer on batches of 200).
    """
    for lin in linears(net):
        p = lin.weight
        if p.requires_grad and grad_slot(p) is None:
            set_grad_slot(p, np.zeros_like(p._data))


def backward(
    net: Any,
    out_activation: str,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    alpha: float,
    alpha_l1: float,
) -> float:
    r"""Evaluate :math:`R(\theta)` (:mod:`._objective`) on one batch and add its gradient to
    the parameters' ``.grad`` (eagerly: the full-batch objective of the lbfgs solver).

    Parameters
    ----------
    net : netopt.nn.Sequential
    out_activation : {"softmax", "logistic", "identity", "exp"}
    x : ndarray of shape (batch, n_features)
        Dense, in the network's dtype.
    y : ndarray of shape (batch, n_outputs)
        Targets (indicator columns for a classifier).
    w : ndarray of shape (batch,)
        Sample weights.
    alpha, alpha_l1 : float

    Returns
    -------
    float
        The objective's value.
    """
    objective = Objective(net, out_activation, alpha, alpha_l1)
    objective.sample_weight = w
    loss = objective(net(tensor(x)), y)
    loss.backward()
    return float(loss.item())
