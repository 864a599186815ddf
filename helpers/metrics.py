"""Evaluation reports and plots on top of scikit-learn: confusion matrices, ROC / PR curves, metric tables.

Nothing here re-implements a metric: chapter 10 (evaluation metrics) computes them by hand once and
checks them against scikit-learn, and every other chapter reports through these functions.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import metrics as skm

from helpers import _checks

REPORT_ROWS = ["Accuracy", "Precision", "Recall", "F1-Score", "ROC-AUC"]
"""The rows of the team report's metric table (chapter 10 reads that table critically)."""


def _binary_inputs(y_true, y_score=None, y_pred=None) -> tuple[np.ndarray, ...]:
    y_true = _checks.array(y_true, "y_true")
    if y_true.ndim != 1 or len(y_true) == 0:
        raise ValueError(f"y_true must be a non-empty 1-D array of 0/1 labels, got shape {y_true.shape}")
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError(f"y_true must hold only 0 and 1 (binary task), got values {np.unique(y_true)[:10]}")
    out = [y_true]
    for name, values in (("y_score", y_score), ("y_pred", y_pred)):
        if values is None:
            out.append(None)
            continue
        values = _checks.numeric(values, name)
        if values.shape != y_true.shape:
            raise ValueError(f"{name} has shape {values.shape} but y_true has shape {y_true.shape}")
        out.append(values)
    return tuple(out)


def binary_report(y_true, y_score, threshold: float = 0.5, *, allow_hard_scores: bool = False) -> dict[str, float]:
    """Accuracy, precision, recall, specificity, F1, ROC-AUC and average precision of a binary model.

    ``y_score`` are scores or probabilities for class 1; predictions are ``y_score >= threshold``.
    ROC-AUC and AP need real scores: 0/1 scores make ROC-AUC the balanced accuracy (chapter 10 shows
    how that produced "ROC-AUC = accuracy" in the team report), so hard labels raise an error unless
    ``allow_hard_scores=True``.
    """
    y_true, y_score, _ = _binary_inputs(y_true, y_score)
    if not allow_hard_scores and np.isin(y_score, (0, 1)).all():
        raise ValueError(
            "y_score holds only 0 and 1: these look like hard labels, not scores. ROC-AUC and average "
            "precision need the model's scores (e.g. predict() probabilities); pass "
            "allow_hard_scores=True if you really mean it."
        )
    threshold = _checks.real_number(threshold, "threshold", allow_inf=True)
    y_pred = (y_score >= threshold).astype(int)
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))
    undefined = []

    def ratio(num: int, den: int, name: str, why: str) -> float:
        if den == 0:
            undefined.append(f"{name} ({why})")
            return float("nan")
        return num / den

    report = {
        "Accuracy": skm.accuracy_score(y_true, y_pred),
        "Precision": ratio(tp, tp + fp, "Precision", f"no score reaches the threshold {threshold}"),
        "Recall": ratio(tp, tp + fn, "Recall", "y_true has no positives"),
        "Specificity": ratio(tn, tn + fp, "Specificity", "y_true has no negatives"),
        "F1-Score": ratio(2 * tp, 2 * tp + fp + fn, "F1-Score", "no positives and no positive predictions"),
    }
    if len(np.unique(y_true)) == 2:
        report["ROC-AUC"] = skm.roc_auc_score(y_true, y_score)
    else:
        report["ROC-AUC"] = float("nan")
        undefined.append("ROC-AUC (y_true holds one class only)")
    if tp + fn:
        report["AP"] = skm.average_precision_score(y_true, y_score)
    else:
        report["AP"] = float("nan")
        undefined.append("AP (y_true has no positives)")
    if undefined:
        import warnings

        warnings.warn("binary_report: undefined, returned as NaN: " + "; ".join(undefined),
                      RuntimeWarning, stacklevel=2)
    return report


def metrics_table(
    models: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    threshold: float = 0.5,
    rows: Sequence[str] = REPORT_ROWS,
    decimals: int = 3,
) -> pd.DataFrame:
    """A table in the team report's format: one column per model, one row per metric.

    ``models`` maps a model's name to ``(y_true, y_score)``. Used in chapters 10 and 11.
    """
    if not models:
        raise ValueError("models is empty: pass {name: (y_true, y_score)}")
    columns = {name: binary_report(y, s, threshold) for name, (y, s) in models.items()}
    unknown = set(rows) - set(next(iter(columns.values())))
    if unknown:
        raise KeyError(f"unknown rows {sorted(unknown)}; available: {list(next(iter(columns.values())))}")
    return pd.DataFrame(columns).loc[list(rows)].round(decimals)


def threshold_for_recall(y_true, y_score, target: float) -> dict[str, float]:
    """The threshold that reaches recall ``target`` with the fewest false positives, and what it costs.

    Predictions are ``y_score >= threshold``, as in scikit-learn's ``precision_recall_curve``; every
    distinct score is a candidate. Among the thresholds whose recall reaches ``target``, those with
    the fewest false positives are kept, and of them the *lowest* is returned: it finds the most
    positives for the same false alarms (the highest qualifying threshold can give up positives for
    nothing when several share the fewest false positives). Returns ``{"threshold", "recall",
    "precision", "false_positives"}``. Taught in chapter 10 (choosing a threshold for a goal).
    """
    target = _checks.real_number(target, "target")
    if not 0 < target <= 1:
        raise ValueError(f"target recall must be in (0, 1], got {target}")
    y_true, y_score, _ = _binary_inputs(y_true, y_score)
    if y_true.sum() == 0:
        raise ValueError("y_true has no positives: recall is undefined")
    thresholds = np.unique(y_score)  # ascending
    # counts of positives and negatives scoring >= each threshold
    pos = np.sort(y_score[y_true == 1])
    neg = np.sort(y_score[y_true == 0])
    tp = len(pos) - np.searchsorted(pos, thresholds, side="left")
    fp = len(neg) - np.searchsorted(neg, thresholds, side="left")
    recall = tp / len(pos)
    ok = np.flatnonzero(recall >= target)  # never empty: the lowest score gives recall 1
    fewest = fp[ok].min()
    best = ok[fp[ok] == fewest][0]  # the lowest of the thresholds with the fewest false positives
    return {"threshold": float(thresholds[best]), "recall": float(recall[best]),
            "precision": float(tp[best] / (tp[best] + fp[best])), "false_positives": int(fp[best])}


def plot_confusion_matrix(
    y_true,
    y_pred,
    class_names: Sequence[str] | None = None,
    *,
    normalize: str | None = None,
    title: str = "Confusion matrix",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw the confusion matrix as an annotated heatmap (rows: true class, columns: predicted class).

    ``normalize`` is passed to ``sklearn.metrics.confusion_matrix`` (``"true"`` gives per-class recall
    on the diagonal). Used in chapters 2, 3, 10 and 11.
    """
    import seaborn as sns

    if class_names is not None:
        if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
            raise TypeError(f"class_names must be a list of names, one per class, got {class_names!r}")
        names = [str(c) for c in class_names]
        if not names:
            raise ValueError("class_names is empty: pass one name per class, or None")
        y_true = _checks.integer_labels(y_true, "y_true")
        y_pred = _checks.integer_labels(y_pred, "y_pred")
    else:
        y_true, y_pred = _checks.array(y_true, "y_true"), _checks.array(y_pred, "y_pred")
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length, got {y_true.shape} and {y_pred.shape}")
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty: nothing to count")
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    if class_names is not None:
        for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
            bad = (arr < 0) | (arr >= len(names))
            if bad.any():
                raise ValueError(
                    f"{name} has labels {np.unique(arr[bad])[:5].tolist()} outside 0..{len(names) - 1}, "
                    f"the indices of the {len(names)} class_names; labels must be 0-based indices "
                    "into class_names (subtract 1 from 1-based labels), or pass class_names=None")
        labels = np.arange(len(names))
    else:
        labels = np.unique(np.r_[y_true, y_pred])
        names = [str(v) for v in labels]
    counts = skm.confusion_matrix(y_true, y_pred, labels=labels)
    if normalize is None:
        cm = counts
    else:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        totals = counts.sum(axis=axis, keepdims=axis is not None)
        with np.errstate(invalid="ignore", divide="ignore"):
            cm = counts / totals
        if np.any(totals == 0):
            import warnings

            warnings.warn(f"plot_confusion_matrix: normalize={normalize!r} is undefined for a "
                          f"{'row' if axis == 1 else 'column'} without samples; shown as NaN (blank)",
                          RuntimeWarning, stacklevel=2)
    if ax is None:
        size = min(max(3.5, 0.55 * len(names) + 1.5), 7.0)  # at most 8 in wide: the column
        _, ax = plt.subplots(figsize=(size + 1, size))
    # Numbers at least 9 pt at the page column's width: larger when there are few cells
    annot_size = 11 if len(names) <= 4 else 10 if len(names) <= 6 else 9
    sns.heatmap(cm, annot=True, fmt=".2f" if normalize else "d", cmap="Blues", cbar=False,
                xticklabels=names, yticklabels=names, ax=ax, annot_kws={"fontsize": annot_size})
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return ax


def plot_roc_pr(
    y_true,
    scores: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
) -> plt.Figure:
    """ROC curve (with AUC) and precision-recall curve (with AP) of one or more models, side by side.

    ``scores`` maps a model's name to its scores for class 1 on the same ``y_true``. Taught in chapter 10.
    """
    if not isinstance(scores, Mapping):
        raise TypeError(f"scores must be a dict {{name: y_score}}, got {type(scores).__name__}")
    if not scores:
        raise ValueError("scores is empty: pass {name: y_score}")
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(8, 4.2 + 0.2 * len(scores)))
    for name, y_score in scores.items():
        y, s, _ = _binary_inputs(y_true, y_score)
        fpr, tpr, _ = skm.roc_curve(y, s)
        precision, recall, _ = skm.precision_recall_curve(y, s)
        roc_ax.plot(fpr, tpr, label=f"{name} (AUC {skm.roc_auc_score(y, s):.3f})")
        pr_ax.step(recall, precision, where="post", label=f"{name} (AP {skm.average_precision_score(y, s):.3f})")
    y = np.asarray(y_true)
    roc_ax.plot([0, 1], [0, 1], "k:", label="chance")
    pr_ax.axhline(y.mean(), color="k", linestyle=":", label=f"chance (positive rate {y.mean():.2f})")
    roc_ax.set(xlabel="false positive rate (1 - specificity)", ylabel="true positive rate (recall)",
               title="ROC curve", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall curve",
              xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
        # Below the axes: inside, a legend would cover a curve or the chance line.
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
