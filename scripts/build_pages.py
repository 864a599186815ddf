"""Generate the book pages that are gathered from the chapters: glossary, interview bank, bibliography file.

Run by `make book` (and by the book-build test) before `jupyter-book build`. Nothing on these pages is
copied by hand:

- ``book/glossary.md`` from the term files ``book/terms/*.yml`` (one per chapter: term, Korean name,
  one-line definition, the chapter that teaches it), sorted alphabetically;
- ``book/interview_bank.md`` from the markdown cells tagged ``interview`` in the notebooks listed in
  ``_toc.yml``, grouped by part and chapter, each group linking back to its chapter;
- ``book/references.bib`` from the fragments ``book/bib/*.bib`` (duplicate keys merged);
- ``book/mock_interview.md``, a page that draws the bank's questions at random (plain JavaScript over
  the bank as JSON, embedded in the page so it also works from a site opened as files), and
  ``book/_generated/cnn-course-interview.apkg``, the bank as an Anki deck (``scripts/interview_prep.py``);
- ``book/cheatsheets.md`` and one printable cheat sheet per part, ``book/cheatsheet_<part>.md``, from the
  chapters' sources ``book/cheatsheets/*.yml`` (formulas, shapes, numbers worth remembering);
- ``_vendor/mathjax/``: MathJax 3 installed from the npm registry, so that formulas render on a site
  served without internet (``mathjax_path`` in ``_config.yml`` points here instead of a CDN).

Each chapter keeps its own terms, references and questions in its own files, so chapters written in
parallel never edit the same file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cheatsheets  # noqa: E402
import interview_prep  # noqa: E402

# Pages in _toc.yml written by this script.
GENERATED = ["book/glossary", "book/interview_bank", "book/mock_interview", "book/cheatsheets",
             "book/cheatsheet_start", "book/cheatsheet_part1", "book/cheatsheet_part2",
             "book/cheatsheet_part3", "book/cheatsheet_part4"]
GENERATED_DIR = BOOK / "_generated"   # files the pages link to (the deck); not committed


def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def chapters_by_part() -> list[tuple[str, list[str]]]:
    """(part caption, [notebook docnames]) in _toc.yml order."""
    return [
        (part["caption"], [c["file"] for c in part["chapters"] if c["file"].startswith("notebooks/")])
        for part in toc().get("parts", [])
    ]


def notebook_title(docname: str) -> str:
    nb = json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    return "".join(nb["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()


def interview_cells(docname: str) -> list[tuple[str, str]]:
    """(cell id, source with glued values filled in) of every interview cell of a chapter."""
    nb = json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    glue = interview_prep._glue_values(nb)
    return [(c.get("id", str(i)), interview_prep.resolve_glue("".join(c["source"]).strip(), glue,
                                                            f"{docname} cell {i}"))
            for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "markdown" and "interview" in c.get("metadata", {}).get("tags", [])]


def load_terms() -> list[dict]:
    terms = []
    for path in sorted((BOOK / "terms").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            missing = {"term", "ko", "definition", "chapter"} - set(entry)
            if missing:
                raise ValueError(f"{path.name}: the entry {entry.get('term')!r} lacks {sorted(missing)}")
            terms.append({**entry, "source": path.name})
    seen: dict[str, str] = {}
    for entry in terms:
        key = entry["term"].lower()
        if key in seen:
            raise ValueError(f"the term {entry['term']!r} is defined in both {seen[key]} and {entry['source']}")
        seen[key] = entry["source"]
    return sorted(terms, key=lambda e: e["term"].lower())


def write_glossary() -> int:
    terms = load_terms()
    lines = [
        "# Glossary · 용어집",
        "",
        "Every technical term the book uses, with its Korean name, a one-line definition and the chapter",
        "that teaches it. Chapters link to these entries; this page is generated from the chapters' term",
        "files (`book/terms/`).",
        "",
        "```{glossary}",
    ]
    for e in terms:
        definition = " ".join(str(e["definition"]).split())
        lines += [e["term"], f"  **{e['ko']}**. {definition} Taught in {{doc}}`../{e['chapter']}`.", ""]
    lines.append("```")
    (BOOK / "glossary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(terms)


def write_interview_bank() -> dict[str, int]:
    counts: dict[str, int] = {}
    lines = [
        "# Interview bank · 면접 질문 모음",
        "",
        "Every interview question of the book in one place, grouped by part and chapter, with a strong answer",
        "in English and in Korean behind each question. The questions live in their chapters; this page is",
        "gathered from them when the book is built, so it is never out of date. Try to answer aloud before",
        "you click.",
        "",
        "각 장의 면접 질문을 한곳에 모았습니다. 질문을 누르면 영어 답변과 한국어 답변이 나옵니다. 먼저 소리 내어",
        "답해 본 뒤에 열어 보세요.",
        "",
        "Each question carries its level (basic, intermediate, senior) and, for most, the follow-up a",
        "senior interviewer asks next. To drill them: the {doc}`mock interview <mock_interview>` page draws",
        f"them at random, and the {{download}}`Anki deck <_generated/{interview_prep.DECK_FILE}>` holds every",
        "question with an English and a Korean card (re-importing a newer deck updates your cards).",
        "",
    ]
    levels = {r["id"]: r["level"] for r in interview_prep.questions(chapters_by_part())}
    for caption, docs in chapters_by_part():
        if not docs:
            continue
        lines += [f"## {caption}", ""]
        for doc in docs:
            questions = interview_cells(doc)
            counts[doc] = len(questions)
            lines += [f"### {notebook_title(doc)}", "",
                      f"From the chapter {{doc}}`../{doc}` ({len(questions)} questions).", ""]
            for (cell_id, q) in questions:
                level = levels.get(f"{Path(doc).name}#{cell_id}", "")
                if level:
                    first, _, rest = q.partition("\n")
                    q = f"{first} · {level} ({interview_prep.LEVEL_KO[level]})\n{rest}"
                lines += [q, ""]
    (BOOK / "interview_bank.md").write_text("\n".join(lines), encoding="utf-8")
    return counts


def write_mock_interview() -> int:
    """The mock-interview page: controls, the bank as JSON, and the script that drives them."""
    records = interview_prep.questions(chapters_by_part())
    data = json.dumps(interview_prep.page_records(records), ensure_ascii=False).replace("</", "<\\/")
    parts = list(dict.fromkeys(r["part"] for r in records))
    part_options = "".join(f'<option value="{html_escape(p)}">{html_escape(p)}</option>' for p in parts)
    level_options = "".join(f'<option value="{lv}">{lv} · {interview_prep.LEVEL_KO[lv]}</option>'
                            for lv in interview_prep.LEVELS)
    lines = [
        "# Mock interview · 모의 면접",
        "",
        "One question at a time, drawn at random from the {doc}`interview bank <interview_bank>`. Answer",
        "aloud, then reveal the answer and the follow-up an interviewer would ask next. Choose a part and a",
        "level to narrow the draw, and switch between English and Korean at any time. The page works",
        "offline: the questions are part of the page.",
        "",
        "면접 질문 모음에서 질문을 하나씩 무작위로 뽑습니다. 먼저 소리 내어 답한 뒤 답변과 꼬리 질문을 열어 보세요.",
        "",
        '<div id="mock-app" class="mock-interview" lang="en">',
        '<div class="mock-controls">',
        f'<label><span data-en="Part" data-ko="파트">Part</span> <select id="mock-part">'
        f'<option value="" data-en="All parts" data-ko="전체">All parts</option>{part_options}</select></label>',
        f'<label><span data-en="Level" data-ko="난이도">Level</span> <select id="mock-level">'
        f'<option value="" data-en="All levels" data-ko="전체">All levels</option>{level_options}</select>'
        "</label>",
        '<button type="button" id="mock-lang" class="btn btn-outline-secondary">한국어</button>',
        '<button type="button" id="mock-draw" class="btn btn-primary" data-en="Draw a question" '
        'data-ko="질문 뽑기">Draw a question</button>',
        "</div>",
        '<p id="mock-count" class="mock-count"></p>',
        '<div id="mock-card" class="mock-card" hidden>',
        '<p id="mock-meta" class="mock-meta"></p>',
        '<p id="mock-question" class="mock-question"></p>',
        '<button type="button" id="mock-reveal" class="btn btn-outline-primary" data-en="Show the answer" '
        'data-ko="답변 보기">Show the answer</button>',
        '<div id="mock-answer" class="mock-answer" hidden></div>',
        "</div>",
        "</div>",
        "",
        f'<script type="application/json" id="mock-data">{data}</script>',
        '<link rel="stylesheet" href="../_static/mock_interview.css">',
        '<script src="../_static/mock_interview.js"></script>',
        "",
    ]
    (BOOK / "mock_interview.md").write_text("\n".join(lines), encoding="utf-8")
    return len(records)


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_deck() -> int:
    """The interview bank as an Anki deck in book/_generated/, linked from the bank page."""
    records = interview_prep.questions(chapters_by_part())
    return interview_prep.write_deck(records, GENERATED_DIR / interview_prep.DECK_FILE)


def write_bibliography() -> int:
    entries: dict[str, str] = {}
    for path in sorted((BOOK / "bib").glob("*.bib")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"@\w+\{([^,]+),.*?\n\}", text, flags=re.S):
            entries.setdefault(match.group(1).strip(), match.group(0))
    (BOOK / "references.bib").write_text(
        "% Generated by scripts/build_pages.py from book/bib/*.bib; edit those files.\n\n"
        + "\n\n".join(entries[k] for k in sorted(entries)) + "\n", encoding="utf-8")
    return len(entries)


MATHJAX = ROOT / "_vendor" / "mathjax"
MATHJAX_VERSION = "3.2.2"


def install_mathjax() -> str:
    """Install MathJax's browser bundle into _vendor/mathjax once (npm registry), return its state."""
    if (MATHJAX / "tex-chtml.js").exists():
        return "present"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed once to install MathJax for offline formulas; install Node.js")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", tmp,
                        f"mathjax@{MATHJAX_VERSION}"], check=True, capture_output=True)
        es5 = Path(tmp) / "node_modules" / "mathjax" / "es5"
        fonts = Path("output") / "chtml" / "fonts" / "woff-v2"
        (MATHJAX / fonts).parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(es5 / fonts, MATHJAX / fonts, dirs_exist_ok=True)
        shutil.copy2(es5 / "tex-chtml.js", MATHJAX / "tex-chtml.js")  # last: marks the install complete
    return "installed"


def main() -> int:
    mathjax = install_mathjax()
    n_terms = write_glossary()
    counts = write_interview_bank()
    n_refs = write_bibliography()
    n_mock = write_mock_interview()
    n_deck = write_deck()
    n_sheets = cheatsheets.write_all(BOOK, chapters_by_part())
    print(f"glossary: {n_terms} terms; interview bank: {sum(counts.values())} questions "
          f"from {len(counts)} chapters; mock interview: {n_mock}; Anki deck: {n_deck} notes; "
          f"cheat sheets: {n_sheets}; bibliography: {n_refs} entries; MathJax {mathjax}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
