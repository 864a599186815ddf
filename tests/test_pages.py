"""What a reader sees on a chapter page: numbers bound to outputs, no words about how the book was made,
one Korean vocabulary, code that fits the column. The checks live in ``scripts/check_pages.py`` (run it
to list every hit); each is also run here on a planted example, so a check that cannot fail is caught.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_pages  # noqa: E402
import check_pages  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Numbers that chapters not yet edited for bound numbers still quote without glue, keyed by notebook.
# The test fails on any hit that is not listed here; the list only shrinks (stale entries fail too).
NUMBER_DEBT = ROOT / "tests" / "prose_numbers_debt.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def debt_key(hit: str) -> str:
    """A hit without its cell index, so that inserting a cell elsewhere does not change it."""
    return hit.split(": ", 1)[1]


def md(text: str, **meta) -> dict:
    return {"cell_type": "markdown", "metadata": meta, "source": text}


def code(text: str, output: str | None = None, tags: list[str] | None = None) -> dict:
    outputs = [] if output is None else [{"output_type": "stream", "name": "stdout", "text": output}]
    return {"cell_type": "code", "metadata": {"tags": tags or []}, "source": text, "outputs": outputs,
            "execution_count": 1}


# --------------------------------------------------------------------------- the chapters

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_numbers_come_from_outputs_or_glue(path):
    hits = check_pages.unbound_numbers(load(path))
    debt = json.loads(NUMBER_DEBT.read_text(encoding="utf-8")).get(path.name, [])
    new = [h for h in hits if debt_key(h) not in debt]
    assert not new, ("prose numbers that no stable output shows (glue them with myst_nb.glue, or print "
                     "them):\n  " + "\n  ".join(new))
    keys = {debt_key(h) for h in hits}
    stale = [d for d in debt if d not in keys]
    assert not stale, (f"fixed, so remove from {NUMBER_DEBT.name}:\n  " + "\n  ".join(stale))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_words_about_how_the_book_was_made(path):
    hits = check_pages.making_words(load(path), chapter_zero=path.name.startswith("00_"))
    assert not hits, "say it as the course would, or cut it:\n  " + "\n  ".join(hits)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_korean_uses_the_book_vocabulary(path):
    hits = check_pages.korean_variants(check_pages.korean_texts(load(path)))
    assert not hits, "use the glossary's word (book/korean_variants.yml):\n  " + "\n  ".join(hits)


def test_glossary_korean_names_use_the_book_vocabulary():
    texts = [(entry["term"], str(entry["ko"])) for entry in build_pages.load_terms()]
    hits = check_pages.korean_variants(texts)
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_column(path):
    hits = check_pages.long_code_lines(load(path))
    assert not hits, "code lines over 88 characters scroll sideways on the page:\n  " + "\n  ".join(hits)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_long_drawing_cells_are_hidden(path):
    hits = check_pages.long_drawing_cells(load(path))
    assert not hits, "\n  ".join(hits)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_emphasis_before_korean_text_renders(path):
    hits = check_pages.unclosed_emphasis(load(path))
    assert not hits, "emphasis the page would show as asterisks:\n  " + "\n  ".join(hits)


# --------------------------------------------------------------------------- planted examples

def test_number_check_catches_a_drifted_and_an_unglued_number():
    nb = {"cells": [
        code("print(acc)", "accuracy 0.8673\n"),
        code("print(seconds)", "trained in 78.6 s\n", tags=["nbval-ignore-output"]),
        md("The model reaches 86.7 % (0.867) in 79 s, and 0.912 on the rest."),
    ]}
    hits = check_pages.unbound_numbers(nb)
    assert any("'79'" in h and "glue it" in h for h in hits), hits      # only in a changing output
    assert any("'0.912'" in h and "no output" in h for h in hits), hits  # nowhere on the page
    assert sorted(h.split("'")[1] for h in hits) == ["0.912", "79"]     # 86.7 %, 0.867: rounded output


def test_number_check_accepts_glue_code_constants_citations_and_references():
    nb = {"cells": [
        code("x = rng.random(5000)  # 28 x 28", "done\n"),
        md("Glued: {glue:text}`acc:.3f`. We draw 5000 points of 28 × 28 pixels. Section 4.5 shows it; "
           "see chapter 12. In 2019 the paper reported 0.95 % error {cite:p}`lecun1998`. Formula "
           "$p = 0.75$ and `lr=0.003`.\n\n## 8.2 A heading"),
    ]}
    assert check_pages.unbound_numbers(nb) == []


def test_number_check_counts_a_cited_sentence_or_table_row_as_cited():
    row = "| 2016 | PSPNet {cite:p}`zhao2017` | pyramid pooling | 85.4 % on VOC 2012 test |"
    nb = {"cells": [md("| year | model | idea | result |\n|---|---|---|---|\n" + row + "\n\n"
                       "DeepLab reached 79.7 % {cite:t}`chen2018`. Ours reached 61.3 %.")]}
    hits = check_pages.unbound_numbers(nb)
    assert [h.split("'")[1] for h in hits] == ["61.3 %"], hits  # the uncited sentence is still caught
    uncited = {"cells": [md(row.replace(" {cite:p}`zhao2017`", ""))]}
    assert [h.split("'")[1] for h in check_pages.unbound_numbers(uncited)] == ["85.4 %"]


def test_words_check_catches_build_words_and_allows_chapter_zero_its_tooling():
    nb = {"cells": [md("As in seed 003 and the issue that planned this chapter, on this machine."),
                    code("x = 1  # measured on the shared machine"),
                    md("The book is checked with nbval.")]}
    hits = check_pages.making_words(nb)
    assert {h.split(": ", 1)[1] for h in hits} >= {"'seed 003'", "'the issue'", "'this machine'",
                                                  "'shared machine'", "'nbval'"}
    assert not any("nbval" in h for h in check_pages.making_words(nb, chapter_zero=True))
    assert check_pages.making_words({"cells": [md("A seed fixes the initial weights.")]}) == []


def test_korean_check_catches_variants_and_passes_the_book_words():
    hits = check_pages.korean_variants([("q", "위양성과 라벨, 계층, 정규화(regularization), 레이블 지도")])
    assert len(hits) == 5, hits
    assert check_pages.korean_variants([("q", "거짓 양성, 레이블, 층, 계층적 구조, 규제, 배치 정규화, "
                                              "지도 학습, 레이블 맵, 그래디언트")]) == []


def test_code_shape_checks_catch_a_long_line_and_a_long_visible_drawing_cell():
    drawing = "\n".join(["fig, ax = plt.subplots()"] + [f"ax.plot([{i}], [{i}])" for i in range(31)])
    nb = {"cells": [code("x = 1" + " " * 90 + "# too long"), code(drawing),
                    code(drawing, tags=["hide-input"])]}
    assert len(check_pages.long_code_lines(nb)) == 1
    assert [h.split(":")[0] for h in check_pages.long_drawing_cells(nb)] == ["cell 1"]


def test_emphasis_check_catches_bold_closed_after_a_parenthesis_before_hangul():
    nb = {"cells": [md("**층별 학습률(discriminative learning rate)**은 층마다"),
                    md("**층별 학습률**(discriminative learning rate)은 층마다"),
                    md("**Answer.** In English (a note)**,** fine"),
                    md("*(선택)*은 여기")]}
    assert [h.split(":")[0] for h in check_pages.unclosed_emphasis(nb)] == ["cell 0", "cell 3"]
