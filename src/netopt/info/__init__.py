r"""Information theory for learning: entropy, cross-entropy, KL, JS, joint and conditional
entropy, mutual information, and estimators of them from samples (the chapter's slides 5-14).

One convention throughout: natural logarithm unless ``base=`` is given, the **last axis**
is the distribution axis (the last two for a joint table, rows X and columns Y), plain
arrays give floats or arrays, netopt Tensors give differentiable Tensors. One safety
policy: ``0 log 0 = 0``; ``+inf`` for KL and cross-entropy where P > 0 and Q = 0;
negative entries, NaN, infinities or a sum off 1 by more than 1e-6 raise
:class:`ValueError` unless ``normalize=True``; shapes must match.

Examples
--------
>>> from netopt import info
>>> info.kl_divergence([1/2, 1/2], [1/4, 3/4])
0.1438
>>> info.decompose([[0.5, 0.0], [0.0, 0.5]], base=2).mutual_information
1.0
"""

from ._validate import SUM_TOLERANCE
from .estimators import (
    METHODS,
    conditional_entropy_from_samples,
    entropy_from_samples,
    joint_entropy_from_samples,
    mutual_information_from_samples,
)
from .joint import Decomposition, conditional_entropy, decompose, joint_entropy, mutual_information
from .measures import cross_entropy, entropy, js_divergence, kl_divergence
from .samples import contingency_table, discretize, joint_distribution

__all__ = [
    "METHODS",
    "SUM_TOLERANCE",
    "Decomposition",
    "conditional_entropy",
    "conditional_entropy_from_samples",
    "contingency_table",
    "cross_entropy",
    "decompose",
    "discretize",
    "entropy",
    "entropy_from_samples",
    "joint_distribution",
    "joint_entropy",
    "joint_entropy_from_samples",
    "js_divergence",
    "kl_divergence",
    "mutual_information",
    "mutual_information_from_samples",
]
