"""scikit-learn's estimator contract: every check of ``check_estimator``, with one exception.

Configurations per estimator: near the defaults, the lbfgs solver, and one that turns on
every netopt extra (BatchNorm, dropout, early stopping, L1, clipping, a schedule, another
optimizer), so the checks also cover the validation split and the other code paths.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from netopt.estimators import MLPClassifier, MLPRegressor

# Why each expected failure fails (scikit-learn lists the same check as an expected failure
# of its own MLPs).
SAMPLE_WEIGHT_EQUIVALENCE = (
    "integer weights equal repeated samples only up to rounding (and, with mini-batches, "
    "shuffling or a validation split, only in expectation); the check asks for rtol=1e-7"
)
EXPECTED_FAILED = {"check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_EQUIVALENCE}

ESTIMATORS = [
    MLPClassifier((16,), learning_rate_init=0.01, max_iter=50, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=50, random_state=0),
    MLPClassifier(
        (16,),
        "tanh",
        solver="sgd",
        learning_rate_init=0.05,
        schedule="cosine",
        max_iter=20,
        alpha_l1=1e-4,
        dropout=0.1,
        batch_norm=True,
        clip_grad_norm=5.0,
        early_stopping=True,
        validation_fraction=0.3,
        random_state=0,
    ),
    MLPRegressor(
        hidden_layer_sizes=(16,),
        activation="elu",
        solver="rmsprop",
        schedule="plateau",
        max_iter=20,
        dropout=0.1,
        batch_norm=True,
        early_stopping=True,
        validation_fraction=0.3,
        random_state=0,
    ),
]


# With early_stopping: partial_fit refuses it (scikit-learn's rule: an epoch of partial_fit
# has no validation split), and a held-out split of weighted samples is not the split of
# repeated samples.
PARTIAL_FIT = "partial_fit raises 'partial_fit does not support early_stopping=True'"
EARLY_STOPPING_FAILED = {
    "check_estimators_partial_fit_n_features": PARTIAL_FIT,
    "check_fit_score_takes_y": PARTIAL_FIT,
    "check_n_features_in_after_fitting": PARTIAL_FIT,
    "check_sample_weight_equivalence_on_sparse_data": SAMPLE_WEIGHT_EQUIVALENCE,
}


def expected_failed_checks(estimator):
    if estimator.early_stopping:
        return {**EXPECTED_FAILED, **EARLY_STOPPING_FAILED}
    return EXPECTED_FAILED


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)
