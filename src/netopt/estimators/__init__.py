r"""scikit-learn-compatible estimators built on netopt networks.

:class:`MLPClassifier` and :class:`MLPRegressor` follow scikit-learn's estimator contract
(``get_params``/``set_params``, ``fit`` returns ``self``, learned attributes end in ``_``,
``sample_weight``), so cross-validation, grid search, pipelines, feature selection, bagging
and boosting come from scikit-learn. Importing this package imports ``sklearn.base``;
``import netopt`` does not.

Examples
--------
>>> from netopt.estimators import MLPClassifier
>>> MLPClassifier(hidden_layer_sizes=(8,), max_iter=5).get_params()["max_iter"]
5
"""

from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
