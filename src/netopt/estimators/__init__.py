r"""scikit-learn's MLP estimators, trained by netopt.

:class:`MLPClassifier` and :class:`MLPRegressor` take scikit-learn's parameters, defaults and
fitted attributes (``from netopt.estimators import MLPClassifier`` replaces
``from sklearn.neural_network import MLPClassifier``; scikit-learn's own ``test_mlp.py`` runs
against them), so cross-validation, grid search, pipelines, feature selection, bagging and
boosting come from scikit-learn. netopt trains them: a netopt network over the estimator's
``coefs_``, netopt's optimizers (:class:`~netopt.optim.LBFGS` for ``solver="lbfgs"``), and
netopt's extras as further parameters. Importing this package imports ``sklearn``;
``import netopt`` does not.

Examples
--------
>>> from netopt.estimators import MLPClassifier
>>> MLPClassifier(hidden_layer_sizes=(8,), max_iter=5).get_params()["max_iter"]
5
"""

from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
