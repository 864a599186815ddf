"""Regression tests for issue 13's ten cases: each gives a correct result (checked against a
reference: scikit-learn, pycocotools, a direct GradientTape, or a hand-computed case) or a clear
error that says what was expected."""

from __future__ import annotations

import shutil
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from sklearn import metrics as skm

from helpers import cam, datasets, detection, env, metrics, plots, segmentation, stats


# ---------------------------------------------------------------- 1. Grad-CAM differentiates the logit
def _logit_model(seed=0, classes=4):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((12, 12, 3))
    conv = keras.layers.Conv2D(5, 3, padding="same", activation="relu", name="conv")(inp)
    pooled = keras.layers.GlobalAveragePooling2D()(conv)
    logit = keras.layers.Dense(classes, name="dense")(pooled)
    return inp, conv, logit


def _tape_gradcam(inp, conv, logit, x, k):
    """Grad-CAM straight from its definition, on the logit."""
    feat_model = keras.Model(inp, [conv, logit])
    with tf.GradientTape() as tape:
        f, z = feat_model(x)
        tape.watch(f)
        score = z[:, k]
    g = tape.gradient(score, f)
    return tf.nn.relu(tf.reduce_sum(tf.reduce_mean(g, (1, 2), keepdims=True) * f, -1)).numpy()


@pytest.fixture(scope="module")
def softmax_models():
    inp, conv, logit = _logit_model()
    x = np.random.default_rng(0).uniform(0, 1, (3, 12, 12, 3)).astype("float32")
    with_layer = keras.Model(inp, keras.layers.Softmax()(logit))
    nested = keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Rescaling(1.0), with_layer])
    refs = {k: _tape_gradcam(inp, conv, logit, x, k) for k in range(4)}
    return with_layer, nested, x, refs


@pytest.mark.parametrize("k", [0, 2])
def test_gradcam_behind_a_softmax_layer_uses_the_logit(softmax_models, k):
    with_layer, _, x, refs = softmax_models
    np.testing.assert_allclose(cam.gradcam(with_layer, x, k), refs[k], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("k", [1, 3])
def test_gradcam_through_a_nested_softmax_classifier_uses_the_logit(softmax_models, k):
    _, nested, x, refs = softmax_models
    np.testing.assert_allclose(cam.gradcam(nested, x, k), refs[k], rtol=1e-5, atol=1e-7)


def test_gradcam_refuses_probabilities_it_cannot_step_back_from():
    inp, conv, logit = _logit_model()
    probs = keras.layers.Lambda(lambda t: keras.ops.softmax(t))(logit)  # no Softmax layer to find
    x = np.random.default_rng(0).uniform(0, 1, (2, 12, 12, 3)).astype("float32")
    with pytest.raises(ValueError, match="softmax probabilities"):
        cam.gradcam(keras.Model(inp, probs), x, 0)


def test_cam_accepts_gap_dense_softmax_head(softmax_models):  # case 10
    with_layer, _, x, _ = softmax_models
    inp, conv, logit = _logit_model()
    expected = cam.cam(keras.Model(inp, logit), x, class_index=2)
    np.testing.assert_allclose(cam.cam(with_layer, x, class_index=2), expected, rtol=1e-6)


def test_gradcam_on_a_2d_layer_says_it_needs_feature_maps(softmax_models):  # case 9
    with_layer, _, x, _ = softmax_models
    with pytest.raises(ValueError, match="4-D feature maps"):
        cam.gradcam(with_layer, x, layer="dense")


# --------------------------------------------------------- 2. confusion matrix drops no label
def test_confusion_matrix_labels_outside_class_names_raise():
    with pytest.raises(ValueError, match=r"labels \[3\] outside 0..2"):
        metrics.plot_confusion_matrix([1, 2, 3, 3], [1, 2, 3, 1], ["a", "b", "c"])


def test_confusion_matrix_with_class_names_counts_every_sample():
    y, p = [0, 2, 1, 1, 2], [0, 1, 1, 1, 2]
    ax = metrics.plot_confusion_matrix(y, p, ["a", "b", "c"])
    shown = [int(t.get_text()) for t in ax.texts]
    assert shown == skm.confusion_matrix(y, p).ravel().tolist() and sum(shown) == 5


# ------------------------------------------------------------------ 3. is_tp is not `matched`
def test_precision_recall_curve_refuses_the_matched_array():
    with pytest.raises(ValueError, match="matched >= 0"):
        detection.precision_recall_curve([0.9, 0.8, 0.7], [-1, 0, 2], 3)
    recall, precision = detection.precision_recall_curve([0.9, 0.8, 0.7], np.array([-1, 0, 2]) >= 0, 3)
    # hand-computed: FP, TP, TP over 3 objects -> recall 0, 1/3, 2/3; precision 0, 1/2, 2/3
    np.testing.assert_allclose(recall, [0, 1 / 3, 2 / 3])
    np.testing.assert_allclose(precision, [0, 1 / 2, 2 / 3], atol=1e-12)
    assert detection.average_precision(recall, precision, "all") == pytest.approx(0.4444444, abs=1e-6)


def test_precision_recall_curve_refuses_n_gt_below_true_positives_and_float_counts():
    with pytest.raises(ValueError, match="n_gt must be at least"):
        detection.precision_recall_curve([0.9, 0.8], [True, True], 1)
    with pytest.raises(TypeError, match="whole number"):
        detection.precision_recall_curve([0.9, 0.8], [True, False], 2.5)


# ------------------------------------------------------- 4. undefined metrics are NaN, with a warning
def test_binary_report_without_positives_is_nan_with_a_warning():
    with pytest.warns(RuntimeWarning, match="Recall .*no positives"):
        r = metrics.binary_report([0, 0, 0, 0], [0.1, 0.7, 0.2, 0.3])
    assert np.isnan(r["Recall"]) and np.isnan(r["AP"]) and np.isnan(r["ROC-AUC"])
    assert r["Precision"] == 0.0 and r["F1-Score"] == 0.0  # one false positive: both are defined, 0
    assert r["Specificity"] == skm.recall_score([0, 0, 0, 0], [0, 1, 0, 0], pos_label=0)


def test_binary_report_without_negatives_has_nan_specificity():
    with pytest.warns(RuntimeWarning, match="Specificity"):
        r = metrics.binary_report([1, 1, 1], [0.9, 0.2, 0.6])
    assert np.isnan(r["Specificity"]) and r["Recall"] == pytest.approx(2 / 3)


def test_binary_report_defined_case_equals_sklearn_without_warnings():
    y, s = np.array([0, 1, 1, 0, 1, 0]), np.array([0.2, 0.8, 0.4, 0.6, 0.9, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = metrics.binary_report(y, s)
    p = (s >= 0.5).astype(int)
    assert r["Precision"] == skm.precision_score(y, p) and r["Recall"] == skm.recall_score(y, p)
    assert r["F1-Score"] == pytest.approx(skm.f1_score(y, p), abs=1e-15)
    assert r["AP"] == skm.average_precision_score(y, s) and r["ROC-AUC"] == skm.roc_auc_score(y, s)


# ------------------------------------------------------------ 5. IoU / Dice need counts
@pytest.mark.parametrize("fn", [segmentation.iou_from_confusion, segmentation.dice_from_confusion])
def test_confusion_must_hold_counts(fn):
    cm = np.array([[5, 5], [0, 10]])
    assert fn(cm)[0] == pytest.approx(0.5 if fn is segmentation.iou_from_confusion else 2 / 3)
    with pytest.raises(ValueError, match="fractions, not counts"):
        fn(cm / cm.sum(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="NaN"):
        fn(np.array([[1.0, np.nan], [0.0, 1.0]]))


# --------------------------------------------------------------------------- 6. colourise
def test_colourise_matplotlib_palette_and_ranges():
    lab = np.array([[0, 1], [1, 0]])
    out = segmentation.colourise(lab, [[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]])
    assert out[0, 1].tolist() == [255, 128, 0]
    with pytest.raises(ValueError, match="0-255"):
        segmentation.colourise(lab, [[0, 0, 0], [300, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        segmentation.colourise(lab, [[0.0, 0.0, 0.0], [255.0, 0.0, 0.0]])


def test_colourise_accepts_a_bool_mask():  # case 10
    out = segmentation.colourise(np.array([[True, False]]), np.array([[0, 0, 0], [9, 8, 7]], np.uint8))
    assert out.tolist() == [[[9, 8, 7], [0, 0, 0]]]


# -------------------------------------------------------------------- 7. AP input ranges
def test_average_precision_refuses_recall_outside_0_1_and_nan():
    with pytest.raises(ValueError, match=r"recall must lie in \[0, 1\]"):
        detection.average_precision([0.5, 1.5, 3.0], [1, 1, 1], "all")
    with pytest.raises(ValueError, match="NaN"):
        detection.average_precision([0.5, np.nan], [1, 1], "all")


# ----------------------------------------------------------------- 8. membrane: verified only
def test_load_membrane_ignores_unverified_extra_pngs(shared_course_data, tmp_path, monkeypatch):
    shutil.copytree(shared_course_data / "membrane", tmp_path / "membrane")
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    Image.fromarray(np.zeros((512, 512), np.uint8)).save(tmp_path / "membrane/train/image/30.png")
    Image.fromarray(np.zeros((512, 512), np.uint8)).save(tmp_path / "membrane/test/30.png")
    x, y, x_test = datasets.load_membrane()
    assert x.shape == y.shape == x_test.shape == (30, 512, 512)


# ----------------------------------------------------------------------- 9. clear errors
@pytest.fixture(scope="module")
def tiny_coco():
    return {"images": [{"id": 1, "width": 10, "height": 10}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4],
                             "area": 16.0, "iscrowd": 0}],
            "categories": [{"id": 1, "name": "a"}]}


def test_coco_evaluate_accepts_a_pycocotools_object(tiny_coco):
    from pycocotools.coco import COCO

    coco = COCO()
    coco.dataset = tiny_coco
    coco.createIndex()
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 0.9}]
    assert detection.coco_evaluate(coco, dets)["AP"] == detection.coco_evaluate(tiny_coco, dets)["AP"]
    assert detection.coco_evaluate(coco, dets)["AP"] == pytest.approx(1.0)


def test_coco_evaluate_names_a_missing_area(tiny_coco):
    gt = {**tiny_coco, "annotations": [{k: v for k, v in tiny_coco["annotations"][0].items() if k != "area"}]}
    with pytest.raises(ValueError, match="no 'area' field"):
        detection.coco_evaluate(gt, [])


def test_coco_label_map_given_a_path_says_to_open_it(tmp_path):
    with pytest.raises(TypeError, match="pycocotools COCO object"):
        segmentation.coco_label_map(tmp_path / "instances.json", 1)


def test_image_grid_with_too_few_class_names():
    with pytest.raises(ValueError, match="outside 0..1"):
        plots.image_grid(np.zeros((3, 4, 4)), [0, 1, 2], ["a", "b"])


# ---------------------------------------------------------------- 10. valid input accepted
def test_seed_everything_accepts_numpy_integers():
    env.seed_everything(np.int64(3))
    a = np.random.rand()
    env.seed_everything(3)
    assert np.random.rand() == a
    with pytest.raises(TypeError):
        env.seed_everything(True)


# ------------------------------------------------------- stats: labels, not probabilities
@pytest.mark.parametrize("fn", ["accuracy", "mcnemar"])
def test_stats_refuse_probabilities_and_2d(fn):
    call = ((lambda t, p: stats.accuracy_interval(t, p)) if fn == "accuracy"
            else (lambda t, p: stats.mcnemar_test(t, p, t)))
    with pytest.raises(ValueError, match="probabilities"):
        call([0, 1, 1], [0.2, 0.9, 0.6])
    with pytest.raises(ValueError, match="argmax"):
        call([0, 1, 1], np.eye(3))
    # whole-number floats and strings are labels
    assert call([0, 1, 1], [0.0, 1.0, 0.0]) is not None
    assert call(["a", "b"], ["a", "a"]) is not None
