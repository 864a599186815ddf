"""helpers.stats: intervals, McNemar, seed runs and matched starts, against reference values."""

from __future__ import annotations

import math
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn import metrics as skm

from helpers import stats


# --- Wilson interval ---------------------------------------------------------------------

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
# method 3 (Wilson score, no continuity correction), 95 %.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize("k, n, low, high", NEWCOMBE)
def test_wilson_matches_published_values(k, n, low, high):
    iv = stats.wilson_interval(k, n)
    assert iv.estimate == pytest.approx(k / n)
    assert iv.low == pytest.approx(low, abs=5e-5)
    assert iv.high == pytest.approx(high, abs=5e-5)


def test_wilson_hand_computed_case():
    # 8 of 10 at 95 %: z = 1.959964, centre = (0.8 + z^2/20) / (1 + z^2/10),
    # half = z / (1 + z^2/10) * sqrt(0.8 * 0.2 / 10 + z^2 / 400)
    z = 1.959963984540054
    denom = 1 + z**2 / 10
    centre = (0.8 + z**2 / 20) / denom
    half = z / denom * math.sqrt(0.016 + z**2 / 400)
    iv = stats.wilson_interval(8, 10)
    assert (iv.low, iv.high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (iv.low, iv.high) == pytest.approx((0.4902, 0.9433), abs=5e-5)


@pytest.mark.parametrize("k, n", [(191, 200), (188, 200), (0, 7), (7, 7), (127, 256)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_equals_scipy(k, n, confidence):
    ref = sps.binomtest(k, n).proportion_ci(confidence, method="wilson")
    iv = stats.wilson_interval(k, n, confidence)
    assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert iv.confidence == confidence


def test_wilson_bad_input_and_undefined():
    with pytest.raises(ValueError, match="cannot exceed"):
        stats.wilson_interval(5, 4)
    with pytest.raises(TypeError, match="counts, not proportions"):
        stats.wilson_interval(0.96, 200)
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.wilson_interval(5, 10, confidence=95)
    with pytest.raises(ValueError, match=">= 0"):
        stats.wilson_interval(-1, 10)
    with pytest.warns(RuntimeWarning, match="undefined"):
        iv = stats.wilson_interval(0, 0)
    assert all(math.isnan(v) for v in iv[:3])


def test_accuracy_interval_counts_correct_answers():
    y = np.array([0, 1, 2, 1, 0, 2, 1, 1, 0, 0])
    p = np.array([0, 1, 2, 0, 0, 2, 1, 2, 0, 0])  # 8 of 10 right
    assert stats.accuracy_interval(y, p) == stats.wilson_interval(8, 10)
    with pytest.raises(ValueError, match="same order"):
        stats.accuracy_interval(y, p[:-1])


# --- bootstrap -----------------------------------------------------------------------------


def _toy_scores(n=300, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.25, n), 0, 1)
    return y, score


def test_bootstrap_close_to_scipy_percentile_bootstrap():
    y, score = _toy_scores()
    ours = stats.bootstrap_interval(skm.roc_auc_score, y, score, n_resamples=1000, seed=0)
    ref = sps.bootstrap(
        (y, score),
        skm.roc_auc_score,
        paired=True,
        vectorized=False,
        n_resamples=1000,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    assert ours.estimate == pytest.approx(skm.roc_auc_score(y, score))
    assert ours.low == pytest.approx(ref.low, abs=0.015)
    assert ours.high == pytest.approx(ref.high, abs=0.015)
    assert ours.low < ours.estimate < ours.high


def test_bootstrap_of_accuracy_agrees_with_wilson_for_large_n():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 1000)
    p = np.where(rng.random(1000) < 0.8, y, 1 - y)
    boot = stats.bootstrap_interval(skm.accuracy_score, y, p, seed=1)
    wil = stats.accuracy_interval(y, p)
    assert boot.low == pytest.approx(wil.low, abs=0.006)
    assert boot.high == pytest.approx(wil.high, abs=0.006)


def test_bootstrap_keeps_pairs_together():
    # A metric that is 1.0 only if the arrays stay aligned: resampling pairs keeps it 1.0,
    # resampling each array on its own would not.
    a = np.arange(50)
    iv = stats.bootstrap_interval(lambda u, v: float(np.mean(u == v)), a, a.copy(), seed=0)
    assert (iv.low, iv.high) == (1.0, 1.0)


def test_bootstrap_is_seeded():
    y, score = _toy_scores()
    first = stats.bootstrap_interval(skm.mean_absolute_error, y, score, seed=7)
    again = stats.bootstrap_interval(skm.mean_absolute_error, y, score, seed=7)
    other = stats.bootstrap_interval(skm.mean_absolute_error, y, score, seed=8)
    assert first == again
    assert first != other


def test_bootstrap_counts_undefined_resamples():
    y = np.array([1] + [0] * 9)  # one positive: many resamples have none
    score = np.linspace(0.9, 0.0, 10)
    with pytest.warns(RuntimeWarning, match=r"undefined on \d+ of 500"):
        stats.bootstrap_interval(skm.roc_auc_score, y, score, n_resamples=500)
    # defined only when a resample repeats no example: almost never
    def distinct(u):
        return 1.0 if len(np.unique(u)) == len(u) else float("nan")

    with pytest.warns(RuntimeWarning, match="undefined"):
        iv = stats.bootstrap_interval(distinct, np.arange(10), n_resamples=500)
    assert iv.estimate == 1.0
    assert math.isnan(iv.low) and math.isnan(iv.high)  # more than half undefined


def test_bootstrap_bad_input():
    y, score = _toy_scores(20)
    with pytest.raises(ValueError, match="same order"):
        stats.bootstrap_interval(skm.roc_auc_score, y, score[:-1])
    with pytest.raises(ValueError, match="at least 100"):
        stats.bootstrap_interval(skm.roc_auc_score, y, score, n_resamples=10)
    with pytest.raises(TypeError, match="function"):
        stats.bootstrap_interval(0.5, y, score)


# --- cluster bootstrap ---------------------------------------------------------------------


def test_cluster_bootstrap_with_singleton_groups_is_the_plain_bootstrap():
    y, score = _toy_scores()
    plain = stats.bootstrap_interval(skm.roc_auc_score, y, score, seed=3)
    cluster = stats.cluster_bootstrap_interval(skm.roc_auc_score, y, score,
                                               groups=np.arange(len(y)), seed=3)
    assert cluster == plain


def test_cluster_bootstrap_keeps_groups_whole_and_strata_fixed():
    # 4 groups of 5 examples in stratum 0, 3 groups of 4 in stratum 1
    groups = np.repeat(np.arange(7), [5, 5, 5, 5, 4, 4, 4])
    strata = (groups >= 4).astype(int)
    seen = []

    def record(g, s):
        seen.append((g.copy(), s.copy()))
        return float(np.mean(s))

    stats.cluster_bootstrap_interval(record, groups, strata, groups=groups, strata=strata,
                                     n_resamples=200, seed=0)
    for g, s in seen[1:]:  # seen[0] is the estimate on the original arrays
        assert np.sum(s == 0) == 20 and np.sum(s == 1) == 12  # 4 and 3 groups each time
        labels, counts = np.unique(g, return_counts=True)
        sizes = np.where(labels < 4, 5, 4)
        assert (counts % sizes == 0).all()  # every drawn group comes whole


def test_cluster_bootstrap_is_wider_when_answers_cluster():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 10)
    right = np.repeat(rng.random(20) < 0.7, 10).astype(float)  # a group is right or wrong
    by_example = stats.bootstrap_interval(np.mean, right, seed=0)
    by_group = stats.cluster_bootstrap_interval(np.mean, right, groups=groups, seed=0)
    assert by_group.high - by_group.low > 2 * (by_example.high - by_example.low)


def test_cluster_bootstrap_bad_input():
    y, score = _toy_scores(20)
    with pytest.raises(ValueError, match="same order"):
        stats.cluster_bootstrap_interval(skm.roc_auc_score, y, score, groups=np.arange(19))
    with pytest.raises(ValueError, match="more than one stratum"):
        stats.cluster_bootstrap_interval(skm.roc_auc_score, y, score,
                                         groups=np.zeros(20), strata=y)
    with pytest.raises(ValueError, match="at least 100"):
        stats.cluster_bootstrap_interval(skm.roc_auc_score, y, score,
                                         groups=np.arange(20), n_resamples=10)


# --- McNemar -------------------------------------------------------------------------------


def test_mcnemar_exact_hand_cases():
    # 3 discordant, all for A: two-sided p = 2 * (1/2)^3
    assert stats.mcnemar_from_counts(3, 0).p_value == pytest.approx(0.25)
    # 10 vs 2: p = 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 158 / 4096
    r = stats.mcnemar_from_counts(10, 2)
    assert r.method == "exact"
    assert r.p_value == pytest.approx(158 / 4096)
    assert r.p_value == pytest.approx(sps.binomtest(10, 12, 0.5).pvalue)
    assert stats.mcnemar_from_counts(5, 5).p_value == pytest.approx(1.0)
    assert stats.mcnemar_from_counts(0, 0).p_value == 1.0


def test_mcnemar_chi2_hand_case():
    # (|30 - 10| - 1)^2 / 40 = 9.025, chi-square with 1 degree of freedom
    r = stats.mcnemar_from_counts(30, 10)
    assert r.method == "chi2"
    assert r.statistic == pytest.approx(9.025)
    assert r.p_value == pytest.approx(sps.chi2.sf(9.025, 1))
    assert r.p_value == pytest.approx(0.002663, abs=1e-6)
    assert stats.mcnemar_from_counts(30, 10, exact=True).p_value == pytest.approx(
        sps.binomtest(30, 40).pvalue
    )


def test_mcnemar_test_counts_discordant_pairs():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    a = np.array([1, 1, 1, 1, 0, 0, 0, 1, 0, 1])  # wrong on the last three
    b = np.array([1, 0, 0, 1, 0, 1, 0, 1, 1, 0])  # wrong on items 1, 2, 5, 7
    r = stats.mcnemar_test(y, a, b)
    # A right, B wrong: items 1, 2, 5 -> 3; A wrong, B right: items 8, 9 -> 2
    assert (r.only_a, r.only_b) == (3, 2)
    assert r.p_value == pytest.approx(sps.binomtest(3, 5).pvalue)
    with pytest.raises(ValueError, match="same order"):
        stats.mcnemar_test(y, a, b[:5])
    with pytest.raises(TypeError, match="whole-number"):
        stats.mcnemar_from_counts(2.5, 1)


# --- seed runs -----------------------------------------------------------------------------


def test_run_seeds_and_summary():
    def train(seed):
        rng = np.random.default_rng(seed)
        return {"accuracy": float(rng.random()), "loss": float(seed)}

    seen = []
    runs = stats.run_seeds(train, seeds=(0, 1, 2), seed_fn=seen.append)
    assert seen == [0, 1, 2]
    assert list(runs.columns) == ["seed", "metric", "value"]
    assert len(runs) == 6
    summary = stats.summarize_runs(runs)
    acc = [np.random.default_rng(s).random() for s in (0, 1, 2)]
    assert summary.loc["accuracy", "mean"] == pytest.approx(np.mean(acc))
    assert summary.loc["accuracy", "sd"] == pytest.approx(np.std(acc, ddof=1))
    assert summary.loc["loss", "sd"] == pytest.approx(1.0)
    assert summary.loc["loss", "n_seeds"] == 3


def test_run_seeds_default_seeds_globally():
    runs = stats.run_seeds(lambda s: {"draw": float(np.random.random())}, seeds=(5, 5 + 1))
    again = stats.run_seeds(lambda s: {"draw": float(np.random.random())}, seeds=(5, 6))
    pd.testing.assert_frame_equal(runs, again)


def test_run_seeds_bad_input_and_single_seed():
    with pytest.raises(ValueError, match="repeat"):
        stats.run_seeds(lambda s: {"a": 1.0}, seeds=(1, 1), seed_fn=lambda s: None)
    with pytest.raises(TypeError, match="dict of metric"):
        stats.run_seeds(lambda s: 0.9, seeds=(1,), seed_fn=lambda s: None)
    with pytest.raises(ValueError, match="columns seed, metric, value"):
        stats.summarize_runs(pd.DataFrame({"x": [1]}))
    runs = stats.run_seeds(lambda s: {"a": 1.0}, seeds=(1,), seed_fn=lambda s: None)
    with pytest.warns(RuntimeWarning, match="sd is undefined"):
        summary = stats.summarize_runs(runs)
    assert math.isnan(summary.loc["a", "sd"])


# --- matched starts ------------------------------------------------------------------------


def _build(augment: bool):
    import keras

    layers = [keras.Input((16, 16, 3))]
    if augment:
        layers += [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)]
    layers += [keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(1)]
    return keras.Sequential(layers)


def test_naive_same_seed_does_not_give_the_same_start():
    import keras

    keras.utils.set_random_seed(0)
    plain = _build(False)
    keras.utils.set_random_seed(0)
    augmented = _build(True)
    assert not stats.same_weights(plain, augmented)  # the augmentation layers drew first


def test_matched_models_start_identical():
    plain, augmented = stats.matched_models(lambda: _build(False), lambda: _build(True), seed=0)
    assert stats.same_weights(plain, augmented)
    x = np.random.default_rng(0).random((2, 16, 16, 3)).astype("float32")
    # weightless layers are the identity at inference, so the two compute the same function
    np.testing.assert_allclose(plain.predict(x, verbose=0), augmented.predict(x, verbose=0))
    a, b = stats.matched_models(lambda: _build(False), seed=3)
    assert stats.same_weights(a, b) and a is not b


def test_copy_weights_refuses_different_architectures():
    import keras

    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    wide = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    deep = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="shape"):
        stats.copy_weights(small, wide)
    with pytest.raises(ValueError, match="weight arrays"):
        stats.copy_weights(small, deep)
