"""Interview preparation: the bank parses, questions carry levels and follow-ups, the Anki deck holds the
bank, and the mock-interview page draws, reveals, switches language and filters in a real browser."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_pages  # noqa: E402
import interview_prep  # noqa: E402


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return interview_prep.questions(build_pages.chapters_by_part())


def test_every_interview_cell_parses_into_both_languages(records):
    assert len(records) >= 91
    for r in records:
        for key in ("question_en", "question_ko", "answer_en", "answer_ko"):
            assert r[key].strip(), f"{r['id']}: empty {key}"
        assert re.search(r"[가-힣]", r["question_ko"] + r["answer_ko"]), f"{r['id']}: Korean is not Korean"
        assert "**답변.**" not in r["answer_en"] and "Follow-up" not in r["answer_en"]
        # a follow-up is asked in both languages or in neither
        assert bool(r["follow_up_en"]) == bool(r["follow_up_ko"]), f"{r['id']}: follow-up in one language"


def test_every_question_has_a_level(records):
    missing = [r["id"] for r in records if r["level"] not in interview_prep.LEVELS]
    assert not missing, ('cell metadata "level" ("basic", "intermediate" or "senior") missing on:\n  '
                         + "\n  ".join(missing))


def test_two_thirds_of_the_questions_carry_a_follow_up(records):
    with_follow_up = sum(bool(r["follow_up_en"]) for r in records)
    assert with_follow_up * 3 >= 2 * len(records), f"{with_follow_up} of {len(records)} have a follow-up"


def test_parser_on_a_planted_cell_with_both_follow_up_styles():
    inline = ("```{dropdown} Q. Why pool? · 왜 풀링하나요?\n**Answer.** To shrink maps.\n\n"
              "Follow-up: and strides? Also fine. · **꼬리 질문:** 스트라이드는요? 그것도 됩니다.\n\n"
              "**답변.** 맵을 줄이려고요.\n```")
    r = interview_prep.parse_cell(inline, "planted")
    assert (r["question_en"], r["question_ko"]) == ("Why pool?", "왜 풀링하나요?")
    assert r["answer_en"] == "To shrink maps." and r["answer_ko"] == "맵을 줄이려고요."
    assert r["follow_up_en"] == "and strides? Also fine." and r["follow_up_ko"].startswith("스트라이드는요?")
    split = inline.replace(" · **꼬리 질문:** 스트라이드는요? 그것도 됩니다.", "").replace(
        "맵을 줄이려고요.", "맵을 줄이려고요.\n\n꼬리 질문: 스트라이드는요?")
    r = interview_prep.parse_cell(split, "planted")
    assert r["follow_up_ko"] == "스트라이드는요?" and r["answer_ko"] == "맵을 줄이려고요."
    with pytest.raises(ValueError, match="Korean version"):
        interview_prep.parse_cell("```{dropdown} Q. No Korean\n**Answer.** x\n**답변.** y\n```", "planted")


def test_glue_in_an_answer_is_filled_in_and_a_missing_glue_fails():
    values = {"acc": "0.86734"}
    assert interview_prep.resolve_glue("reached {glue:text}`acc:.3f`", values, "x") == "reached 0.867"
    with pytest.raises(ValueError, match="does not glue"):
        interview_prep.resolve_glue("{glue:text}`nope`", values, "x")


def test_glue_values_read_both_displayed_and_hidden_glue():
    shown = {"output_type": "display_data", "data": {"text/plain": "0.5"},
             "metadata": {"scrapbook": {"name": "a", "mime_prefix": ""}}}
    hidden = {"output_type": "display_data",
              "data": {"application/papermill.record/text/plain": "188"},
              "metadata": {"scrapbook": {"name": "k", "mime_prefix": "application/papermill.record/"}}}
    nb = {"cells": [{"cell_type": "code", "outputs": [shown, hidden]}]}
    assert interview_prep._glue_values(nb) == {"a": "0.5", "k": "188"}


def test_the_anki_deck_holds_the_bank_with_stable_ids(records, tmp_path):
    path = tmp_path / interview_prep.DECK_FILE
    assert interview_prep.write_deck(records, path) == len(records)
    with zipfile.ZipFile(path) as z:
        z.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    notes = db.execute("select guid, flds, tags from notes").fetchall()
    cards = db.execute("select count(*) from cards").fetchone()[0]
    db.close()
    assert len(notes) == len(records) and cards == 2 * len(records)   # an English and a Korean card
    by_id = {flds.split("\x1f")[0]: (guid, flds.split("\x1f"), tags) for guid, flds, tags in notes}
    sample = records[len(records) // 2]
    guid, fields, tags = by_id[sample["id"]]
    assert fields[1] == sample["question_en"] and fields[4] == sample["question_ko"]
    assert sample["answer_en"].split()[0].strip("*") in fields[2]
    assert f"chapter-{sample['chapter_number']:02d}" in tags.split()
    # the guid comes from the notebook and cell id, so an edited answer updates the same note
    edited = [dict(r, answer_en="changed") if r is sample else r for r in records]
    again = tmp_path / "again.apkg"
    interview_prep.write_deck(edited, again)
    with zipfile.ZipFile(again) as z:
        (tmp_path / "b").mkdir()
        z.extract("collection.anki2", tmp_path / "b")
    db = sqlite3.connect(tmp_path / "b" / "collection.anki2")
    guids = {row[0] for row in db.execute("select guid from notes")}
    db.close()
    assert guid in guids and len(guids) == len(records)


def test_book_build_writes_the_deck_and_the_mock_page(built_site):
    decks = list((built_site / "_downloads").rglob(interview_prep.DECK_FILE))
    assert decks, "the interview bank page does not link the Anki deck"
    page = (built_site / "book" / "mock_interview.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="mock-data">(.*?)</script>', page,
                                re.S).group(1).replace("<\\/", "</"))
    assert len(data) == len(interview_prep.questions(build_pages.chapters_by_part()))


def test_mock_interview_draws_reveals_switches_language_and_filters(built_site, browser):
    page_file = built_site / "book" / "mock_interview.html"
    data = json.loads(re.search(r'id="mock-data">(.*?)</script>', page_file.read_text(encoding="utf-8"),
                                re.S).group(1).replace("<\\/", "</"))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(r"^https?://.*"), lambda route: route.abort())   # offline, from files
    page.goto(page_file.as_uri(), wait_until="load")
    assert page.locator("#mock-card").is_hidden()
    page.click("#mock-draw")
    question = page.locator("#mock-question").inner_text()
    record = next(r for r in data if r["q"]["en"] == question)
    assert page.locator("#mock-answer").is_hidden()
    page.click("#mock-reveal")
    assert page.locator("#mock-answer").is_visible()
    assert page.locator("#mock-answer").inner_text().strip()
    page.click("#mock-lang")
    assert page.locator("#mock-app").get_attribute("lang") == "ko"
    assert page.locator("#mock-question").inner_text() == record["q"]["ko"]
    assert re.search(r"[가-힣]", page.locator("#mock-answer").inner_text())
    page.click("#mock-lang")
    # filter by part and level: every draw comes from the filtered questions
    part, level = data[-1]["part"], data[-1]["level"]
    page.select_option("#mock-part", value=part)
    if level:
        page.select_option("#mock-level", value=level)
    allowed = {r["q"]["en"] for r in data if r["part"] == part and (not level or r["level"] == level)}
    count = page.locator("#mock-count").inner_text()
    assert count.startswith(f"{len(allowed)} of {len(data)}"), count
    for _ in range(8):
        page.click("#mock-draw")
        assert page.locator("#mock-question").inner_text() in allowed
    context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    from test_website import CHROMIUM, CHROMIUM_ARGS
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# The staples a candidate must be ready for, each owned by the chapter that teaches it: (regex matched
# against the English question and its follow-up, the chapters where the question must live).
STAPLES = {
    # Part I
    "classification vs detection vs segmentation": (r"classification.*(detection|segmentation)", [1]),
    "why a CNN rather than an MLP": (r"\bMLP\b|fully connected network|dense network", [2]),
    "translation equivariance vs invariance": (r"equivarian", [2]),
    "what pooling is for": (r"pooling", [2]),
    "pooling vs strided convolution": (r"strided|stride", [2]),
    "why 3 × 3 kernels, receptive field": (r"3 ?× ?3|3x3|receptive field", [2]),
    "what a 1 × 1 convolution does": (r"1 ?× ?1|1x1", [2, 3]),
    "output size and parameter count of a convolution": (r"output size|parameters", [2]),
    "why a non-linearity, ReLU and dying units": (r"non-?linearit|ReLU", [2]),
    "residual connections": (r"residual|skip connection", [3]),
    "logits vs probabilities, from_logits": (r"logit", [4]),
    "softmax vs sigmoid (multi-label)": (r"sigmoid|multi-label", [4]),
    "cross-entropy, its gradient, not squared error": (r"cross-entropy|squared error", [4]),
    "numerically stable softmax": (r"stabl|overflow", [4]),
    "calibration, temperature scaling, ECE": (r"calibrat|temperature|\bECE\b", [4, 10]),
    "label smoothing": (r"label smoothing", [4, 8, 9]),
    # Part II
    "train / validation / test, not tuning on test": (r"validation|test set", [5]),
    "leakage through near duplicates and group splits": (r"leak|duplicate|group", [5, 6]),
    "MNIST vs CIFAR-10 vs ImageNet": (r"MNIST|CIFAR|ImageNet", [5]),
    "class imbalance": (r"imbalanc", [6, 10]),
    "what augmentation is for": (r"augment", [8]),
    "when a transform changes the label": (r"label", [8]),
    "test-time augmentation": (r"test-time augmentation|\bTTA\b", [8]),
    "MixUp / CutMix / RandAugment": (r"MixUp|CutMix|RandAugment", [8]),
    "input normalisation and training/serving skew": (r"normali[sz]|skew", [3, 7]),
    "finding an input-pipeline bottleneck": (r"pipeline|utili[sz]ation|bottleneck", [7]),
    "interleave vs map, TFRecord": (r"interleave|TFRecord", [7]),
    "detecting a distribution shift": (r"shift", [6]),
    # Part III
    "BatchNorm in training vs inference": (r"BatchNorm|batch normali[sz]ation", [9]),
    "BatchNorm with small batches, vs LayerNorm / GroupNorm": (r"LayerNorm|GroupNorm|small batch", [9]),
    "dropout's scaling": (r"dropout", [9]),
    "reading under- and overfitting from curves": (r"overfit|underfit|curve", [9]),
    "early stopping and checkpoints": (r"early stopping|checkpoint", [9]),
    "learning-rate schedules, warm-up, rate too high or low": (r"learning.rate|warm-?up|schedule", [9]),
    "SGD with momentum vs Adam, weight decay vs L2": (r"Adam|momentum|weight decay", [9]),
    "first sanity checks": (r"sanity|initial loss|one batch", [9]),
    "precision, recall, F1 and a threshold": (r"precision|recall|\bF1\b|threshold", [10]),
    "ROC-AUC vs PR-AUC under imbalance": (r"ROC|PR-AUC|precision-recall", [10]),
    "macro vs micro vs weighted averages": (r"macro|micro", [10]),
    "whether a difference in accuracy is real": (r"significan|interval|McNemar|real|noise", [10]),
    "feature extraction vs fine-tuning, what to unfreeze": (r"fine-tun|feature extraction|unfreez", [11]),
    "BatchNorm while fine-tuning": (r"BatchNorm|batch normali[sz]ation", [11]),
    "when fine-tuning or transfer hurts": (r"hurt|negative transfer", [11]),
    "choosing a backbone by parameters, FLOPs, latency": (r"backbone|FLOPs|latency", [11]),
    "depthwise separable convolutions": (r"depthwise", [11]),
    # Part IV
    "CAM vs Grad-CAM": (r"Grad-CAM", [12]),
    "the right place, shortcut learning, saliency sanity checks": (
        r"right place|shortcut|Clever Hans|sanity", [12]),
    "IoU": (r"IoU", [13]),
    "NMS and soft-NMS": (r"NMS|non-maximum", [13]),
    "AP, AP50, AP75 and COCO's AP": (r"\bAP\b|\bmAP\b|AP50", [13]),
    "one- vs two-stage, anchors vs anchor-free": (r"one-stage|two-stage|anchor", [13]),
    "RoI Pool vs RoI Align": (r"RoI", [13]),
    "small objects and FPN": (r"small objects?|FPN|feature pyramid", [13]),
    "focal loss": (r"focal", [13]),
    "semantic vs instance vs panoptic segmentation": (r"panoptic|instance", [14]),
    "FCN and U-Net skip connections": (r"U-Net|skip|FCN", [14]),
    "transposed-convolution checkerboards": (r"checkerboard|transposed", [14]),
    "mIoU vs Dice, per image vs per dataset": (r"Dice|mIoU", [14]),
    "dilated convolution": (r"dilat|atrous", [14]),
}


@pytest.mark.parametrize("topic", STAPLES)
def test_the_bank_covers_the_staples_in_the_chapter_that_teaches_them(topic, records):
    pattern, chapters = STAPLES[topic]
    regex = re.compile(pattern, re.IGNORECASE)
    found = [r["id"] for r in records if r["chapter_number"] in chapters
             and regex.search(r["question_en"] + " " + r["follow_up_en"].split("?")[0])]
    assert found, f"no question on {topic!r} in chapter(s) {chapters}; add one there"
