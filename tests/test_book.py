"""The website builds with no warnings (`jupyter-book build -W`), from the stored outputs."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebook_pages() -> list[str]:
    return [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]


def test_book_builds_with_every_page(built_site):
    assert (built_site / "index.html").exists()
    for page in ("book/intro", "book/glossary", "book/interview_bank", "book/bibliography",
                 "book/execution_report"):
        assert (built_site / f"{page}.html").exists(), page


def test_chapter_pages_have_launch_and_download_buttons_and_figures(built_site):
    for stem in notebook_pages():
        page = (built_site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        assert f"colab.research.google.com/github/" in page and f"notebooks/{stem}.ipynb" in page, stem
        assert f"_sources/notebooks/{stem}.ipynb" in page, f"{stem}: no .ipynb download button"
        nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        n_figures = sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
                        for o in c["outputs"])
        assert len(re.findall(r"<img [^>]*src=\"\.\./_images/", page)) >= n_figures, stem


QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def visible_text(page: str) -> str:
    """The page's text without tags, entities or typographic quotes (Sphinx's smartquotes)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).translate(QUOTES).split())


def test_interview_bank_gathers_every_chapter(built_site):
    page = (built_site / "book" / "interview_bank.html").read_text(encoding="utf-8")
    bank = visible_text(page)
    for stem in notebook_pages():
        nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        questions = [c for c in nb["cells"] if "interview" in c.get("metadata", {}).get("tags", [])]
        assert f"../notebooks/{stem}.html" in page, f"the bank does not link back to {stem}"
        for cell in questions:
            first_line = "".join(cell["source"]).splitlines()[0]
            question = " ".join(first_line.removeprefix("```{dropdown} ").replace("`", "").translate(QUOTES).split())
            assert question in bank, f"{stem}: {question!r} is not in the interview bank"


def test_every_page_loads_the_course_script_and_a_favicon(built_site):
    """book/_assets/course.js (phone drawers, lang="ko", dropdowns opened for printing) and the
    favicon are on every page; tests/test_website.py checks what they do in a browser."""
    missing = []
    for page in sorted(built_site.rglob("*.html")):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        if 'http-equiv="Refresh"' in text:
            continue
        for needle in ("_static/course.js", 'rel="icon" href="', "_static/favicon.png"):
            if needle not in text:
                missing.append(f"{page.relative_to(built_site)}: no {needle}")
    assert not missing, "\n".join(missing[:20])


def test_local_virtual_environments_are_not_read_as_pages():
    """`make test-colab` leaves .venv-colab in the checkout; its site-packages are not pages."""
    import yaml

    patterns = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["exclude_patterns"]
    assert ".venv*" in patterns and ".venv-colab/*" in patterns, patterns
