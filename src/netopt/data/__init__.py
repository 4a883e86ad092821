"""Data: datasets, the DataLoader (batch / stochastic / mini-batch descent), augmentation.

``import netopt.data`` needs only NumPy; scikit-learn and ``mnist1d`` load inside the
functions that use them.
"""

from .augment import (
    Compose,
    GaussianNoise,
    RandomRotation2d,
    RandomScale1d,
    RandomShift1d,
    RandomShift2d,
)
from .dataset import Dataset, Subset, TensorDataset, collate, random_split
from .datasets import (
    Split,
    load_digits,
    load_mnist1d,
    make_polynomial_regression,
    make_spirals,
)
from .geometry import rotate_images, shift_images
from .loader import DataLoader

__all__ = [
    "Compose",
    "DataLoader",
    "Dataset",
    "GaussianNoise",
    "RandomRotation2d",
    "RandomScale1d",
    "RandomShift1d",
    "RandomShift2d",
    "Split",
    "Subset",
    "TensorDataset",
    "collate",
    "load_digits",
    "load_mnist1d",
    "make_polynomial_regression",
    "make_spirals",
    "random_split",
    "rotate_images",
    "shift_images",
]
