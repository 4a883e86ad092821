"""Functional forms of layers, activations and losses (``torch.nn.functional``)."""

from .activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .encoding import one_hot
from .layer import batch_norm, dropout, linear, linear_relu
from .loss import cross_entropy, nll_loss
from .loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    kl_div,
    l1_loss,
    mse_loss,
)

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "linear_relu",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]
