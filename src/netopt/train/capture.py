r"""Step capture: a training step replayed as a flat list of NumPy calls into buffers.

On small networks most of an eager step is Python: Tensor objects, graph recording, the
backward pass's bookkeeping. :func:`capture_step` returns a step function that, once it
has seen a configuration, replays the same arithmetic as a fixed list of NumPy calls with
``out=`` buffers allocated once, with no Tensor and no graph; every result is
bit-identical to the eager step (``zero_grad``, forward, loss, ``backward``, clipping,
``optimizer.step()``), which ``tests/train/test_capture.py`` checks with
``np.array_equal`` for every optimizer.

What is captured: a model made of (nested) :class:`~netopt.nn.Sequential` containers of
``Linear``, ``BatchNorm1d`` (on ``(N, C)`` or ``(N, C, L)``; running statistics updated
in place as eagerly), ``BatchNorm2d``, ``Conv1d`` and ``Conv2d`` (zero padding; a batch),
``MaxPool1d``/``MaxPool2d`` (without indices), ``AvgPool1d``/``AvgPool2d``, ``ReLU``,
``Tanh``, ``Sigmoid``, ``LeakyReLU``, ``ELU``, ``Identity``, ``Flatten`` and ``Dropout``
(exactly these classes; the convolution-net ops are in
:mod:`netopt.train._capture_conv`), with a ``CrossEntropyLoss`` (class
indices, "mean" or "sum", no weights or smoothing), ``MSELoss``, ``BCEWithLogitsLoss`` (no
``weight`` or ``pos_weight``), ``L1Loss``, ``SmoothL1Loss`` or ``HuberLoss`` ("mean" or
"sum", a target of the output's shape and dtype; :mod:`netopt.train._capture_losses`), or
their functions (``F.cross_entropy``, ``F.mse_loss``,
``F.binary_cross_entropy_with_logits``, ``F.l1_loss``, ``F.smooth_l1_loss``,
``F.huber_loss``), alone or inside a
:class:`~netopt.regularization.StructuralRisk` (L1/L2) of the same model, or a loss
whose class replays itself (the protocol in :mod:`netopt.train._capture_plan`; the
estimators' objective uses it). Anything else
(another padding mode, other normalizations, a custom module or loss) runs eagerly, and
the step's ``reason`` says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_real
from ..autograd.grad_mode import state as _grad_mode
from ..autograd.tensor import Tensor, tensor
from ..nn import Module, Sequential
from ..nn.utils import clip_grad_norm_, grad_norms
from . import _capture_plan as plan
from ._capture_ops import Unsupported


def scalar_loss(loss: Any) -> Tensor:
    """``loss`` if it is a one-element Tensor, else TypeError naming what it is."""
    if not isinstance(loss, Tensor) or loss._data.size != 1:
        shape = getattr(loss, "shape", None)
        raise TypeError(
            f"loss_fn must return a scalar Tensor, got {type(loss).__name__} of shape {shape}"
        )
    return loss


class CapturedStep:
    r"""A training step that replays a recorded plan when nothing it assumed has changed.

    Made by :func:`capture_step`; see there for the parameters.

    Attributes
    ----------
    captured : bool
        True when the last call replayed the plan, False when it ran eagerly.
    reason : str or None
        Why the last call ran eagerly (None when it replayed).
    plans : int
        How many plans were built so far (one per new configuration).
    output : numpy.ndarray or None
        The model's output of the last call. A replay writes it into a buffer that the
        next call overwrites: copy it to keep it.
    grad_norms : dict of str to float or None
        With ``record_grad_norms``, :func:`netopt.nn.utils.grad_norms` of the model after
        the last backward, before clipping.
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Any,
        optimizer: Any,
        clip_grad_norm: float | None = None,
        record_grad_norms: bool = False,
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"model must be a netopt.nn.Module, got {type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
        if not all(hasattr(optimizer, a) for a in ("param_groups", "zero_grad", "step")):
            raise TypeError(f"optimizer must be a netopt optimizer, got {type(optimizer).__name__}")
        if clip_grad_norm is not None and not (is_real(clip_grad_norm) and clip_grad_norm >= 0):
            raise ValueError(
                f"clip_grad_norm must be a number >= 0 or None, got {clip_grad_norm!r}"
            )
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.clip_grad_norm, self.record_grad_norms = clip_grad_norm, record_grad_norms
        self.captured, self.reason, self.plans = False, "not called yet", 0
        self.output: np.ndarray | None = None
        self.grad_norms: dict[str, float] | None = None
        self._layers: list[Any] = []
        self._containers: list[Any] = []
        self._walk_error: tuple[str, tuple] | None = None  # (reason, container children)
        self._plans: list[_Plan] = []  # oldest first (each replays or says why it is refused)
        self._current: _Plan | None = None

    # ------------------------------------------------------------------ calling
    def __call__(self, x: Any, y: Any) -> float:
        """One training step on the batch ``(x, y)``; returns the loss as a float.

        ``x`` and ``y`` are Tensors or arrays (as ``model(x)`` and ``loss_fn(out, y)``
        take them eagerly).
        """
        if isinstance(x, Tensor):
            xt, xa = x, x._data
        elif type(x) is np.ndarray and x.flags.c_contiguous and x.flags.aligned:
            xt, xa = None, x  # the values and layout of tensor(x)'s copy, copied if eager
        else:
            xt = tensor(x)
            xa = xt._data
        ya = y._data if isinstance(y, Tensor) else np.asarray(y)
        grad_wanted = (xt is not None and xt.requires_grad) or (
            isinstance(y, Tensor) and y.requires_grad
        )
        reason = self._route(xa, grad_wanted, ya)
        if reason is None:
            self.captured, self.reason = True, None
            return self._replay(self._current, xa, ya)
        self.captured, self.reason = False, reason
        loss = self._eager(tensor(x) if xt is None else xt, y)
        if reason is _REPLAN:
            self.reason = self._plan_for(xa, ya) or reason
        return loss

    def _route(self, x: np.ndarray, requires_grad: bool, ya: np.ndarray) -> str | None:
        """None to replay ``_current``, else why this call runs eagerly (``_REPLAN``:
        plan after it)."""
        if not _grad_mode.enabled:
            return "grad mode is off (no_grad or inference_mode): eager"
        if requires_grad:
            return "the input or the target requires grad: eager"
        if self._walk_error is not None:
            reason, children = self._walk_error
            return reason if children == self._children() else _REPLAN
        loss_fn, optimizer, current = self.loss_fn, self.optimizer, self._current
        if current is not None and current.guard.holds(x, ya, loss_fn, optimizer):
            return current.refused  # the last call's plan, usually
        for found in self._plans:
            if found is not current and found.guard.holds(x, ya, loss_fn, optimizer):
                self._current = found
                return found.refused
        return _REPLAN

    def _children(self) -> tuple:
        return tuple(id(m) for c in self._containers for m in c._modules.values())

    # ------------------------------------------------------------------ the two paths
    def _eager(self, xt: Tensor, y: Any) -> float:
        self.optimizer.zero_grad()
        output = self.model(xt)
        loss = scalar_loss(self.loss_fn(output, y))
        loss.backward()
        self._after_backward()
        self.optimizer.step()
        self.output = output._data if isinstance(output, Tensor) else output
        return float(loss.item())

    def _replay(self, p: _Plan, x: np.ndarray, y: np.ndarray) -> float:
        x, y = _apart(x, p.written), _apart(y, p.written)
        self.optimizer.zero_grad()
        h = x
        for forward in p.forward:
            h = forward(h)
        if p.output is not h:  # the plan's output buffer, known after its first replay
            p.output, p.written = h, (*p.written, h)
        loss, g = p.loss.forward(h, y)
        for backward in p.backward:
            g = backward(g)
        if p.after is not None:
            p.after()
        for param, target in p.targets:
            param._grad = target
        self.output = h
        if self.record_grad_norms or self.clip_grad_norm is not None:
            self._after_backward()
        self.optimizer.step()
        return float(loss)

    def _after_backward(self) -> None:
        if self.record_grad_norms:
            self.grad_norms = grad_norms(self.model)
        if self.clip_grad_norm is not None:
            clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)

    # ------------------------------------------------------------------ planning
    def _plan_for(self, x: np.ndarray, y: np.ndarray) -> str | None:
        """Plan the configuration found after this call's eager step; return why it is
        not captured, or None."""
        self._walk_error = None
        try:
            layers, containers = plan.walk(self.model)
        except Unsupported as exc:
            self._plans.clear()
            self._layers, self._containers = [], list(_containers_of(self.model))
            self._walk_error = (str(exc), self._children())
            self._current = None
            return str(exc)
        if [id(m) for m in layers] != [id(m) for m in self._layers]:
            self._plans.clear()  # another structure: the old plans cannot match again
        self._layers, self._containers = layers, containers
        made = _Plan()
        made.guard = plan.Guard(x, y, layers, containers, self.loss_fn, self.optimizer)
        try:
            self._build(made, x, y)
        except Unsupported as exc:
            made.refused = str(exc)
        kept = [p for p in self._plans if not p.guard.holds(x, y, self.loss_fn, self.optimizer)]
        self._plans = [*kept[1 - MAX_PLANS :], made]  # one of this configuration is replaced
        self._current = made
        return made.refused

    def _build(self, made: _Plan, x: np.ndarray, y: np.ndarray) -> None:
        params = list(self.model.parameters())
        in_optimizer = {id(p) for g in self.optimizer.param_groups for p in g["params"]}
        if any(p.requires_grad and id(p) not in in_optimizer for p in params):
            raise Unsupported("a parameter that requires grad is not in the optimizer")
        own: dict[int, np.ndarray] = {}

        def own_buffer(p: Any) -> np.ndarray:
            if id(p) not in own:
                own[id(p)] = np.empty_like(p._data)
            return own[id(p)]

        ops, loss, first, targets = plan.build(
            self.model, self._layers, self.loss_fn, params, x, y, own_buffer
        )
        made.forward = tuple(op.forward for op in ops)
        made.backward = tuple(op.backward for op in reversed(ops[first:]))
        made.loss, made.targets = loss, tuple(targets)
        bases = {id(b): b for b in (t if t.base is None else t.base for _, t in targets)}
        made.written = tuple(bases.values())
        made.after = getattr(loss, "backward", None)  # a structural risk's penalty
        self.plans += 1


#: Plans kept per step (one per configuration: e.g. the full batches and a short last one).
MAX_PLANS = 4

_REPLAN = "first call in this configuration (shapes, modes, parameters or flags changed)"


def _apart(a: np.ndarray, written: tuple) -> np.ndarray:
    """``a``, or a copy when it overlaps an array the replay writes (the step's own output
    or a gradient fed back as an input or a target: overwritten mid-step otherwise)."""
    for buffer in written:
        if np.may_share_memory(a, buffer):
            return a.copy()
    return a


class _Plan:
    """One configuration's replay: bound forward and backward methods, the loss, the
    (parameter, gradient target) pairs; or why the configuration is not captured; and
    its guard (:class:`~netopt.train._capture_plan.Guard`)."""

    __slots__ = ("after", "backward", "forward", "guard", "loss", "output", "refused",
                 "targets", "written")  # fmt: skip

    def __init__(self) -> None:
        self.forward: tuple = ()
        self.backward: tuple = ()
        self.loss: Any = None
        self.targets: tuple = ()
        self.refused: str | None = None
        self.after: Any = None
        self.guard: Any = None
        self.output: Any = None  # the output buffer (after the first replay)
        self.written: tuple = ()  # arrays a replay writes that a caller can hold


def _containers_of(model: Module):
    """Every Sequential reachable through Sequentials from ``model`` (for the walk guard)."""
    if type(model) is Sequential:
        yield model
        for child in model._modules.values():
            yield from _containers_of(child)


def capture_step(
    model: Module,
    loss_fn: Any,
    optimizer: Any,
    clip_grad_norm: float | None = None,
    *,
    record_grad_norms: bool = False,
) -> CapturedStep:
    r"""A training step function that replays the step as NumPy calls when it can.

    ``loss = step(x, y)`` does what the eager loop does::

        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)  # if given
        optimizer.step()

    and returns ``loss.item()`` (a float). The first call in a configuration runs these
    lines eagerly and then records a plan; later calls in the same configuration replay
    the plan: forward, loss and backward as NumPy calls into buffers allocated once (see
    :mod:`netopt.train._capture_ops`), the gradients written where the eager backward
    writes them (the optimizer's flat gradient slots, :mod:`netopt.autograd.grad_slots`,
    or one buffer per parameter), then the optimizer's own ``step()``: every optimizer,
    a hyperparameter changed by hand and a learning-rate scheduler take effect with no
    further guard. Parameters, gradients, optimizer state, losses and Dropout masks are
    bit-identical to the eager step's.

    Guards: a call replays only while all of these are as the plan found them, else it
    runs eagerly and plans again: grad mode (off: eager, which raises as eager does),
    the input's and target's shapes and dtypes, the containers' children, every layer's
    train/eval mode and settings (Dropout ``p``, slopes, BatchNorm's momentum, eps and
    statistics arrays, a convolution's or pooling's stride, padding, dilation, groups,
    kernel size and modes), a ``forward`` set on an
    instance, every parameter object, its storage (``p.data = ...``), ``requires_grad``
    and gradient slot, the loss's settings and the optimizer's parameters. A
    configuration it cannot capture (an unsupported module or loss, parameters used
    twice or outside the optimizer, an input that requires grad) runs eagerly every call,
    and ``step.reason`` says why. netopt has no module or tensor hooks; an instance
    attribute named like torch's hook dicts also makes the step eager.

    Parameters
    ----------
    model : Module
    loss_fn : callable
        ``loss_fn(output, target) -> scalar Tensor``.
    optimizer : Optimizer
        Its ``zero_grad()`` and ``step()`` run on every call.
    clip_grad_norm : float, optional
        Clip the total gradient norm to this before each update (eq. 6-39).
    record_grad_norms : bool, default False
        Keep :func:`netopt.nn.utils.grad_norms` of the model (before clipping) in
        ``step.grad_norms`` after each call (what :func:`~netopt.train.fit` records).

    Returns
    -------
    CapturedStep
        Callable as ``step(x, y) -> float``; ``captured``, ``reason``, ``plans``,
        ``output`` and ``grad_norms`` describe the last call.

    Raises
    ------
    TypeError
        If ``model`` is not a Module, ``loss_fn`` is not callable or ``optimizer`` is not
        an optimizer.
    ValueError
        If ``clip_grad_norm`` is negative or not a number.

    Notes
    -----
    A replayed step reuses its buffers: ``step.output`` and, for parameters without a
    gradient slot, ``p.grad`` are overwritten by the next call (the eager step makes new
    arrays; the values are the same). When a batch leaves the fused cross-entropy's plain
    case (an infinite logit, a negative or too large class index) the eager loss function
    computes that batch's loss and logit gradient, as the eager step would.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt import nn, optim
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> step = capture_step(model, nn.CrossEntropyLoss(), opt)
    >>> x, y = np.ones((5, 4), np.float32), np.array([0, 1, 2, 0, 1])
    >>> losses = [step(x, y) for _ in range(3)]
    >>> step.captured, step.plans
    (True, 1)
    """
    return CapturedStep(model, loss_fn, optimizer, clip_grad_norm, record_grad_norms)
