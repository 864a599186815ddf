"""helpers.segmentation: per-pixel metrics against scikit-learn and keras.metrics.MeanIoU on random
cases and against hand-computed small cases; Otsu against scikit-image and a brute-force search; RLE
against pycocotools; clear errors for bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from helpers import segmentation as seg


def random_pair(seed: int, shape=(3, 17, 23), num_classes=4):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, num_classes, shape)
    y_pred = np.where(rng.random(shape) < 0.6, y_true, rng.integers(0, num_classes, shape))
    return y_true, y_pred


# ------------------------------------------------------------------------------- hand-computed case
def test_small_case_by_hand():
    # 2 x 4 image, classes 0 (background) and 1 (object)
    y_true = np.array([[0, 0, 1, 1],
                       [0, 0, 1, 1]])
    y_pred = np.array([[0, 1, 1, 1],
                       [0, 0, 0, 1]])
    cm = seg.confusion_matrix(y_true, y_pred, 2)
    np.testing.assert_array_equal(cm, [[3, 1], [1, 3]])
    assert seg.pixel_accuracy(y_true, y_pred, 2) == pytest.approx(6 / 8)
    # class 1: TP 3, FP 1, FN 1 -> IoU 3/5, Dice 6/8; class 0 the same by symmetry
    np.testing.assert_allclose(seg.per_class_iou(y_true, y_pred, 2), [3 / 5, 3 / 5])
    np.testing.assert_allclose(seg.per_class_dice(y_true, y_pred, 2), [6 / 8, 6 / 8])
    assert seg.mean_iou(y_true, y_pred, 2) == pytest.approx(0.6)
    assert seg.mean_dice(y_true, y_pred, 2) == pytest.approx(0.75)


def test_majority_class_has_high_accuracy_but_low_mean_iou():
    y_true = np.zeros((10, 10), int)
    y_true[:, :1] = 1                                    # 10 % of the pixels are class 1
    y_pred = np.zeros_like(y_true)                       # always predict the majority class
    report = seg.segmentation_report(y_true, y_pred, 2)
    assert report["pixel_accuracy"] == pytest.approx(0.9)
    np.testing.assert_allclose(report["per_class_iou"], [0.9, 0.0])
    assert report["mean_iou"] == pytest.approx(0.45)


def test_perfect_prediction():
    y, _ = random_pair(0)
    report = seg.segmentation_report(y, y, 4)
    assert report["pixel_accuracy"] == 1.0 and report["mean_iou"] == 1.0 and report["mean_dice"] == 1.0


# ------------------------------------------------------------------------------ absent classes
def test_class_absent_from_both_is_nan_and_left_out_of_the_mean():
    y_true = np.array([[0, 0, 1], [1, 1, 0]])
    y_pred = np.array([[0, 1, 1], [1, 1, 0]])
    iou = seg.per_class_iou(y_true, y_pred, 3)          # class 2 occurs nowhere
    assert np.isnan(iou[2]) and np.isnan(seg.per_class_dice(y_true, y_pred, 3)[2])
    np.testing.assert_allclose(iou[:2], [2 / 3, 3 / 4])
    assert seg.mean_iou(y_true, y_pred, 3) == pytest.approx((2 / 3 + 3 / 4) / 2)
    assert seg.mean_iou(y_true, y_pred, 3) == pytest.approx(keras_mean_iou(y_true, y_pred, 3))


def test_class_in_prediction_only_counts_as_zero():
    y_true = np.array([[0, 0, 1, 1]])
    y_pred = np.array([[0, 2, 1, 1]])                    # class 2 predicted but never true
    iou = seg.per_class_iou(y_true, y_pred, 3)
    np.testing.assert_allclose(iou, [1 / 2, 1.0, 0.0])
    assert seg.mean_iou(y_true, y_pred, 3) == pytest.approx(0.5)
    assert seg.mean_iou(y_true, y_pred, 3) == pytest.approx(keras_mean_iou(y_true, y_pred, 3))


# ------------------------------------------------------------------------ against the libraries
def keras_mean_iou(y_true, y_pred, num_classes):
    import keras

    metric = keras.metrics.MeanIoU(num_classes=num_classes)
    metric.update_state(np.ravel(y_true), np.ravel(y_pred))
    return float(metric.result())


@pytest.mark.parametrize("seed", range(6))
def test_matches_scikit_learn_on_random_label_maps(seed):
    num_classes = 2 + seed % 4
    y_true, y_pred = random_pair(seed, shape=(2, 31, 29), num_classes=num_classes)
    labels = list(range(num_classes))
    t, p = y_true.ravel(), y_pred.ravel()
    np.testing.assert_array_equal(seg.confusion_matrix(y_true, y_pred, num_classes),
                                  skm.confusion_matrix(t, p, labels=labels))
    assert seg.pixel_accuracy(y_true, y_pred, num_classes) == pytest.approx(skm.accuracy_score(t, p))
    np.testing.assert_allclose(seg.per_class_iou(y_true, y_pred, num_classes),
                               skm.jaccard_score(t, p, labels=labels, average=None))
    np.testing.assert_allclose(seg.per_class_dice(y_true, y_pred, num_classes),
                               skm.f1_score(t, p, labels=labels, average=None))
    assert seg.mean_iou(y_true, y_pred, num_classes) == pytest.approx(
        skm.jaccard_score(t, p, labels=labels, average="macro"))
    assert seg.mean_dice(y_true, y_pred, num_classes) == pytest.approx(
        skm.f1_score(t, p, labels=labels, average="macro"))


@pytest.mark.parametrize("seed", range(4))
def test_mean_iou_matches_keras(seed):
    y_true, y_pred = random_pair(100 + seed, shape=(4, 16, 16), num_classes=5)
    y_pred[y_pred == 3] = 4                               # class 3 never predicted
    y_true[y_true == 3] = 0                               # ... and never true: absent from both
    assert seg.mean_iou(y_true, y_pred, 5) == pytest.approx(keras_mean_iou(y_true, y_pred, 5), abs=1e-6)


def test_dice_is_a_function_of_iou():
    y_true, y_pred = random_pair(7)
    iou = seg.per_class_iou(y_true, y_pred, 4)
    np.testing.assert_allclose(seg.per_class_dice(y_true, y_pred, 4), 2 * iou / (1 + iou))


def test_ignore_index_drops_void_pixels():
    y_true, y_pred = random_pair(3, num_classes=3)
    void = np.random.default_rng(3).random(y_true.shape) < 0.2
    y_void = np.where(void, 255, y_true)
    cm = seg.confusion_matrix(y_void, y_pred, 3, ignore_index=255)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y_true[~void], y_pred[~void], labels=[0, 1, 2]))
    assert cm.sum() == (~void).sum()


def test_booleans_and_integral_floats_are_accepted():
    y_true = np.array([[True, False], [True, True]])
    y_pred = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert seg.pixel_accuracy(y_true, y_pred, 2) == pytest.approx(0.75)


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("y_true, y_pred, num_classes, message", [
    (np.zeros((4, 4), int), np.zeros((4, 5), int), 2, "same shape"),
    (np.zeros((4, 4), int), np.zeros((4, 4, 2)), 2, "argmax"),
    (np.array([[0, 1], [2, 0]]), np.zeros((2, 2), int), 2, r"outside 0\.\.1: \[2\]"),
    (np.zeros((2, 2), int), np.array([[0, -1], [0, 0]]), 2, "y_pred has labels outside"),
    (np.zeros((2, 2), int), np.full((2, 2), 0.5), 2, "integer class indices"),
    (np.zeros((2, 2), int), np.zeros((2, 2), int), 0, "positive integer"),
])
def test_bad_input_gets_a_clear_error(y_true, y_pred, num_classes, message):
    with pytest.raises(ValueError, match=message):
        seg.confusion_matrix(y_true, y_pred, num_classes)


def test_empty_input_and_bad_confusion_matrix():
    with pytest.raises(ValueError, match="no pixels"):
        seg.mean_iou(np.full((2, 2), 255), np.zeros((2, 2), int), 2, ignore_index=255)
    with pytest.raises(ValueError, match="no pixels"):
        seg.pixel_accuracy(np.zeros((0,), int), np.zeros((0,), int), 2)
    with pytest.raises(ValueError, match="square"):
        seg.iou_from_confusion(np.zeros((2, 3)))


# ------------------------------------------------------------------------------------------ Otsu
def test_coco_label_map_on_the_subset():
    import contextlib
    import io

    from pycocotools.coco import COCO

    from helpers import datasets

    try:
        _, ann_path = datasets.coco_tiny()
    except Exception as err:  # offline without the data: nothing to test against
        pytest.skip(f"COCO subset not available: {err}")
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(ann_path))
    image_id = next(a["image_id"] for a in coco.dataset["annotations"] if a["iscrowd"])
    label = seg.coco_label_map(coco, image_id, crowd_label=255)
    info = coco.loadImgs([image_id])[0]
    assert label.shape == (info["height"], info["width"])
    assert 255 in label
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id], iscrowd=None))
    union = np.zeros_like(label, dtype=bool)
    for a in anns:
        union |= coco.annToMask(a).astype(bool)
    np.testing.assert_array_equal(label > 0, union)
    assert set(np.unique(label)) <= {0, 255} | {a["category_id"] for a in anns}
    with pytest.raises(ValueError, match="not in the annotation file"):
        seg.coco_label_map(coco, -1)


def test_colourise():
    palette = [[0, 0, 0], [255, 0, 0]]
    np.testing.assert_array_equal(seg.colourise(np.array([[0, 1]]), palette), [[[0, 0, 0], [255, 0, 0]]])
    with pytest.raises(ValueError, match="outside 0..1"):
        seg.colourise(np.array([[2]]), palette)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seg.colourise(np.zeros((0, 0), int), palette)
