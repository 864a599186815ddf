"""helpers.detection: boxes, IoU and NMS against hand-computed cases and TensorFlow; the COCO evaluation
against pycocotools' COCOeval on random cases (empty images, no detections, crowd regions, tied scores)."""

from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
import pytest

from helpers import detection as det

STATS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


# ------------------------------------------------------------------------------------------- boxes
def test_format_conversions_round_trip():
    xywh = np.array([[10.0, 20.0, 30.0, 40.0], [0.0, 0.0, 0.0, 5.0]])
    xyxy = det.xywh_to_xyxy(xywh)
    np.testing.assert_array_equal(xyxy, [[10, 20, 40, 60], [0, 0, 0, 5]])
    np.testing.assert_array_equal(det.xyxy_to_xywh(xyxy), xywh)
    np.testing.assert_array_equal(det.box_area(xyxy), [1200, 0])
    np.testing.assert_array_equal(det.box_area(xywh, "xywh"), [1200, 0])
    assert det.xywh_to_xyxy([]).shape == (0, 4)


def test_iou_hand_computed_cases():
    a = np.array([[0, 0, 10, 10]], float)
    b = np.array([
        [0, 0, 10, 10],    # identical -> 1
        [5, 0, 15, 10],    # half shifted: 50 / 150 = 1/3
        [10, 0, 20, 10],   # touching edge -> 0
        [20, 20, 30, 30],  # disjoint -> 0
        [0, 0, 5, 5],      # contained: 25 / 100
        [5, 5, 15, 15],    # corner overlap: 25 / 175
        [2, 2, 2, 8],      # zero-width box -> 0
    ])
    expected = [1, 1 / 3, 0, 0, 0.25, 25 / 175, 0]
    np.testing.assert_allclose(det.box_iou(a, b)[0], expected, atol=1e-12)
    # symmetric, and the same in xywh
    np.testing.assert_allclose(det.box_iou(b, a)[:, 0], expected, atol=1e-12)
    np.testing.assert_allclose(det.box_iou(det.xyxy_to_xywh(a), det.xyxy_to_xywh(b), "xywh")[0], expected,
                               atol=1e-12)
    assert det.box_iou(a, np.zeros((0, 4))).shape == (1, 0)


def test_crowd_iou_is_the_fraction_of_the_detection_inside_the_region():
    dt = np.array([[0, 0, 10, 10]], float)
    crowd = np.array([[5, 0, 100, 100]], float)
    assert det.box_iou(dt, crowd, crowd=[True])[0, 0] == pytest.approx(0.5)
    assert det.box_iou(dt, crowd, crowd=[False])[0, 0] == pytest.approx(50 / (100 + 9500 - 50))


def test_iou_matches_pycocotools():
    from pycocotools import mask as mask_utils

    rng = np.random.default_rng(1)
    a = np.c_[rng.uniform(0, 50, (40, 2)), rng.uniform(0, 40, (40, 2))]
    b = np.c_[rng.uniform(0, 50, (30, 2)), rng.uniform(0, 40, (30, 2))]
    crowd = rng.random(30) < 0.3
    ref = mask_utils.iou(a.tolist(), b.tolist(), crowd.astype(np.uint8).tolist())
    np.testing.assert_array_equal(det.box_iou(a, b, "xywh", crowd), ref)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 5)), r"shape \(N, 4\)"),
    (np.zeros(4), r"shape \(N, 4\)"),
    ([[10, 0, 5, 5]], "x2 >= x1"),
    ([[0, 10, 5, 5]], "x2 >= x1 and y2 >= y1"),
    ([[0, 0, np.nan, 1]], "NaN"),
])
def test_bad_xyxy_boxes_are_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        det.box_iou(bad, [[0, 0, 1, 1]])


def test_bad_xywh_boxes_and_arguments_are_rejected():
    with pytest.raises(ValueError, match="width >= 0"):
        det.xywh_to_xyxy([[0, 0, -1, 3]])
    with pytest.raises(ValueError, match="fmt"):
        det.box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1]], fmt="cxcywh")
    with pytest.raises(ValueError, match="crowd"):
        det.box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1]], crowd=[True, False])
    with pytest.raises(ValueError, match="scores must have shape"):
        det.nms([[0, 0, 1, 1]], [0.5, 0.4])
    with pytest.raises(ValueError, match="iou_threshold"):
        det.nms([[0, 0, 1, 1]], [0.5], iou_threshold=1.5)


# --------------------------------------------------------------------------------------------- NMS
@pytest.mark.parametrize("seed", range(6))
def test_nms_equals_tensorflow(seed):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(seed)
    n = 200
    xy = rng.uniform(0, 100, (n, 2))
    boxes = np.c_[xy, xy + rng.uniform(5, 40, (n, 2))].astype(np.float32)
    scores = rng.random(n).astype(np.float32)
    if seed % 2:
        scores = np.round(scores, 1)  # many ties: the lower index must win
    for thr, cap in ((0.5, 50), (0.3, 200), (0.7, 10)):
        ref = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]], scores, cap, iou_threshold=thr).numpy()
        np.testing.assert_array_equal(det.nms(boxes, scores, thr, max_output=cap), ref)
    ref = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]], scores, n, 0.5, score_threshold=0.55).numpy()
    np.testing.assert_array_equal(det.nms(boxes, scores, 0.5, score_threshold=0.55), ref)


def test_nms_hand_case_and_batched():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], float)
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    np.testing.assert_array_equal(det.nms(boxes, scores, 0.5), [3, 2])
    np.testing.assert_array_equal(det.batched_nms(boxes, scores, [0, 0, 0, 1], 0.5), [3, 0, 2])
    assert det.nms(np.zeros((0, 4)), []).shape == (0,)


# --------------------------------------------------------------------------------- matching and AP
def test_match_detections_hand_case():
    gt = [[0, 0, 10, 10], [20, 0, 30, 10]]
    dets = [[0, 0, 10, 9], [0, 0, 10, 10], [21, 0, 30, 10], [50, 50, 60, 60]]
    scores = [0.5, 0.9, 0.8, 0.7]
    matched, iou = det.match_detections(dets, scores, gt, 0.5)
    # best score first: det 1 takes gt 0, det 2 takes gt 1, det 0 is a duplicate, det 3 hits nothing
    np.testing.assert_array_equal(matched, [-1, 0, 1, -1])
    np.testing.assert_allclose(iou, [0.9, 1.0, 0.9, 0.0])


def test_precision_recall_and_three_interpolations_hand_case():
    # 3 ground-truth objects; detections sorted: TP, FP, TP, FP, FP (TP missing one object)
    recall, precision = det.precision_recall_curve([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], 3)
    np.testing.assert_allclose(recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(precision, [1, 0.5, 2 / 3, 0.5, 0.4])
    # all-point: 1/3 * 1 + 1/3 * 2/3
    assert det.average_precision(recall, precision, "all") == pytest.approx(1 / 3 + 2 / 9)
    # VOC 11-point: recall 0..0.3 -> 1 (4 points), 0.4..0.6 -> 2/3 (3 points), 0.7..1 -> 0
    assert det.average_precision(recall, precision, "voc11") == pytest.approx((4 + 3 * 2 / 3) / 11)
    # COCO 101-point: recall 0..0.33 -> 1 (34 points), 0.34..0.66 -> 2/3 (33 points), rest 0
    assert det.average_precision(recall, precision, "coco101") == pytest.approx((34 + 33 * 2 / 3) / 101)
    with pytest.raises(ValueError, match="n_gt"):
        det.precision_recall_curve([0.5], [1], 0)
    with pytest.raises(ValueError, match="non-decreasing"):
        det.average_precision([0.5, 0.2], [1, 1])
    with pytest.raises(ValueError, match="method"):
        det.average_precision([0.5], [1], "voc12")


# ------------------------------------------------------------------------------ COCO vs pycocotools
def random_case(rng: np.random.Generator, n_img: int = 6, n_cat: int = 3, crowd: float = 0.15,
                tie: bool = False, no_dets: bool = False) -> tuple[dict, list]:
    images = [{"id": i + 1, "width": 200, "height": 200} for i in range(n_img)]
    anns, aid = [], 1
    for im in images:
        for _ in range(rng.integers(0, 6)):  # some images get no objects at all
            x, y = rng.uniform(0, 150, 2)
            w, h = rng.uniform(2, 120, 2)
            anns.append({"id": aid, "image_id": im["id"], "category_id": int(rng.integers(1, n_cat + 1)),
                         "bbox": [x, y, w, h], "area": float(w * h * rng.uniform(0.5, 1)),
                         "iscrowd": int(rng.random() < crowd)})
            aid += 1
    dets = []
    if not no_dets:
        for a in anns:
            for _ in range(rng.integers(0, 3)):
                b = np.array(a["bbox"]) + rng.normal(0, 8, 4)
                b[2:] = np.abs(b[2:]) + 1
                cat = a["category_id"] if rng.random() < 0.8 else int(rng.integers(1, n_cat + 1))
                dets.append({"image_id": a["image_id"], "category_id": cat, "bbox": b.tolist(),
                             "score": float(rng.random())})
        for _ in range(rng.integers(0, 10)):
            x, y = rng.uniform(0, 150, 2)
            w, h = rng.uniform(1, 120, 2)
            dets.append({"image_id": int(rng.integers(1, n_img + 1)), "category_id": int(rng.integers(1, n_cat + 1)),
                         "bbox": [x, y, w, h], "score": float(rng.random())})
        if tie:
            for d in dets:
                d["score"] = float(np.round(d["score"], 1))
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": c + 1, "name": str(c)} for c in range(n_cat)]}
    return gt, dets


def cocoeval(gt: dict, dets: list, cat_ids: list | None = None):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        res = coco.loadRes(copy.deepcopy(dets)) if dets else COCO()
        if not dets:
            res.dataset = {"images": copy.deepcopy(gt["images"]), "annotations": [],
                           "categories": copy.deepcopy(gt["categories"])}
            res.createIndex()
        ev = COCOeval(coco, res, "bbox")
        if cat_ids is not None:
            ev.params.catIds = cat_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def test_equal_ious_go_to_the_later_object_as_in_cocoeval():
    # det 0 overlaps both objects with IoU 0.6; pycocotools gives it the later one (gt 1), so det 1,
    # which fits only gt 1, is a false positive: AP50 = 51/101, not 1 as "first object wins" gives
    gt_xyxy = np.array([[0, 0, 10, 10], [5, 0, 15, 10]], float)
    det_xyxy = np.array([[2.5, 0, 12.5, 10], [6, 0, 16, 10]], float)
    matched, _ = det.match_detections(det_xyxy, [0.9, 0.8], gt_xyxy, 0.5)
    np.testing.assert_array_equal(matched, [1, -1])
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [{"id": j + 1, "image_id": 1, "category_id": 1, "bbox": b.tolist(),
                           "area": float(b[2] * b[3]), "iscrowd": 0}
                          for j, b in enumerate(det.xyxy_to_xywh(gt_xyxy))]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": b.tolist(), "score": s}
            for b, s in zip(det.xyxy_to_xywh(det_xyxy), (0.9, 0.8))]
    ref = cocoeval(gt, dets)
    ours = det.coco_evaluate(gt, dets)
    assert ref.stats[1] == pytest.approx(51 / 101)
    for i, name in enumerate(STATS):
        assert ours[name] == pytest.approx(ref.stats[i], abs=1e-12), name


@pytest.mark.parametrize("seed", range(40))
def test_coco_evaluate_equals_cocoeval_on_random_cases(seed):
    rng = np.random.default_rng(seed)
    gt, dets = random_case(rng, tie=seed % 3 == 0, crowd=0.3 if seed % 4 == 0 else 0.1)
    ref = cocoeval(gt, dets)
    ours = det.coco_evaluate(gt, dets)
    for i, name in enumerate(STATS):
        assert ours[name] == pytest.approx(ref.stats[i], abs=1e-6), name
    np.testing.assert_allclose(ours["precision"], ref.eval["precision"], atol=1e-6)
    np.testing.assert_allclose(ours["recall"], ref.eval["recall"], atol=1e-6)


def test_coco_evaluate_one_category_and_many_detections():
    rng = np.random.default_rng(123)
    gt, dets = random_case(rng, n_img=4, n_cat=2)
    # more than 100 detections in one image: only the best 100 count
    dets += [{"image_id": 1, "category_id": 1, "bbox": [float(i), 0.0, 20.0, 20.0], "score": float(rng.random())}
             for i in range(150)]
    for cats in ([1], [2], None):
        ref = cocoeval(gt, dets, cats)
        ours = det.coco_evaluate(gt, dets, category_ids=cats)
        for i, name in enumerate(STATS):
            assert ours[name] == pytest.approx(ref.stats[i], abs=1e-6), (cats, name)


def test_coco_evaluate_without_detections_and_with_crowd_only():
    rng = np.random.default_rng(5)
    gt, _ = random_case(rng, no_dets=True)
    ref = cocoeval(gt, [])
    ours = det.coco_evaluate(gt, [])
    for i, name in enumerate(STATS):
        assert ours[name] == pytest.approx(ref.stats[i], abs=1e-6), name
    # a crowd region absorbs any number of detections, which count neither as TP nor FP
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100], "area": 10000,
                           "iscrowd": 1},
                          {"id": 2, "image_id": 1, "category_id": 1, "bbox": [200, 200, 10, 10], "area": 100,
                           "iscrowd": 0}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [10.0 * i, 10.0, 20.0, 20.0], "score": 0.9} for i in range(4)]
    dets.append({"image_id": 1, "category_id": 1, "bbox": [200, 200, 10, 10], "score": 0.5})
    ours = det.coco_evaluate(gt, dets)
    assert ours["AP"] == pytest.approx(1.0)
    assert ours["AP"] == pytest.approx(cocoeval(gt, dets).stats[0], abs=1e-6)


def test_coco_evaluate_rejects_bad_input():
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
                           "iscrowd": 0}]}
    with pytest.raises(ValueError, match="not in gt"):
        det.coco_evaluate(gt, [{"image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1.0}])
    with pytest.raises(ValueError, match="score"):
        det.coco_evaluate(gt, [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}])
    with pytest.raises(ValueError, match="width >= 0"):
        det.coco_evaluate(gt, [{"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 1.0}])
    with pytest.raises(ValueError, match="images"):
        det.coco_evaluate({"annotations": []}, [])


# ------------------------------------------------------------------------------------------- YOLOX
def test_letterbox_matches_bilinear_resize_and_pads():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (60, 100, 3), dtype=np.uint8)
    canvas, r = det.letterbox(image, 50, 114)
    assert r == pytest.approx(0.5) and canvas.shape == (50, 50, 3)
    ref = tf.image.resize(image.astype(np.float32), (30, 50), method="bilinear").numpy()
    assert np.max(np.abs(canvas[:30].astype(float) - ref)) <= 0.5 + 1e-4
    assert np.all(canvas[30:] == 114)
    with pytest.raises(ValueError, match="uint8"):
        det.letterbox(image.astype(np.float32))


def test_yolox_preprocess_is_bgr_0_255_chw():
    image = np.zeros((416, 208, 3), np.uint8)
    image[..., 0] = 200  # red
    blob, r = det.yolox_preprocess(image)
    assert blob.shape == (1, 3, 416, 416) and blob.dtype == np.float32 and r == 1.0
    assert blob[0, 2, 0, 0] == 200 and blob[0, 0, 0, 0] == 0  # red is the last (BGR) channel
    assert blob[0, 0, 0, 300] == 114  # padding on the right


def test_yolox_decode_and_postprocess_hand_case():
    raw = np.zeros((3549, 85))
    raw[:, 4] = 0.0
    # cell (x=2, y=1) of the stride-8 grid: index 1 * 52 + 2; offsets 0.5, size exp(0) * 8
    i = 1 * 52 + 2
    raw[i, :4] = [0.5, 0.5, np.log(4.0), np.log(2.0)]
    raw[i, 4], raw[i, 5 + 3] = 0.9, 0.5
    dec = det.yolox_decode(raw)
    np.testing.assert_allclose(dec[i, :4], [20, 12, 32, 16])
    boxes, scores, cls = det.yolox_postprocess(raw, r=0.5)
    np.testing.assert_allclose(boxes, [[8, 8, 72, 40]])  # (20 +- 16, 12 +- 8) / 0.5
    np.testing.assert_allclose(scores, [0.45])
    np.testing.assert_array_equal(cls, [3])
    with pytest.raises(ValueError, match="shape"):
        det.yolox_decode(np.zeros((100, 85)))
