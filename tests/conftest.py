"""Shared fixtures: a private data directory, a local HTTP server, the offline data mirror."""

from __future__ import annotations

import functools
import http.server
import os
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
def shared_course_data(monkeypatch) -> Path:
    """The offline mirror of the course data (../shared/data/course), or skip."""
    env = os.environ.get("CNN_COURSE_DATA")
    path = Path(env) if env else SHARED_DATA / "course"
    if not (path / "mnist").is_dir():
        pytest.skip(f"the course data mirror is not present (looked in {path}); set CNN_COURSE_DATA")
    monkeypatch.setenv("CNN_COURSE_DATA", str(path))
    return path
