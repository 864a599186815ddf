"""Generate the book pages that are gathered from the chapters: glossary, interview bank, bibliography file.

Run by `make book` (and by the book-build test) before `jupyter-book build`. Nothing on these pages is
copied by hand:

- ``book/glossary.md`` from the term files ``book/terms/*.yml`` (one per chapter: term, Korean name,
  one-line definition, the chapter that teaches it), sorted alphabetically;
- ``book/interview_bank.md`` from the markdown cells tagged ``interview`` in the notebooks listed in
  ``_toc.yml``, grouped by part and chapter, each group linking back to its chapter;
- ``book/references.bib`` from the fragments ``book/bib/*.bib`` (duplicate keys merged);
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
GENERATED = ["book/glossary", "book/interview_bank"]  # pages in _toc.yml written by this script


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


def interview_cells(docname: str) -> list[str]:
    nb = json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]).strip() for c in nb["cells"]
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
    ]
    for caption, docs in chapters_by_part():
        if not docs:
            continue
        lines += [f"## {caption}", ""]
        for doc in docs:
            questions = interview_cells(doc)
            counts[doc] = len(questions)
            lines += [f"### {notebook_title(doc)}", "",
                      f"From the chapter {{doc}}`../{doc}` ({len(questions)} questions).", ""]
            for q in questions:
                lines += [q, ""]
    (BOOK / "interview_bank.md").write_text("\n".join(lines), encoding="utf-8")
    return counts


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
    print(f"glossary: {n_terms} terms; interview bank: {sum(counts.values())} questions "
          f"from {len(counts)} chapters; bibliography: {n_refs} entries; MathJax {mathjax}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
