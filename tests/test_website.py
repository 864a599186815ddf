"""The built website in a real browser: headless Chromium opens every page over HTTP on 127.0.0.1.

Fails on a console error (a missing favicon included), a failed request (which includes anything the
page would fetch from the internet: the site must work offline), a broken internal link or anchor, an
image without real alt text, a formula MathJax did not render, a page whose content scrolls sideways
(wide code and tables scroll inside their own box), Korean text not marked lang="ko", a chapter or
contents drawer that does not open at phone width, a figure squashed out of its proportions, a
chapter page over its image budget, or a dropdown that does not print open. Saves a
screenshot of each page, desktop and phone size, in _build/screenshots/.

COURSE_SITE=_build/html checks an existing build instead of building the site first.
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
def site(request):
    if os.environ.get("COURSE_SITE"):
        path = Path(os.environ["COURSE_SITE"]).resolve()
        assert (path / "index.html").exists(), f"COURSE_SITE={path} holds no built site"
        return path
    return request.getfixturevalue("built_site")


def chapter_pages(site: Path) -> list[Path]:
    return sorted((site / "notebooks").glob("*.html"))


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


PAGE_IMAGE_BUDGET = 1_500_000  # bytes of images a chapter page downloads (phones on mobile data)


def page_image_bytes(page: Path) -> int:
    """Bytes of the distinct local image files one page shows."""
    files = {(page.parent / unquote(urlparse(img["src"]).path)).resolve()
             for img in parse(page).images if img.get("src") and not urlparse(img["src"]).scheme}
    return sum(f.stat().st_size for f in files if f.exists())


def test_every_chapter_page_stays_under_its_image_budget(site):
    weights = {p.name: page_image_bytes(p) for p in chapter_pages(site)}
    assert len(weights) >= 15 and all(weights.values()), f"chapter pages without images? {weights}"
    heavy = {name: f"{w / 1e6:.2f} MB" for name, w in weights.items() if w > PAGE_IMAGE_BUDGET}
    assert not heavy, (f"chapter pages over the {PAGE_IMAGE_BUDGET / 1e6} MB image budget: {heavy} "
                       "(photographs as JPEG: helpers.plots.show_as_jpeg)")


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
            overflow = page.evaluate(SIDEWAYS_JS)
            if overflow["by"] > 0:
                seen.append(f"content scrolls sideways by {overflow['by']}px (too wide: "
                            + "; ".join(overflow["culprits"]) + ")")
            if viewport_name == "desktop":
                seen += [f"Korean text without lang=\"ko\": {t}" for t in page.evaluate(UNMARKED_KOREAN_JS)]
            else:
                seen += check_drawers(page, page_path, site)
                seen += [f"figure out of proportion or too wide: {t}" for t in page.evaluate(SQUASHED_JS)]
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


# How far the page scrolls sideways, and the outermost elements that stick out of the viewport
# without a box of their own that scrolls (code blocks, tables and outputs scroll inside theirs).
SIDEWAYS_JS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const by = root.scrollWidth - width;
  const culprits = [];
  if (by > 0) {
    const scrolls = (e) => /auto|scroll|hidden|clip/.test(getComputedStyle(e).overflowX);
    for (const e of document.body.querySelectorAll("*")) {
      if (e.getBoundingClientRect().right <= width + 0.5) continue;
      let a = e.parentElement, inside = false;
      while (a && a !== document.body) { if (scrolls(a)) { inside = true; break; } a = a.parentElement; }
      if (inside || getComputedStyle(e).position === "fixed") continue;
      if (culprits.some((c) => c.el.contains(e))) continue;
      culprits.push({el: e, name: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).join(".") : "")});
      if (culprits.length >= 5) break;
    }
  }
  return {by, culprits: culprits.map((c) => c.name)};
}"""

# Images that are wider than the column or drawn out of their proportions (a width and height
# attribute without CSS height: auto squashes a 2x figure on a narrow screen).
SQUASHED_JS = """() => {
  const out = [];
  for (const img of document.querySelectorAll("article img")) {
    if (!img.complete || !img.naturalWidth) continue;
    const r = img.getBoundingClientRect();
    if (r.width < 2) continue;
    const column = img.closest("article").getBoundingClientRect();
    const drawn = r.height / r.width, natural = img.naturalHeight / img.naturalWidth;
    if (Math.abs(drawn / natural - 1) > 0.02 || r.right > column.right + 1)
      out.push(`${img.getAttribute("src").split("/").pop()} ${Math.round(r.width)}x${Math.round(r.height)}`
               + ` px shown, ${img.naturalWidth}x${img.naturalHeight} px natural`);
  }
  return out.slice(0, 5);
}"""

# Text with Hangul that is not inside an element marked lang="ko" (book/_assets/course.js marks it).
# The mock interview switches its own lang attribute between English and Korean.
UNMARKED_KOREAN_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!/[\\u1100-\\u11ff\\u3130-\\u318f\\uac00-\\ud7af]/.test(node.data)) continue;
    if (node.parentElement.closest('[lang="ko"], code, pre, script, style, svg, mjx-container, select, textarea, #mock-app')) continue;
    out.push(node.data.trim().slice(0, 60));
  }
  return out.slice(0, 5);
}"""


def check_drawers(page, page_path: Path, site: Path) -> list[str]:
    """At phone width the ☰ button opens the chapter list and the contents button the page's contents."""
    problems = []
    n_chapters = len(chapter_pages(site))
    drawers = [("primary-toggle", "#pst-primary-sidebar-modal", ".bd-docs-nav a.reference", n_chapters)]
    if 'id="pst-page-toc-nav"' in page_path.read_text(encoding="utf-8"):
        drawers.append(("secondary-toggle", "#pst-secondary-sidebar-modal", "#pst-page-toc-nav a", 1))
    for button, dialog, links, at_least in drawers:
        try:
            page.locator(f".{button}:visible").first.click(timeout=10_000)
            page.wait_for_selector(f"{dialog}[open]", timeout=5_000)
            shown = page.locator(f"{dialog} {links}:visible").count()
            if shown < at_least:
                problems.append(f"the {button} drawer shows {shown} links, expected at least {at_least}")
            page.keyboard.press("Escape")
            page.wait_for_selector(f"{dialog}:not([open])", state="attached", timeout=5_000)
        except Exception as error:  # playwright's TimeoutError: the button does nothing
            problems.append(f"the {button} drawer does not open at phone width ({type(error).__name__})")
    return problems


def test_korean_text_keeps_words_whole(site, server, browser):
    """A Korean answer is lang="ko" and breaks lines between words (word-break: keep-all)."""
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.goto(urljoin(server, "book/interview_bank.html"), wait_until="load")
    answers = page.evaluate("""() => [...document.querySelectorAll('.bd-article p')]
        .filter((p) => p.textContent.trim().startsWith('답변.'))
        .map((p) => [p.closest('[lang]')?.lang, getComputedStyle(p).wordBreak])""")
    english = page.evaluate("""() => [...document.querySelectorAll('.bd-article p')]
        .filter((p) => p.textContent.trim().startsWith('Answer.'))
        .map((p) => p.closest('[lang]')?.lang)""")
    page.close()
    assert answers and all(a == ["ko", "keep-all"] for a in answers), answers[:5]
    assert english and all(lang == "en" for lang in english), english[:5]


DROPDOWNS_JS = """() => {
  const shown = (e) => !!e && e.checkVisibility({visibilityProperty: true, opacityProperty: true})
                       && e.getBoundingClientRect().height > 0;
  const dropdowns = [...document.querySelectorAll('.bd-article details.sd-dropdown')];
  const solutions = [...document.querySelectorAll('.bd-article .solution.dropdown')];
  return {n: dropdowns.length + solutions.length,
          open: dropdowns.filter((d) => d.open).length,
          shown: dropdowns.filter((d) => shown(d.querySelector('.sd-summary-content'))).length
               + solutions.filter((s) => shown(s.querySelector('.admonition-title ~ *'))).length};
}"""


def test_chapters_print_with_their_answers(site, server, browser):
    """Printing a chapter shows every dropdown (interview answers, exercise solutions): print CSS
    alone, and the `beforeprint` handler that opens them (closed again after printing)."""
    problems = []
    page = browser.new_page(viewport=VIEWPORTS["desktop"])
    for page_path in chapter_pages(site):
        rel = page_path.relative_to(site).as_posix()
        page.emulate_media(media="screen")
        page.goto(urljoin(server, rel), wait_until="load")
        on_screen = page.evaluate(DROPDOWNS_JS)
        if not on_screen["n"]:
            continue
        page.emulate_media(media="print")
        try:  # sphinx-togglebutton fades hidden solutions in: give the transition its time
            page.wait_for_function(f"(({DROPDOWNS_JS})()).shown === (({DROPDOWNS_JS})()).n", timeout=5_000)
        except Exception:
            pass  # reported below
        printed = page.evaluate(DROPDOWNS_JS)
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        opened = page.evaluate(DROPDOWNS_JS)
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        page.emulate_media(media="screen")
        after = page.evaluate(DROPDOWNS_JS)
        if printed["shown"] < printed["n"]:
            problems.append(f"{rel}: print CSS shows {printed['shown']} of {printed['n']} dropdowns")
        n_details = page.locator(".bd-article details.sd-dropdown").count()
        if opened["open"] < n_details:
            problems.append(f"{rel}: beforeprint opened {opened['open']} of {n_details} dropdowns")
        if after["open"] != on_screen["open"]:
            problems.append(f"{rel}: {after['open'] - on_screen['open']} dropdowns stay open after printing")
    page.close()
    assert not problems, "\n".join(problems)


def test_desktop_chapter_button_collapses_the_sidebar(site, server, browser):
    page = browser.new_page(viewport=VIEWPORTS["desktop"])
    page.goto(urljoin(server, chapter_pages(site)[0].relative_to(site).as_posix()), wait_until="load")
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
                           timeout=5_000)
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_function("!document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
                           timeout=5_000)
    page.close()
