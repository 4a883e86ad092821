r"""Training: the :func:`fit` loop, its :class:`History`, callbacks, checkpoints and metrics.

.. code-block:: python

    from netopt import train
    init, shuffle = train.seeded_streams(0, 2)
    history = train.fit(model, loss_fn, optimizer, loader, epochs=20, val_loader=val,
                        metrics=["accuracy"],
                        callbacks=[train.EarlyStopping(patience=3),
                                   train.ModelCheckpoint("run/last.safetensors")])
    history.save("run/history.json")

``import netopt.train`` needs only NumPy; rich (progress bar), safetensors (checkpoints) and
matplotlib (:meth:`History.plot`) are imported when first used.
"""

from . import checkpoint, metrics
from .callbacks import Callback, EarlyStopping, NonFiniteGuard, NonFiniteLossError
from .capture import CapturedStep, capture_step
from .checkpoint import Checkpoint, CheckpointError
from .checkpoint import load as load_checkpoint
from .checkpoint import save as save_checkpoint
from .context import FitContext
from .history import History
from .loop import fit
from .metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    root_mean_squared_error,
)
from .progress import ProgressBar
from .scoring import accuracy
from .seeding import seeded_streams
from .writers import CSVLogger, JSONLogger, ModelCheckpoint

__all__ = [
    "CSVLogger",
    "Callback",
    "CapturedStep",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "FitContext",
    "History",
    "JSONLogger",
    "ModelCheckpoint",
    "NonFiniteGuard",
    "NonFiniteLossError",
    "ProgressBar",
    "accuracy",
    "accuracy_score",
    "capture_step",
    "checkpoint",
    "confusion_matrix",
    "f1_score",
    "fit",
    "load_checkpoint",
    "mean_absolute_error",
    "mean_squared_error",
    "metrics",
    "precision_score",
    "r2_score",
    "recall_score",
    "root_mean_squared_error",
    "save_checkpoint",
    "seeded_streams",
]
