"""Semantic segmentation: per-pixel metrics, COCO masks and label maps, in plain NumPy.

A *label map* is an integer array of class indices, one per pixel: ``(H, W)`` for one image or
``(N, H, W)`` for a batch, with classes ``0 .. num_classes - 1``. Every metric here starts from the
per-pixel :func:`confusion_matrix` (rows = true class, columns = predicted class, as in scikit-learn),
and reads pixel accuracy, per-class IoU, mean IoU and Dice off it.

**A class absent from both the truth and the prediction** has IoU and Dice 0 / 0. This module returns
``NaN`` for it, and the means (:func:`mean_iou`, :func:`mean_dice`) average over the other classes only,
which is what ``keras.metrics.MeanIoU`` does. (scikit-learn instead returns its ``zero_division``
value, 0 by default, and would pull the mean down for a class that was never there to be found.) A class
present in only one of the two has a well-defined IoU of 0 and counts.

:func:`coco_label_map` paints a COCO image's instance annotations (polygons or RLE, decoded by
pycocotools) into a semantic label map, and :func:`colourise` draws a label map in colour. Otsu's threshold
and COCO's run-length encoding are built from scratch in the chapter to teach them; outside it, use
``skimage.filters.threshold_otsu`` and ``pycocotools.mask``.

Taught in chapter 14 (semantic segmentation with a U-Net).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from helpers import _checks


# ------------------------------------------------------------------------------------ input checks
def check_label_maps(
    y_true: np.ndarray | Sequence,
    y_pred: np.ndarray | Sequence,
    num_classes: int,
    *,
    ignore_index: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of label maps; return them flattened to 1-D int64, ignored pixels dropped.

    Raises ``ValueError`` when the shapes differ (with a hint when ``y_pred`` looks like per-class
    scores that still need an ``argmax``), when a value is not an integer, or when a label lies outside
    ``0 .. num_classes - 1`` (``ignore_index`` is allowed in ``y_true`` only, and those pixels are dropped).
    """
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    t = _checks.array(y_true, "y_true")
    p = _checks.array(y_pred, "y_pred")
    if ignore_index is not None:
        ignore_index = _checks.whole_number(ignore_index, "ignore_index", minimum=None)
    if t.shape != p.shape:
        hint = ""
        if p.ndim == t.ndim + 1 and p.shape[:-1] == t.shape:
            hint = (f" (y_pred looks like per-class scores with {p.shape[-1]} channels: "
                    "take y_pred.argmax(axis=-1) first)")
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}{hint}")
    arrays = []
    for name, arr in (("y_true", t), ("y_pred", p)):
        if arr.dtype == bool:
            arr = arr.astype(np.int64)
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)) \
                    or np.any(arr != np.round(arr)):
                raise ValueError(f"{name} must hold integer class indices, got dtype {arr.dtype} "
                                 "with non-integer values (threshold or argmax scores first)")
        arrays.append(arr.astype(np.int64).ravel())
    t, p = arrays
    if ignore_index is not None:
        keep = t != ignore_index
        t, p = t[keep], p[keep]
    for name, arr in (("y_true", t), ("y_pred", p)):
        bad = (arr < 0) | (arr >= num_classes)
        if bad.any():
            values = np.unique(arr[bad])[:5].tolist()
            raise ValueError(f"{name} has labels outside 0..{num_classes - 1}: {values} "
                             f"(num_classes={num_classes}; pass ignore_index for 'void' pixels)")
    return t, p


# ------------------------------------------------------------------------------- confusion matrix
def confusion_matrix(
    y_true: np.ndarray | Sequence,
    y_pred: np.ndarray | Sequence,
    num_classes: int,
    *,
    ignore_index: int | None = None,
) -> np.ndarray:
    """The per-pixel confusion matrix, ``(num_classes, num_classes)`` int64: ``cm[i, j]`` counts the
    pixels of true class ``i`` predicted as class ``j`` (scikit-learn's convention).

    Pixels whose true label equals ``ignore_index`` (e.g. 255, the "void" label of Pascal VOC) are left
    out. One ``np.bincount`` over ``true * C + pred`` does the counting.
    """
    t, p = check_label_maps(y_true, y_pred, num_classes, ignore_index=ignore_index)
    return np.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes, num_classes)


def _check_confusion(cm: np.ndarray | Sequence) -> np.ndarray:
    cm = _checks.numeric(cm, "the confusion matrix", finite=False)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"a confusion matrix must be square (C, C) with C >= 1, got shape {cm.shape}")
    if cm.dtype == bool:
        raise TypeError("a confusion matrix holds counts, got a boolean array")
    if np.issubdtype(cm.dtype, np.floating) and not np.all(np.isfinite(cm)):
        raise ValueError("the confusion matrix contains NaN or infinite entries; it must hold pixel counts")
    if np.any(cm < 0):
        raise ValueError("a confusion matrix holds counts, but it has negative entries")
    if np.issubdtype(cm.dtype, np.floating) and np.any(cm != np.round(cm)):
        raise ValueError("the confusion matrix holds fractions, not counts (a normalised matrix?); IoU "
                         "and Dice need the raw pixel counts: pass confusion_matrix(...) without "
                         "normalising it")
    return cm.astype(np.float64)


def iou_from_confusion(cm: np.ndarray | Sequence) -> np.ndarray:
    """Per-class IoU = TP / (TP + FP + FN) from a confusion matrix; ``NaN`` for a class absent from both
    truth and prediction (0 / 0)."""
    cm = _check_confusion(cm)
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)


def dice_from_confusion(cm: np.ndarray | Sequence) -> np.ndarray:
    """Per-class Dice = 2 TP / (2 TP + FP + FN) (the per-class F1 score) from a confusion matrix;
    ``NaN`` for a class absent from both truth and prediction."""
    cm = _check_confusion(cm)
    tp = np.diag(cm)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


# ------------------------------------------------------------------------------------ the metrics
def pixel_accuracy(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
                   ignore_index: int | None = None) -> float:
    """The fraction of (non-ignored) pixels whose predicted class is the true class."""
    cm = confusion_matrix(y_true, y_pred, num_classes, ignore_index=ignore_index)
    if cm.sum() == 0:
        raise ValueError("no pixels to score (empty input, or every pixel is ignore_index)")
    return float(np.trace(cm) / cm.sum())


def per_class_iou(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
                  ignore_index: int | None = None) -> np.ndarray:
    """IoU (Jaccard index) of every class over all pixels, shape ``(num_classes,)``; ``NaN`` for a class
    that occurs in neither ``y_true`` nor ``y_pred``."""
    return iou_from_confusion(confusion_matrix(y_true, y_pred, num_classes, ignore_index=ignore_index))


def mean_iou(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
             ignore_index: int | None = None) -> float:
    """Mean of the per-class IoUs over the classes that occur in ``y_true`` or ``y_pred`` (as
    ``keras.metrics.MeanIoU``); the IoUs are computed over all pixels of the batch at once."""
    iou = per_class_iou(y_true, y_pred, num_classes, ignore_index=ignore_index)
    if np.all(np.isnan(iou)):
        raise ValueError("no pixels to score (empty input, or every pixel is ignore_index)")
    return float(np.nanmean(iou))


def per_class_dice(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
                   ignore_index: int | None = None) -> np.ndarray:
    """Dice coefficient of every class over all pixels, shape ``(num_classes,)``; ``NaN`` for a class
    that occurs in neither ``y_true`` nor ``y_pred``. Dice = 2 IoU / (1 + IoU) class by class."""
    return dice_from_confusion(confusion_matrix(y_true, y_pred, num_classes, ignore_index=ignore_index))


def mean_dice(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
              ignore_index: int | None = None) -> float:
    """Mean of the per-class Dice coefficients over the classes that occur in ``y_true`` or ``y_pred``."""
    dice = per_class_dice(y_true, y_pred, num_classes, ignore_index=ignore_index)
    if np.all(np.isnan(dice)):
        raise ValueError("no pixels to score (empty input, or every pixel is ignore_index)")
    return float(np.nanmean(dice))


def segmentation_report(y_true: np.ndarray | Sequence, y_pred: np.ndarray | Sequence, num_classes: int, *,
                        ignore_index: int | None = None) -> dict[str, Any]:
    """All of the above from one confusion matrix: ``confusion``, ``pixel_accuracy``, ``per_class_iou``,
    ``mean_iou``, ``per_class_dice``, ``mean_dice``."""
    cm = confusion_matrix(y_true, y_pred, num_classes, ignore_index=ignore_index)
    if cm.sum() == 0:
        raise ValueError("no pixels to score (empty input, or every pixel is ignore_index)")
    iou, dice = iou_from_confusion(cm), dice_from_confusion(cm)
    return {"confusion": cm, "pixel_accuracy": float(np.trace(cm) / cm.sum()),
            "per_class_iou": iou, "mean_iou": float(np.nanmean(iou)),
            "per_class_dice": dice, "mean_dice": float(np.nanmean(dice))}


# ------------------------------------------------------------------------------- COCO label maps
def coco_label_map(coco: Any, image_id: int, *, crowd_label: int | None = None,
                   category_index: dict[int, int] | None = None) -> np.ndarray:
    """A semantic label map ``(H, W)`` int32 of one COCO image from its instance annotations.

    ``coco`` is a ``pycocotools.coco.COCO``; each annotation (polygons or RLE) becomes a mask with
    ``coco.annToMask``. Pixels hold the category id (or ``category_index[id]`` if given), 0 where no
    object is annotated. Larger objects are painted first, so a small object on top of a large one
    keeps its pixels. Crowd regions get ``crowd_label`` when it is given (e.g. 255 = "ignore"),
    otherwise their category like any other object.
    """
    if not all(hasattr(coco, a) for a in ("imgs", "loadAnns", "getAnnIds", "annToMask")):
        raise TypeError(f"coco must be a pycocotools COCO object, got {type(coco).__name__} {coco!r:.60}; "
                        "open the annotation file with pycocotools.coco.COCO(str(path)) first")
    if isinstance(image_id, (bool, np.bool_)) or not isinstance(image_id, (int, np.integer)):
        raise TypeError(f"image_id must be an integer COCO image id, got {image_id!r}")
    if image_id not in coco.imgs:
        raise ValueError(f"image {image_id} is not in the annotation file")
    height, width = coco.imgs[image_id]["height"], coco.imgs[image_id]["width"]
    label = np.zeros((height, width), dtype=np.int32)
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id], iscrowd=None))
    for ann in anns:
        if "area" not in ann:
            raise ValueError(f"annotation {ann.get('id')} of image {image_id} has no 'area' field, "
                             "which orders the painting (large objects first); add it (the mask area)")
    for ann in sorted(anns, key=lambda a: -a["area"]):
        if category_index is not None and ann["category_id"] not in category_index:
            raise ValueError(f"category {ann['category_id']} is missing from category_index")
        value = category_index[ann["category_id"]] if category_index is not None else ann["category_id"]
        if ann.get("iscrowd", 0) and crowd_label is not None:
            value = crowd_label
        label[coco.annToMask(ann) == 1] = value
    return label


def colourise(label_map: np.ndarray, palette: np.ndarray | Sequence) -> np.ndarray:
    """Turn an integer label map into an RGB uint8 image, ``palette[k]`` for class ``k``.

    ``palette`` is ``(K, 3)``: integers 0-255, or floats in [0, 1] (matplotlib colours, e.g.
    ``plt.get_cmap("tab20").colors``), which are scaled to 0-255. A bool mask counts as labels 0 / 1.
    """
    lab = _checks.array(label_map, "label_map")
    pal = _checks.numeric(palette, "palette")
    if pal.ndim != 2 or pal.shape[1] != 3:
        raise ValueError(f"palette must have shape (K, 3), got {pal.shape}")
    if len(pal) == 0:
        raise ValueError("palette is empty: pass one RGB colour per class")
    if lab.dtype == bool:
        lab = lab.astype(np.int64)
    if not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"label_map must hold integers, got dtype {lab.dtype}")
    if lab.size and (lab.min() < 0 or lab.max() >= len(pal)):
        raise ValueError(f"label_map has labels outside 0..{len(pal) - 1} (the palette has {len(pal)} colours)")
    if pal.dtype == bool:
        raise TypeError("palette must hold colours (integers 0-255 or floats in [0, 1]), got booleans")
    if np.issubdtype(pal.dtype, np.floating):
        if pal.min() < 0 or pal.max() > 1:
            raise ValueError(f"a float palette must be matplotlib colours in [0, 1], got values from "
                             f"{pal.min()} to {pal.max()}; for 0-255 colours pass an integer array "
                             "(palette.astype(np.uint8))")
        pal = np.rint(pal * 255)
    elif pal.min() < 0 or pal.max() > 255:
        raise ValueError(f"palette colours must be 0-255, got values from {pal.min()} to {pal.max()} "
                         "(they would wrap around in uint8)")
    return pal.astype(np.uint8)[lab]
