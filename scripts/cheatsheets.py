"""One printable cheat sheet per part of the book, from a small source per chapter.

Each chapter keeps ``book/cheatsheets/<notebook stem>.yml``:

    formulas:   [{name: ..., tex: ...}]      # LaTeX, shown as display maths
    shapes:     [{what: ..., shape: ...}]    # tensor shapes and parameter counts
    numbers:    [{what: ..., value: ...}]    # the numbers worth remembering (facts, not this run's outputs)

Called by ``scripts/build_pages.py``; writes ``book/cheatsheets.md`` (an index) and
``book/cheatsheet_<page>.md`` for each part. A chapter without a source is left out of its sheet.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

PAGES = ["start", "part1", "part2", "part3", "part4"]   # in _toc.yml order of the parts with chapters
KINDS = {"formulas": "Formulas", "shapes": "Shapes and sizes", "numbers": "Numbers worth remembering"}


def _title(root: Path, doc: str) -> str:
    nb = json.loads((root / f"{doc}.ipynb").read_text(encoding="utf-8"))
    return "".join(nb["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()


def load(book: Path, doc: str) -> dict:
    path = book / "cheatsheets" / f"{Path(doc).name}.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - set(KINDS)
    if unknown:
        raise ValueError(f"{path.name}: unknown sections {sorted(unknown)}; use {sorted(KINDS)}")
    for kind, entries in data.items():
        keys = {"formulas": {"name", "tex"}, "shapes": {"what", "shape"}, "numbers": {"what", "value"}}[kind]
        for entry in entries:
            if set(entry) != keys:
                raise ValueError(f"{path.name}: each {kind} entry has exactly {sorted(keys)}; got {entry}")
    return data


def write_all(book: Path, chapters_by_part: list[tuple[str, list[str]]]) -> int:
    root = book.parent
    parts = [(caption, docs) for caption, docs in chapters_by_part if docs]
    if len(parts) != len(PAGES):
        raise ValueError(f"{len(parts)} parts with chapters in _toc.yml but {len(PAGES)} cheat-sheet pages")
    index = ["# Cheat sheets · 요약 노트", "",
             "One page per part of the book: the formulas, the tensor shapes and the numbers worth",
             "remembering, gathered from the chapters. Each sheet prints on a page or two (use the print",
             "button or your browser's print command).", ""]
    written = 0
    for (caption, docs), page in zip(parts, PAGES):
        lines = [f"# Cheat sheet · {caption}", "", "```{contents}", ":local:", ":depth: 1", "```", ""]
        for doc in docs:
            data = load(book, doc)
            if not data:
                continue
            lines += [f"## {_title(root, doc)}", "", f"From {{doc}}`../{doc}`.", ""]
            for kind, heading in KINDS.items():
                entries = data.get(kind) or []
                if not entries:
                    continue
                lines += [f"**{heading}**", ""]
                if kind == "formulas":
                    for e in entries:
                        lines += [f"- {e['name']}:", "", f"  $$ {e['tex']} $$", ""]
                else:
                    first, second = ("what", "shape") if kind == "shapes" else ("what", "value")
                    header = "| | shape |" if kind == "shapes" else "| | value |"
                    lines += [header, "|---|---|"]
                    lines += [f"| {e[first]} | {e[second]} |" for e in entries]
                    lines.append("")
        (book / f"cheatsheet_{page}.md").write_text("\n".join(lines), encoding="utf-8")
        index += [f"- {{doc}}`cheatsheet_{page}`"]
        written += 1
    (book / "cheatsheets.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written
