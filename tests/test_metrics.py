"""helpers.metrics: reports and plots on top of scikit-learn, checked against hand-computed cases."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

from helpers import metrics  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_binary_report_hand_computed_case():
    # 4 positives, 4 negatives; at 0.5: TP=3, FN=1, TN=3, FP=1
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.6, 0.4, 0.7, 0.3, 0.2, 0.1])
    r = metrics.binary_report(y, s)
    assert r["Accuracy"] == pytest.approx(6 / 8)
    assert r["Precision"] == pytest.approx(3 / 4)
    assert r["Recall"] == pytest.approx(3 / 4)
    assert r["Specificity"] == pytest.approx(3 / 4)
    assert r["F1-Score"] == pytest.approx(3 / 4)
    # AUC = share of (positive, negative) pairs ranked correctly: 14 of 16
    assert r["ROC-AUC"] == pytest.approx(14 / 16)
    assert r["AP"] == pytest.approx(skm.average_precision_score(y, s))


def test_hard_labels_are_refused_for_auc_unless_asked():
    y = np.array([1, 0, 1, 0])
    with pytest.raises(ValueError, match="hard labels"):
        metrics.binary_report(y, np.array([1, 0, 0, 0]))
    r = metrics.binary_report(y, np.array([1, 0, 0, 0]), allow_hard_scores=True)
    assert r["ROC-AUC"] == pytest.approx(skm.balanced_accuracy_score(y, [1, 0, 0, 0]))


def test_metrics_table_in_the_report_format():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    good = np.clip(y * 0.6 + rng.normal(0.2, 0.2, 200), 0, 1)
    table = metrics.metrics_table({"good": (y, good), "one class": (y, np.full(200, 0.9))})
    assert list(table.index) == metrics.REPORT_ROWS and list(table.columns) == ["good", "one class"]
    assert table.loc["Recall", "one class"] == 1.0 and table.loc["ROC-AUC", "one class"] == 0.5
    assert table.loc["Accuracy", "good"] == round(skm.accuracy_score(y, good >= 0.5), 3)
    with pytest.raises(KeyError, match="unknown rows"):
        metrics.metrics_table({"good": (y, good)}, rows=["Accuracy", "MCC"])
    with pytest.raises(ValueError, match="models is empty"):
        metrics.metrics_table({})


def test_threshold_for_recall_matches_a_brute_force_search():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.round(np.clip(y * 0.3 + rng.uniform(0, 0.7, 300), 0, 1), 3)  # with ties
    for target in (0.5, 0.9, 0.99, 1.0):
        got = metrics.threshold_for_recall(y, s, target)
        candidates = [t for t in np.unique(s) if skm.recall_score(y, s >= t) >= target]
        false_pos = {t: int(np.sum((s >= t) & (y == 0))) for t in candidates}
        fewest = min(false_pos.values())
        best = min(t for t in candidates if false_pos[t] == fewest)
        assert got["threshold"] == pytest.approx(best)
        assert got["false_positives"] == fewest
        assert got["recall"] == pytest.approx(skm.recall_score(y, s >= best))
        assert got["precision"] == pytest.approx(skm.precision_score(y, s >= best))


def test_threshold_for_recall_breaks_ties_towards_more_positives():
    # negatives at 0.1 and 0.2, positives at 0.5, 0.6 and 0.9: every threshold from 0.5 to 0.6
    # has no false positive; 0.6 would drop a positive for nothing (recall 2/3 still >= 0.6)
    y = np.array([0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.5, 0.6, 0.9])
    got = metrics.threshold_for_recall(y, s, 0.6)
    assert got == {"threshold": 0.5, "recall": 1.0, "precision": 1.0, "false_positives": 0}
    # overlapping scores: recall 1 needs threshold 0.3, which lets one negative (0.4) in
    got = metrics.threshold_for_recall([0, 1, 0, 1], [0.1, 0.3, 0.4, 0.8], 1.0)
    assert got == {"threshold": 0.3, "recall": 1.0, "precision": 2 / 3, "false_positives": 1}


@pytest.mark.parametrize("y, s, match", [
    (np.array([0, 1, 2]), np.array([0.1, 0.2, 0.3]), "only 0 and 1"),
    (np.array([0, 1]), np.array([0.1, 0.2, 0.3]), "has shape"),
    (np.array([[0, 1]]), np.array([[0.1, 0.2]]), "1-D"),
])
def test_bad_binary_input(y, s, match):
    with pytest.raises(ValueError, match=match):
        metrics.binary_report(y, s)


def test_threshold_for_recall_errors():
    with pytest.raises(ValueError, match="target recall"):
        metrics.threshold_for_recall([0, 1], [0.2, 0.8], 0)
    with pytest.raises(ValueError, match="no positives"):
        metrics.threshold_for_recall([0, 0], [0.2, 0.8], 0.9)


def test_confusion_matrix_plot_shows_sklearn_counts():
    y = np.array([0, 0, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 2, 0, 2])
    ax = metrics.plot_confusion_matrix(y, p, ["a", "b", "c"])
    shown = [int(t.get_text()) for t in ax.texts]
    assert shown == skm.confusion_matrix(y, p).ravel().tolist()
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    ax = metrics.plot_confusion_matrix(y, p, ["a", "b", "c"], normalize="true")
    assert ax.texts[8].get_text() == "0.67"
    with pytest.raises(ValueError, match="same length"):
        metrics.plot_confusion_matrix(y, p[:3])


def test_roc_pr_plot_labels_carry_sklearn_values():
    y = np.array([1, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.4, 0.35, 0.1, 0.8, 0.6])
    fig = metrics.plot_roc_pr(y, {"m": s})
    roc_ax, pr_ax = fig.axes
    assert f"AUC {skm.roc_auc_score(y, s):.3f}" in roc_ax.get_legend().get_texts()[0].get_text()
    assert f"AP {skm.average_precision_score(y, s):.3f}" in pr_ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="scores is empty"):
        metrics.plot_roc_pr(y, {})
