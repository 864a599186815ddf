"""The built website in a real browser: headless Chromium opens every page over HTTP on 127.0.0.1.

Fails on a console error, a failed request (which includes anything the page would fetch from the
internet: the site must work offline), a broken internal link or anchor, an image without real alt
text, a formula MathJax did not render, or a page wider than a phone's screen. Saves a screenshot of each
page, desktop and phone size, in _build/screenshots/.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SKIP_PAGES = {"genindex.html", "search.html"}  # Sphinx's generated index and search pages


class PageParser(HTMLParser):
    """Collects ids, links and images of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)


@functools.lru_cache(maxsize=None)
def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html")
                  if p.name not in SKIP_PAGES and "_static" not in p.parts and "_sources" not in p.parts)


def is_redirect(page: Path) -> bool:
    """Jupyter Book writes the root index.html as a meta-refresh redirect to the front page."""
    return 'http-equiv="Refresh"' in page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(built_site):
    return built_site


def test_root_index_redirects_to_the_front_page(site):
    index = site / "index.html"
    assert is_redirect(index) and "book/intro.html" in index.read_text(encoding="utf-8")


def test_internal_links_and_anchors_resolve(site):
    broken = []
    for page in pages(site):
        for href in parse(page).links:
            url = urlparse(href)
            if url.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target_path, fragment = urldefrag(href)
            target = (page.parent / unquote(target_path)).resolve() if target_path else page
            if target.is_dir():
                target = target / "index.html"
            rel = page.relative_to(site)
            if not target.exists():
                broken.append(f"{rel}: {href} (no such file)")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in parse(target).ids:
                broken.append(f"{rel}: {href} (no anchor #{fragment})")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:30])


def test_every_image_has_real_alt_text(site):
    missing = []
    for page in pages(site):
        for img in parse(page).images:
            alt = (img.get("alt") or "").strip()
            if not alt or re.search(r"\.(png|jpe?g|svg|gif)$", alt):
                missing.append(f"{page.relative_to(site)}: {img.get('src')} alt={alt!r}")
    assert not missing, "images without a real alt text:\n" + "\n".join(missing[:30])


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_every_page_renders_cleanly_in_chromium(site, server, browser):
    shots = site.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir()
    problems: list[str] = []
    for viewport_name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport)
        for page_path in pages(site):
            if is_redirect(page_path):  # it navigates away at once; its target is checked on its own
                continue
            rel = page_path.relative_to(site).as_posix()
            url = urljoin(server, rel)
            page = context.new_page()
            seen: list[str] = []
            page.on("console", lambda m: m.type == "error" and seen.append(f"console error: {m.text}"))
            page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: seen.append(f"request failed: {r.url} ({r.failure})"))
            page.on("response", lambda r: r.status >= 400 and seen.append(f"HTTP {r.status}: {r.url}"))
            # Outside 127.0.0.1 nothing may be fetched: the site has to work in an offline classroom.
            page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
            page.goto(url, wait_until="load", timeout=90_000)
            n_math = page.locator(".math").count()
            if n_math:
                page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=60_000)
                page.evaluate("MathJax.startup.promise")
                rendered = page.locator(".math mjx-container").count()
                if rendered < n_math:
                    seen.append(f"{n_math - rendered} of {n_math} formulas not rendered by MathJax")
            if viewport_name == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 1:
                    seen.append(f"page is {overflow}px wider than a phone screen")
            shot = shots / f"{rel.replace('/', '__')[:-5]}.{viewport_name}.png"
            try:
                page.screenshot(path=str(shot), timeout=60_000)
            except Exception:  # a busy machine can miss one frame; one retry, then let it fail
                page.wait_for_timeout(2_000)
                page.screenshot(path=str(shot), timeout=60_000)
            problems += [f"{rel} [{viewport_name}]: {html.unescape(s)}" for s in seen]
            page.close()
        context.close()
    assert not problems, "\n".join(problems[:40])
