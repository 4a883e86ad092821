r"""What :func:`~netopt.diagnose.diagnose` reports: findings, their thresholds and remedies.

The remedies are the chapter's, in the chapter's order: slide 53 for vanishing and exploding
gradients, slide 57 for underfitting, slides 58-59 for overfitting. Saturation and dead
units have no list of their own in the chapter; theirs are drawn from its sections on
activation functions (slides 44-49) and batch normalization (slide 53). A remedy that is
not in the chapter is marked so and comes last.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .._validate import is_int, is_number

BEYOND = " (not in the chapter's list)"

#: Remedies for each kind of finding, in the chapter's order.
REMEDIES: dict[str, tuple[str, ...]] = {
    "exploding_gradients": (
        "use ReLU or its variants in the hidden layers (their derivative is 1 for positive inputs)",
        "gradient clipping: cap the gradient norm at a threshold (clip_grad_norm_)",
        "weight regularization, L1 or L2, to keep the weights small",
        "batch normalization before each activation",
        "a smaller learning rate" + BEYOND,
    ),
    "vanishing_gradients": (
        "use ReLU or its variants in the hidden layers (their derivative is 1 for positive inputs)",
        "gradient clipping (it targets exploding gradients)",
        "weight regularization, L1 or L2",
        "batch normalization before each activation",
    ),
    "saturation": (
        "use a non-saturating activation: ReLU or its variants (Leaky ReLU, ELU)",
        "batch normalization before each activation, keeping its inputs near 0",
        "smaller initial weights" + BEYOND,
    ),
    "dead_units": (
        "use Leaky ReLU, whose slope for negative inputs is not 0",
        "use ELU, which is non-zero and has a non-zero derivative for negative inputs",
        "a smaller learning rate" + BEYOND,
        "batch normalization before each activation" + BEYOND,
    ),
    "underfitting": (
        "add new features, to enlarge the hypothesis space",
        "add polynomial features (quadratic, cubic or higher terms)",
        "reduce the regularization strength",
        "use a non-linear model, e.g. a network with (more) hidden layers",
        "use ensemble learning: combine several weak models into a strong one",
    ),
    "overfitting": (
        "constrain the model's complexity: fewer features (feature selection) or "
        "dimensionality reduction (PCA)",
        "regularize the parameters, L1 or L2",
        "data augmentation: more samples, or transformed ones (rotations, shifts, noise)",
        "early stopping on the validation loss",
        "dropout",
        "cross-validation (5- or 10-fold) to choose the model",
        "ensemble learning (boosting, bagging, random forests)",
    ),
}

#: The order findings are reported in: causes in the gradients first, then their symptoms.
KINDS: tuple[str, ...] = tuple(REMEDIES)

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    r"""One problem found in a training history.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`: ``"exploding_gradients"``, ``"vanishing_gradients"``,
        ``"saturation"``, ``"dead_units"``, ``"underfitting"``, ``"overfitting"``.
    severity : str
        ``"error"`` when training broke (a non-finite loss), else ``"warning"``.
    message : str
        One or two sentences with the decisive numbers.
    evidence : dict
        The numbers read from the history (floats, ints, str layer names), JSON-able.
    remedies : tuple of str
        :data:`REMEDIES` for ``kind``: the chapter's remedies in its order.

    Examples
    --------
    >>> f = Finding("overfitting", "warning", "val_loss rose", {"val_loss_rise": 0.3})
    >>> f.remedies[3]
    'early stopping on the validation loss'
    >>> f.to_dict()["evidence"]
    {'val_loss_rise': 0.3}
    """

    kind: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    remedies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in REMEDIES:
            raise ValueError(f"unknown finding kind {self.kind!r}; known: {list(KINDS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be 'error' or 'warning', got {self.severity!r}")
        if not self.remedies:
            object.__setattr__(self, "remedies", REMEDIES[self.kind])

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain data (``remedies`` as a list), for JSON."""
        out = asdict(self)
        out["remedies"] = list(self.remedies)
        return out


@dataclass(frozen=True)
class Thresholds:
    r"""The thresholds :func:`~netopt.diagnose.diagnose` applies; every field is checked.

    Attributes
    ----------
    vanishing_ratio : float, default 1e-3
        Vanishing gradients when, in the median epoch, the first layer's weight-gradient norm
        is below this fraction of the last layer's: three orders of magnitude.
    exploding_growth : float, default 10.0
        Exploding gradients when the total gradient norm of some epoch exceeds this multiple
        of the first epoch's while the last epoch's training loss is not below the first's
        (or at any non-finite loss or gradient norm).
    saturated_fraction : float, default 0.5
        Saturation when, at the last epoch, more than this fraction of some Sigmoid/Tanh
        layer's probe entries are saturated (see :func:`~netopt.diagnose.layer_stats`).
    dead_fraction : float, default 0.5
        Dead units when, at the last epoch, more than this fraction of some ReLU layer's
        units are dead.
    min_score : float, default 0.8
        Underfitting (with a score column: accuracy, or R^2 for regression) when the last
        training score, and the validation score if there is one, are below this.
    loss_drop : float, default 0.5
        Underfitting (without a score column) when the lowest training loss, and the lowest
        validation loss if there is one, are still above this fraction of the first
        epoch's: the loss did not even halve.
    val_rise : float, default 0.1
        Overfitting when the validation loss of *each* of the last ``patience`` epochs is
        more than this fraction above the run's minimum, reached before them (a sustained
        rise, not one noisy epoch), while the training loss kept falling (``train_drop``).
    train_drop : float, default 0.1
        For ``val_rise``: the mean training loss of the last ``patience`` epochs must be
        more than this fraction below the training loss at the validation minimum. A
        validation loss that wobbles while the training loss stands still is noise, not
        overfitting.
    patience : int, default 3
        The window, in epochs, for ``val_rise``.
    max_gap : float, default 0.1
        Overfitting when the last training score exceeds the validation score by more.

    Raises
    ------
    ValueError
        On a field outside its range, naming it.

    Examples
    --------
    >>> Thresholds(vanishing_ratio=1e-4).vanishing_ratio
    0.0001
    >>> Thresholds(patience=0)
    Traceback (most recent call last):
    ...
    ValueError: patience must be an int >= 1, got 0
    """

    vanishing_ratio: float = 1e-3
    exploding_growth: float = 10.0
    saturated_fraction: float = 0.5
    dead_fraction: float = 0.5
    min_score: float = 0.8
    loss_drop: float = 0.5
    val_rise: float = 0.1
    train_drop: float = 0.1
    patience: int = 3
    max_gap: float = 0.1

    def __post_init__(self) -> None:
        ranges = {
            "vanishing_ratio": (0.0, 1.0),
            "exploding_growth": (1.0, math.inf),
            "saturated_fraction": (0.0, 1.0),
            "dead_fraction": (0.0, 1.0),
            "min_score": (0.0, 1.0),
            "loss_drop": (0.0, 1.0),
            "val_rise": (0.0, math.inf),
            "train_drop": (0.0, 1.0),
            "max_gap": (0.0, 1.0),
        }
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "patience":
                if not is_int(value) or value < 1:
                    raise ValueError(f"patience must be an int >= 1, got {value!r}")
                object.__setattr__(self, f.name, int(value))
                continue
            low, high = ranges[f.name]
            ok = is_number(value)
            if not (ok and low < value < high):
                raise ValueError(f"{f.name} must be a number in ({low}, {high}), got {value!r}")
            object.__setattr__(self, f.name, float(value))
