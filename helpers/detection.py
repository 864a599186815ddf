"""Object detection from scratch: boxes, IoU, NMS, matching, precision-recall, AP and COCO evaluation.

Everything here is plain NumPy, vectorised over boxes. Boxes are ``(N, 4)`` float arrays in one of two
formats: ``"xyxy"`` (corners ``x1, y1, x2, y2``) or ``"xywh"`` (COCO's ``x, y, width, height``, the top-left
corner and the size). Pixel coordinates are continuous, so a box's area is ``width * height`` (no "+1").

:func:`coco_evaluate` reproduces pycocotools' ``COCOeval`` for boxes (AP averaged over IoU 0.50:0.95, AP50,
AP75, AP for small / medium / large objects, AR, per-class AP), including its handling of crowd regions.
The YOLOX-Nano pre- and post-processing (:func:`yolox_preprocess`, :func:`yolox_postprocess`) live here too.

Taught in chapter 13 (object detection and its metrics).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np

from helpers import _checks

IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1)
"""COCO's ten IoU thresholds 0.50, 0.55, ..., 0.95 (computed exactly as pycocotools does)."""

RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1)
"""COCO's 101 recall levels 0.00, 0.01, ..., 1.00 at which precision is sampled."""

AREA_RANGES = {"all": (0.0, 1e5**2), "small": (0.0, 32.0**2), "medium": (32.0**2, 96.0**2),
               "large": (96.0**2, 1e5**2)}
"""COCO's object-size ranges in square pixels (inclusive at both ends, as in pycocotools)."""

MAX_DETS = (1, 10, 100)
"""COCO's limits on detections per image and class used for AR (AP uses the last, 100)."""

_FORMATS = ("xyxy", "xywh")


# --------------------------------------------------------------------------------------------- boxes
def check_boxes(boxes: np.ndarray | Sequence, fmt: str = "xyxy", name: str = "boxes") -> np.ndarray:
    """Return ``boxes`` as a float64 ``(N, 4)`` array, or raise ``ValueError`` saying what is wrong.

    Accepts an empty list (gives shape ``(0, 4)``). Rejects other shapes, NaN or infinite values,
    ``x2 < x1`` or ``y2 < y1`` in ``"xyxy"``, and negative width or height in ``"xywh"``.
    """
    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be one of {_FORMATS}, got {fmt!r}")
    arr = _checks.numeric(boxes, name, finite=False).astype(np.float64)
    if arr.size == 0 and arr.ndim <= 2 and (arr.ndim < 2 or arr.shape[-1] in (0, 4)):
        arr = arr.reshape(0, 4)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if fmt == "xyxy":
        bad = np.flatnonzero((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1]))
        if bad.size:
            raise ValueError(f"{name} in xyxy format need x2 >= x1 and y2 >= y1; box {bad[0]} is "
                             f"{arr[bad[0]].tolist()} (did you pass xywh boxes?)")
    else:
        bad = np.flatnonzero((arr[:, 2] < 0) | (arr[:, 3] < 0))
        if bad.size:
            raise ValueError(f"{name} in xywh format need width >= 0 and height >= 0; box {bad[0]} is "
                             f"{arr[bad[0]].tolist()}")
    return arr


def xywh_to_xyxy(boxes: np.ndarray | Sequence) -> np.ndarray:
    """COCO ``(x, y, w, h)`` boxes to corner ``(x1, y1, x2, y2)`` boxes."""
    b = check_boxes(boxes, "xywh")
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def xyxy_to_xywh(boxes: np.ndarray | Sequence) -> np.ndarray:
    """Corner ``(x1, y1, x2, y2)`` boxes to COCO ``(x, y, w, h)`` boxes."""
    b = check_boxes(boxes, "xyxy")
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)


def box_area(boxes: np.ndarray | Sequence, fmt: str = "xyxy") -> np.ndarray:
    """Areas of ``(N, 4)`` boxes, shape ``(N,)``."""
    b = check_boxes(boxes, fmt)
    if fmt == "xywh":
        return b[:, 2] * b[:, 3]
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(a: np.ndarray | Sequence, b: np.ndarray | Sequence, fmt: str = "xyxy",
            crowd: np.ndarray | Sequence | None = None) -> np.ndarray:
    """Intersection over union of every box in ``a`` (N) with every box in ``b`` (M): shape ``(N, M)``.

    IoU = area(a ∩ b) / area(a ∪ b), 0 when the boxes do not overlap (or both are empty).
    ``crowd`` (M booleans) marks boxes of ``b`` that are COCO crowd regions: for them the score is
    area(a ∩ b) / area(a), the fraction of ``a`` inside the region, as in pycocotools.
    The arithmetic follows pycocotools' C code so that results agree to the last bit.
    """
    a, b = check_boxes(a, fmt, "a"), check_boxes(b, fmt, "b")
    if fmt == "xywh":
        a_area, b_area = a[:, 2] * a[:, 3], b[:, 2] * b[:, 3]
        ax1, ay1, ax2, ay2 = a[:, 0], a[:, 1], a[:, 2] + a[:, 0], a[:, 3] + a[:, 1]
        bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 2] + b[:, 0], b[:, 3] + b[:, 1]
    else:
        a_area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        b_area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        ax1, ay1, ax2, ay2 = a.T
        bx1, by1, bx2, by2 = b.T
    w = np.minimum(ax2[:, None], bx2[None, :]) - np.maximum(ax1[:, None], bx1[None, :])
    h = np.minimum(ay2[:, None], by2[None, :]) - np.maximum(ay1[:, None], by1[None, :])
    overlap = (w > 0) & (h > 0)
    inter = np.where(overlap, w * h, 0.0)
    union = a_area[:, None] + b_area[None, :] - inter
    if crowd is not None:
        crowd = _flags(crowd, len(b), "crowd")
        if crowd.shape != (len(b),):
            raise ValueError(f"crowd must have one flag per box of b ({len(b)}), got shape {crowd.shape}")
        union = np.where(crowd[None, :], a_area[:, None], union)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(overlap, inter / np.where(overlap, union, 1.0), 0.0)


def _flags(values, n: int, name: str) -> np.ndarray:
    """One boolean per box: bools, or integers / floats that are 0 or 1 (COCO's iscrowd)."""
    arr = _checks.numeric(values, name).reshape(-1) if np.ndim(values) <= 1 else None
    if arr is None or arr.shape != (n,):
        raise ValueError(f"{name} must have one flag per box ({n},), got shape {np.shape(values)}")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must hold booleans (or 0 / 1), got values {np.unique(arr)[:5].tolist()}")
    return arr.astype(bool)


def _check_scores(scores: np.ndarray | Sequence, n: int, name: str = "scores") -> np.ndarray:
    raw = _checks.numeric(scores, name, finite=False)
    s = raw.astype(np.float64).reshape(-1) if raw.size else np.zeros(0)
    if raw.ndim > 1 or s.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the boxes, got {np.shape(scores)}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return s


def nms(boxes: np.ndarray | Sequence, scores: np.ndarray | Sequence, iou_threshold: float = 0.5,
        max_output: int | None = None, score_threshold: float = -np.inf) -> np.ndarray:
    """Greedy non-maximum suppression; returns the indices of the kept boxes, best score first.

    Repeatedly keep the highest-scoring remaining box and drop every remaining box whose IoU with it
    is greater than ``iou_threshold``. Boxes with ``score <= score_threshold`` are dropped first; equal
    scores keep the lower index first. Same rules as ``tf.image.non_max_suppression``.
    """
    b = check_boxes(boxes, "xyxy")
    s = _check_scores(scores, len(b))
    iou_threshold = _checks.real_number(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    score_threshold = _checks.real_number(score_threshold, "score_threshold", allow_inf=True)
    limit = len(b) if max_output is None else _checks.whole_number(max_output, "max_output")
    order = np.argsort(-s, kind="stable")
    order = order[s[order] > score_threshold]
    if order.size == 0 or limit == 0:
        return np.zeros(0, dtype=np.int64)
    keep = []
    while order.size and len(keep) < limit:
        best, order = order[0], order[1:]
        keep.append(best)
        order = order[box_iou(b[best:best + 1], b[order])[0] <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: np.ndarray | Sequence, scores: np.ndarray | Sequence, classes: np.ndarray | Sequence,
                iou_threshold: float = 0.5) -> np.ndarray:
    """NMS run separately for each class (boxes of different classes never suppress each other).

    Returns the kept indices sorted by score, best first (ties: lower index first).
    """
    b = check_boxes(boxes, "xyxy")
    s = _check_scores(scores, len(b))
    c = _checks.array(classes, "classes")
    if c.ndim != 1 and not (c.ndim == 0 and len(b) == 0) or c.reshape(-1).shape != (len(b),):
        raise ValueError(f"classes must have shape ({len(b)},), got {np.shape(classes)}")
    c = c.reshape(-1)
    if c.shape != (len(b),):
        raise ValueError(f"classes must have shape ({len(b)},), got {np.shape(classes)}")
    keep = [np.flatnonzero(c == k)[nms(b[c == k], s[c == k], iou_threshold)] for k in np.unique(c)]
    keep = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return keep[np.lexsort((keep, -s[keep]))].astype(np.int64)


# ------------------------------------------------------------------------------------------ matching
def _match(ious: np.ndarray, thresholds: np.ndarray, gt_ignore: np.ndarray,
           gt_crowd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """COCO's greedy matching for detections already sorted best first.

    ``ious`` (D, G); ``thresholds`` (T,); ``gt_ignore`` (..., G) booleans, leading axes broadcast
    (one row per area range). Returns ``dt_match`` (..., T, D) with the matched gt index or -1, and
    ``dt_on_ignored`` (..., T, D). A detection takes the unmatched gt with the highest IoU >= the
    threshold, preferring gts that are not ignored; crowd gts can be matched any number of times;
    among equal IoUs the later gt wins (pycocotools' loop order).
    """
    gt_ignore = np.asarray(gt_ignore, dtype=bool)
    lead = gt_ignore.shape[:-1]
    D, G = ious.shape
    T = len(thresholds)
    dt_match = np.full(lead + (T, D), -1, dtype=np.int64)
    dt_ign = np.zeros(lead + (T, D), dtype=bool)
    if D == 0 or G == 0:
        return dt_match, dt_ign
    thr = np.minimum(thresholds, 1 - 1e-10)[:, None]                    # (T, 1)
    ign = np.broadcast_to(gt_ignore[..., None, :], lead + (T, G))        # (..., T, G)
    taken = np.zeros(lead + (T, G), dtype=bool)
    rev = np.arange(G)[::-1]
    for d in range(D):
        ok = ~taken & (ious[d][None, :] >= thr)                           # (..., T, G)
        best = None
        for group in (ok & ~ign, ok & ign):                               # regular gts first
            score = np.where(group, ious[d], -1.0)[..., rev]
            j = G - 1 - np.argmax(score, axis=-1)                         # last index of the maximum
            found = np.take_along_axis(group, j[..., None], -1)[..., 0]
            if best is None:
                best, best_found = j, found
            else:
                best = np.where(best_found, best, j)
                best_found = best_found | found
        dt_match[..., d] = np.where(best_found, best, -1)
        hit_ign = np.take_along_axis(ign, best[..., None], -1)[..., 0]
        dt_ign[..., d] = best_found & hit_ign
        mark = best_found & ~gt_crowd[best]
        idx = np.nonzero(mark)
        taken[idx + (best[idx],)] = True
    return dt_match, dt_ign


def match_detections(det_boxes: np.ndarray | Sequence, det_scores: np.ndarray | Sequence,
                     gt_boxes: np.ndarray | Sequence, iou_threshold: float = 0.5, fmt: str = "xyxy",
                     gt_crowd: np.ndarray | Sequence | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Match one image's detections of one class to its ground-truth boxes, greedily by score.

    Returns ``(matched_gt, iou)``, both ``(D,)`` in the detections' original order: the index of the
    ground-truth box each detection was matched to (-1 for a false positive) and its best IoU with
    any ground-truth box. Detections are taken best score first; each takes the still unmatched
    box with the highest IoU >= ``iou_threshold``. Crowd boxes (``gt_crowd``) can absorb many
    detections; a detection matched to one is neither a true nor a false positive (COCO's rule).
    """
    d = check_boxes(det_boxes, fmt, "det_boxes")
    g = check_boxes(gt_boxes, fmt, "gt_boxes")
    s = _check_scores(det_scores, len(d), "det_scores")
    iou_threshold = _checks.real_number(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    crowd = np.zeros(len(g), bool) if gt_crowd is None else _flags(gt_crowd, len(g), "gt_crowd")
    if crowd.shape != (len(g),):
        raise ValueError(f"gt_crowd must have shape ({len(g)},), got {crowd.shape}")
    order = np.argsort(-s, kind="mergesort")
    ious = box_iou(d[order], g, fmt, crowd)
    m, _ = _match(ious, np.array([iou_threshold]), crowd, crowd)
    matched = np.full(len(d), -1, dtype=np.int64)
    matched[order] = m[0]
    best = np.zeros(len(d)) if len(g) == 0 else box_iou(d, g, fmt, crowd).max(axis=1)
    return matched, best


# ------------------------------------------------------------------------------ precision and recall
def precision_recall_curve(scores: np.ndarray | Sequence, is_tp: np.ndarray | Sequence,
                           n_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, taking detections from the highest score down.

    ``is_tp`` marks true positives (the others are false positives): booleans, or 0 / 1. It is *not*
    :func:`match_detections`' ``matched`` array (-1 or a ground-truth index): pass ``matched >= 0``.
    ``n_gt`` is the number of ground-truth objects, at least the number of true positives. Equal
    scores keep their given order (a stable sort, as COCO does).
    """
    raw = _checks.numeric(is_tp, "is_tp", ndim=1)
    if raw.dtype != bool and not np.isin(raw, (0, 1)).all():
        hint = (" (this looks like match_detections' matched array: pass matched >= 0)"
                if np.issubdtype(raw.dtype, np.integer) and raw.min() >= -1 else "")
        raise ValueError(f"is_tp must hold booleans or 0 / 1, got values {np.unique(raw)[:5].tolist()}{hint}")
    tp = raw.astype(bool)
    s = _check_scores(scores, len(tp))
    n_gt = _checks.whole_number(n_gt, "n_gt")
    if n_gt <= 0:
        raise ValueError(f"n_gt must be positive (recall is undefined without ground truth), got {n_gt}")
    if tp.sum() > n_gt:
        raise ValueError(f"is_tp marks {int(tp.sum())} true positives but n_gt is {n_gt}: each true "
                         "positive matches its own ground-truth object, so n_gt must be at least that")
    order = np.argsort(-s, kind="mergesort")
    tps = np.cumsum(tp[order]).astype(np.float64)
    fps = np.cumsum(~tp[order]).astype(np.float64)
    recall = tps / n_gt
    precision = tps / (tps + fps + np.spacing(1))
    return recall, precision


def average_precision(recall: np.ndarray | Sequence, precision: np.ndarray | Sequence,
                      method: str = "coco101") -> float:
    """Area under a precision-recall curve, with one of three interpolations.

    - ``"voc11"``: Pascal VOC 2007, the mean over recall 0, 0.1, ..., 1 of the best precision at
      that recall or higher;
    - ``"all"``: Pascal VOC 2010+, the exact area under the monotone (interpolated) curve;
    - ``"coco101"``: COCO, the interpolated precision sampled at recall 0, 0.01, ..., 1.
    ``recall`` must be non-decreasing (as :func:`precision_recall_curve` returns it).
    """
    r = _checks.numeric(recall, "recall", ndim=1).astype(np.float64)
    p = _checks.numeric(precision, "precision", ndim=1).astype(np.float64)
    for name, arr in (("recall", r), ("precision", p)):
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"{name} must lie in [0, 1], got values from {arr.min()} to {arr.max()} "
                             "(recall = TP / n_gt, precision = TP / detections)")
    if r.shape != p.shape:
        raise ValueError(f"recall and precision must have the same length, got {r.shape} and {p.shape}")
    if np.any(np.diff(r) < 0):
        raise ValueError("recall must be non-decreasing (sort detections by score first)")
    if method not in ("voc11", "all", "coco101"):
        raise ValueError(f"method must be 'voc11', 'all' or 'coco101', got {method!r}")
    if r.size == 0:
        return 0.0
    envelope = np.maximum.accumulate(p[::-1])[::-1]          # best precision at this recall or beyond
    if method == "voc11":
        levels = np.linspace(0, 1, 11)
        idx = np.searchsorted(r, levels, side="left")
        return float(np.mean(np.where(idx < len(r), envelope[np.minimum(idx, len(r) - 1)], 0.0)))
    if method == "coco101":
        idx = np.searchsorted(r, RECALL_THRESHOLDS, side="left")
        return float(np.mean(np.where(idx < len(r), envelope[np.minimum(idx, len(r) - 1)], 0.0)))
    steps = np.diff(np.concatenate([[0.0], r]))
    return float(np.sum(steps * envelope))


# ---------------------------------------------------------------------------------- COCO evaluation
def _group(records: Iterable[Mapping], kind: str) -> dict:
    out: dict = {}
    for i, rec in enumerate(records):
        for key in ("image_id", "category_id", "bbox") + (("score",) if kind == "detections" else ()):
            if key not in rec:
                raise ValueError(f"{kind}[{i}] has no {key!r} field")
        out.setdefault((rec["image_id"], rec["category_id"]), []).append(rec)
    return out


def coco_evaluate(gt: Mapping, detections: Sequence[Mapping], category_ids: Sequence[int] | None = None,
                  image_ids: Sequence[int] | None = None, max_dets: Sequence[int] = MAX_DETS) -> dict:
    """COCO box evaluation, equal to pycocotools' ``COCOeval`` (``iouType="bbox"``).

    ``gt`` is a COCO annotation dict (``images``, ``annotations`` with ``bbox`` in xywh, ``area`` and
    ``iscrowd``, ``categories``); ``detections`` a list of ``{"image_id", "category_id", "bbox",
    "score"}`` in xywh, like a COCO result file. By default every image and category of ``gt`` is
    evaluated. Rules, as in COCO: at most ``max_dets[-1]`` detections per image and class, best score
    first; a detection matched to a crowd region is ignored (neither TP nor FP), and a crowd region
    can be matched many times; size ranges use the ground truth's ``area`` field and the detection's
    box area; classes without ground truth do not count in the mean.

    Returns a dict with ``AP``, ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl``, ``AR1``, ``AR10``,
    ``AR100``, ``ARs``, ``ARm``, ``ARl`` (-1 where undefined, like COCO), ``per_class_AP`` (category id
    -> AP, NaN without ground truth) and the arrays ``precision`` (T, R, K, A, M) and ``recall``
    (T, K, A, M) with the same layout as ``COCOeval.eval``.
    """
    if not isinstance(gt, Mapping) and isinstance(getattr(gt, "dataset", None), Mapping):
        gt = gt.dataset  # a pycocotools COCO object: its annotation dict
    if not isinstance(gt, Mapping):
        raise TypeError(f"gt must be a COCO annotation dict (json.load of instances_*.json) or a "
                        f"pycocotools COCO object, got {type(gt).__name__}")
    if "annotations" not in gt or "images" not in gt:
        raise ValueError("gt must be a COCO dict with 'images' and 'annotations'")
    if isinstance(detections, (str, bytes, Mapping)) or not hasattr(detections, "__iter__"):
        raise TypeError(f"detections must be a list of dicts {{image_id, category_id, bbox, score}}, "
                        f"got {type(detections).__name__} (for a pycocotools result, pass its "
                        "dataset['annotations'])")
    detections = list(detections)
    for i, rec in enumerate(detections):
        if not isinstance(rec, Mapping):
            raise TypeError(f"detections[{i}] must be a dict {{image_id, category_id, bbox, score}}, "
                            f"got {type(rec).__name__}")
    for i, ann in enumerate(gt["annotations"]):
        if "area" not in ann:
            raise ValueError(f"annotations[{i}] (id {ann.get('id')}) has no 'area' field: COCO's size "
                             "ranges use the ground truth's area (the mask area); for boxes only, set "
                             "ann['area'] = w * h from its bbox")
    img_ids = sorted({im["id"] for im in gt["images"]}) if image_ids is None else sorted(set(image_ids))
    if category_ids is None:
        category_ids = [c["id"] for c in gt.get("categories", [])] or \
            sorted({a["category_id"] for a in gt["annotations"]})
    cat_ids = sorted(set(category_ids))
    known = {im["id"] for im in gt["images"]}
    unknown = {d.get("image_id") for d in detections} - known
    if unknown:
        raise ValueError(f"detections refer to images not in gt: {sorted(unknown)[:5]}")
    if isinstance(max_dets, (int, np.integer)) or not hasattr(max_dets, "__iter__"):
        raise TypeError(f"max_dets must be a sequence such as (1, 10, 100), got {max_dets!r}")
    max_dets = sorted(_checks.whole_number(m, "max_dets entry", minimum=1) for m in max_dets)
    if not max_dets or len(set(max_dets)) != len(max_dets):
        raise ValueError(f"max_dets must be distinct positive limits such as (1, 10, 100), got {max_dets}")
    gts = _group(gt["annotations"], "annotations")
    dts = _group(detections, "detections")
    T, R, K, A, M = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(cat_ids), len(AREA_RANGES), len(max_dets)
    ranges = np.array(list(AREA_RANGES.values()))                      # (A, 2)
    precision = -np.ones((T, R, K, A, M))
    recall = -np.ones((T, K, A, M))
    max_det = max_dets[-1]
    for k, cat in enumerate(cat_ids):
        per_image = []
        for img in img_ids:
            g, d = gts.get((img, cat), []), dts.get((img, cat), [])
            if not g and not d:
                continue
            g_box = check_boxes([a["bbox"] for a in g], "xywh", "gt bbox")
            d_box = check_boxes([a["bbox"] for a in d], "xywh", "detection bbox")
            d_score = _check_scores([a["score"] for a in d], len(d), "detection scores")
            crowd = np.array([bool(a.get("iscrowd", 0)) for a in g], dtype=bool)
            g_area = np.array([a["area"] for a in g], dtype=np.float64) if g else np.zeros(0)
            order = np.argsort(-d_score, kind="mergesort")[:max_det]
            d_box, d_score = d_box[order], d_score[order]
            d_area = d_box[:, 2] * d_box[:, 3]
            g_ign = crowd[None, :] | (g_area[None, :] < ranges[:, :1]) | (g_area[None, :] > ranges[:, 1:])
            ious = box_iou(d_box, g_box, "xywh", crowd)
            match, on_ign = _match(ious, IOU_THRESHOLDS, g_ign, crowd)   # (A, T, D)
            d_out = (d_area[None, :] < ranges[:, :1]) | (d_area[None, :] > ranges[:, 1:])  # (A, D)
            d_ign = on_ign | ((match < 0) & d_out[:, None, :])
            per_image.append((d_score, match >= 0, d_ign, g_ign))
        if not per_image:
            continue
        for a in range(A):
            n_pos = sum(int(np.count_nonzero(~gi[a])) for _, _, _, gi in per_image)
            if n_pos == 0:
                continue
            for m, md in enumerate(max_dets):
                scores = np.concatenate([s[:md] for s, _, _, _ in per_image])
                matched = np.concatenate([mt[a, :, :md] for _, mt, _, _ in per_image], axis=1)
                ignored = np.concatenate([di[a, :, :md] for _, _, di, _ in per_image], axis=1)
                order = np.argsort(-scores, kind="mergesort")
                matched, ignored = matched[:, order], ignored[:, order]
                tps = np.cumsum(matched & ~ignored, axis=1).astype(np.float64)
                fps = np.cumsum(~matched & ~ignored, axis=1).astype(np.float64)
                for t in range(T):
                    tp, fp = tps[t], fps[t]
                    nd = len(tp)
                    rc = tp / n_pos
                    pr = tp / (fp + tp + np.spacing(1))
                    recall[t, k, a, m] = rc[-1] if nd else 0.0
                    q = np.zeros(R)
                    if nd:
                        env = np.maximum.accumulate(pr[::-1])[::-1]
                        idx = np.searchsorted(rc, RECALL_THRESHOLDS, side="left")
                        valid = idx < nd
                        q[valid] = env[idx[valid]]
                    precision[t, :, k, a, m] = q

    def summary(ap: bool, iou: float | None = None, area: str = "all", md: int = 100) -> float:
        a = list(AREA_RANGES).index(area)
        if md not in max_dets:
            return -1.0
        m = max_dets.index(md)
        s = precision[:, :, :, a, m] if ap else recall[:, :, a, m]
        if iou is not None:
            s = s[np.where(iou == IOU_THRESHOLDS)[0]]
        s = s[s > -1]
        return float(np.mean(s)) if s.size else -1.0

    top = max_dets[-1]
    stats = {
        "AP": summary(True, md=top), "AP50": summary(True, 0.5, md=top), "AP75": summary(True, 0.75, md=top),
        "APs": summary(True, area="small", md=top), "APm": summary(True, area="medium", md=top),
        "APl": summary(True, area="large", md=top),
        "AR1": summary(False, md=max_dets[0]), "AR10": summary(False, md=max_dets[1] if M > 1 else -1),
        "AR100": summary(False, md=top),
        "ARs": summary(False, area="small", md=top), "ARm": summary(False, area="medium", md=top),
        "ARl": summary(False, area="large", md=top),
    }
    per_class = {}
    for k, cat in enumerate(cat_ids):
        s = precision[:, :, k, 0, -1]
        per_class[cat] = float(np.mean(s[s > -1])) if np.any(s > -1) else float("nan")
    stats.update(per_class_AP=per_class, precision=precision, recall=recall, category_ids=cat_ids)
    return stats


# ------------------------------------------------------------------------------------------- YOLOX
YOLOX_STRIDES = (8, 16, 32)
"""The three output strides of YOLOX's detection heads."""


def letterbox(image: np.ndarray, size: int = 416, pad_value: int = 114) -> tuple[np.ndarray, float]:
    """Resize ``image`` (H, W, C uint8) by r = min(size/H, size/W) and paste it top-left on a size×size canvas.

    The resize is bilinear with pixel centres at half-integers (like OpenCV's ``INTER_LINEAR``), and the
    rest of the canvas is ``pad_value``. Returns ``(canvas uint8, r)``; divide model boxes by r to get
    back to the original image.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be an (H, W, C) uint8 array, got shape {img.shape} and dtype {img.dtype}")
    h, w = img.shape[:2]
    size = _checks.whole_number(size, "size", minimum=1)
    pad_value = _checks.whole_number(pad_value, "pad_value")
    if pad_value > 255:
        raise ValueError(f"pad_value must be a uint8 grey level 0..255, got {pad_value}")
    if size <= 0 or h == 0 or w == 0:
        raise ValueError(f"need a positive size and a non-empty image, got size={size}, image {img.shape}")
    r = min(size / h, size / w)
    nh, nw = int(h * r), int(w * r)

    def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        src = np.clip(src, 0, n_in - 1)
        lo = np.floor(src).astype(np.int64)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    y0, y1, fy = axis(nh, h)
    x0, x1, fx = axis(nw, w)
    f = img.astype(np.float32)
    top = f[y0][:, x0] * (1 - fx)[None, :, None] + f[y0][:, x1] * fx[None, :, None]
    bot = f[y1][:, x0] * (1 - fx)[None, :, None] + f[y1][:, x1] * fx[None, :, None]
    resized = top * (1 - fy)[:, None, None] + bot * fy[:, None, None]
    canvas = np.full((size, size, img.shape[2]), pad_value, dtype=np.uint8)
    canvas[:nh, :nw] = np.clip(np.rint(resized), 0, 255).astype(np.uint8)
    return canvas, r


def yolox_preprocess(image_rgb: np.ndarray, size: int = 416) -> tuple[np.ndarray, float]:
    """YOLOX's input: BGR channel order, values 0-255 (no scaling), letterboxed top-left, pad 114.

    Returns ``(blob (1, 3, size, size) float32, r)``.
    """
    canvas, r = letterbox(np.asarray(image_rgb)[..., ::-1], size, 114)
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None].astype(np.float32)), r


def yolox_decode(raw: np.ndarray, size: int = 416, strides: Sequence[int] = YOLOX_STRIDES) -> np.ndarray:
    """Turn YOLOX's raw output (N, 4 + 1 + C) into (cx, cy, w, h) in input pixels, plus its scores.

    Anchor-free decoding: one prediction per grid cell of each stride s, centre = (t + cell) · s,
    size = exp(t) · s. The objectness and class columns are passed through unchanged.
    """
    out = _checks.numeric(raw, "raw", finite=False).astype(np.float64)
    size = _checks.whole_number(size, "size", minimum=1)
    strides = [_checks.whole_number(st, "stride", minimum=1) for st in strides]
    if any(size % st for st in strides):
        raise ValueError(f"size {size} must be a multiple of every stride {strides}")
    cells = [(size // s) ** 2 for s in strides]
    if out.ndim != 2 or out.shape[0] != sum(cells) or out.shape[1] < 6:
        raise ValueError(f"raw must have shape ({sum(cells)}, 5 + classes) for a {size} px input, got {out.shape}")
    grids, steps = [], []
    for s in strides:
        n = size // s
        yv, xv = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack([xv, yv], -1).reshape(-1, 2))
        steps.append(np.full((n * n, 1), s))
    grid, stride = np.concatenate(grids), np.concatenate(steps)
    decoded = out.copy()
    decoded[:, :2] = (out[:, :2] + grid) * stride
    decoded[:, 2:4] = np.exp(out[:, 2:4]) * stride
    return decoded


def yolox_postprocess(raw: np.ndarray, r: float, size: int = 416, score_threshold: float = 0.001,
                      iou_threshold: float = 0.65, max_dets: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode YOLOX's output for one image and reduce it to final detections.

    Score = objectness × class probability, for every box and every class (a box can be reported for
    two classes); keep score >= ``score_threshold``; NMS per class at ``iou_threshold``; at most
    ``max_dets`` per image, best first. Returns ``(boxes xyxy in original pixels (N, 4), scores (N,),
    class indices 0-79 (N,))``.
    """
    raw = _checks.numeric(raw, "raw", finite=False)
    if raw.ndim == 3 and raw.shape[0] == 1:
        raw = raw[0]
    r = _checks.real_number(r, "r", low=0.0, low_open=True)
    score_threshold = _checks.real_number(score_threshold, "score_threshold")
    iou_threshold = _checks.real_number(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    max_dets = _checks.whole_number(max_dets, "max_dets")
    dec = yolox_decode(raw, size)
    scores = dec[:, 4:5] * dec[:, 5:]
    box_idx, cls = np.nonzero(scores >= score_threshold)
    score = scores[box_idx, cls]
    cxcywh = dec[box_idx, :4]
    boxes = np.concatenate([cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2], axis=1) / r
    kept = batched_nms(boxes, score, cls, iou_threshold)[:max_dets]
    return boxes[kept], score[kept], cls[kept]
