r"""Per-layer statistics of a network: gradient and weight norms, saturation, dead ReLUs.

:func:`layer_stats` measures a :class:`~netopt.nn.Sequential` at one moment by running a
fixed *probe* batch through it layer by layer (eval mode, no gradients);
:class:`LayerStats` is the callback that does so at the end of every epoch of
:func:`~netopt.train.fit` and stores the result in the epoch's history record under
``"layer_stats"``, so it survives :meth:`History.save <netopt.train.History.save>`.

Saturation (chapter slide 44): an activation :math:`f` is saturated at :math:`z` when its
derivative is nearly zero there, :math:`|f'(z)| < \tau` (default :math:`\tau = 0.01`). With
:math:`\sigma'(z) = \sigma(z)(1-\sigma(z))` (eq. 6-32) and :math:`\tanh'(z) = 1-\tanh^2 z`,
:math:`\tau = 0.01` means :math:`|z| > 4.585` for the sigmoid and :math:`|z| > 2.993` for tanh.
A saturated unit passes almost no gradient back, which is how deep sigmoid networks lose
their gradients (slide 53). A ReLU unit is *dead* when its output is 0 for every probe sample:
its gradient is then 0 for all of them, and no update reaches its incoming weights.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._validate import is_number
from ..autograd import Tensor, no_grad
from ..nn import Linear, Module, ReLU, Sequential, Sigmoid, Tanh
from ..train.callbacks import Callback

if TYPE_CHECKING:
    from ..train.context import FitContext

#: Default saturation threshold :math:`\tau` on the activation's derivative.
SATURATION_THRESHOLD = 0.01

#: The key under which :class:`LayerStats` stores its measurements in a history record.
RECORD_KEY = "layer_stats"


def _sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """:math:`\\sigma'(z) = e^{-|z|}/(1+e^{-|z|})^2`: never overflows."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def _tanh_derivative(z: np.ndarray) -> np.ndarray:
    """:math:`\\tanh'(z) = 4e^{-2|z|}/(1+e^{-2|z|})^2`: never overflows."""
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


_DERIVATIVES = {Sigmoid: _sigmoid_derivative, Tanh: _tanh_derivative}


def check_threshold(threshold: Any) -> float:
    """Return ``threshold`` as a float in (0, 0.25); raise ValueError naming it otherwise."""
    if not is_number(threshold):
        raise ValueError(f"threshold must be a number in (0, 0.25), got {threshold!r}")
    if not 0.0 < float(threshold) < 0.25:
        raise ValueError(
            f"threshold must be in (0, 0.25) (the sigmoid's derivative is at most 0.25), "
            f"got {threshold!r}"
        )
    return float(threshold)


def _check_probe(probe: Any) -> np.ndarray:
    data = probe._data if isinstance(probe, Tensor) else np.asarray(probe)
    if data.dtype.kind not in "fiu" or data.ndim < 1 or data.shape[0] < 1:
        raise ValueError(
            f"probe must be a non-empty numeric array of samples (rows), "
            f"got dtype {data.dtype} and shape {data.shape}"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("probe holds NaN or infinite values")
    return data if data.dtype.kind == "f" else data.astype(np.float32)


def sequential_layers(model: Module, prefix: str = "") -> Iterator[tuple[str, Module]]:
    r"""Yield ``(qualified name, module)`` for the leaf layers of a Sequential, in forward order.

    Nested Sequentials are expanded; names are those of ``model.named_parameters()``
    without the parameter suffix (``"0"``, ``"2.1"``).

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~netopt.nn.Sequential` (its forward order is unknown).

    Examples
    --------
    >>> from netopt import nn
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh(), nn.Linear(3, 1)))
    >>> [name for name, _ in sequential_layers(net)]
    ['0', '1.0', '1.1']
    """
    if not isinstance(model, Sequential):
        raise TypeError(
            f"layer statistics need an nn.Sequential (to run the probe layer by layer), "
            f"got {type(model).__name__}"
        )
    for name, child in model.named_children():
        qualified = f"{prefix}{name}"
        if isinstance(child, Sequential):
            yield from sequential_layers(child, f"{qualified}.")
        else:
            yield qualified, child


def _activation_entry(name: str, layer: Module, z: np.ndarray, out: np.ndarray, tau: float):
    """The statistics of one activation layer from its input ``z`` and output ``out``."""
    kind = type(layer).__name__
    for cls, derivative in _DERIVATIVES.items():
        if isinstance(layer, cls):
            saturated = float(np.mean(derivative(z.astype(np.float64)) < tau))
            return {"name": name, "type": kind, "saturated": saturated}
    if isinstance(layer, ReLU):
        never_active = np.all(out.reshape(out.shape[0], -1) == 0, axis=0)
        return {"name": name, "type": kind, "dead": float(np.mean(never_active))}
    return None


def layer_stats(
    model: Module,
    probe: Any,
    *,
    threshold: float = SATURATION_THRESHOLD,
    grad_norms: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    r"""Measure each layer of a Sequential on a probe batch.

    Parameters
    ----------
    model : Sequential
        Run layer by layer in eval mode (Dropout off, BatchNorm on its running statistics)
        without recording a graph; each module's train/eval mode is restored afterwards.
    probe : ndarray or Tensor, shape (N, ...)
        A fixed sample of training inputs, N >= 1.
    threshold : float, default 0.01
        :math:`\tau` in (0, 0.25): a Sigmoid/Tanh unit is saturated on a sample when the
        derivative at its input is below :math:`\tau`.
    grad_norms : mapping of str to float, optional
        Per-parameter gradient norms (a history record's ``grad_norms``); the entry
        ``"<layer>.weight"`` becomes that Linear layer's ``grad_norm``.

    Returns
    -------
    dict
        JSON-able: ``probe_size``, ``threshold`` and ``layers``, a list in forward order of
        ``{"name", "type": "Linear", "weight_norm", "grad_norm"}`` (Frobenius norm of the
        weight; gradient norm or None), ``{"name", "type": "Sigmoid"|"Tanh", "saturated"}``
        (fraction of probe entries, sample x unit, that are saturated) and
        ``{"name", "type": "ReLU", "dead"}`` (fraction of units whose output is 0 on every
        probe sample). Other layers are run but not listed.

    Raises
    ------
    TypeError
        If ``model`` is not a Sequential.
    ValueError
        On an empty, non-numeric or non-finite probe, or a threshold outside (0, 0.25).

    Notes
    -----
    Floating-point warnings are silenced while probing: a diverged model holds infinite or
    NaN weights, and measuring them is the point. An infinite input counts as saturated
    (its derivative is 0); a NaN input does not.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt import nn
    >>> net = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid())
    >>> net[0].weight.data[:] = [[1.0], [10.0]]; net[0].bias.data[:] = 0.0
    >>> stats = layer_stats(net, np.ones((4, 1), np.float32))
    >>> stats["layers"][1]   # the unit with input 10 is saturated, the one with 1 is not
    {'name': '1', 'type': 'Sigmoid', 'saturated': 0.5}
    """
    tau = check_threshold(threshold)
    layers = list(sequential_layers(model))
    x = Tensor(_check_probe(probe))
    n = int(x.shape[0])
    entries: list[dict[str, Any]] = []
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with no_grad(), np.errstate(all="ignore"):
            for name, layer in layers:
                out = layer(x)
                if isinstance(layer, Linear):
                    entries.append(_linear_entry(name, layer, grad_norms))
                else:
                    entry = _activation_entry(name, layer, np.asarray(x._data), out._data, tau)
                    if entry is not None:
                        entries.append(entry)
                x = out
    finally:
        for module, mode in modes:
            object.__setattr__(module, "training", mode)
    return {"probe_size": n, "threshold": tau, "layers": entries}


def _linear_entry(name: str, layer: Linear, grad_norms: Mapping[str, float] | None):
    weight_norm = float(np.linalg.norm(np.asarray(layer.weight._data, dtype=np.float64)))
    grad = None if grad_norms is None else grad_norms.get(f"{name}.weight")
    return {
        "name": name,
        "type": "Linear",
        "weight_norm": weight_norm,
        "grad_norm": None if grad is None else float(grad),
    }


class LayerStats(Callback):
    r"""Record :func:`layer_stats` at the end of every epoch of :func:`~netopt.train.fit`.

    Parameters
    ----------
    probe : ndarray or Tensor, shape (N, ...)
        A fixed sample of the training inputs (a few hundred rows is plenty), passed
        through the model after each epoch.
    threshold : float, default 0.01
        The saturation threshold :math:`\tau` on the activation's derivative.

    Attributes
    ----------
    stats_ : list of dict
        One :func:`layer_stats` result per epoch, each with its ``epoch``.

    Raises
    ------
    ValueError
        On a bad probe or threshold (at construction).
    TypeError
        When training begins, if the model is not an :class:`~netopt.nn.Sequential`.

    Notes
    -----
    The measurement is written into the epoch's history record (the ``logs`` that
    ``on_epoch_end`` receives) under ``"layer_stats"``; each Linear layer's ``grad_norm`` is
    the record's ``grad_norms["<layer>.weight"]``, the mean over the epoch's batches before
    any clipping. It runs at ``order = -50``: after the non-finite guard, before other
    callbacks and the writers, so a :class:`~netopt.train.JSONLogger` saves it too.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt import nn, optim
    >>> from netopt.data import DataLoader, TensorDataset
    >>> from netopt.train import fit
    >>> x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(-1, 1)
    >>> net = nn.Sequential(nn.Linear(1, 4, rng=np.random.default_rng(0)), nn.ReLU(),
    ...                     nn.Linear(4, 1, rng=np.random.default_rng(1)))
    >>> h = fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1),
    ...         DataLoader(TensorDataset(x, x), batch_size=8), epochs=2,
    ...         callbacks=[LayerStats(x)], progress=False)
    >>> [layer["type"] for layer in h.records[-1]["layer_stats"]["layers"]]
    ['Linear', 'ReLU', 'Linear']
    """

    order: ClassVar[int] = -50

    def __init__(self, probe: Any, *, threshold: float = SATURATION_THRESHOLD) -> None:
        self.probe = _check_probe(probe)
        self.threshold = check_threshold(threshold)
        self.stats_: list[dict[str, Any]] = []
        self._model: Module | None = None

    def on_train_begin(self, context: FitContext) -> None:
        list(sequential_layers(context.model))  # raises TypeError now, not after an epoch
        self._model = context.model

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self._model is None:
            return
        stats = layer_stats(
            self._model, self.probe, threshold=self.threshold, grad_norms=logs.get("grad_norms")
        )
        self.stats_.append({"epoch": epoch, **stats})
        if isinstance(logs, MutableMapping):
            logs[RECORD_KEY] = stats
