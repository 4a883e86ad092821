r"""The estimators' parts by name: the network behind ``coefs_``, its optimizer, its schedule.

The estimators show their weights as scikit-learn does, ``coefs_[i]`` of shape
``(fan_in, fan_out)`` and ``intercepts_[i]``; the arrays live in the netopt network: each
:class:`~netopt.nn.Linear`'s ``weight`` owns its array (torch's ``(out, in)`` layout) and
``coefs_[i]`` is its transposed view, ``intercepts_[i]`` its ``bias``'s array itself. Owning
its arrays, a network's parameters can move into an optimizer's flat buffers
(:mod:`netopt.optim._flat`, one update call for all of them); :func:`expose` then points
``coefs_``/``intercepts_`` at the moved arrays, and :func:`attach` copies weights set from
outside into the network's arrays (in place: the flat buffers stay). The optimizer and the
schedule are named with strings (scikit-learn's habit, so a grid search can range over
them); their keyword dicts are checked against the constructor, so a typo is an error.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import nn
from ..optim import SGD, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop
from ..optim import lr_scheduler as sched
from ._params import ADAM_FAMILY

_ACTIVATION_LAYERS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}

_SCHEDULES: dict[str, Any] = {
    "step": sched.StepLR,
    "exponential": sched.ExponentialLR,
    "cosine": sched.CosineAnnealingLR,
    "cosine_restarts": sched.CosineAnnealingWarmRestarts,
    "plateau": sched.ReduceLROnPlateau,
}


def init_layer(
    fan_in: int, fan_out: int, activation: str, rng: np.random.RandomState, dtype: Any
) -> tuple[np.ndarray, np.ndarray]:
    r"""scikit-learn's initial weights and intercepts of one layer (Glorot & Bengio's uniform).

    .. math:: W, b \sim U(-r, r), \qquad r = \sqrt{\frac{k}{n_\text{in} + n_\text{out}}},

    with :math:`k = 2` for the logistic activation and :math:`k = 6` otherwise, drawn in
    float64 (weights first, then intercepts) and cast to ``dtype``, so an int seed gives
    scikit-learn's initial network exactly.

    Examples
    --------
    >>> w, b = init_layer(3, 2, "relu", np.random.RandomState(0), np.float32)
    >>> w.shape, b.shape, w.dtype, bool(np.abs(w).max() <= np.sqrt(6 / 5))
    ((3, 2), (2,), dtype('float32'), True)
    """
    factor = 2.0 if activation in ("logistic", "sigmoid") else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    coef = rng.uniform(-bound, bound, (fan_in, fan_out))
    intercept = rng.uniform(-bound, bound, fan_out)
    return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)


def build_network(
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    *,
    activation: str,
    batch_norm: bool,
    dropout: float,
    dropout_rng: np.random.Generator,
) -> nn.Sequential:
    r"""``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer, then a last
    ``Linear`` to the outputs (logits, or values before the output activation), holding
    the given weights; the lists then show the network's arrays (see :func:`attach`).

    Examples
    --------
    >>> coefs = [np.zeros((4, 8)), np.zeros((8, 3))]
    >>> net = build_network(coefs, [np.zeros(8), np.zeros(3)], activation="tanh",
    ...                     batch_norm=True, dropout=0.5, dropout_rng=np.random.default_rng(0))
    >>> [type(layer).__name__ for layer in net]
    ['Linear', 'BatchNorm1d', 'Tanh', 'Dropout', 'Linear']
    """
    layers: list[nn.Module] = []
    for i, coef in enumerate(coefs):
        fan_in, fan_out = coef.shape
        linear = nn.Linear(fan_in, fan_out, dtype=coef.dtype)
        # its own array in scikit-learn's memory order: coefs_[i] = weight.T is C-contiguous
        linear.weight._data = np.empty((fan_out, fan_in), dtype=coef.dtype, order="F")
        layers.append(linear)
        if i == len(coefs) - 1:
            break
        if batch_norm:
            layers.append(nn.BatchNorm1d(fan_out, dtype=coef.dtype))
        layers.append(_ACTIVATION_LAYERS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout, rng=dropout_rng))
    net = nn.Sequential(*layers)
    attach(net, coefs, intercepts)
    return net


def linears(net: nn.Sequential) -> list[nn.Linear]:
    """The network's Linear layers, in order (one per entry of ``coefs_``)."""
    return [m for m in net if isinstance(m, nn.Linear)]


def fits(net: Any, coefs: Sequence[np.ndarray]) -> bool:
    """Whether ``net`` has one Linear per coefficient matrix, of the same shape and dtype."""
    if net is None:
        return False
    layers = linears(net)
    return len(layers) == len(coefs) and all(
        lin.weight._data.shape == coef.T.shape and lin.weight._data.dtype == coef.dtype
        for lin, coef in zip(layers, coefs)
    )


def _views(view: np.ndarray, array: np.ndarray) -> bool:
    """Whether ``view`` describes exactly ``array``'s elements (same memory, shape, strides)."""
    return (
        view.shape == array.shape
        and view.strides == array.strides
        and view.dtype == array.dtype
        and view.__array_interface__["data"][0] == array.__array_interface__["data"][0]
    )


def attach(net: nn.Sequential, coefs: list[np.ndarray], intercepts: list[np.ndarray]) -> None:
    r"""Give the network the values of ``coefs``/``intercepts``, and make those lists show
    the network's arrays (``coefs[i]`` the view ``weight.T``, ``intercepts[i]`` the bias).

    A matrix that is not already that view (weights set from outside, unpickled, cast) is
    copied into the weight's array in place, so the Parameter objects and their arrays stay
    (an optimizer's state, and flat buffers that hold the arrays, stay valid); only a
    read-only array (unpickled from a memory map), or a bias whose new values have another
    dtype (kept in theirs, as before), is replaced. A weight array is kept in
    Fortran order, so that ``coefs[i]`` is C-contiguous (scikit-learn's layout).

    Examples
    --------
    >>> coefs, intercepts = [np.ones((2, 3))], [np.zeros(3)]
    >>> net = nn.Sequential(nn.Linear(2, 3, dtype=np.float64))
    >>> attach(net, coefs, intercepts)
    >>> net[0].weight._data.shape, coefs[0].base is net[0].weight._data
    ((3, 2), True)
    """
    for i, (lin, coef, intercept) in enumerate(zip(linears(net), coefs, intercepts, strict=True)):
        weight, bias = lin.weight._data, lin.bias._data
        if np.shape(intercept) != bias.shape:
            raise ValueError(
                f"intercepts_[{i}] has shape {np.shape(intercept)}; layer {i} has "
                f"{bias.shape[0]} outputs, so it needs shape {bias.shape}"
            )
        if not (weight.flags.writeable and weight.flags.f_contiguous):  # e.g. a memory map
            lin.weight._data = weight = np.empty(weight.shape, weight.dtype, order="F")
        if not bias.flags.writeable or intercept.dtype != bias.dtype:  # keep the values' dtype
            lin.bias._data = bias = np.empty(bias.shape, intercept.dtype)
        if not _views(coef.T, weight):
            weight[...] = coef.T
            coefs[i] = weight.T
        if intercept is not bias:
            bias[...] = intercept
            intercepts[i] = bias


def expose(net: nn.Sequential, coefs: list[np.ndarray], intercepts: list[np.ndarray]) -> None:
    """Point ``coefs``/``intercepts`` at the network's current arrays (after an optimizer
    moved them into its flat buffers), keeping the network's values."""
    for i, lin in enumerate(linears(net)):
        if not _views(coefs[i].T, lin.weight._data):
            coefs[i] = lin.weight._data.T
        if intercepts[i] is not lin.bias._data:
            intercepts[i] = lin.bias._data


def check_keywords(owner: str, what: str, cls: type, given: Mapping[str, Any]) -> None:
    """Raise ValueError naming any key of ``given`` that ``cls``'s constructor does not take
    (``lr`` and the optimizer/parameters are set by the estimator; LBFGS's ``lr`` is free)."""
    params = inspect.signature(cls).parameters
    fixed = ("params", "optimizer", "last_epoch") + (() if cls.__name__ == "LBFGS" else ("lr",))
    allowed = [p for p in params if p not in fixed]
    unknown = [k for k in given if k not in allowed]
    if unknown:
        raise ValueError(
            f"{owner}: {what} has no parameter(s) {unknown} for {cls.__name__}; "
            f"valid ones are {allowed}"
        )


def build_optimizer(owner: str, params: Any, p: Mapping[str, Any]) -> Any:
    r"""The netopt optimizer that ``solver`` names, with scikit-learn's arguments mapped.

    ``"sgd"`` is :class:`~netopt.optim.SGD` with ``momentum`` and (when the momentum is
    positive) ``nesterov=nesterovs_momentum``; the Adam family (``"adam"``, ``"adamw"``,
    ``"nadam"``, ``"radam"``, ``"adamax"``) takes ``betas=(beta_1, beta_2)`` and
    ``eps=epsilon``; ``"adagrad"`` and ``"rmsprop"`` their own defaults.
    ``optimizer_params`` overrides any of these.

    Raises
    ------
    ValueError
        On a keyword the optimizer does not take (``lr`` included: use
        ``learning_rate_init``), or a value it refuses.

    Examples
    --------
    >>> p = {"solver": "sgd", "learning_rate_init": 0.1, "momentum": 0.9,
    ...      "nesterovs_momentum": True, "optimizer_params": {}}
    >>> opt = build_optimizer("MLP", nn.Linear(2, 1).parameters(), p)
    >>> opt.param_groups[0]["momentum"], opt.param_groups[0]["nesterov"]
    (0.9, True)
    """
    solver = p["solver"]
    if solver in ADAM_FAMILY:
        cls = {"adam": Adam, "adamw": AdamW, "nadam": NAdam, "radam": RAdam, "adamax": Adamax}
        cls, defaults = cls[solver], {"betas": (p["beta_1"], p["beta_2"]), "eps": p["epsilon"]}
    elif solver == "sgd":
        cls, defaults = SGD, {"momentum": p["momentum"], "nesterov": p["nesterovs_momentum"]}
    else:
        cls, defaults = {"adagrad": Adagrad, "rmsprop": RMSprop}[solver], {}
    if solver == "sgd" and not defaults["momentum"] > 0:
        defaults["nesterov"] = False
    options = p["optimizer_params"]
    check_keywords(owner, "optimizer_params", cls, options)
    try:
        return cls(params, lr=p["learning_rate_init"], **{**defaults, **options})
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: solver={solver!r} refused its arguments: {err}") from err


def _schedule_defaults(name: str, max_iter: int) -> dict[str, Any]:
    """Defaults that make each schedule do something within ``max_iter`` epochs."""
    return {
        "step": {"step_size": max(1, max_iter // 3), "gamma": 0.1},
        "exponential": {"gamma": 0.95},
        "cosine": {"T_max": max_iter},
        "cosine_restarts": {"T_0": max(1, max_iter // 4)},
        "plateau": {},
    }[name]


def build_scheduler(
    owner: str, name: str, optimizer: Any, options: Mapping[str, Any], max_iter: int
) -> Any:
    r"""Build the per-epoch learning-rate schedule ``name`` (None for ``"constant"``).

    Defaults, each overridable through ``options``: ``"step"`` decays by 0.1 every
    ``max_iter // 3`` epochs; ``"exponential"`` by 0.95 per epoch; ``"cosine"`` anneals over
    ``max_iter`` epochs; ``"cosine_restarts"`` restarts every ``max_iter // 4`` epochs;
    ``"plateau"`` is :class:`~netopt.optim.lr_scheduler.ReduceLROnPlateau`'s defaults,
    watching the training loss.

    Raises
    ------
    ValueError
        On a keyword the scheduler does not take, or a value it refuses; on options given
        with ``"constant"``.

    Examples
    --------
    >>> opt = SGD(nn.Linear(2, 1).parameters(), lr=1.0)
    >>> type(build_scheduler("MLP", "cosine", opt, {}, 10)).__name__
    'CosineAnnealingLR'
    """
    if name == "constant":
        if options:
            raise ValueError(f"{owner}: schedule='constant' takes no schedule_params: {options}")
        return None
    cls = _SCHEDULES[name]
    check_keywords(owner, "schedule_params", cls, options)
    try:
        return cls(optimizer, **{**_schedule_defaults(name, max_iter), **options})
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: schedule={name!r} refused its arguments: {err}") from err
