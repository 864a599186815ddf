"""The website builds with no warnings (`jupyter-book build -W`), from the stored outputs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_book_builds_without_warnings():
    pages = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pages.py")],
                           capture_output=True, text=True, cwd=ROOT)
    assert pages.returncode == 0, pages.stderr
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb if jb.exists() else shutil.which("jupyter-book")), "build", str(ROOT), "-W", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT, timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = ROOT / "_build" / "html"
    assert (html / "index.html").exists()
    page = (html / "notebooks" / "00_how_to_use_this_course.html").read_text()
    assert "colab.research.google.com" in page, "the Colab launch button is missing"
    assert "<img" in page, "the stored figures are missing"
    bank = (html / "book" / "interview_bank.html").read_text()
    assert bank.count('class="sd-summary-title') >= 5 or bank.count("<details") >= 5
