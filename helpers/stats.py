"""How sure are we? Confidence intervals, paired tests, seed runs and matched starts.

Chapter 10 ("How sure are we?") teaches every function here: the Wilson interval for an
accuracy or any other proportion, a paired percentile bootstrap for any metric, a cluster
bootstrap that resamples whole groups (frames of one figure) instead of examples, McNemar's
test for two classifiers scored on the same examples, a runner that repeats a training run
under several seeds and reports mean and sd, and (for the with/without experiments of
chapters 8 and 9) two models that provably start from the same initial weights.

Everything rests on SciPy (``scipy.stats``) and NumPy; Keras is imported only by the
matched-start helpers. Undefined results are NaN with a warning, never 0.0.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps


class Interval(NamedTuple):
    """An estimate with its confidence interval: ``(estimate, low, high, confidence)``."""

    estimate: float
    low: float
    high: float
    confidence: float


class McNemarResult(NamedTuple):
    """McNemar's test on paired predictions (chapter 10).

    ``only_a`` counts examples model A gets right and model B wrong, ``only_b`` the reverse;
    ``method`` is ``"exact"`` (binomial) or ``"chi2"`` (with continuity correction).
    """

    only_a: int
    only_b: int
    statistic: float
    p_value: float
    method: str


def _check_confidence(confidence: float) -> float:
    if not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    return float(confidence)


def _as_count(value: Any, name: str) -> int:
    """An integer count; floats that are whole numbers are accepted, anything else is an error."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer count, got the boolean {value!r}")
    if isinstance(value, (int, np.integer)):
        out = int(value)
    elif isinstance(value, (float, np.floating)) and float(value).is_integer():
        out = int(value)
    else:
        raise TypeError(
            f"{name} must be a whole-number count (e.g. 191 correct answers), got {value!r}; "
            "pass counts, not proportions (use round(p * n) only if you know n exactly)"
        )
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {out}")
    return out


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion: ``successes`` out of ``n`` (chapter 10).

    Use it for an accuracy (correct answers out of images), a recall (humans found out of
    humans), a precision (right "human" answers out of "human" answers) or any other share
    of independent trials. Equal to ``scipy.stats.binomtest(successes, n)
    .proportion_ci(confidence, method="wilson")``; unlike the normal approximation
    ``p ± z·sqrt(p(1-p)/n)`` it stays inside [0, 1] and behaves at 0 and n successes.

    ``n == 0`` (for example the precision of a model that never predicts positive) is
    undefined: the result is NaN with a warning.
    """
    confidence = _check_confidence(confidence)
    k, n = _as_count(successes, "successes"), _as_count(n, "n")
    if k > n:
        raise ValueError(f"successes ({k}) cannot exceed n ({n}): check which count is which")
    if n == 0:
        warnings.warn(
            "wilson_interval: n = 0, the proportion is undefined; returning NaN",
            RuntimeWarning,
            stacklevel=2,
        )
        nan = float("nan")
        return Interval(nan, nan, nan, confidence)
    p = k / n
    z = float(_sps.norm.ppf(0.5 + confidence / 2))
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return Interval(p, low, high, confidence)


def accuracy_interval(y_true, y_pred, confidence: float = 0.95) -> Interval:
    """Accuracy of hard predictions with its Wilson interval (chapter 10).

    ``y_true`` and ``y_pred`` are 1-D label arrays of the same length (any number of
    classes). The interval assumes the examples are independent draws; near-duplicate
    images (frames of one rendered figure) make it too narrow.
    """
    y_true, y_pred = _label_arrays(y_true, y_pred, names=("y_true", "y_pred"))
    return wilson_interval(int(np.sum(y_true == y_pred)), len(y_true), confidence)


def _label_arrays(*arrays, names: Sequence[str]) -> list[np.ndarray]:
    """Paired 1-D arrays of hard class labels (integers, bools or strings), one per example.

    Probabilities or scores (floats with a fractional part) and 2-D arrays (one-hot rows, per-class
    scores) are refused: comparing them with ``==`` would count almost nothing as correct.
    """
    out = _paired_arrays(*arrays, names=names)
    for i, (a, name) in enumerate(zip(out, names)):
        if a.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D, one hard label per example; got shape {a.shape}. For one-hot "
                "rows or per-class scores take .argmax(axis=1) first"
            )
        if a.dtype == object:
            raise TypeError(f"{name} must hold class labels (integers or strings), got an object array")
        if np.issubdtype(a.dtype, np.floating):
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains NaN or infinite values; labels must be whole numbers")
            if np.any(a != np.round(a)):
                raise ValueError(
                    f"{name} holds non-integer values such as {a[a != np.round(a)][0]!r}: these look "
                    "like probabilities or scores, not hard labels. Threshold them "
                    "((scores >= 0.5).astype(int)) or take .argmax(axis=1) first"
                )
        elif np.issubdtype(a.dtype, np.complexfloating):
            raise TypeError(f"{name} must hold class labels, got complex numbers")
    kinds = {("str" if a.dtype.kind in "US" else "num") for a in out}
    if len(kinds) > 1:
        raise TypeError(f"{', '.join(names)} mix string and numeric labels: == would never match; "
                        "encode both the same way")
    return out


def _paired_arrays(*arrays, names: Sequence[str]) -> list[np.ndarray]:
    out = []
    for value, name in zip(arrays, names):
        a = np.asarray(value)
        if a.ndim == 0 or len(a) == 0:
            raise ValueError(f"{name} must be a non-empty array with one entry per example, got {a!r}")
        out.append(a)
    lengths = {name: len(a) for a, name in zip(out, names)}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            f"paired arrays must have one entry per example, in the same order; got lengths "
            f"{lengths}. Pass the labels and predictions of the same examples."
        )
    return out


def bootstrap_interval(
    metric: Callable[..., float],
    *arrays,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Paired percentile bootstrap interval for any metric of paired arrays (chapter 10).

    ``metric(*arrays)`` is the statistic, for example ``sklearn.metrics.roc_auc_score`` with
    ``arrays = (y_true, y_score)``. Each resample draws example indices with replacement and
    keeps every array's entries of the same examples together (pairs, never shuffled
    independently). The estimate is the metric on the original arrays; the interval is
    the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the resampled
    metrics. Close to ``scipy.stats.bootstrap(arrays, metric, paired=True,
    method="percentile")``, but seeded here and explicit about undefined resamples: a
    resample where the metric is undefined (NaN or ``ValueError``, e.g. ROC-AUC of a
    resample holding one class) is left out *with a warning that counts them*; if more
    than half are undefined the interval is NaN.
    """
    confidence = _check_confidence(confidence)
    if not callable(metric):
        raise TypeError(f"metric must be a function of the arrays, got {metric!r}")
    if not arrays:
        raise ValueError("pass the paired arrays after the metric, e.g. (metric, y_true, y_score)")
    n_resamples = _as_count(n_resamples, "n_resamples")
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100 for a percentile interval, got {n_resamples}")
    arrays = _paired_arrays(*arrays, names=[f"array {i}" for i in range(len(arrays))])
    estimate = float(metric(*arrays))
    rng = np.random.default_rng(seed)
    n = len(arrays[0])
    values = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = rng.integers(0, n, n)
        try:
            values[r] = float(metric(*(a[idx] for a in arrays)))
        except ValueError:
            values[r] = np.nan
    undefined = int(np.isnan(values).sum())
    nan = float("nan")
    if undefined:
        warnings.warn(
            f"bootstrap_interval: the metric was undefined on {undefined} of {n_resamples} "
            "resamples; they are left out of the interval",
            RuntimeWarning,
            stacklevel=2,
        )
    if undefined > n_resamples / 2:
        return Interval(estimate, nan, nan, confidence)
    low, high = np.quantile(values[~np.isnan(values)], [0.5 - confidence / 2, 0.5 + confidence / 2])
    return Interval(estimate, float(low), float(high), confidence)


def cluster_bootstrap_interval(
    metric: Callable[..., float],
    *arrays,
    groups,
    strata=None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Cluster bootstrap interval: resample whole groups, not examples (chapter 10).

    Use it when the examples come in groups whose members are answered alike: frames of one
    rendered figure, slices of one patient, crops of one photo. ``groups`` gives each example's
    group (any hashable labels, one per example, like the arrays). Each resample draws groups
    with replacement and keeps *all* examples of every drawn group, paired across the arrays,
    then recomputes ``metric(*arrays)``. With ``strata`` (for example the class label, when the
    split was built from a fixed number of figures per class), groups are drawn within each
    stratum, as many as the stratum holds, so the stratum mix stays as the design fixed it;
    every group must then lie in a single stratum. The estimate is the metric on the original
    arrays; the interval is the percentile interval of the resampled metrics, with undefined
    resamples handled as in :func:`bootstrap_interval`.

    With one example per group and no strata this draws exactly the resamples of
    :func:`bootstrap_interval` with the same seed. With few groups (ten or so) the resampling
    is coarse and its interval still tends to be too narrow: report the number of groups.
    """
    confidence = _check_confidence(confidence)
    if not callable(metric):
        raise TypeError(f"metric must be a function of the arrays, got {metric!r}")
    if not arrays:
        raise ValueError("pass the paired arrays after the metric, e.g. (metric, y_true, y_score)")
    n_resamples = _as_count(n_resamples, "n_resamples")
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100 for a percentile interval, got {n_resamples}")
    names = [f"array {i}" for i in range(len(arrays))] + ["groups"]
    arrays = _paired_arrays(*arrays, groups, names=names)
    arrays, groups = arrays[:-1], arrays[-1]
    if groups.ndim != 1:
        raise ValueError(f"groups must be 1-D, one group label per example; got shape {groups.shape}")
    if strata is None:
        strata = np.zeros(len(groups), int)
    else:
        (strata,) = _paired_arrays(strata, names=["strata"])
        if len(strata) != len(groups):
            raise ValueError(
                f"strata must have one entry per example: {len(strata)} entries for "
                f"{len(groups)} examples"
            )
    group_codes = np.unique(groups, return_inverse=True)[1].ravel()
    stratum_codes = np.unique(strata, return_inverse=True)[1].ravel()
    members = [np.flatnonzero(group_codes == g) for g in range(group_codes.max() + 1)]
    by_stratum = []
    for s in range(stratum_codes.max() + 1):
        ids = np.unique(group_codes[stratum_codes == s])
        by_stratum.append(ids)
    for g, idx in enumerate(members):
        if len(np.unique(stratum_codes[idx])) > 1:
            raise ValueError(
                f"group {groups[idx[0]]!r} lies in more than one stratum: each group must "
                "belong to one stratum (e.g. a figure to one class)"
            )
    estimate = float(metric(*arrays))
    rng = np.random.default_rng(seed)
    values = np.empty(n_resamples)
    for r in range(n_resamples):
        drawn = np.concatenate([rng.choice(ids, len(ids)) for ids in by_stratum])
        idx = np.concatenate([members[g] for g in drawn])
        try:
            values[r] = float(metric(*(a[idx] for a in arrays)))
        except ValueError:
            values[r] = np.nan
    return _percentile_interval(values, estimate, confidence, "cluster_bootstrap_interval")


def _percentile_interval(values: np.ndarray, estimate: float, confidence: float, caller: str) -> Interval:
    undefined = int(np.isnan(values).sum())
    nan = float("nan")
    if undefined:
        warnings.warn(
            f"{caller}: the metric was undefined on {undefined} of {len(values)} "
            "resamples; they are left out of the interval",
            RuntimeWarning,
            stacklevel=3,
        )
    if undefined > len(values) / 2:
        return Interval(estimate, nan, nan, confidence)
    low, high = np.quantile(values[~np.isnan(values)], [0.5 - confidence / 2, 0.5 + confidence / 2])
    return Interval(estimate, float(low), float(high), confidence)


def mcnemar_from_counts(only_a: int, only_b: int, *, exact: bool | None = None) -> McNemarResult:
    """McNemar's test from the two discordant counts (chapter 10).

    ``only_a``: examples model A gets right and model B wrong; ``only_b``: the reverse.
    Examples both get right or both get wrong carry no information about which is better.
    Under "no difference" each discordant example is a fair coin, so the exact test is a
    two-sided binomial test of ``only_a`` out of ``only_a + only_b`` with p = 1/2
    (``scipy.stats.binomtest``). ``exact=None`` uses it when fewer than 25 examples are
    discordant and the chi-square statistic with continuity correction,
    ``(|only_a - only_b| - 1)^2 / (only_a + only_b)``, otherwise. With no discordant
    example there is no evidence of a difference: p = 1.
    """
    b, c = _as_count(only_a, "only_a"), _as_count(only_b, "only_b")
    n = b + c
    if exact is None:
        exact = n < 25
    if n == 0:
        return McNemarResult(b, c, 0.0, 1.0, "exact" if exact else "chi2")
    if exact:
        p = float(_sps.binomtest(b, n, 0.5).pvalue)
        return McNemarResult(b, c, float(min(b, c)), p, "exact")
    statistic = (abs(b - c) - 1) ** 2 / n
    return McNemarResult(b, c, float(statistic), float(_sps.chi2.sf(statistic, 1)), "chi2")


def mcnemar_test(y_true, y_pred_a, y_pred_b, *, exact: bool | None = None) -> McNemarResult:
    """McNemar's test: do two classifiers differ in accuracy on the same examples? (chapter 10)

    ``y_pred_a`` and ``y_pred_b`` are the hard predictions of models A and B for the same
    examples, in the same order as ``y_true``. See :func:`mcnemar_from_counts`.
    """
    y_true, a, b = _label_arrays(y_true, y_pred_a, y_pred_b, names=("y_true", "y_pred_a", "y_pred_b"))
    right_a, right_b = a == y_true, b == y_true
    return mcnemar_from_counts(int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b)), exact=exact)


def run_seeds(
    train_and_evaluate: Callable[[int], Mapping[str, float]],
    seeds: Sequence[int] = (0, 1, 2),
    *,
    seed_fn: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run a training function once per seed; a tidy table with one row per (seed, metric).

    ``train_and_evaluate(seed)`` builds, trains and evaluates a model and returns its
    metrics, e.g. ``{"val_accuracy": 0.87}``. Before each call the global seeds are set with
    ``seed_fn(seed)`` (default :func:`helpers.env.seed_everything`). Pass the result to
    :func:`summarize_runs` for mean and sd per metric. Taught in chapter 10; used for
    every comparison that trains (chapters 8, 9, 11).
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: pass at least three seeds, e.g. (0, 1, 2)")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat ({seeds}): each run needs its own seed")
    if seed_fn is None:
        from helpers.env import seed_everything as seed_fn
    rows = []
    for seed in seeds:
        seed_fn(seed)
        result = train_and_evaluate(seed)
        if not isinstance(result, Mapping) or not result:
            raise TypeError(
                f"train_and_evaluate({seed}) must return a non-empty dict of metric name -> "
                f"number, got {type(result).__name__}: {result!r}"
            )
        for name, value in result.items():
            if isinstance(value, (bool, np.bool_)) or not np.isscalar(value):
                raise TypeError(f"metric {name!r} of seed {seed} must be a number, got {value!r}")
            rows.append({"seed": seed, "metric": str(name), "value": float(value)})
    return pd.DataFrame(rows, columns=["seed", "metric", "value"])


def summarize_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean, sample sd (ddof = 1), min, max and number of seeds per metric (chapter 10).

    ``runs`` is the tidy table of :func:`run_seeds` (columns ``seed``, ``metric``,
    ``value``). With a single seed the sd is undefined: NaN with a warning.
    """
    missing = {"seed", "metric", "value"} - set(getattr(runs, "columns", []))
    if missing:
        raise ValueError(
            "runs must be the table run_seeds returns (columns seed, metric, value); "
            f"missing {sorted(missing)}"
        )
    if len(runs) == 0:
        raise ValueError("runs is empty: nothing to summarize")
    grouped = runs.groupby("metric", sort=False)["value"]
    summary = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "min": grouped.min(),
            "max": grouped.max(),
            "n_seeds": grouped.count(),
        }
    )
    if (summary["n_seeds"] < 2).any():
        warnings.warn(
            "summarize_runs: a metric has fewer than two seeds, its sd is undefined (NaN); "
            "run at least three seeds",
            RuntimeWarning,
            stacklevel=2,
        )
    return summary


def same_weights(model_a, model_b) -> bool:
    """True when two Keras models hold exactly equal weights, in the same order (chapters 8-10)."""
    wa, wb = model_a.get_weights(), model_b.get_weights()
    return len(wa) == len(wb) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(wa, wb)
    )


def copy_weights(source, target) -> None:
    """Give ``target`` exactly the weights of ``source`` (chapters 8 and 9: a matched start).

    Layers without weights (augmentation, dropout, rescaling) may differ between the two;
    every weight must match in order and shape, else a ``ValueError`` names the first
    mismatch. The seed-generator state of random layers is not a weight and is not copied.
    """
    ws, wt = source.get_weights(), target.get_weights()
    if len(ws) != len(wt):
        raise ValueError(
            f"source has {len(ws)} weight arrays and target has {len(wt)}: a matched start "
            "needs the same weighted layers in the same order (only weightless layers may differ)"
        )
    for i, (a, b) in enumerate(zip(ws, wt)):
        if a.shape != b.shape:
            raise ValueError(
                f"weight array {i} has shape {a.shape} in source but {b.shape} in target: "
                "the two architectures differ in a weighted layer"
            )
    target.set_weights(ws)


def matched_models(
    build_a: Callable[[], Any],
    build_b: Callable[[], Any] | None = None,
    *,
    seed: int = 0,
) -> tuple[Any, Any]:
    """Build two Keras models that start from the same initial weights (chapters 8, 9, 10).

    ``build_a()`` and ``build_b()`` return uncompiled models that differ only in layers
    without weights (for example ``build_b`` adds augmentation layers) or not at all
    (``build_b=None`` builds ``build_a`` twice, for two training recipes). The global seed
    is set to ``seed`` before ``build_a``; ``build_b``'s model then receives ``build_a``'s
    weights with :func:`copy_weights`. Setting the same seed before each build is *not*
    enough: random layers built first consume random state, so the kernels differ.
    Compile each model afterwards with its own optimizer.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model_a = build_a()
    model_b = (build_b or build_a)()
    copy_weights(model_a, model_b)
    if not same_weights(model_a, model_b):  # pragma: no cover - set_weights failed silently
        raise RuntimeError("copy_weights did not make the two models equal")
    return model_a, model_b
