"""Utilities on parameters' gradients, as ``torch.nn.utils``: norms and clipping."""

from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm, grad_norms

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "grad_norms"]
