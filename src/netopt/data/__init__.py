"""Data: datasets, the DataLoader (batch / stochastic / mini-batch descent), augmentation.

``import netopt.data`` needs only NumPy; scikit-learn and ``mnist1d`` load inside the
functions that use them.
"""

from . import surfaces
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
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "Compose",
    "DataLoader",
    "Dataset",
    "GaussianNoise",
    "RandomRotation2d",
    "RandomSampler",
    "RandomScale1d",
    "RandomShift1d",
    "RandomShift2d",
    "Sampler",
    "SequentialSampler",
    "Split",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "collate",
    "load_digits",
    "load_mnist1d",
    "make_polynomial_regression",
    "make_spirals",
    "random_split",
    "rotate_images",
    "shift_images",
    "surfaces",
]
