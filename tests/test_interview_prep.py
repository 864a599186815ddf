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
