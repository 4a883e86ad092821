"""Layers, activations, losses and initializers with PyTorch's names and defaults."""

from .module import Module
from .parameter import Parameter

__all__ = ["Module", "Parameter"]
