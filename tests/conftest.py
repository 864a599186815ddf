"""Shared fixtures: a private data directory, a local HTTP server, the offline data mirror."""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """An empty, private data directory for the data layer."""
    home = tmp_path / "data"
    home.mkdir()
    monkeypatch.setenv("CNN_COURSE_DATA", str(home))
    return home


@pytest.fixture
def http_server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving a temporary folder; yields (folder, base_url)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests_seen: list[str] = []

    def log_message(self, format, *args):  # keep pytest's output clean
        QuietHandler.requests_seen.append(self.path)


@pytest.fixture
def shared_course_data(monkeypatch, tmp_path) -> Path:
    """The offline mirror of the course data (../shared/data/course), or skip."""
    env = os.environ.get("CNN_COURSE_DATA")
    path = Path(env) if env else SHARED_DATA / "course"
    if not (path / "mnist").is_dir():
        pytest.skip(f"the course data mirror is not present (looked in {path}); set CNN_COURSE_DATA")
    if not env:  # the bare mirror: use it through the overlay CI builds (scripts/prepare_offline_data.py)
        sys.path.insert(0, str(ROOT / "scripts"))
        import prepare_offline_data

        path = prepare_offline_data.build_overlay(path, tmp_path / "course")
    monkeypatch.setenv("CNN_COURSE_DATA", str(path))
    return path


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the website once per test session (generated pages, then `jupyter-book build -W`)."""
    import subprocess
    import sys

    pages = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pages.py")],
                           capture_output=True, text=True, cwd=ROOT)
    assert pages.returncode == 0, pages.stdout + pages.stderr
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(ROOT), "-W", "--keep-going"],
                            capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert result.returncode == 0, "jupyter-book build -W failed:\n" + result.stdout[-6000:] + result.stderr[-3000:]
    return ROOT / "_build" / "html"
