"""Checks of what a reader sees on a chapter page: numbers bound to outputs, words, Korean, code shape.

Used by ``tests/test_hygiene.py`` (each check is a plain function over a notebook dict, so the tests can
also run it on a planted example) and by authors from the command line:

    python scripts/check_pages.py                      # every notebook, every check
    python scripts/check_pages.py notebooks/05_*.ipynb # some notebooks

The checks (``../shared/CHAPTER.md`` states the conventions they enforce):

- :func:`unbound_numbers`: a number in a markdown cell must come from an output on its page. Where
  that output can change between runs (its cell is tagged ``nbval-ignore-output``) the number must be
  glued (``{glue:text}``), or re-executing the notebook silently leaves the prose behind. Numbers that
  also occur in the page's code (constants such as 28, 224 or 0.001), years, chapter and section
  numbers, small counts (0–10) and numbers inside formulas, code spans and links are not checked.
- :func:`making_words`: phrases about how the book was made (source-note numbers, planning documents,
  test tooling, "this machine").
- :func:`korean_variants`: Korean words that the book's vocabulary (``book/korean_variants.yml``,
  beside the glossary) replaces by one glossary word.
- :func:`long_code_lines` and :func:`long_drawing_cells`: code lines over 88 characters, and visible
  code cells of more than 30 lines that draw (hide them or move the drawing into ``helpers.plots``).
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VARIANTS_FILE = ROOT / "book" / "korean_variants.yml"
MAX_LINE = 88
MAX_DRAWING_LINES = 30
HIDDEN_TAGS = {"hide-input", "remove-input", "remove-cell"}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _is_interview(cell: dict) -> bool:
    return "interview" in _tags(cell)


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])(\s?%)?")
_PROTECTED = [
    re.compile(r"\$\$.*?\$\$", re.S),            # display maths
    re.compile(r"(?<!\\)\$[^$\n]+?\$"),          # inline maths
    re.compile(r"`[^`\n]*`"),                    # code spans and role targets
    re.compile(r"\]\([^)]*\)"),                  # link targets
    re.compile(r"<[^>\n]+>"),                    # html tags
    re.compile(r"\{[a-z:-]+\}"),                 # roles: {term}, {glue:text}, {ref}, {cite:p}
    re.compile(r"\(\w[\w-]*\)="),                # MyST targets
    re.compile(r"https?://\S+"),
]
# Numbers that are never quoted from an output: years, chapter/section/part/figure references, and the
# like. The patterns see a little context on either side of the number.
_ALLOWED_CONTEXT = [
    re.compile(r"(?:chapters?|ch\.|§|sections?|part|parts|exercises?|figures?|table|step|steps|"
               r"layers?|blocks?|stage|version|v|python|keras|tensorflow|tf|numpy|jupyter book|"
               r"et al\.,?|equation|eq\.|item|cells?|장|절)\s*$", re.I),
]
_YEAR = re.compile(r"^(19|20)\d\d$")


def _strip_protected(text: str) -> str:
    # Keep the text of a dropdown's question line and of fenced directives: only their fence and
    # options go. MyST directives (```{dropdown}, ```{exercise}) hold prose, so unwrap them first.
    text = re.sub(r"^(`{3,}|~{3,})(?!\{)[^\n]*\n.*?^\1\s*$", " ", text, flags=re.M | re.S)  # code
    text = re.sub(r"^#+\s+[\d.]+", " ", text, flags=re.M)    # a heading's section number
    text = re.sub(r"^(`{3,}|:{3,})\{[\w:-]+\}[^\n]*$", " ", text, flags=re.M)
    text = re.sub(r"^(`{3,}|:{3,})\s*$", " ", text, flags=re.M)
    text = re.sub(r"^:[\w-]+:.*$", " ", text, flags=re.M)   # directive options (:label:, :class:)
    # a citation leaves a marker, so that the numbers of its sentence or table row count as cited
    text = re.sub(r"\{cite(?::\w+)?\}`[^`\n]*`", " [cited] ", text)
    for pattern in _PROTECTED:
        text = pattern.sub(" ", text)
    return text


def _numbers_in_text(text: str) -> list[float]:
    """Every number a text shows, as floats (percentages also as fractions)."""
    values = []
    for m in re.finditer(r"(?<![\w.])[-−]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:e[-+]?\d+)?", text):
        token = m.group(0).replace("−", "-").replace(",", "")
        try:
            values.append(float(token))
        except ValueError:
            continue
    return values


def _output_text(output: dict) -> str:
    parts = []
    if "text" in output:
        parts.append(_source({"source": output["text"]}))
    for mime, value in output.get("data", {}).items():
        if mime.startswith("image/"):
            continue
        value = "".join(value) if isinstance(value, list) else value
        if not isinstance(value, str):
            value = json.dumps(value)
        if mime == "text/html":
            value = html.unescape(re.sub(r"<[^>]+>", " ", value))
        parts.append(value)
    return "\n".join(parts)


def page_numbers(nb: dict) -> tuple[set[float], set[float], set[float]]:
    """(numbers in stable outputs, numbers in outputs that can change, numbers in code)."""
    stable, changing, code = set(), set(), set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        code.update(_numbers_in_text(_source(cell)))
        target = changing if "nbval-ignore-output" in _tags(cell) else stable
        for output in cell.get("outputs", []):
            target.update(_numbers_in_text(_output_text(output)))
    return stable, changing, code


def _matches(token: str, decimals: int, is_percent: bool, values: set[float]) -> bool:
    value = float(token)
    scales = (1.0, 100.0, 0.01)
    for v in values:
        for scale in scales:
            x = v * scale
            if math.isfinite(x) and abs(round(x, decimals) - value) < 10 ** (-decimals - 3):
                return True
            # "about 80 %" for 79.6 %: rounding the output to fewer digits than the prose shows is
            # handled above; also accept the output rounded half-up (0.865 → "0.87").
            if math.isfinite(x) and abs(math.floor(x * 10**decimals + 0.5) / 10**decimals - value) \
                    < 10 ** (-decimals - 3):
                return True
    return False


# A sentence (or table row) that names its source quotes published numbers, not outputs: a citation
# role, or one of the source notes as the book names them ("the source article", "the team report").
_CITED = re.compile(r"\[cited\]|\bsource (?:article|notes?|post|report)\b|\bteam report\b|\bblog post\b|"
                    r"\bthe report\b|\bthe paper\b|\bpublished\b|\breports?\b|\bet al\.|"
                    r"원문|보고서|논문|발표", re.I)
_ARITHMETIC = re.compile(r"[×/=≈+−]\s*$")


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence or table row holding text[start:end]."""
    left = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start), text.rfind("|", 0, start))
    right_candidates = [i for i in (text.find("\n", end), text.find(". ", end), text.find("|", end))
                        if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    row_start = text.rfind("\n", 0, start) + 1
    row_end = text.find("\n", end)
    row = text[row_start:row_end if row_end != -1 else len(text)]
    return text[left + 1:right] + (row if row.lstrip().startswith("|") else "")


def unbound_numbers(nb: dict) -> list[str]:
    """Numbers in markdown that no stable output or code on the page shows and no glue provides."""
    stable, changing, code = page_numbers(nb)
    hits = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = _strip_protected(_source(cell))
        for m in _NUMBER.finditer(text):
            integer, fraction, percent = m.group(1), m.group(2) or "", m.group(3)
            token = integer.replace(",", "") + fraction
            decimals = len(fraction) - 1 if fraction else 0
            value = float(token)
            before = text[max(0, m.start() - 25):m.start()]
            after = text[m.end():m.end() + 3]
            if not fraction and not percent:
                if value <= 10 or _YEAR.match(token):
                    continue
            if after.startswith(".") and after[1:2].isdigit():   # a section number like 4.5
                continue
            if re.search(r"\d\.$", before) or before.endswith("§"):
                continue
            if any(p.search(before) for p in _ALLOWED_CONTEXT):
                continue
            if _ARITHMETIC.search(before) or re.match(r"\s*[×/=≈+]", after + text[m.end() + 3:m.end() + 5]):
                continue   # part of a calculation the reader can redo from the numbers around it
            if _CITED.search(_sentence_around(text, m.start(), m.end())):
                continue
            if value in code or _matches(token, decimals, bool(percent), stable):
                continue
            where = "glue it (its output can change)" if _matches(
                token, decimals, bool(percent), changing) else "no output on the page shows it"
            quote = text[max(0, m.start() - 30):m.end() + 10].replace("\n", " ").strip()
            hits.append(f"cell {i}: {m.group(0).strip()!r} ({where}): …{quote}…")
    return hits


# --------------------------------------------------------------------------- words

MAKING_WORDS = re.compile(
    r"\bseed 0\d\d\b|\bthe seed (?:project|report|notes?|model|baseline|article|run)\b|"
    r"\bseed (?:baseline|notes?)\b|\bthe issue\b|\bissue #?\d+\b|\bplanning (?:document|issue)s?\b|"
    r"\b(?:planned|planning) (?:this|the) chapter\b|\breference run\b|\bthis machine\b|"
    r"\bshared machine\b|\bthis (?:2|two)-core\b|\bother jobs\b|\bthe cell is tagged\b|"
    r"\bnbval\b|\bnbval-ignore-output\b|\bthe data layer\b|\bexecution report\b|"
    r"\bthe build machine's\b|\bmachine's (?:Keras )?cache\b|시드 기준",
    re.I,
)
# Chapter 0 explains how the book is checked (stored outputs, nbval, the execution report).
CHAPTER_0_ALLOWED = re.compile(r"nbval|execution report|nbval-ignore-output", re.I)


def making_words(nb: dict, chapter_zero: bool = False) -> list[str]:
    """Phrases about how the book was made, in markdown cells and code comments."""
    hits = []
    for i, cell in enumerate(nb["cells"]):
        text = _source(cell)
        if cell["cell_type"] == "code":
            text = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
        for m in MAKING_WORDS.finditer(text):
            if chapter_zero and CHAPTER_0_ALLOWED.fullmatch(m.group(0)):
                continue
            hits.append(f"cell {i}: {m.group(0)!r}")
    return hits


# --------------------------------------------------------------------------- Korean

def load_variants(path: Path = VARIANTS_FILE) -> list[dict]:
    """The variant table: each entry has ``variant`` (a regex), ``use`` and ``why``."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        entry["regex"] = re.compile(entry["variant"])
    return entries


def korean_variants(texts: list[tuple[str, str]], variants: list[dict] | None = None) -> list[str]:
    """Variant spellings in (where, text) pairs; each hit says which word the book uses instead."""
    variants = load_variants() if variants is None else variants
    hits = []
    for where, text in texts:
        for entry in variants:
            for m in entry["regex"].finditer(text):
                context = text[max(0, m.start() - 12):m.end() + 12].replace("\n", " ")
                hits.append(f"{where}: {m.group(0)!r} → {entry['use']} (…{context}…)")
    return hits


def korean_texts(nb: dict) -> list[tuple[str, str]]:
    """The markdown cells of a notebook as (where, text), for :func:`korean_variants`."""
    return [(f"cell {i}", _source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]


# --------------------------------------------------------------------------- code shape

def long_code_lines(nb: dict, limit: int = MAX_LINE) -> list[str]:
    hits = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for n, line in enumerate(_source(cell).splitlines(), 1):
            if len(line) > limit:
                hits.append(f"cell {i} line {n}: {len(line)} characters: {line[:50]}…")
    return hits


_DRAWS = re.compile(r"\bplt\.|\bax\w*\.|\baxes\[|\bfig\.|\.imshow\(|\bsns\.|\bpatches\.|\.add_patch\(")


def long_drawing_cells(nb: dict, limit: int = MAX_DRAWING_LINES) -> list[str]:
    hits = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or _tags(cell) & HIDDEN_TAGS:
            continue
        lines = [ln for ln in _source(cell).splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if len(lines) > limit and _DRAWS.search(_source(cell)):
            hits.append(f"cell {i}: {len(lines)} lines that draw (tag it hide-input or move the drawing "
                        f"into helpers.plots)")
    return hits


# --------------------------------------------------------------------------- emphasis before Korean

# CommonMark closes `**` only if it is right-flanking: a closing `**` after punctuation must be followed
# by whitespace or punctuation. `**학습률(learning rate)**은` therefore stays open and the page shows
# the asterisks; `**학습률**(learning rate)은` renders. The same holds for `*`. Only closing emphasis is
# checked.
_UNCLOSED_BOLD = re.compile(r"\*{1,2}[^*\n]*?[)\]\"'`.:;,!?]\*{1,2}(?=[가-힣])")


def unclosed_emphasis(nb: dict) -> list[str]:
    """Markdown emphasis that CommonMark leaves open because a Hangul letter follows it."""
    hits = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for m in _UNCLOSED_BOLD.finditer(_source(cell)):
            hits.append(f"cell {i}: {m.group(0)[:60]!r} (move the closing asterisks before the "
                        f"parenthesis, or put a space after them)")
    return hits


# --------------------------------------------------------------------------- command line

def check_notebook(path: Path) -> dict[str, list[str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {
        "numbers": unbound_numbers(nb),
        "words": making_words(nb, chapter_zero=path.name.startswith("00_")),
        "korean": korean_variants(korean_texts(nb)),
        "long lines": long_code_lines(nb),
        "drawing cells": long_drawing_cells(nb),
        "emphasis": unclosed_emphasis(nb),
    }


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    total = 0
    for path in paths:
        for kind, hits in check_notebook(path).items():
            for hit in hits:
                print(f"{path.name} [{kind}] {hit}")
            total += len(hits)
    print(f"{total} hits")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
