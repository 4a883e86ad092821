r"""Training diagnosis: per-layer statistics during training, and findings from a history.

.. code-block:: python

    from netopt import diagnose as dg
    history = fit(model, loss_fn, optimizer, loader, epochs=30, val_loader=val,
                  metrics=["accuracy"], callbacks=[dg.LayerStats(x_train[:256])])
    findings = dg.diagnose(history)   # [Finding(kind, severity, message, evidence, remedies)]

:class:`LayerStats` records, after each epoch, each Linear layer's weight and gradient norms,
the saturated fraction of each Sigmoid/Tanh layer and the dead fraction of each ReLU layer.
:func:`diagnose` reads a :class:`~netopt.train.History` and reports the chapter's problems:
exploding and vanishing gradients, saturation, dead units, underfitting and overfitting,
each as a :class:`Finding` with its evidence and the chapter's remedies in the chapter's
order. ``netopt diagnose RUN.json`` prints them for a saved history.
"""

from .checks import diagnose
from .findings import KINDS, REMEDIES, Finding, Thresholds
from .stats import SATURATION_THRESHOLD, LayerStats, layer_stats, sequential_layers

__all__ = [
    "KINDS",
    "REMEDIES",
    "SATURATION_THRESHOLD",
    "Finding",
    "LayerStats",
    "Thresholds",
    "diagnose",
    "layer_stats",
    "sequential_layers",
]
