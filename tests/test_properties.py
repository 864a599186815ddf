"""Property-based tests of helpers/ (Hypothesis): for every module, random valid input agrees with a
reference (scikit-learn, SciPy, pycocotools, TensorFlow, a direct GradientTape), and random invalid
input (wrong shape, dtype, range, empty, None, NaN) raises a ValueError / TypeError with a message,
never a silent result. The rule is in helpers/__init__.py."""

from __future__ import annotations

import contextlib
import io
import math
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats as sps
from sklearn import metrics as skm

from helpers import cam, detection, env, metrics, plots, segmentation, stats

FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(FAST, max_examples=12)

CLEAR = (ValueError, TypeError)


def clear_error(fn, *args, **kwargs):
    """``fn`` must raise ValueError / TypeError with a real message (not a bare NumPy one)."""
    with pytest.raises(CLEAR) as info:
        fn(*args, **kwargs)
    assert len(str(info.value)) > 15, str(info.value)
    return info.value


# ------------------------------------------------------------------------------ strategies
def labels(n_classes, min_size=1, max_size=40):
    return st.lists(st.integers(0, n_classes - 1), min_size=min_size, max_size=max_size).map(np.array)


@st.composite
def binary_task(draw, min_size=2):
    n = draw(st.integers(min_size, 40))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    s = np.array(draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n)))
    return y, s


@st.composite
def boxes_xywh(draw, min_n=0, max_n=6):
    n = draw(st.integers(min_n, max_n))
    xy = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, 50, width=32)))
    wh = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0.5, 40, width=32)))
    return np.concatenate([xy, wh], axis=1)


bad_arrays = st.sampled_from([
    None, [], np.zeros((2, 3)), np.full(3, np.nan), np.array(["a", "b"]), [[1, 2], [3]],
    np.zeros((2, 2, 2)), "abc",
])


# ---------------------------------------------------------------------------- metrics
@FAST
@given(binary_task(), st.floats(0.05, 0.95))
def test_binary_report_equals_sklearn_where_defined(task, threshold):
    y, s = task
    assume(not np.isin(s, (0, 1)).all())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = metrics.binary_report(y, s, threshold)
    p = (s >= threshold).astype(int)
    expected = {
        "Accuracy": skm.accuracy_score(y, p),
        "Precision": skm.precision_score(y, p, zero_division=np.nan),
        "Recall": skm.recall_score(y, p, zero_division=np.nan),
        "Specificity": skm.recall_score(y, p, pos_label=0, zero_division=np.nan),
        "F1-Score": skm.f1_score(y, p, zero_division=np.nan),
    }
    if len(np.unique(y)) == 2:
        expected["ROC-AUC"] = skm.roc_auc_score(y, s)
    if y.sum():
        expected["AP"] = skm.average_precision_score(y, s)
    for key, want in expected.items():
        if np.isnan(want):
            assert np.isnan(r[key]), key
        else:
            assert r[key] == pytest.approx(want, abs=1e-12), key
    undefined = [k for k, v in r.items() if np.isnan(v)]
    assert bool(undefined) == any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert all(v != 0.0 or not np.isnan(expected.get(k, 0.0)) for k, v in r.items())


@FAST
@given(bad_arrays)
def test_binary_report_bad_scores_raise(bad):
    clear_error(metrics.binary_report, [0, 1, 1], bad)


@FAST
@given(labels(2, 2), st.integers(2, 5))
def test_binary_report_labels_other_than_0_1_raise(y, extra):
    y = y.copy()
    y[0] = extra
    clear_error(metrics.binary_report, y, np.linspace(0.1, 0.9, len(y)))


@SLOW
@given(st.integers(2, 4).flatmap(lambda c: st.tuples(st.just(c), labels(c, 1, 15), st.integers(0, 10**6))))
def test_confusion_matrix_plot_counts_equal_sklearn(case):
    c, y, seed = case
    p = np.random.default_rng(seed).integers(0, c, len(y))
    ax = metrics.plot_confusion_matrix(y, p, [f"c{i}" for i in range(c)])
    shown = np.array([int(t.get_text()) for t in ax.texts]).reshape(c, c)
    plt.close(ax.figure)
    np.testing.assert_array_equal(shown, skm.confusion_matrix(y, p, labels=range(c)))


@FAST
@given(st.integers(2, 4), st.integers(1, 10), st.sampled_from([-1, 0.5, "x"]))
def test_confusion_matrix_plot_refuses_labels_outside_names(c, n, bad):
    y = np.zeros(n, dtype=object if isinstance(bad, str) else float)
    y[-1] = bad if bad != -1 else -1
    y_bad = y if isinstance(bad, str) else y.astype(float)
    if bad == -1:
        y_bad = np.r_[np.zeros(n - 1, int), [c + 1]]
    clear_error(metrics.plot_confusion_matrix, y_bad, np.zeros(n, int), [f"c{i}" for i in range(c)])
    plt.close("all")


@FAST
@given(st.floats(allow_nan=True).filter(lambda t: not 0 < t <= 1) | st.none() | st.just("0.9"))
def test_threshold_for_recall_refuses_bad_targets(target):
    clear_error(metrics.threshold_for_recall, [0, 1, 1, 0], [0.1, 0.8, 0.7, 0.3], target)


# ------------------------------------------------------------------------------- stats
@FAST
@given(st.integers(1, 4).flatmap(lambda c: st.tuples(labels(c, 1, 50), st.integers(0, 10**6), st.just(c))),
       st.floats(0.5, 0.99))
def test_accuracy_interval_equals_scipy_wilson(case, confidence):
    y, seed, c = case
    p = np.random.default_rng(seed).integers(0, c, len(y))
    got = stats.accuracy_interval(y, p, confidence)
    k = int(np.sum(y == p))
    ci = sps.binomtest(k, len(y)).proportion_ci(confidence, method="wilson")
    assert got.estimate == k / len(y)
    assert got.low == pytest.approx(ci.low, abs=1e-9) and got.high == pytest.approx(ci.high, abs=1e-9)


@FAST
@given(labels(3, 1, 40), st.integers(0, 10**6))
def test_mcnemar_test_counts_and_exact_p_equal_scipy(y, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 3, len(y)), rng.integers(0, 3, len(y))
    r = stats.mcnemar_test(y, a, b, exact=True)
    only_a, only_b = int(np.sum((a == y) & (b != y))), int(np.sum((a != y) & (b == y)))
    assert (r.only_a, r.only_b) == (only_a, only_b)
    if only_a + only_b:
        assert r.p_value == pytest.approx(sps.binomtest(only_a, only_a + only_b, 0.5).pvalue)


@FAST
@given(st.integers(2, 30), st.integers(0, 10**6),
       st.sampled_from(["probabilities", "2-D", "nan", "empty", "none", "length"]))
def test_stats_label_functions_refuse_bad_input(n, seed, kind):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    bad = {"probabilities": rng.uniform(0.01, 0.99, n), "2-D": rng.uniform(0, 1, (n, 2)),
           "nan": np.full(n, np.nan), "empty": np.array([]), "none": None,
           "length": rng.integers(0, 2, n + 1)}[kind]
    clear_error(stats.accuracy_interval, y, bad)
    clear_error(stats.mcnemar_test, y, y, bad)


@FAST
@given(st.one_of(st.floats(0.1, 100).filter(lambda v: not v.is_integer()), st.integers(-50, -1),
                 st.booleans(), st.none(), st.text(max_size=3)))
def test_wilson_interval_refuses_bad_counts(bad):
    clear_error(stats.wilson_interval, bad, 100)


# --------------------------------------------------------------------------- segmentation
@st.composite
def label_pair(draw):
    c = draw(st.integers(1, 5))
    shape = draw(st.sampled_from([(6,), (3, 4), (2, 3, 3)]))
    t = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, c - 1)))
    p = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, c - 1)))
    return c, t, p


@FAST
@given(label_pair())
def test_segmentation_metrics_equal_sklearn(case):
    c, t, p = case
    cm = segmentation.confusion_matrix(t, p, c)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(t.ravel(), p.ravel(), labels=range(c)))
    iou = segmentation.per_class_iou(t, p, c)
    dice = segmentation.per_class_dice(t, p, c)
    absent = ~np.isin(np.arange(c), np.r_[t.ravel(), p.ravel()])  # 0 / 0: NaN here, 0 in sklearn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_iou = skm.jaccard_score(t.ravel(), p.ravel(), labels=range(c), average=None, zero_division=0)
        ref_dice = skm.f1_score(t.ravel(), p.ravel(), labels=range(c), average=None, zero_division=0)
    ref_iou, ref_dice = np.where(absent, np.nan, ref_iou), np.where(absent, np.nan, ref_dice)
    np.testing.assert_allclose(iou, ref_iou, equal_nan=True)
    np.testing.assert_allclose(dice, ref_dice, equal_nan=True)
    assert segmentation.pixel_accuracy(t, p, c) == pytest.approx(skm.accuracy_score(t.ravel(), p.ravel()))
    assert segmentation.mean_iou(t, p, c) == pytest.approx(np.nanmean(ref_iou))


@SLOW
@given(label_pair())
def test_mean_iou_equals_keras(case):
    c, t, p = case
    assume(c >= 2)
    m = keras.metrics.MeanIoU(num_classes=c)
    m.update_state(t.ravel(), p.ravel())
    assert segmentation.mean_iou(t, p, c) == pytest.approx(float(m.result()), abs=1e-6)


@FAST
@given(st.integers(1, 4), st.integers(0, 10**6),
       st.sampled_from(["normalised", "nan", "negative", "nonsquare", "empty", "none", "bool"]))
def test_iou_and_dice_from_confusion_refuse_non_counts(c, seed, kind):
    rng = np.random.default_rng(seed)
    cm = rng.integers(1, 20, (c, c))
    bad = {"normalised": cm / cm.sum(axis=1, keepdims=True) + 1e-3,
           "nan": np.where(np.eye(c, dtype=bool), np.nan, cm.astype(float)),
           "negative": cm - 100, "nonsquare": rng.integers(0, 5, (c, c + 1)),
           "empty": np.zeros((0, 0)), "none": None, "bool": cm > 5}[kind]
    clear_error(segmentation.iou_from_confusion, bad)
    clear_error(segmentation.dice_from_confusion, bad)


@FAST
@given(label_pair(), st.sampled_from(["float", "range", "shape", "classes"]))
def test_label_maps_refuse_bad_input(case, kind):
    c, t, p = case
    if kind == "float":
        p = p + 0.5
    elif kind == "range":
        p = p.copy()
        p.flat[0] = c
    elif kind == "shape":
        p = np.stack([p, p], -1)
    args = (t, p, 0 if kind == "classes" else c)
    for fn in (segmentation.confusion_matrix, segmentation.mean_iou, segmentation.mean_dice):
        clear_error(fn, *args)


@FAST
@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    st.just(k), hnp.arrays(np.int64, (3, 4), elements=st.integers(0, k - 1)),
    hnp.arrays(np.float64, (k, 3), elements=st.floats(0, 1)))))
def test_colourise_float_palette_equals_scaled_integer_palette(case):
    k, lab, pal = case
    out = segmentation.colourise(lab, pal)
    np.testing.assert_array_equal(out, np.rint(pal * 255).astype(np.uint8)[lab])
    np.testing.assert_array_equal(segmentation.colourise(lab, np.rint(pal * 255).astype(int)), out)


@FAST
@given(st.sampled_from(["wrap", "negative", "float255", "labels", "floatlabels", "shape"]))
def test_colourise_refuses_bad_input(kind):
    lab, pal = np.array([[0, 1]]), np.array([[0, 0, 0], [10, 20, 30]])
    bad = {"wrap": (lab, pal + 250), "negative": (lab, pal - 5), "float255": (lab, pal * 8.0),
           "labels": (lab + 1, pal), "floatlabels": (lab + 0.5, pal), "shape": (lab, pal[:, :2])}[kind]
    clear_error(segmentation.colourise, *bad)


# ------------------------------------------------------------------------------ detection
@FAST
@given(boxes_xywh(1), boxes_xywh(1), st.data())
def test_box_iou_equals_pycocotools(a, b, data):
    from pycocotools import mask as mask_utils

    crowd = np.array(data.draw(st.lists(st.booleans(), min_size=len(b), max_size=len(b))))
    ours = detection.box_iou(a, b, "xywh", crowd)
    ref = np.asarray(mask_utils.iou(a.tolist(), b.tolist(), crowd.astype(np.uint8).tolist()))
    np.testing.assert_allclose(ours, ref.reshape(len(a), len(b)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(detection.box_iou(detection.xywh_to_xyxy(a), detection.xywh_to_xyxy(b)),
                               detection.box_iou(a, b, "xywh"), atol=1e-12)


@FAST
@given(boxes_xywh(1, 12), st.data(), st.sampled_from([0.3, 0.45, 0.6, 0.7]))
def test_nms_equals_tensorflow(boxes, data, thr):
    xyxy = detection.xywh_to_xyxy(boxes)
    n = len(xyxy)
    scores = np.array(data.draw(st.lists(st.floats(0, 1, width=32), min_size=n, max_size=n, unique=True)))
    ours = detection.nms(xyxy, scores, thr)
    ref = tf.image.non_max_suppression(xyxy[:, [1, 0, 3, 2]].astype(np.float32),
                                       scores.astype(np.float32), n, iou_threshold=thr).numpy()
    assert ours.tolist() == ref.tolist()


@FAST
@given(st.lists(st.booleans(), min_size=1, max_size=30), st.integers(0, 10), st.data())
def test_precision_recall_curve_and_ap_by_hand(tp, extra, data):
    tp = np.array(tp)
    n_gt = int(tp.sum()) + extra
    assume(n_gt > 0)
    scores = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(tp), max_size=len(tp), unique=True)))
    recall, precision = detection.precision_recall_curve(scores, tp, n_gt)
    order = np.argsort(-scores)
    np.testing.assert_allclose(recall, np.cumsum(tp[order]) / n_gt)
    np.testing.assert_allclose(precision, np.cumsum(tp[order]) / np.arange(1, len(tp) + 1), atol=1e-12)
    # "all": the area under the interpolated curve, summed step by step by hand
    env_p = [max(precision[i:]) for i in range(len(precision))]
    area = sum((recall[i] - (recall[i - 1] if i else 0.0)) * env_p[i] for i in range(len(recall)))
    assert detection.average_precision(recall, precision, "all") == pytest.approx(area, abs=1e-12)
    for method in ("voc11", "all", "coco101"):
        assert 0.0 <= detection.average_precision(recall, precision, method) <= 1.0


@FAST
@given(st.sampled_from([
    ("matched", [-1, 0, 2], 3), ("float n_gt", [True, False], 2.5), ("negative n_gt", [True], -1),
    ("few gt", [True, True, True], 2), ("2-D", [[True, False]], 2), ("nan", [True, False], 2),
    ("none", None, 2), ("empty-scores", [True], 1),
]))
def test_precision_recall_curve_refuses_bad_input(case):
    kind, is_tp, n_gt = case
    n = len(is_tp) if isinstance(is_tp, list) and kind != "2-D" else 2
    scores = {"nan": [np.nan, 0.5], "empty-scores": []}.get(kind, np.linspace(0.9, 0.1, n))
    clear_error(detection.precision_recall_curve, scores, is_tp, n_gt)


@FAST
@given(st.sampled_from([
    ([0.5, 1.5, 3.0], [1, 1, 1]), ([0.5, np.nan], [1, 1]), ([0.2, 0.4], [1.2, 0.5]),
    ([0.2, 0.4], [-0.1, 0.5]), ([[0.2, 0.4]], [[1.0, 1.0]]), ([0.4, 0.2], [1, 1]), ([0.2], [1, 1]),
    (None, [1.0]),
]), st.sampled_from(["voc11", "all", "coco101"]))
def test_average_precision_refuses_bad_curves(curve, method):
    clear_error(detection.average_precision, *curve, method)


@FAST
@given(boxes_xywh(1, 4), st.sampled_from(["max_output", "negative", "threshold", "scores", "nan"]))
def test_nms_refuses_bad_arguments(boxes, kind):
    xyxy = detection.xywh_to_xyxy(boxes)
    s = np.linspace(1, 0.1, len(xyxy))
    kwargs = {"max_output": {"max_output": 1.5}, "negative": {"max_output": -1},
              "threshold": {"iou_threshold": 1.5}}.get(kind, {})
    if kind == "scores":
        s = np.r_[s, 0.5]
    if kind == "nan":
        s = s.copy()
        s[0] = np.nan
    clear_error(detection.nms, xyxy, s, **kwargs)


@FAST
@given(st.sampled_from([np.zeros((3, 3)), np.zeros(4), [[0, 0, -1, 5]], [[np.nan, 0, 1, 1]],
                        np.zeros((2, 4, 1)), None, [["a", "b", "c", "d"]]]))
def test_boxes_refuse_bad_shapes_and_values(bad):
    clear_error(detection.box_iou, bad, [[0, 0, 1, 1]], "xywh")
    clear_error(detection.box_area, bad, "xywh")


@st.composite
def coco_case(draw):
    n_img = draw(st.integers(1, 3))
    images = [{"id": i + 1, "width": 100, "height": 100} for i in range(n_img)]
    anns, dets = [], []
    for img in images:
        for b in draw(boxes_xywh(0, 3)):
            anns.append({"id": len(anns) + 1, "image_id": img["id"], "category_id": draw(st.integers(1, 2)),
                         "bbox": b.tolist(), "area": float(b[2] * b[3]),
                         "iscrowd": int(draw(st.integers(0, 9)) == 0)})
        for b in draw(boxes_xywh(0, 4)):
            dets.append({"image_id": img["id"], "category_id": draw(st.integers(1, 2)), "bbox": b.tolist(),
                         "score": draw(st.floats(0.01, 1))})
    assume(any(not a["iscrowd"] for a in anns))
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
    return gt, dets


@SLOW
@given(coco_case())
def test_coco_evaluate_equals_pycocotools(case):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt, dets = case
    ours = detection.coco_evaluate(gt, dets)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        if not dets:
            return
        ev = COCOeval(coco, coco.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    np.testing.assert_allclose([ours[k] for k in keys], ev.stats, atol=1e-12)
    assert detection.coco_evaluate(coco, dets)["AP"] == ours["AP"]  # a COCO object is accepted


@FAST
@given(st.sampled_from([("max_dets", (1, 10.5, 100)), ("max_dets", (0, 10)), ("max_dets", 100),
                        ("gt", "instances.json"), ("gt", None), ("detections", {"a": 1}),
                        ("detections", [[1, 2, 3]]), ("area", None)]))
def test_coco_evaluate_refuses_bad_input(case):
    kind, value = case
    gt = {"images": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                                  "bbox": [0, 0, 5, 5], "area": 25.0}],
          "categories": [{"id": 1}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}]
    kwargs = {}
    if kind == "max_dets":
        kwargs["max_dets"] = value
    elif kind == "gt":
        gt = value
    elif kind == "detections":
        dets = value
    else:
        del gt["annotations"][0]["area"]
    clear_error(detection.coco_evaluate, gt, dets, **kwargs)


@FAST
@given(st.sampled_from([("r", 0.0), ("r", -1), ("max_dets", 2.5), ("max_dets", -1), ("iou", 2.0)]))
def test_yolox_postprocess_refuses_bad_limits(case):
    kind, value = case
    raw = np.zeros((3549, 85), np.float32)
    kw = {"r": {"r": value}, "max_dets": {"max_dets": value}, "iou": {"iou_threshold": value}}[kind]
    args = {"r": 1.0, **kw}
    clear_error(detection.yolox_postprocess, raw, **args)


@FAST
@given(st.sampled_from([("size", 0), ("size", 2.5), ("pad", 300), ("dtype", None), ("rank", None)]))
def test_letterbox_refuses_bad_input(case):
    kind, value = case
    img = np.zeros((10, 20, 3), np.uint8)
    if kind == "size":
        clear_error(detection.letterbox, img, value)
    elif kind == "pad":
        clear_error(detection.letterbox, img, 32, value)
    elif kind == "dtype":
        clear_error(detection.letterbox, img.astype(float), 32)
    else:
        clear_error(detection.letterbox, img[..., 0], 32)


# ------------------------------------------------------------------------------------ cam
@pytest.fixture(scope="module")
def cam_models():
    keras.utils.set_random_seed(5)
    inp = keras.Input((10, 10, 3))
    conv = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    pooled = keras.layers.GlobalAveragePooling2D()(conv)
    logit = keras.layers.Dense(3, name="dense")(pooled)
    logits_model = keras.Model(inp, logit)
    feats = keras.Model(inp, [conv, logit])
    heads = {
        "logits": logits_model,
        "Softmax layer": keras.Model(inp, keras.layers.Softmax()(logit)),
        "Activation softmax": keras.Model(inp, keras.layers.Activation("softmax")(logit)),
    }
    heads["nested"] = keras.Sequential([keras.Input((10, 10, 3)), keras.layers.Rescaling(1.0),
                                        heads["Softmax layer"]])
    return heads, feats


@SLOW
@given(hnp.arrays(np.float32, (2, 10, 10, 3), elements=st.floats(0, 1, width=32)),
       st.integers(0, 2), st.sampled_from(["logits", "Softmax layer", "Activation softmax", "nested"]))
def test_gradcam_equals_a_direct_gradient_tape_on_the_logit(cam_models, x, k, head):
    heads, feats = cam_models
    with tf.GradientTape() as tape:
        f, z = feats(x)
        tape.watch(f)
        score = z[:, k]
    g = tape.gradient(score, f)
    ref = tf.nn.relu(tf.reduce_sum(tf.reduce_mean(g, (1, 2), keepdims=True) * f, -1)).numpy()
    np.testing.assert_allclose(cam.gradcam(heads[head], x, k), ref, rtol=1e-4, atol=1e-7)
    if head != "nested":
        np.testing.assert_allclose(cam.cam(heads[head], x, k), cam.cam(heads["logits"], x, k), rtol=1e-5)


@FAST
@given(st.sampled_from([
    ("images", np.zeros((10, 10, 3))), ("images", np.full((1, 10, 10, 3), np.nan)),
    ("images", np.zeros((1, 8, 8, 3))), ("images", None), ("images", np.zeros((0, 10, 10, 3))),
    ("class_index", 3), ("class_index", -1), ("class_index", 1.5), ("class_index", [0, 1, 2]),
    ("class_index", [0.5, 1.0]), ("layer", "dense"), ("layer", "nope"), ("layer", 7),
]), st.sampled_from(["gradcam", "cam"]))
def test_cam_functions_refuse_bad_input(cam_models, case, fn):
    heads, _ = cam_models
    kind, value = case
    kwargs = {"images": np.zeros((2, 10, 10, 3), np.float32), "class_index": 0, "layer": None}
    kwargs[kind] = value
    f = cam.gradcam if fn == "gradcam" else cam.cam
    clear_error(f, heads["Softmax layer"], kwargs["images"], kwargs["class_index"], kwargs["layer"])


@FAST
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5)),
                  elements=st.floats(-5, 5)))
def test_normalize_scales_each_map_by_its_peak(maps):
    out = cam.normalize(maps)
    for m, o in zip(maps, out):
        peak = np.maximum(m, 0).max()
        np.testing.assert_allclose(o, np.maximum(m, 0) / peak if peak > 1e-12 else np.maximum(m, 0) / 1e-12)
    np.testing.assert_allclose(cam.normalize(maps[0]), out[0])


@FAST
@given(st.sampled_from([np.zeros(5), np.zeros((1, 1, 2, 2)), np.full((2, 2), np.nan), None, "map"]))
def test_normalize_and_upsample_refuse_bad_maps(bad):
    clear_error(cam.normalize, bad)
    clear_error(cam.upsample, bad, (4, 4))


@FAST
@given(st.sampled_from([("size", (4.5, 4)), ("size", (0, 4)), ("size", 4), ("image", -1.0),
                        ("image", 300.0), ("alpha", 1.5), ("heat", np.zeros(4)), ("image2d", None)]))
def test_overlay_refuses_bad_input(case):
    kind, value = case
    image, heat = np.full((8, 8, 3), 0.5), np.ones((2, 2))
    if kind == "size":
        clear_error(cam.upsample, heat, value)
        return
    kwargs = {}
    if kind == "image":
        image = image * 0 + value
    elif kind == "alpha":
        kwargs["alpha"] = value
    elif kind == "heat":
        heat = value
    else:
        image = image[..., 0]
    clear_error(cam.overlay, image, heat, **kwargs)
    plt.close("all")


def test_overlay_shows_uint8_and_0_255_floats_alike():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (6, 6, 3)).astype(np.uint8)
    a = cam.overlay(img, np.ones((2, 2))).images[0].get_array()
    b = cam.overlay(img.astype(np.float32), np.ones((2, 2))).images[0].get_array()
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(a, img / 255.0)
    plt.close("all")


# ------------------------------------------------------------------------------------ env
@FAST
@given(st.integers(0, 2**32 - 1), st.sampled_from([int, np.int64, np.uint32, np.int32]))
def test_seed_everything_accepts_any_integer_type(seed, kind):
    assume(kind is not np.int32 or seed < 2**31)
    env.seed_everything(kind(seed))
    a = np.random.rand()
    env.seed_everything(int(seed))
    assert np.random.rand() == a


@FAST
@given(st.one_of(st.floats(allow_nan=True), st.booleans(), st.none(), st.text(max_size=3),
                 st.integers(max_value=-1), st.integers(min_value=2**32)))
def test_seed_everything_refuses_non_integers(bad):
    assume(not (isinstance(bad, float) and bad.is_integer() and 0 <= bad < 2**32) or True)
    clear_error(env.seed_everything, bad)


@FAST
@given(st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.text(max_size=5)))
def test_record_round_trips_numbers_and_strings(value):
    out = env.record(x=value)
    assert out == {"x": value}
    assert type(out["x"]) is type(value)


@FAST
@given(st.sampled_from([True, np.bool_(False), float("nan"), float("inf"), [1, 2], None, {"a": 1}]))
def test_record_refuses_bools_nan_and_containers(bad):
    clear_error(env.record, x=bad)


# ---------------------------------------------------------------------------------- plots
@SLOW
@given(st.integers(1, 12), st.integers(1, 6), st.booleans())
def test_image_grid_lays_out_every_image_with_its_title(n, ncols, colour):
    shape = (n, 5, 5, 3) if colour else (n, 5, 5)
    y = np.arange(n) % 3
    fig = plots.image_grid(np.zeros(shape), y, ["a", "b", "c"], ncols=ncols)
    used = [ax for ax in fig.axes if ax.images]
    assert len(used) == n and len(fig.axes) == math.ceil(n / min(ncols, n)) * min(ncols, n)
    assert [ax.get_title() for ax in used] == [["a", "b", "c"][k] for k in y]
    assert fig.get_layout_engine() is not None  # constrained layout: room for every row's titles
    plt.close(fig)


@FAST
@given(st.sampled_from([
    ("ncols", 0), ("ncols", 2.5), ("ncols", -3), ("size", 0), ("labels", [0, 1, 5]),
    ("labels", [0.5, 1, 0]), ("labels", [[0, 1, 2]]), ("labels", [0, 1]), ("predictions", [0, 1, 9]),
    ("class_names", "ab"), ("images", np.zeros((3, 4, 4), dtype=object)),
]))
def test_image_grid_refuses_bad_arguments(case):
    kind, value = case
    kwargs = {"images": np.zeros((3, 4, 4)), "labels": [0, 1, 0], "class_names": ["a", "b"]}
    kwargs[kind] = value
    images = kwargs.pop("images")
    clear_error(plots.image_grid, images, **kwargs)
    plt.close("all")


@FAST
@given(st.sampled_from([({"loss": [1, 2], "val_loss": [1]}, ("loss",)), ({"loss": []}, ("loss",)),
                        ({"loss": [1.0]}, ()), ([1, 2, 3], ("loss",)), ({"loss": [1.0]}, ("acc",))]))
def test_training_curves_refuses_bad_histories(case):
    history, which = case
    with pytest.raises((ValueError, TypeError, KeyError)):
        plots.training_curves(history, which)
    plt.close("all")
