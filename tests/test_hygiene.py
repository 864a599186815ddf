"""Checks over the notebooks and the book's configuration: what readers see must be clean and true."""

from __future__ import annotations

import json
from collections import Counter
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_pages  # noqa: E402
import set_repository  # noqa: E402
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/(root|tmp|home|work|Users|private|var/folders)/|[A-Z]:\\\\Users)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def text_of(output: dict) -> str:
    parts = [output.get("text", ""), output.get("evalue", "")]
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def test_every_notebook_is_in_the_toc_and_vice_versa():
    listed = {f for f in toc_files() if f.startswith("notebooks/")}
    present = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert listed == present
    for f in toc_files():
        if f in build_pages.GENERATED:
            continue
        assert any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb")), f


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_stored_clean_and_in_order(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = code_cells(nb)
    assert any(c["outputs"] for c in cells), "no stored outputs: run `make execute`"
    counts = [c["execution_count"] for c in cells if "".join(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), "execution counts are not 1..n: re-run top to bottom"
    for i, cell in enumerate(cells):
        for output in cell["outputs"]:
            where = f"code cell {i + 1}"
            assert output["output_type"] != "error", f"{where} stores an error"
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), \
                f"{where} stores stderr (warnings or logs readers should not see)"
            assert not MACHINE_PATH.search(text_of(output)), f"{where} shows a machine path"
            assert "Warning" not in text_of(output), f"{where} shows a warning"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_chapter_arc(path):
    nb = load(path)
    first = "".join(nb["cells"][0]["source"])
    assert re.match(r"# \d+\. \S", first), "the first cell is the title '# N. Topic'"
    assert "Learning goals" in first
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("## Summary", "## Interview questions", "## Exercises", "## References"):
        assert heading in markdown, f"missing section {heading!r}"
    assert "{exercise}" in markdown and "{solution}" in markdown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_interview_questions_have_both_answers(path):
    cells = [c for c in load(path)["cells"] if "interview" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) >= 5, f"{len(cells)} interview questions; a chapter needs at least 5"
    for cell in cells:
        source = "".join(cell["source"])
        assert source.startswith("```{dropdown} Q. "), source[:60]
        assert " · " in source.splitlines()[0], "the question needs its Korean version after ' · '"
        assert "**Answer.**" in source and "**답변.**" in source
        assert source.index("**Answer.**") < source.index("**답변.**")
        assert re.search(r"[가-힣]", source.split("**답변.**")[1]), "the Korean answer is not in Korean"


# The questions the source notes raise (seeds 000 and 004) and those a senior interviewer adds (issue #8).
# Each topic is matched against the English question titles of every chapter's interview cells.
REQUIRED_INTERVIEW_TOPICS = {
    "classification vs detection": r"classification.*detection|detection.*classification",
    "the purpose of pooling": r"pooling",
    "what augmentation is and why it matters": r"augmentation",
    "CAM vs Grad-CAM": r"\bCAM\b.*Grad-CAM",
    "logits vs softmax": r"logit",
    "one- vs two-stage detectors": r"one-stage.*two-stage",
    "IoU vs AP": r"IoU.*\bAP\b",
    "segmentation vs classification": r"segmentation.*classification|classification.*segmentation",
    "why 3x3 kernels": r"3 ?× ?3|3x3",
    "BatchNorm at inference": r"(BatchNorm|batch normali[sz]ation).*inference",
    "class imbalance": r"imbalance",
    "choosing a threshold": r"threshold",
    "when fine-tuning hurts": r"fine-tuning hurt",
    "whether a model looks at the right place": r"looks? at the right place",
}


def interview_titles() -> list[str]:
    titles = []
    for path in NOTEBOOKS:
        for cell in load(path)["cells"]:
            if "interview" in cell.get("metadata", {}).get("tags", []):
                first = "".join(cell["source"]).splitlines()[0]
                titles.append(first.removeprefix("```{dropdown} Q. ").split(" · ")[0])
    return titles


@pytest.mark.parametrize("topic", REQUIRED_INTERVIEW_TOPICS)
def test_interview_bank_covers_the_required_topics(topic):
    pattern = re.compile(REQUIRED_INTERVIEW_TOPICS[topic], re.IGNORECASE)
    matches = [t for t in interview_titles() if pattern.search(t)]
    assert matches, f"no interview question on {topic!r}; add one to the chapter that teaches it"


def test_setup_cells_install_from_the_configured_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    branch = config["repository"]["branch"]
    expected = f'url = "git+{url}@{branch}"\n    %pip install -q "cnn-course-helpers[colab] @ {{url}}"'
    for path in NOTEBOOKS:
        setup = [c for c in code_cells(load(path)) if "google.colab" in "".join(c["source"])]
        assert setup, f"{path.name} has no Colab setup cell"
        source = "".join(setup[0]["source"])
        assert expected in source, f"{path.name}: the setup cell does not install from {url}@{branch}"
        assert source == set_repository.setup_source(url, branch), \
            f"{path.name}: run `python scripts/set_repository.py` to rewrite its setup cell"
        assert setup[0]["outputs"] == [], "the setup cell must show nothing outside Colab"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'name = "cnn-course-helpers"' in pyproject


def test_every_chapter_has_an_open_in_colab_badge_for_the_configured_repository():
    # The cell after the title links to the notebook in Colab, from _config.yml's repository and branch
    # (scripts/set_repository.py writes it); its stored form is markdown, so it has no outputs to go stale.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    assert set_repository.configured() == (config["url"], config["branch"])
    owner_repo = config["url"].removeprefix("https://github.com/")
    for path in NOTEBOOKS:
        badge = load(path)["cells"][1]
        assert set_repository.is_badge(badge), f"{path.name}: no Open in Colab cell after the title"
        link = (f"https://colab.research.google.com/github/{owner_repo}/blob/{config['branch']}"
                f"/notebooks/{path.name}")
        assert "".join(badge["source"]) == f"[Open in Colab]({link})", f"{path.name}: {badge['source']}"


def test_readme_and_ci_use_the_documented_commands():
    readme = (ROOT / "README.md").read_text()
    for command in ("make book", "make test", "make lab", "make execute", "make bench"):
        assert command in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_requirements_have_lower_bounds_only_and_a_reason_each():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spec, _, comment = line.partition("#")
        assert comment.strip(), f"no comment says why {spec.strip()} is needed"
        assert "==" not in spec, f"exact pin in {spec.strip()}"
        if spec.split(">=")[0].strip() in ("numpy", "tensorflow", "keras"):
            assert "<" not in spec, f"upper bound on {spec.strip()}"


def test_environment_yml_installs_the_same_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.txt" in pip and "-e ." in pip
    assert "python=3.11" in env["dependencies"]


def test_glossary_terms_are_complete_and_unique():
    terms = build_pages.load_terms()  # raises on a missing field or a term defined twice
    assert terms
    for entry in terms:
        assert re.search(r"[가-힣]", entry["ko"]), f"{entry['term']}: the Korean name is not Korean"
        assert (ROOT / f"{entry['chapter']}.ipynb").exists(), f"{entry['term']}: no chapter {entry['chapter']}"
        assert len(str(entry["definition"]).split()) >= 5, f"{entry['term']}: the definition is too short"


def test_every_term_a_chapter_uses_is_in_the_glossary():
    known = {e["term"].lower() for e in build_pages.load_terms()}
    for path in NOTEBOOKS:
        text = "\n".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown")
        for ref in re.findall(r"\{term\}`([^`]+)`", text):
            target = re.sub(r".*<(.+)>$", r"\1", ref).strip().lower()
            assert target in known, f"{path.name} uses the term {target!r}, which the glossary lacks"


def test_every_citation_is_in_the_bibliography():
    build_pages.write_bibliography()
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text()))
    for path in NOTEBOOKS:
        text = "\n".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown")
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name} cites {key.strip()!r}, which no book/bib/*.bib has"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    for cell in code_cells(load(path)):
        if any({"image/png", "image/jpeg"} & set(o.get("data", {})) for o in cell["outputs"]):
            alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 6, (
                f"{cell.get('id')}: a figure needs cell metadata mystnb.image.alt with a real description")


# What readers download and how big figures are drawn: the book's text column is about 800 CSS
# pixels, so a figure displayed wider is shrunk (and its text with it) on every screen.
COLUMN_PX = 820  # helpers.plots.COLUMN_INCHES at 100 dpi, plus the few pixels a tight bbox adds
PAGE_IMAGE_BUDGET = 1_500_000  # bytes of images per chapter page
# Chapters whose stored figures predate the column/2x/JPEG rule: they pass once re-executed with
# their figures redrawn (issue 12). Strict: a chapter that passes must leave this list.
NOT_YET_REDRAWN: set[str] = set()
NOT_YET_JPEG: set[str] = set()  # chapter 11 has no heavy photograph


def with_debt(names: set[str]) -> list:
    return [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="figures not redrawn yet"))
            if p.name in names else p for p in NOTEBOOKS]


def stored_images(path: Path):
    """(cell id, mime type, bytes, output metadata) of every image a notebook stores."""
    import base64

    for cell in code_cells(load(path)):
        for output in cell["outputs"]:
            for mime in ("image/png", "image/jpeg"):
                if mime in output.get("data", {}):
                    yield (cell.get("id"), mime, base64.b64decode(output["data"][mime]),
                           output.get("metadata", {}).get(mime, {}))


def image_size(data: bytes) -> tuple[int, int]:
    from io import BytesIO

    from PIL import Image

    return Image.open(BytesIO(data)).size


@pytest.mark.parametrize("path", with_debt(NOT_YET_REDRAWN), ids=lambda p: p.name)
def test_figures_fit_the_column_and_are_drawn_for_2x_screens(path):
    problems = []
    for cell_id, mime, data, meta in stored_images(path):
        width, height = image_size(data)
        shown = meta.get("width")
        if shown is None:
            problems.append(f"{cell_id}: a {mime} of {width}x{height} px without a display width; "
                            "use %config InlineBackend.figure_formats = ['retina'] or "
                            "plots.show_as_jpeg(fig)")
            continue
        if width < 1.9 * shown:
            problems.append(f"{cell_id}: {width} px drawn for {shown} px shown: not sharp on a 2x screen")
        if shown > COLUMN_PX:
            problems.append(f"{cell_id}: shown {shown} px wide, wider than the {COLUMN_PX} px column "
                            f"(make the figure at most helpers.plots.COLUMN_INCHES wide)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", with_debt(NOT_YET_JPEG), ids=lambda p: p.name)
def test_photographs_are_jpeg_and_pages_stay_light(path):
    images = list(stored_images(path))
    total = sum(len(data) for _, _, data, _ in images)
    heavy_png = [f"{cell_id}: a {len(data) // 1000} kB PNG (photographs: plots.show_as_jpeg)"
                 for cell_id, mime, data, _ in images if mime == "image/png" and len(data) > 400_000]
    assert not heavy_png, "\n".join(heavy_png)
    assert total <= PAGE_IMAGE_BUDGET, (
        f"{path.name} stores {total / 1e6:.2f} MB of images, over the {PAGE_IMAGE_BUDGET / 1e6} MB "
        "budget per page: photographs as JPEG (plots.show_as_jpeg), fewer or smaller figures")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glued_numbers_are_plain_python_numbers(path):
    # myst-nb formats {glue:text}`name:.2f` with float(text/plain): a NumPy scalar stored as
    # "np.float64(0.5)" cannot be formatted and the build fails (-W). Glue float(x) / int(x).
    bad = []
    for cell in code_cells(load(path)):
        for output in cell["outputs"]:
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            if text is not None and re.match(r"np\.\w+\(", "".join(text)):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                bad.append(f"{cell.get('id')}: {name} = {''.join(text)}")
    assert not bad, "glue a plain float/int, not a NumPy scalar:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_glue_name_is_stored_once(path):
    # myst-nb warns "glue key ... duplicate" when a name is glued twice in one notebook, and the
    # build runs with -W: the second value would silently replace the first on the page.
    names = [output.get("metadata", {}).get("scrapbook", {}).get("name")
             for cell in code_cells(load(path)) for output in cell["outputs"]]
    counts = Counter(n for n in names if n)
    twice = sorted(n for n, k in counts.items() if k > 1)
    assert not twice, f"{path.name} glues these names more than once: {twice}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glue_import_falls_back_outside_the_build(path):
    # Colab has no myst_nb: the import must sit in a try block with a no-op fallback.
    bare = []
    for cell in code_cells(load(path)):
        lines = "".join(cell["source"]).splitlines()
        for i, line in enumerate(lines):
            if re.match(r"\s*(from myst_nb import|import myst_nb)", line):
                if not (i > 0 and lines[i - 1].strip().startswith("try:")):
                    bare.append(f"{cell.get('id')}: {line.strip()}")
    assert not bare, "guard the glue import with try/except ImportError:\n  " + "\n  ".join(bare)
