"""The under/overfitting experiment: every claim holds in quick mode for seeds 0, 1, 2.

The experiment is run once per seed (module-scoped fixture) and its claims, figures and
tables are checked; helper functions get small exact tests of their own. The new findings'
measuring functions (fewer features, ERM sample size, boosting, bagging, augmentation on the
MNIST-1D CNN) hold for seeds 0-9 at quick size and fail when their cause is removed.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from netopt.data import load_digits, load_mnist1d, make_spirals
from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context, Result
from netopt.lab.experiments import generalization
from netopt.lab.experiments.generalization import (
    augmentation,
    capacity,
    features,
    fewer,
    remedies,
)
from netopt.lab.experiments.generalization.claims import _cv_claim, bagging_wins
from netopt.lab.experiments.generalization.common import logits, stratified_sample
from netopt.lab.plotting import close, render_png

SEEDS = (0, 1, 2)
FIGURES = {
    "polynomial_degree",
    "spirals",
    "remedies",
    "dropout",
    "cross_validation",
    "bagging",
    "fewer_features",
    "mnist1d",
}


@functools.cache
def _quick_run(seed: int) -> tuple[int, Result, dict]:
    """Run the experiment in quick mode once per seed; render (then close) its figures."""
    result = generalization.run(Context(seed=seed, quick=True))
    pngs = {}
    for spec in result.figures:
        pngs[spec.name] = render_png(spec.figure)
        close(spec.figure)
    return seed, result, pngs


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def outcome(request) -> tuple[int, Result, dict]:
    return _quick_run(request.param)


def test_registered_as_the_seventh_section():
    generalization_entry = REGISTRY["generalization"]
    assert generalization_entry.order == 7
    assert generalization_entry.title == "Underfitting and overfitting"
    assert generalization_entry.title_zh == "欠拟合与过拟合"
    assert "6.17" in generalization_entry.reference
    assert generalization_entry.run is generalization.run


def test_every_claim_holds(outcome):
    seed, result, _ = outcome
    failed = [f"{c.claim}\n    evidence: {c.evidence}" for c in result.claims if not c.holds]
    assert not failed, f"seed {seed}: claims that failed:\n" + "\n".join(failed)
    assert len(result.claims) == len(_quick_run(SEEDS[0])[1].claims)  # the same at every seed
    for claim in result.claims:
        assert isinstance(claim.holds, bool)
        assert any(ch.isdigit() for ch in claim.evidence), claim.evidence


def test_figures_render_and_cite_the_chapter(outcome):
    _, result, pngs = outcome
    assert {f.name for f in result.figures} == FIGURES
    for spec in result.figures:
        assert pngs[spec.name].startswith(b"\x89PNG\r\n\x1a\n")
        assert "Slide" in spec.caption or "figure" in spec.caption, spec.caption
    dropout = next(f for f in result.figures if f.name == "dropout")
    assert "6.17" in dropout.caption


def test_tables_are_well_formed(outcome):
    _, result, _ = outcome
    assert len(result.tables) >= 7
    for table in result.tables:
        assert table.rows, table.title
        for row in table.rows:
            assert len(row) == len(table.columns), (table.title, row)
            for cell in row:
                assert isinstance(cell, (str, int, float, bool)), (table.title, cell)
                if isinstance(cell, float):
                    assert np.isfinite(cell), (table.title, row)
    assert result.summary


def test_same_seed_same_numbers():
    _, first, _ = _quick_run(0)
    second = generalization.run(Context(seed=0, quick=True))
    for spec in second.figures:
        close(spec.figure)
    assert [c.evidence for c in first.claims] == [c.evidence for c in second.claims]
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]


def test_run_prints_nothing(capsys):
    ctx = Context(seed=0, quick=True)
    split = capacity.polynomial_data(ctx.rng("polynomial-data"))
    capacity.degree_sweep(split)
    capacity.cross_validate_ridge(split, ctx.rng("cv-folds"))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ------------------------------------------------------------------ helpers, exactly
def test_ridge_matches_scikit_learn_with_an_unpenalized_intercept():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 25)
    y = np.sin(3 * x) + 0.1 * rng.standard_normal(25)
    features = capacity.legendre_features(x, 8)
    lam = 1e-3
    ours = capacity.ridge(features, y, lam)
    # (1/N)||Pw - y||^2 + lam/2 ||w_1:||^2  ==  (1/N) (||Pw - y||^2 + alpha ||w_1:||^2)
    sk = Ridge(alpha=0.5 * len(y) * lam, fit_intercept=True).fit(features[:, 1:], y)
    np.testing.assert_allclose(ours[1:], sk.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours[0], sk.intercept_, rtol=1e-6, atol=1e-9)


def test_ridge_is_the_minimum_of_netopts_structural_risk():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, 30)
    features = capacity.legendre_features(x, 6)
    y = x**3 + 0.1 * rng.standard_normal(30)
    w = capacity.ridge(features, y, 0.01)
    assert capacity._structural_risk_gradient(features, y, w, 0.01) < 1e-10
    assert capacity._structural_risk_gradient(features, y, w * 1.01, 0.01) > 1e-4


def test_training_error_of_nested_least_squares_never_rises():
    split = capacity.polynomial_data(np.random.default_rng(3))
    sweep = capacity.degree_sweep(split)
    assert len(split.x_train) == capacity.N_TRAIN and len(split.x_test) == capacity.N_TEST
    assert np.all(np.diff(sweep["train"]) <= 1e-9 * sweep["train"][0])


def test_corrupt_changes_exactly_the_stated_fraction_to_other_classes():
    y = np.repeat(np.arange(10), 10)
    noisy, flipped = remedies._corrupt(y, 0.2, np.random.default_rng(0))
    assert len(flipped) == 20
    assert np.all(noisy[flipped] != y[flipped])
    keep = np.setdiff1d(np.arange(len(y)), flipped)
    assert np.array_equal(noisy[keep], y[keep])
    assert noisy.min() >= 0 and noisy.max() <= 9


def test_stratified_sample_takes_each_class_equally_and_respects_exclusions():
    y = np.repeat(np.arange(10), 30)
    rng = np.random.default_rng(0)
    first = stratified_sample(y, 10, rng)
    second = stratified_sample(y, 15, rng, exclude=first)
    assert np.array_equal(np.bincount(y[first]), np.full(10, 10))
    assert np.array_equal(np.bincount(y[second]), np.full(10, 15))
    assert not set(first) & set(second)


def test_monomials_count_and_values():
    x = np.array([[2.0, 3.0]])
    features = capacity.monomials(x, 2)
    assert features.shape == (1, 5)  # x2, x1, x2^2, x1 x2, x1^2
    np.testing.assert_array_equal(features[0], [3.0, 2.0, 9.0, 6.0, 4.0])


def _cv(train, test, chosen):
    lam = np.logspace(-9, 1, len(test))
    test = np.asarray(test, dtype=float)
    return {
        "lambdas": lam,
        "train": np.asarray(train, dtype=float),
        "test": test,
        "chosen": chosen,
        "best": int(test.argmin()),
        "gradient": 0.0,
    }


def test_cv_claim_fails_when_the_chosen_fit_does_not_narrow_the_gap():
    # chosen index 1 has the best test error; its gap is 1.0 - 0.1 = 0.9
    assert _cv_claim([_cv([0.0, 0.1, 0.5], [5.0, 1.0, 2.0], 1)]).holds
    # the least regularized fit now has a smaller gap (0.95 - 0.5 = 0.45): the claim fails
    assert not _cv_claim([_cv([0.5, 0.1, 0.5], [0.95, 1.0, 2.0], 1)]).holds
    # a chosen strength at the edge of the grid, or far from the best, fails too
    assert not _cv_claim([_cv([0.0, 0.1, 0.5], [5.0, 1.0, 2.0], 2)]).holds
    # one failing draw among good ones fails the finding
    good = _cv([0.0, 0.1, 0.5], [5.0, 1.0, 2.0], 1)
    assert not _cv_claim([good, _cv([0.0, 0.1, 0.5], [5.0, 1.0, 2.0], 2), good]).holds


def test_bagging_verdict_needs_most_draws_and_a_positive_mean():
    bags = [{"ensemble": {"test_acc": a}} for a in (0.80, 0.75, 0.70)]
    assert bagging_wins(bags, [{"test_acc": a} for a in (0.75, 0.70, 0.72)])  # 2 of 3, +0.027
    assert not bagging_wins(bags, [{"test_acc": a} for a in (0.75, 0.76, 0.72)])  # 1 of 3
    assert not bagging_wins(bags, [{"test_acc": a} for a in (0.70, 0.74, 0.85)])  # mean < 0


SEEDS10 = range(10)


def _rng(seed: int, name: str) -> np.random.Generator:
    return Context(seed=seed, quick=True).rng(name)


def test_fewer_features_help_for_ten_seeds_and_not_without_overfitting():
    with blas_thread_limit(1):
        for seed in SEEDS10:
            assert fewer.fewer_helps(fewer.fewer_features(_rng(seed, "fewer-0"))), seed
        # cause removed: 2,000 samples for 100 features, nothing left to overfit
        assert not fewer.fewer_helps(fewer.fewer_features(_rng(0, "fewer-0"), n_train=2000))


def test_erm_gap_shrinks_for_ten_seeds_and_not_at_a_fixed_size():
    with blas_thread_limit(1):
        for seed in SEEDS10:
            assert fewer.gap_shrinks(fewer.erm_sweep(_rng(seed, "erm-0"))), seed
        fixed = fewer.erm_sweep(_rng(0, "erm-0"), sizes=(25, 25, 25, 25))
        assert not fewer.gap_shrinks(fixed)


def test_boosting_fixes_underfitting_for_ten_seeds_and_not_with_one_round():
    for seed in SEEDS10:
        spirals = make_spirals(400, noise=0.05, n_turns=capacity.SPIRAL_TURNS,
                               seed=_rng(seed, "spirals-data"))  # fmt: skip
        assert fewer.boosting_helps(fewer.boosting(spirals)), seed
    assert not fewer.boosting_helps(fewer.boosting(spirals, rounds=1))


def test_bagging_beats_one_network_for_ten_seeds_and_not_with_one_member():
    epochs, members = generalization.QUICK.remedy_epochs, generalization.QUICK.bag_members
    with blas_thread_limit(1):
        for seed in SEEDS10:
            ctx = Context(seed=seed, quick=True)
            digits = load_digits(seed=int(ctx.rng("digits-split").integers(2**31)))
            bags, singles, lone = [], [], []
            for r in range(generalization.QUICK.repeats):
                data = remedies.noisy_small_digits(
                    digits, ctx.rng(f"subset-{r}"), remedies.LABEL_NOISE
                )
                streams = {k: ctx.rng(f"remedies-{k}-{r}") for k in ("init", "shuffle", "dropout")}
                singles.append(remedies.train_method("no remedy", data, streams, epochs))
                bags.append(remedies.bagging(data, ctx.rng(f"bagging-{r}"), members, epochs))
                if seed == 0:  # cause removed: one bootstrap member, nothing to average
                    lone.append(remedies.bagging(data, ctx.rng(f"bagging-{r}"), 1, epochs))
            assert bagging_wins(bags, singles), seed
            if seed == 0:
                assert not bagging_wins(lone, singles)


def test_l1_is_sparser_for_ten_seeds_and_not_without_its_penalty():
    with blas_thread_limit(1):
        for seed in SEEDS10:
            assert fewer.l1_sparser(fewer.sparsity(_rng(seed, "sparsity-0"))), seed
        removed = fewer.sparsity(_rng(0, "sparsity-0"), {"L1": 0.0, "L2": 0.2})
        assert not fewer.l1_sparser(removed)


def test_augmentation_helps_the_cnn_for_ten_seeds_and_not_when_removed():
    """The augmentation finding's measuring function, one draw per seed 0-9 at the quick
    budget (20 CNN trainings of 350 steps); then with the cause removed: augmentation off in
    both arms (the arms are the same run, the gain exactly 0; seed 0), and an augmentation
    that draws its random numbers but is the identity (only the batch order differs between
    the arms; seeds 0-2). 28 trainings, about 25-35 s of CPU on the busy 2-core machine."""
    steps = generalization.QUICK.augment_steps
    run = functools.partial(augmentation.augmentation_run, steps=steps, split=load_mnist1d())
    with blas_thread_limit(1):
        for seed in SEEDS10:
            draw = run(_rng(seed, "augmentation"))
            assert augmentation.augmentation_helps([draw]), (seed, draw["gain"])
        off = run(_rng(0, "augmentation"), transform=False)
        assert off["gain"] == 0.0 and off["none"] == off["augmented"]
        assert not augmentation.augmentation_helps([off])
        identity = augmentation.identity_augmentation()
        rngs = [_rng(seed, "augmentation") for seed in SEEDS]
        placebo = [run(r, transform=identity) for r in rngs]
        assert not augmentation.augmentation_helps(placebo), [d["gain"] for d in placebo]


def test_augmentation_verdict_needs_every_draw_ahead_and_the_median_gain():
    def draws(*gains):
        return [{"gain": g} for g in gains]

    assert augmentation.augmentation_helps(draws(0.05, 0.2, 0.01))  # median 0.05
    assert not augmentation.augmentation_helps(draws(0.04, 0.2, 0.01))  # median 0.04
    assert not augmentation.augmentation_helps(draws(0.2, 0.2, -0.01))  # one draw behind
    assert not augmentation.augmentation_helps(draws(0.2, 0.0, 0.3))  # a tie is not ahead


def test_identity_augmentation_changes_nothing_and_shift_and_scale_keep_the_signal():
    x = np.arange(1.0, 81.0).reshape(2, 40)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(augmentation.identity_augmentation()(x, rng), x)
    out = augmentation.shift_and_scale()(x, rng)
    m = augmentation.MAX_SHIFT
    for row, new in zip(x, out):
        # exactly one circular shift s in -m..m and one factor a in [0.8, 1.2) give new
        fits = [
            new[0] / np.roll(row, s)[0]
            for s in range(-m, m + 1)
            if np.allclose(new, new[0] / np.roll(row, s)[0] * np.roll(row, s))
        ]
        assert len(fits) == 1 and 0.8 <= fits[0] < 1.2, fits


def test_mnist1d_cnn_is_the_papers_convbase():
    torch = pytest.importorskip("torch")
    model = features.mnist1d_cnn(np.random.default_rng(0))
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(25, 1, 5), (25,), (25, 25, 3), (25,), (25, 25, 3), (25,), (10, 125), (10,)]
    # the same weights in torch's layers give the same logits
    ref = torch.nn.Sequential(
        torch.nn.Conv1d(1, 25, 5, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv1d(25, 25, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv1d(25, 25, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(125, 10),
    ).double()  # fmt: skip
    with torch.no_grad():
        for p, q in zip(ref.parameters(), model.parameters()):
            p.copy_(torch.from_numpy(np.asarray(q.data, dtype=np.float64)))
    x = np.random.default_rng(1).standard_normal((3, 40))
    want = ref(torch.from_numpy(x)[:, None]).detach().numpy()
    np.testing.assert_allclose(logits(model, x.astype(np.float32)), want, rtol=1e-4, atol=1e-5)
