"""Functional forms of layers, activations and losses (``torch.nn.functional``)."""

from .activation import (
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .adaptive_pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
from .channel_dropout import dropout1d, dropout2d
from .conv import conv1d, conv2d
from .encoding import one_hot
from .layer import dropout, linear, linear_relu
from .loss import cross_entropy, nll_loss
from .loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    kl_div,
    l1_loss,
    mse_loss,
)
from .margin_loss import multi_margin_loss
from .normalization import batch_norm, group_norm, layer_norm
from .padding import pad
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .robust_loss import huber_loss, smooth_l1_loss
from .similarity import cosine_similarity, normalize
from .sparse import embedding

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "linear_relu",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
