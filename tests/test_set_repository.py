"""scripts/set_repository.py retargets the book to another repository in one command, idempotently."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import set_repository  # noqa: E402


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A copy of _config.yml and two notebooks, one of them without its badge cell."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "notebooks").mkdir()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb"))[:2]:
        shutil.copy(path, tmp_path / "notebooks" / path.name)
    first = sorted((tmp_path / "notebooks").glob("*.ipynb"))[0]
    nb = json.loads(first.read_text())
    nb["cells"] = [c for c in nb["cells"] if not set_repository.is_badge(c)]
    first.write_text(set_repository.dump(nb))
    monkeypatch.setattr(set_repository, "CONFIG", tmp_path / "_config.yml")
    monkeypatch.setattr(set_repository, "NOTEBOOKS", tmp_path / "notebooks")
    return tmp_path


def snapshot(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in [root / "_config.yml", *(root / "notebooks").glob("*")]}


def test_retargets_config_setup_cells_and_badges_and_is_idempotent(book):
    before = snapshot(book)
    assert set_repository.main(["https://github.com/someone/fork.git", "--branch", "dev"]) == 0
    assert set_repository.configured() == ("https://github.com/someone/fork", "dev")
    assert "# The single place the repository URL lives" in (book / "_config.yml").read_text()
    for path in sorted((book / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        old = json.loads(before[path.name])
        assert nb["cells"][0] == old["cells"][0]  # the title cell is untouched
        assert set_repository.is_badge(nb["cells"][1])
        link = f"https://colab.research.google.com/github/someone/fork/blob/dev/notebooks/{path.name}"
        assert nb["cells"][1]["source"] == [f"[Open in Colab]({link})"]
        setup = next(c for c in nb["cells"] if set_repository.is_setup(c))
        assert 'url = "git+https://github.com/someone/fork@dev"' in "".join(setup["source"])
        assert setup["outputs"] == [] and all(len(line) <= 89 for line in setup["source"])
        # nothing else changed: every other cell, with its outputs, is as it was
        rest = [c for c in nb["cells"] if not (set_repository.is_badge(c) or set_repository.is_setup(c))]
        old_rest = [c for c in old["cells"] if not (set_repository.is_badge(c) or set_repository.is_setup(c))]
        assert rest == old_rest
    after = snapshot(book)
    assert set_repository.main(["https://github.com/someone/fork", "--branch", "dev"]) == 0
    assert snapshot(book) == after  # a second run writes nothing
    assert set_repository.main(["--check"]) == 0
    assert set_repository.main(["https://github.com/cnn-course/cnn-image-classification"]) == 0
    restored = snapshot(book)
    assert restored["_config.yml"] == before["_config.yml"]


def test_rejects_what_colab_cannot_open(book):
    with pytest.raises(SystemExit, match="GitHub repository URL"):
        set_repository.main(["https://gitlab.com/someone/fork"])
    assert snapshot(book)["_config.yml"] == (ROOT / "_config.yml").read_text()
