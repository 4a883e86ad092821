r"""The optimizer update inside a captured step: the kernel on each group's flat buffers.

:meth:`netopt.optim.Optimizer.step` reads each group's hyperparameters, finds the group's
flat buffers (:mod:`netopt.optim._flat`), checks that they are still the group's
parameters and gradients, runs the update kernel once on them, points the per-parameter
state at the flat state and bumps the parameters' version counters. :class:`FlatUpdate`
replays exactly these calls, with the same kernel (``optimizer._kernel``: the NumPy
kernel, or its fused counterpart of :mod:`netopt.optim._fused` where eager uses it) on the
same arrays, so parameters, state, ``step`` counters and ``state_dict()`` are the eager
step's bit for bit; it leaves out the closure, the method dispatch and the per-group
fallback bookkeeping that a captured step never needs.

Everything is read at each call: the groups and their hyperparameters (a scheduler or a
hand-made change takes effect), ``optimizer.state`` and each group's flat buffers and flat
state (``load_state_dict`` replaces them). A call returns False, before touching
anything, and the captured step calls ``optimizer.step()`` instead, when: a group has no
flat buffers or they are no longer its parameters and gradients, a group has no state yet
(SGD without momentum keeps none), ``maximize`` is set, a hyperparameter cannot be read,
or ``step`` was replaced on the instance by anything but a learning-rate scheduler's
call-order wrapper (whose flag, ``optimizer._opt_called``, the replay sets as the wrapper
does).
"""

from __future__ import annotations

from typing import Any

from ..autograd.version import mark_all_modified
from ..optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from ._capture_ops import Unsupported

#: The optimizer classes (exactly these, not subclasses) whose update is replayed.
COVERED = (SGD, Adam, AdamW, RMSprop, Adagrad)


class FlatUpdate:
    """``optimizer.step()`` of a covered optimizer whose groups all have flat buffers.

    Parameters
    ----------
    optimizer : Optimizer
        An instance of exactly one of :data:`COVERED`.

    Raises
    ------
    Unsupported
        For another optimizer class, or one whose class overrides ``step``.
    """

    __slots__ = ("optimizer",)

    def __init__(self, optimizer: Any) -> None:
        kind = type(optimizer)
        if kind not in COVERED or kind.step is not Optimizer.step:
            raise Unsupported(f"the update of {kind.__name__} is not replayed")
        self.optimizer = optimizer

    def __call__(self) -> bool:
        """Run the update as ``optimizer.step()`` would; False (nothing done) when it
        cannot (see the module docstring)."""
        opt = self.optimizer
        wrapper = opt.__dict__.get("step")
        if wrapper is not None and not (
            getattr(wrapper, "_wrapped_by_lr_sched", False)
            and getattr(wrapper, "__wrapped__", None) is Optimizer.step
        ):
            return False
        flats, plain = opt._flat, type(opt) is SGD
        work = []
        try:
            for index, group in enumerate(opt.param_groups):
                flat = flats.get(index)
                if flat is None or not (flat.state or plain) or not flat.ready(group["params"]):
                    return False
                hp = opt._hyperparameters(group)
                if hp.get("maximize"):
                    return False
                work.append((flat, hp, group["params"]))
        except Exception:  # step() raises it again, with nothing changed
            return False
        if wrapper is not None:
            opt._opt_called = True
        kernel, states = opt._kernel, opt.state
        for flat, hp, params in work:
            flat.step(kernel, hp, states)
            mark_all_modified(params)
        return True
