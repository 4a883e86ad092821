r"""The DataLoader: one knob for batch, stochastic and mini-batch gradient descent.

With :math:`N` samples, ``batch_size`` is the :math:`n` of the chapter's eq. 6-19 and 6-20:

.. math::

    \theta_{t+1} = \theta_t - \alpha \frac{1}{n} \sum_{i \in B_t} \nabla_\theta
    L\bigl(y_i, f(x_i; \theta_t)\bigr), \qquad |B_t| = n,

batch gradient descent is ``batch_size=len(dataset)`` (one step per epoch), stochastic
gradient descent ``batch_size=1`` (:math:`N` steps per epoch), and mini-batch gradient descent
anything between. Shuffling draws a fresh permutation from an injected generator at the start
of every epoch, so a seed fixes the whole data order and :meth:`DataLoader.state_dict` lets a
resumed run see the same batches.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_int
from ..autograd import Tensor
from .dataset import collate

Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]


#: torch DataLoader options netopt accepts and ignores (single process, CPU memory).
_IGNORED = {
    "timeout": 0,
    "worker_init_fn": None,
    "prefetch_factor": None,
    "persistent_workers": False,
    "multiprocessing_context": None,
    "pin_memory_device": "",
    "in_order": True,
}


def _check_torch_options(options: dict[str, Any]) -> None:
    """Refuse unknown keywords (torch's TypeError); accept torch's worker options."""
    for name in options:
        if name not in _IGNORED:
            raise TypeError(f"DataLoader.__init__() got an unexpected keyword argument '{name}'")


def _to_lists(state: Any) -> Any:
    """A bit generator's state with arrays turned into lists (JSON-able)."""
    if isinstance(state, dict):
        return {k: _to_lists(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return state.tolist()
    if isinstance(state, np.integer):
        return int(state)
    return state


class DataLoader:
    r"""Iterate over a dataset in (shuffled) batches of ``netopt.Tensor``.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__getitem__`` and ``__len__``; one with ``get_batch(indices)``
        (every netopt dataset) is fetched in one vectorized step per batch, others sample by
        sample with :func:`~netopt.data.collate`.
    batch_size : int, default 1
        Samples per batch, :math:`n` of eq. 6-20: ``len(dataset)`` is batch gradient descent,
        1 is stochastic gradient descent.
    shuffle : bool, default False
        Draw a new permutation from ``rng`` at the start of every epoch.
    drop_last : bool, default False
        Drop the last, smaller batch when ``batch_size`` does not divide ``len(dataset)``.
    rng : numpy.random.Generator, optional
        Source of the permutations and of the transforms' randomness; netopt's default
        generator when None.
    transform : callable, optional
        ``transform(x_batch, rng) -> x_batch`` applied to the first field (the inputs) of
        every batch, e.g. :class:`~netopt.data.GaussianNoise`; the other fields are unchanged.
    collate_fn : callable, optional, keyword-only
        ``collate_fn(list_of_samples) -> batch``, as in PyTorch: it receives the batch's
        samples (``dataset[i]``, in the batch's order) and its result is yielded unchanged
        (no conversion to tensors, no ``transform``).
    num_workers : int, default 0, keyword-only
        Accepted for PyTorch compatibility (non-negative); netopt always assembles batches
        in the calling process: the same batches, in the same order, as with workers.
    pin_memory : bool, default False, keyword-only
        Accepted for PyTorch compatibility; there is no GPU memory to pin.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive int (bools are refused), ``drop_last`` or
        ``shuffle`` is not a bool, the dataset is empty, ``drop_last`` leaves no batch,
        ``num_workers`` is negative, or both ``transform`` and ``collate_fn`` are given.
    TypeError
        If ``dataset`` lacks ``__getitem__``/``__len__``, ``transform`` or ``collate_fn`` is
        not callable, or ``rng`` is not a Generator.

    Notes
    -----
    Batches are tuples of tensors without gradient (a single tensor when the dataset's
    samples are not tuples), freshly copied, so changing a batch never changes the dataset.
    ``len(loader)`` is the number of batches per epoch. Epoch :math:`e` draws its permutation
    when iteration starts; with a transform it also draws one 63-bit seed, and batch :math:`b`
    is transformed with ``default_rng([seed, b])``, so resuming mid-epoch skips batches
    without replaying their transforms.

    Examples
    --------
    >>> from netopt.data import TensorDataset
    >>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    >>> loader = DataLoader(ds, batch_size=2, shuffle=True, rng=np.random.default_rng(0))
    >>> len(loader), [y.shape for _, y in loader]
    (3, [(2,), (2,), (1,)])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | None = None,
        transform: Transform | None = None,
        *,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        sampler: Any = None,
        batch_sampler: Any = None,
        generator: np.random.Generator | None = None,
        **accepted: Any,
    ) -> None:
        _check_torch_options(accepted)
        rng = generator if rng is None else rng
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                "sampler, and drop_last"
            )
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"dataset must define __getitem__ and __len__, got {type(dataset).__name__}"
            )
        if not is_int(batch_size) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name} should be a boolean value, but got {name}={flag!r}")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable or None, got {type(collate_fn).__name__}")
        if collate_fn is not None and transform is not None:
            raise ValueError(
                "transform applies to the default collation's first field; with a "
                "collate_fn, apply it inside collate_fn"
            )
        if not is_int(num_workers) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                f"multiprocessing (got {num_workers!r})"
            )
        n = len(dataset) if sampler is None else len(sampler)
        if len(dataset) == 0:
            raise ValueError("dataset is empty (0 samples)")
        if drop_last and batch_size > n:
            raise ValueError(
                f"drop_last=True with batch_size={batch_size} > {n} samples gives no batches"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = _random.resolve(rng)
        self.transform = transform
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = bool(pin_memory)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._epoch_start: dict | None = None  # generator state where the open epoch began
        self._position = 0  # batches yielded in the open epoch
        self._skip = 0  # batches to skip at the next epoch start (set by load_state_dict)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        start = copy.deepcopy(self.rng.bit_generator.state)
        if self.batch_sampler is not None or self.sampler is not None:
            return self._sampled(start)
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        seed = int(self.rng.integers(2**63)) if self.transform is not None else None
        skip, self._skip = self._skip, 0
        self._epoch_start, self._position = start, skip
        return self._batches(order, seed, skip)

    def _sampled(self, start: dict) -> Iterator[Any]:
        """Batches in the order a ``sampler`` or ``batch_sampler`` gives (no resume)."""
        if self._skip:
            raise ValueError("resuming mid-epoch is not supported with a sampler")
        self._epoch_start, self._position = start, 0
        if self.batch_sampler is not None:
            groups = [np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler]
        else:
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
            bs = self.batch_size
            groups = [order[i : i + bs] for i in range(0, len(self) * bs, bs)]
        seed = int(self.rng.integers(2**63)) if self.transform is not None else None
        return self._batches(groups, seed, 0)

    def _batches(self, order: Any, seed: int | None, skip: int) -> Iterator[Any]:
        fetch = getattr(self.dataset, "get_batch", None)
        bs = self.batch_size
        for b in range(skip, len(self)):
            idx = order[b] if isinstance(order, list) else order[b * bs : (b + 1) * bs]
            if self.collate_fn is not None:  # the caller's batches, passed on unchanged
                self._position = b + 1
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
                continue
            batch = (
                fetch(idx) if fetch is not None else collate([self.dataset[int(i)] for i in idx])
            )
            if isinstance(batch, dict):  # dict samples: a dict of tensors, as PyTorch
                if seed is not None:
                    raise ValueError(
                        "transform applies to the first field of tuple samples; this dataset "
                        "gives dicts (apply the transform in the dataset or a collate_fn)"
                    )
                self._position = b + 1
                yield {key: Tensor(value) for key, value in batch.items()}
                continue
            single = not isinstance(batch, tuple)
            fields = [batch] if single else list(batch)
            if seed is not None:
                fields[0] = self._apply_transform(fields[0], np.random.default_rng([seed, b]))
            self._position = b + 1
            out = tuple(Tensor(f) for f in fields)
            yield out[0] if single else out
        self._epoch_start, self._position = None, 0

    def _apply_transform(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = self.transform(x, rng)
        if not isinstance(out, np.ndarray) or out.shape[:1] != x.shape[:1]:
            raise ValueError(
                f"transform must return an ndarray with {len(x)} rows, got "
                f"{type(out).__name__} of shape {getattr(out, 'shape', None)}"
            )
        return out

    def state_dict(self) -> dict[str, Any]:
        r"""Return the data order's state as a plain, JSON-able dict.

        Returns
        -------
        dict
            ``{"bit_generator": name, "rng_state": state, "position": k}``: the generator's
            state at the start of the unfinished epoch (its current state between epochs)
            and the number of batches of that epoch already yielded.

        Examples
        --------
        >>> from netopt.data import TensorDataset
        >>> loader = DataLoader(TensorDataset(np.arange(4)), batch_size=2, shuffle=True,
        ...                     rng=np.random.default_rng(1))
        >>> state = loader.state_dict()
        >>> first = [b[0].tolist() for b in loader]
        >>> loader.load_state_dict(state)
        >>> [b[0].tolist() for b in loader] == first
        True
        """
        if self._epoch_start is None or self._position >= len(self):
            # between epochs: the generator already holds the next epoch's draws
            state, position = self.rng.bit_generator.state, 0
        else:
            state, position = self._epoch_start, self._position
        return {
            "bit_generator": state["bit_generator"],
            "rng_state": _to_lists(state),
            "position": int(position),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        r"""Restore the generator's state so the next epoch repeats the saved data order.

        Parameters
        ----------
        state_dict : dict
            As returned by :meth:`state_dict`. The loader's own generator is set to the saved
            state (it is the caller's generator, so anything else drawing from it is reset
            too); the next iteration skips the ``position`` batches already seen.

        Raises
        ------
        ValueError
            If keys are missing, the bit generator differs, or ``position`` is not an int
            in ``[0, len(self))``.
        """
        if not isinstance(state_dict, dict) or not {
            "bit_generator",
            "rng_state",
            "position",
        } <= set(state_dict):
            raise ValueError(
                "state_dict must be a dict with keys 'bit_generator', 'rng_state', 'position'"
            )
        name = self.rng.bit_generator.state["bit_generator"]
        if state_dict["bit_generator"] != name:
            raise ValueError(
                f"state_dict is for bit generator {state_dict['bit_generator']!r}, "
                f"this loader's generator is {name!r}"
            )
        position = state_dict["position"]
        if not is_int(position):
            raise ValueError(f"position must be an int, got {position!r}")
        if not 0 <= position < len(self):
            raise ValueError(f"position must lie in [0, {len(self)}), got {position}")
        self.rng.bit_generator.state = copy.deepcopy(state_dict["rng_state"])
        self._epoch_start, self._position = None, 0
        self._skip = int(position)
