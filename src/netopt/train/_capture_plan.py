r"""Building a captured step's plan: which layers, which buffers, which guard.

:func:`walk` lists the layers of a model (nested ``Sequential`` containers of supported
modules) or raises :class:`~netopt.train._capture_ops.Unsupported`; :class:`Guard`
records everything a plan assumed and tells whether a call matches it; :func:`build`
allocates the plan's operations for one batch shape.

A loss other than the built-in ones can take part by defining two methods on its class:
``capture_op(shape, dtype, y)`` returns an operation with ``forward(z, y) -> (loss,
dz)`` (and optionally ``backward()``, run after the layers' backward pass) or raises
:class:`~netopt.train._capture_ops.Unsupported`, and ``capture_config()`` returns a
tuple of the settings the operation assumed (the guard replans when it changes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import is_
from types import FunctionType
from typing import Any

import numpy as np

from ..autograd.grad_mode import state as _grad_mode
from ..autograd.grad_slots import grad_slot
from ..nn import (
    ELU,
    BatchNorm1d,
    BatchNorm2d,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from ..nn import functional as F
from ..regularization import StructuralRisk
from . import _capture_conv as conv
from . import _capture_losses as losses
from . import _capture_ops as ops

LAYERS = (
    Linear, BatchNorm1d, ReLU, Tanh, Sigmoid, LeakyReLU, ELU, Identity, Flatten, Dropout,
    *conv.LAYERS,
)  # fmt: skip
#: Layer classes with a configuration in the guard (:func:`_config`) besides the mode.
_CONFIGURED = (BatchNorm1d, BatchNorm2d, *conv.LAYERS, Dropout, LeakyReLU, ELU, Flatten)
_HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def walk(model: Any) -> tuple[list[Any], list[Any]]:
    """``(layers in forward order, containers)`` of ``model``.

    Raises
    ------
    Unsupported
        For a module of another type (subclasses included: their forward may differ), a
        module whose instance overrides ``forward`` or holds hooks, or extra parameters.
    """
    layers: list[Any] = []
    containers: list[Any] = []

    def visit(m: Any) -> None:
        name = type(m).__name__
        if "forward" in m.__dict__ or "__call__" in m.__dict__:
            raise ops.Unsupported(f"{name} has its own forward on the instance")
        if any(m.__dict__.get(h) for h in _HOOKS):
            raise ops.Unsupported(f"{name} has hooks")
        if type(m) is Sequential:
            containers.append(m)
            for child in m._modules.values():
                visit(child)
            return
        if type(m) not in LAYERS:
            raise ops.Unsupported(f"module {name} is not supported by step capture")
        affine = type(m) in (Linear, BatchNorm1d, *conv.AFFINE)
        extra = set(m._parameters) - ({"weight", "bias"} if affine else set())
        if extra or m._modules:
            raise ops.Unsupported(f"{name} has extra parameters or submodules")
        layers.append(m)

    visit(model)
    return layers, containers


def _param_key(p: Any) -> tuple | None:
    """A parameter's object, storage, flag and gradient slot."""
    return None if p is None else (id(p), id(p._data), p.requires_grad, id(grad_slot(p)))


def _config(m: Any) -> tuple:
    """What the plan assumed of one layer of :data:`_CONFIGURED` (compared by value; the
    ids of parameters, storage, slots and statistics arrays by value too: the plan keeps
    those objects alive). A Linear's parameters are :class:`Guard`'s records."""
    t = type(m)
    if t is BatchNorm1d or t is BatchNorm2d:
        b = m._buffers
        return (
            _param_key(m._parameters.get("weight")), _param_key(m._parameters.get("bias")),
            m.track_running_stats, m.momentum, m.eps, id(b["running_mean"]),
            id(b["running_var"]), id(b["num_batches_tracked"]),
        )  # fmt: skip
    if t in conv.LAYERS:
        return conv.config(m, _param_key)
    if t is Dropout:
        return (m.p,)
    if t is LeakyReLU:
        return (m.negative_slope,)
    if t is ELU:
        return (m.alpha,)
    return (m.start_dim, m.end_dim)  # Flatten


def _loss_config(loss_fn: Any) -> tuple:
    if type(loss_fn) is StructuralRisk:
        return (
            loss_fn.l1, loss_fn.l2, loss_fn.include_bias, id(loss_fn.model),
            id(loss_fn.loss_fn), _loss_config(loss_fn.loss_fn),
        )  # fmt: skip
    if type(loss_fn) is CrossEntropyLoss:
        return (
            loss_fn.reduction, id(loss_fn.weight), loss_fn.ignore_index, loss_fn.label_smoothing,
            "forward" in loss_fn.__dict__,
        )  # fmt: skip
    if type(loss_fn) is MSELoss:
        return (loss_fn.reduction, "forward" in loss_fn.__dict__)
    if type(loss_fn) in losses.CLASSES:  # BCEWithLogits, L1, SmoothL1, Huber: their settings
        return losses.config(loss_fn)
    config = getattr(type(loss_fn), "capture_config", None)
    # a function (F.cross_entropy, or another one swapped in): its identity; the guard
    # keeps the object, so the id cannot be reused while the plan lives
    return (id(loss_fn),) if config is None else (id(loss_fn), config(loss_fn))


def _param_record(m: Any, name: str) -> tuple:
    """``(layer, name, parameter, storage, requires_grad, gradient slot)``: what
    :func:`_param_key` keys, for :class:`Guard` (None for an absent parameter)."""
    p = m._parameters.get(name)
    if p is None:
        return (m, name, None, None, None, None)
    return (m, name, p, p._data, p.requires_grad, grad_slot(p))


class Guard:
    """The guard of one plan: what the plan assumed, recorded when it is made.

    ``holds(x, y, loss_fn, optimizer)`` is True while all of these are as recorded: grad
    mode, the input's and target's shapes and dtypes, the containers' children and
    ``forward`` on the instance, every layer's mode and ``forward`` on the instance, each
    Linear's parameter objects, their storage, ``requires_grad`` and gradient slot, the
    other layers' configuration (:func:`_config`: settings, parameters, statistics
    arrays), the loss's configuration (:func:`_loss_config`) and the optimizer's
    parameters. Values compare by ``==``, objects by identity (the guard and the plan
    keep them alive). It reads them in loops over records made once and stops at the
    first difference: no key is built, hashed or looked up per call (a key tuple took
    about twice as long for a three-layer MLP).
    """

    def __init__(self, x, y, layers, containers, loss_fn, optimizer) -> None:
        self.io = (x.shape, x.dtype, y.shape, y.dtype)
        self.mode = (_grad_mode.enabled, _grad_mode.inference)
        self.containers = tuple(
            (c, "forward" in c.__dict__, tuple(c._modules.values())) for c in containers
        )
        self.layers = tuple((m, m.training, "forward" in m.__dict__) for m in layers)
        linears = [m for m in layers if type(m) is Linear]
        self.params = tuple(_param_record(m, n) for m in linears for n in ("weight", "bias"))
        self.configs = tuple((m, _config(m)) for m in layers if type(m) in _CONFIGURED)
        self.loss_fn, self.loss_config = loss_fn, _loss_config(loss_fn)
        self.fixed_loss = type(loss_fn) is FunctionType  # its configuration: its identity
        self.groups = tuple(tuple(g["params"]) for g in optimizer.param_groups)

    def holds(self, x: np.ndarray, y: np.ndarray, loss_fn: Any, optimizer: Any) -> bool:
        """Is everything the plan assumed as recorded, for a call on ``x``/``y``?"""
        if (x.shape, x.dtype, y.shape, y.dtype) != self.io:
            return False
        if (_grad_mode.enabled, _grad_mode.inference) != self.mode:
            return False
        for c, forward, children in self.containers:
            now = c._modules
            if ("forward" in c.__dict__) != forward or len(now) != len(children):
                return False
            if not all(map(is_, now.values(), children)):
                return False
        for m, training, forward in self.layers:
            if m.training != training or ("forward" in m.__dict__) != forward:
                return False
        for m, name, p, data, flag, slot in self.params:
            if m._parameters.get(name) is not p:
                return False
            if p is not None and (
                p._data is not data or p.requires_grad != flag or grad_slot(p) is not slot
            ):
                return False
        for m, config in self.configs:
            if _config(m) != config:
                return False
        if not (loss_fn is self.loss_fn and self.fixed_loss):
            if _loss_config(loss_fn) != self.loss_config:
                return False
        groups = optimizer.param_groups
        if len(groups) != len(self.groups):
            return False
        for group, params in zip(groups, self.groups):
            now = group["params"]
            if len(now) != len(params) or not all(map(is_, now, params)):
                return False
        return True


def _batch_norm(m: Any, shape, dtype, need_gx: bool, target) -> ops.BatchNormOp:
    """The replayed BatchNorm1d, or Unsupported."""
    if len(shape) != 2 or shape[1] != m.num_features:
        raise ops.Unsupported(f"BatchNorm1d on input of shape {shape}")
    training = m.training or not m.track_running_stats
    b = m._buffers
    stats = (b["running_mean"], b["running_var"], b["num_batches_tracked"])
    if any(s is not None and type(s) is not np.ndarray for s in stats):
        raise ops.Unsupported("BatchNorm1d whose running statistics are not arrays")
    if training and shape[0] <= 1:
        raise ops.Unsupported("BatchNorm1d on one value per channel (eager raises)")
    w, bias = m._parameters.get("weight"), m._parameters.get("bias")
    return ops.BatchNormOp(m, shape, dtype, training, target(w), target(bias), need_gx)


def _loss_op(loss_fn: Any, shape, dtype, y: np.ndarray):
    """The replayed loss, or Unsupported."""
    if type(loss_fn) in (CrossEntropyLoss, MSELoss) and "forward" in loss_fn.__dict__:
        raise ops.Unsupported(f"{type(loss_fn).__name__} has its own forward on the instance")
    if loss_fn is F.cross_entropy or type(loss_fn) is CrossEntropyLoss:
        mod = loss_fn if type(loss_fn) is CrossEntropyLoss else None
        reduction = "mean" if mod is None else mod.reduction
        ignore = -100 if mod is None else mod.ignore_index
        plain = mod is None or (mod.weight is None and mod.label_smoothing == 0)
        if not plain or reduction not in ("mean", "sum") or 0 <= ignore < shape[-1]:
            raise ops.Unsupported("cross-entropy with weights, smoothing, an ignored class or "
                                  f"reduction {reduction!r}")  # fmt: skip
        if len(shape) != 2 or y.dtype.kind not in "iu" or y.shape != shape[:1] or not shape[0]:
            raise ops.Unsupported(f"cross-entropy of logits {shape} and targets {y.shape}")
        return ops.CrossEntropyOp(shape, dtype, reduction, loss_fn, y.dtype)
    if loss_fn is F.mse_loss or type(loss_fn) is MSELoss:
        reduction = "mean" if loss_fn is F.mse_loss else loss_fn.reduction
        if reduction not in ("mean", "sum"):
            raise ops.Unsupported(f"MSE with reduction {reduction!r}")
        if y.shape != tuple(shape) or y.dtype != dtype:
            raise ops.Unsupported(f"MSE of {shape} {dtype} against {y.shape} {y.dtype}")
        return ops.MSEOp(shape, dtype, reduction)
    op = losses.make_op(loss_fn, shape, dtype, y)  # BCEWithLogits, L1, SmoothL1, Huber
    if op is not None:
        return op
    make = getattr(type(loss_fn), "capture_op", None)
    if make is not None:  # a loss that replays itself (protocol: module docstring)
        return make(loss_fn, shape, dtype, y)
    raise ops.Unsupported(f"loss {type(loss_fn).__name__} is not supported by step capture")


def build(
    model: Any,
    layers: Sequence[Any],
    loss_fn: Any,
    params: Sequence[Any],
    x: np.ndarray,
    y: np.ndarray,
    own: Callable[[Any], np.ndarray],
) -> tuple[list[Any], Any, int, list[tuple[Any, np.ndarray]]]:
    """``(operations, loss operation, index of the first operation the backward pass
    runs, (parameter, gradient target) pairs)`` for ``model`` (its ``layers``) on a batch
    ``x``/``y``; ``own(p)`` is the plan's gradient buffer of a parameter without a
    gradient slot."""
    dtype = x.dtype
    if dtype.kind != "f" or any(p._data.dtype != dtype for p in params):
        raise ops.Unsupported(f"input dtype {dtype} differs from a parameter's")
    used = [p for m in layers for p in m._parameters.values() if p is not None]
    if len({id(m) for m in layers}) < len(layers) or len({id(p) for p in used}) < len(used):
        raise ops.Unsupported("a layer or a parameter is used twice")
    shape, built, first_grad, targets = x.shape, [], 0, []

    def target(p: Any) -> np.ndarray | None:
        if p is None or not p.requires_grad:
            return None
        slot = grad_slot(p)
        return own(p) if slot is None else slot

    grad_so_far = False  # does the input of the current layer need a gradient?
    for m in layers:
        t = type(m)
        if t is Linear:
            w, b = m.weight, m.bias
            if len(shape) != 2 or shape[1] != w._data.shape[1]:
                raise ops.Unsupported(f"Linear on input of shape {shape}")

            op = ops.LinearOp(w._data, None if b is None else b._data,
                              (shape[0], w._data.shape[0]), target(w), target(b),
                              grad_so_far)  # fmt: skip
            shape = op.out.shape
            targets += [(p, t) for p, t in ((w, op.gw), (b, op.gb)) if t is not None]
            if not grad_so_far and (op.gw is not None or op.gb is not None):
                grad_so_far, first_grad = True, len(built)  # backward stops at this layer
        elif t in conv.LAYERS or (t is BatchNorm1d and len(shape) != 2):
            previous = built[-1] if built else None
            op, pairs = conv.build_op(m, shape, dtype, grad_so_far, target, previous)
            shape = op.out_shape
            targets += pairs
            if not grad_so_far and pairs:
                grad_so_far, first_grad = True, len(built)  # backward stops at this layer
        elif t is BatchNorm1d:
            op = _batch_norm(m, shape, dtype, grad_so_far, target)
            if not grad_so_far and (op.gw is not None or op.gb is not None):
                grad_so_far, first_grad = True, len(built)
            w, b = m._parameters.get("weight"), m._parameters.get("bias")
            targets += [(p, t) for p, t in ((w, op.gw), (b, op.gb)) if t is not None]
        elif t is ReLU:
            inplace = bool(built) and type(built[-1]) in (ops.LinearOp, conv.ConvOp)
            op = ops.ReluOp(shape, dtype, inplace=inplace)
        elif t is Tanh:
            op = ops.TanhOp(shape, dtype)
        elif t is Sigmoid:
            op = ops.SigmoidOp(shape, dtype)
        elif t is LeakyReLU or t is ELU:
            value = m.negative_slope if t is LeakyReLU else m.alpha
            if type(value) not in (int, float):
                raise ops.Unsupported(f"{t.__name__} with a {type(value).__name__} parameter")
            cls = ops.LeakyReluOp if t is LeakyReLU else ops.EluOp
            op = cls(shape, dtype, value)
        elif t is Dropout:
            if type(m.p) not in (int, float):
                raise ops.Unsupported(f"Dropout with p of type {type(m.p).__name__}")
            if not m.training or m.p == 0:
                continue
            if m.p == 1:
                raise ops.Unsupported("Dropout with p=1")
            op = ops.DropoutOp(m, shape, dtype)
        elif t is Flatten:
            if len(shape) < 2 or m.start_dim != 1 or m.end_dim != -1:
                raise ops.Unsupported("Flatten other than Flatten(1, -1) of a batch")
            op = ops.FlattenOp(shape)
            shape = op.out_shape
        else:  # Identity
            continue
        built.append(op)
    if not grad_so_far:
        raise ops.Unsupported("no parameter requires grad")
    if type(loss_fn) is StructuralRisk:
        if loss_fn.model is not model:
            raise ops.Unsupported("a StructuralRisk that penalizes another model")
        weights = [p for p in params if loss_fn.include_bias or p.ndim >= 2]  # regularization
        if not weights:
            raise ops.Unsupported("a StructuralRisk with no weights (eager raises)")
        where = {id(p): t for p, t in targets}
        loss = ops.RiskOp(
            loss_fn, _loss_op(loss_fn.loss_fn, shape, dtype, y), [p._data for p in weights],
            [where.get(id(p)) for p in weights], dtype,
        )  # fmt: skip
    else:
        loss = _loss_op(loss_fn, shape, dtype, y)
    return built, loss, first_grad, targets
