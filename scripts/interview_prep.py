"""Interview preparation built from the chapters' interview cells: the bank as data, an Anki deck, and
the mock-interview page's data. Called by ``scripts/build_pages.py`` (``make book``).

Every chapter keeps its questions as markdown cells tagged ``interview`` (``../shared/CHAPTER.md``):

    ```{dropdown} Q. English question · 한국어 질문
    **Answer.** …
    Follow-up: … (optionally `· **꼬리 질문:** …` on the same paragraph)
    **답변.** …
    꼬리 질문: …
    ```

with ``"level": "basic" | "intermediate" | "senior"`` in the cell metadata. :func:`questions` parses them
into records; :func:`write_deck` writes an Anki deck with `genanki`, one note per question with an
English and a Korean card, tagged by chapter, part and level, and a note id (guid) made from the
notebook and the cell id, so a re-downloaded deck updates the cards a learner already has.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ("basic", "intermediate", "senior")
LEVEL_KO = {"basic": "기초", "intermediate": "중급", "senior": "시니어"}
DECK_NAME = "CNN course · interview questions (면접 질문)"
# Fixed ids: Anki identifies a deck and a note type by them, so a new build updates the old deck.
DECK_ID = 1_795_310_042
MODEL_ID = 1_795_310_043
DECK_FILE = "cnn-course-interview.apkg"

_FOLLOW_EN = re.compile(r"(?:^|(?<=\s))\**Follow-up:?\**:?\s*", re.M)
_FOLLOW_KO = re.compile(r"\**꼬리 질문:?\**:?\s*")


def _glue_values(nb: dict) -> dict[str, str]:
    """The notebook's glued values (myst-nb ``glue``), name -> text/plain."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            name, data = scrapbook.get("name"), output.get("data", {})
            # glue(..., display=False) stores the value under its mime prefix only
            key = next((k for k in (scrapbook.get("mime_prefix", "") + "text/plain", "text/plain")
                        if k in data), None)
            if name and key:
                text = data[key]
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


def resolve_glue(text: str, values: dict[str, str], where: str) -> str:
    """Replace ``{glue:text}`name[:fmt]``` and ``{glue}`name``` by the glued value, formatted."""
    def replace(m: re.Match) -> str:
        name, _, fmt = m.group(2).partition(":")
        if name not in values:
            raise ValueError(f"{where}: the interview answer uses glue {name!r}, which the notebook "
                             "does not glue; run the notebook or fix the name")
        raw = values[name].strip("'\"")
        if fmt:
            try:
                return format(float(raw), fmt)
            except ValueError:
                return raw
        return raw
    return re.sub(r"\{glue(:text)?\}`([^`]+)`", replace, text)


def parse_cell(source: str, where: str) -> dict:
    """One interview cell as a record: question, answer and follow-up in English and Korean."""
    lines = source.strip().splitlines()
    if not lines or not lines[0].startswith("```{dropdown} Q. "):
        raise ValueError(f"{where}: an interview cell starts with '```{{dropdown}} Q. ' (CHAPTER.md)")
    title = lines[0].removeprefix("```{dropdown} Q. ")
    if " · " not in title:
        raise ValueError(f"{where}: the question needs its Korean version after ' · '")
    q_en, q_ko = (part.strip() for part in title.split(" · ", 1))
    body = "\n".join(lines[1:])
    body = re.sub(r"\n?`{3,}\s*$", "", body).strip()
    if "**Answer.**" not in body or "**답변.**" not in body:
        raise ValueError(f"{where}: an interview cell needs **Answer.** and **답변.**")
    en, ko = body.split("**답변.**", 1)
    en = en.split("**Answer.**", 1)[1]
    follow_en = follow_ko = ""
    m = _FOLLOW_EN.search(en)
    if m:
        follow_en = en[m.end():].strip()
        en = en[:m.start()]
        if _FOLLOW_KO.search(follow_en):
            follow_en, follow_ko = (s.strip(" ·\n") for s in _FOLLOW_KO.split(follow_en, 1))
    m = _FOLLOW_KO.search(ko)
    if m:
        follow_ko = ko[m.end():].strip()
        ko = ko[:m.start()]
    return {"question_en": q_en, "question_ko": q_ko, "answer_en": en.strip(), "answer_ko": ko.strip(),
            "follow_up_en": follow_en, "follow_up_ko": follow_ko}


def questions(chapters_by_part: list[tuple[str, list[str]]]) -> list[dict]:
    """Every interview question of the book, in book order, as records with chapter, part and level."""
    records = []
    for part, docs in chapters_by_part:
        for doc in docs:
            path = ROOT / f"{doc}.ipynb"
            nb = json.loads(path.read_text(encoding="utf-8"))
            title = "".join(nb["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()
            glue = _glue_values(nb)
            for i, cell in enumerate(nb["cells"]):
                if cell["cell_type"] != "markdown" or "interview" not in cell["metadata"].get("tags", []):
                    continue
                where = f"{path.name} cell {i}"
                source = resolve_glue("".join(cell["source"]), glue, where)
                record = parse_cell(source, where)
                level = cell["metadata"].get("level")
                if level is not None and level not in LEVELS:
                    raise ValueError(f"{where}: level {level!r} is not one of {LEVELS}")
                record.update({
                    "id": f"{path.stem}#{cell.get('id', i)}",
                    "chapter": doc, "chapter_title": title, "chapter_number": int(title.split(".")[0]),
                    "part": part, "level": level or "",
                    "source": source,
                })
                records.append(record)
    return records


# --------------------------------------------------------------------------- text for cards and page

def _render_roles(text: str) -> str:
    """MyST roles as plain text: {term}`a <b>` -> a, {cite:p}`key` -> (key), {doc}/{ref}`x <y>` -> x."""
    text = re.sub(r"\{term\}`([^`<]+?)\s*(?:<[^`]+>)?`", r"\1", text)
    text = re.sub(r"\{cite(?::\w+)?\}`([^`]+)`", r"(\1)", text)
    text = re.sub(r"\{(?:doc|ref|numref|download)\}`([^`<]+?)\s*(?:<[^`]+>)?`", r"\1", text)
    return text


def to_html(text: str) -> str:
    """Markdown (with MyST roles and $maths$) as HTML for an Anki card or the mock page."""
    from markdown_it import MarkdownIt

    text = _render_roles(text)
    # Keep maths away from the markdown parser, then hand it to MathJax as \( \) and \[ \].
    maths: list[str] = []

    def keep(m: re.Match) -> str:
        maths.append(m.group(0))
        return f"MATHPLACEHOLDER{len(maths) - 1}X"
    text = re.sub(r"\$\$.+?\$\$|(?<!\\)\$[^$\n]+?\$", keep, text, flags=re.S)
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    for i, m in enumerate(maths):
        tex = m[2:-2] if m.startswith("$$") else m[1:-1]
        tex = tex.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        rendered = rendered.replace(f"MATHPLACEHOLDER{i}X", (r"\[" + tex + r"\]") if m.startswith("$$")
                                    else (r"\(" + tex + r"\)"))
    return rendered.strip()


def page_records(records: list[dict]) -> list[dict]:
    """What the mock-interview page needs of each question (HTML for answers)."""
    keys = ("id", "chapter_number", "chapter_title", "part", "level")
    return [{**{k: r[k] for k in keys},
             "q": {"en": r["question_en"], "ko": r["question_ko"]},
             "a": {"en": to_html(r["answer_en"]), "ko": to_html(r["answer_ko"])},
             "f": {"en": to_html(r["follow_up_en"]), "ko": to_html(r["follow_up_ko"])}}
            for r in records]


# --------------------------------------------------------------------------- the Anki deck

def _guid(record_id: str) -> str:
    """A stable Anki note id from the notebook and the cell id (not from the text, which gets edited)."""
    import genanki

    return genanki.guid_for("cnn-course", record_id)


def _model():
    import genanki

    css = (".card { font-family: 'Noto Sans KR', 'Noto Sans CJK KR', sans-serif; font-size: 18px; "
           "text-align: left; max-width: 40em; margin: auto; } .meta { color: #666; font-size: 14px; } "
           ".follow { border-top: 1px solid #ccc; margin-top: 1em; padding-top: .5em; } "
           "[lang=ko] { word-break: keep-all; }")
    back_en = ('{{FrontSide}}<hr id="answer">{{AnswerEn}}'
               '{{#FollowUpEn}}<div class="follow"><b>Follow-up.</b> {{FollowUpEn}}</div>{{/FollowUpEn}}')
    back_ko = ('{{FrontSide}}<hr id="answer"><div lang="ko">{{AnswerKo}}'
               '{{#FollowUpKo}}<div class="follow"><b>꼬리 질문.</b> {{FollowUpKo}}</div>{{/FollowUpKo}}</div>')
    return genanki.Model(
        MODEL_ID, "CNN course interview (EN/KO)",
        fields=[{"name": n} for n in ("Id", "QuestionEn", "AnswerEn", "FollowUpEn", "QuestionKo",
                                      "AnswerKo", "FollowUpKo", "Chapter", "Level")],
        templates=[
            {"name": "English", "qfmt": '<div class="meta">{{Chapter}} · {{Level}}</div>{{QuestionEn}}',
             "afmt": back_en},
            {"name": "Korean", "qfmt": '<div class="meta">{{Chapter}} · {{Level}}</div>'
                                       '<div lang="ko">{{QuestionKo}}</div>', "afmt": back_ko},
        ],
        css=css, sort_field_index=1,
    )


def write_deck(records: list[dict], path: Path) -> int:
    """Write the Anki deck of ``records`` to ``path``; return the number of notes."""
    import genanki

    deck = genanki.Deck(DECK_ID, DECK_NAME)
    model = _model()
    for r in records:
        part_tag = "part-" + re.sub(r"\W+", "-", r["part"].split("·")[0].strip().lower()).strip("-")
        tags = [f"chapter-{r['chapter_number']:02d}", part_tag] + ([f"level-{r['level']}"] if r["level"]
                                                                  else [])
        deck.add_note(genanki.Note(
            model=model, guid=_guid(r["id"]), tags=tags,
            fields=[r["id"], r["question_en"], to_html(r["answer_en"]), to_html(r["follow_up_en"]),
                    r["question_ko"], to_html(r["answer_ko"]), to_html(r["follow_up_ko"]),
                    f"{r['chapter_title']}", r["level"] or "—"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    package = genanki.Package(deck)
    package.write_to_file(str(path))
    return len(records)


def deck_digest(records: list[dict]) -> str:
    """A digest of what the deck holds, so `make book` rewrites it only when a question changed."""
    return hashlib.sha256(json.dumps([r["source"] for r in records], ensure_ascii=False).encode()).hexdigest()
