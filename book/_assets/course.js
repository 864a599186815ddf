/* Small behaviours of every page of the course website (loaded by html_js_files in _config.yml).
   Checked in a real browser by tests/test_website.py. */
(function () {
  "use strict";

  /* 1. The chapter (☰) and contents drawers on phones and tablets.
     pydata-sphinx-theme 0.17 wires its drawer dialogs to the FIRST element with the class
     .primary-toggle / .secondary-toggle (document.querySelector). That is its own navbar button,
     which sphinx-book-theme hides; the button a reader sees is sphinx-book-theme's article-header
     button with the same class, and it gets no listener, so tapping it does nothing
     (pydata-sphinx-theme issue 2451). A click on any other button of that class is handed to the
     wired one. Where a theme version wires the button itself, its handler stops propagation and
     this listener never runs, so the drawer cannot toggle twice. */
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    for (const cls of ["primary-toggle", "secondary-toggle"]) {
      const clicked = event.target.closest("." + cls);
      const wired = document.querySelector("." + cls);
      if (clicked && wired && clicked !== wired) {
        event.preventDefault();
        wired.click();
        return;
      }
    }
  });

  /* 2. Korean text gets lang="ko": screen readers voice it in Korean and course.css keeps Korean
     words whole at line ends (word-break: keep-all). A block whose text is mostly Hangul is marked
     as a whole; in a mixed block such as "Q. English question? · 한국어 질문?" the part after
     " · " is wrapped in <span lang="ko"> when it is mostly Hangul, and Korean words inside an
     English sentence get a span each. */
  const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/g;
  const HAS_HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/;
  const LATIN = /[A-Za-z]/g;
  const TARGETS = "p, li, dt, dd, td, th, caption, figcaption, h1, h2, h3, h4, h5, h6, " +
    ".sd-summary-text, .admonition-title, nav a, .toctree-wrapper a";
  const STRUCTURE = "p, li, dt, dd, td, th, div, ul, ol, dl, table, pre, details, h1, h2, h3, h4, h5, h6";
  const SEPARATOR = " · ";

  function mostlyKorean(text) {
    const ko = (text.match(HANGUL) || []).length;
    const latin = (text.match(LATIN) || []).length;
    // One Hangul syllable block carries about as much as three Latin letters.
    return ko > 0 && 3 * ko >= latin;
  }

  function markKorean(root) {
    for (const el of root.querySelectorAll(TARGETS)) {
      // #mock-app: the mock interview switches its own lang between English and Korean.
      if (el.closest('[lang="ko"], pre, code, #mock-app') || el.querySelector('[lang="ko"]')) continue;
      if (el.matches("p, li, dt, dd, td, th") && el.querySelector(STRUCTURE)) continue; // not a leaf
      const text = el.textContent;
      if (!HAS_HANGUL.test(text)) continue;
      if (text.includes(SEPARATOR) && wrapKoreanTail(el)) continue;
      if (mostlyKorean(text)) el.lang = "ko";
      else wrapHangulRuns(el);
    }
  }

  /* Korean words inside an English sentence, "(면접 질문과 한국어 답변)": each run in a span. */
  const RUN = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+(?:[\s,.?!·]+[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+)*/g;
  function wrapHangulRuns(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      if (!HAS_HANGUL.test(node.data) || node.parentElement.closest('[lang="ko"], code, pre')) continue;
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const m of node.data.matchAll(RUN)) {
        parts.append(node.data.slice(last, m.index));
        const span = document.createElement("span");
        span.lang = "ko";
        span.textContent = m[0];
        parts.append(span);
        last = m.index + m[0].length;
      }
      parts.append(node.data.slice(last));
      node.replaceWith(parts);
    }
  }

  /* "English · 한국어": wraps the Korean part in <span lang="ko"> and returns true; returns false
     (and changes nothing) when the text before the first " · " is itself Korean. */
  function wrapKoreanTail(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const at = node.data.indexOf(SEPARATOR);
      if (at < 0 || node.parentElement.closest("code, pre")) continue;
      const head = document.createRange();
      head.setStart(el, 0);
      head.setEnd(node, at);
      if (HAS_HANGUL.test(head.toString())) return false;
      const tail = document.createRange();
      tail.setStart(node, at + SEPARATOR.length);
      tail.setEnd(el, el.childNodes.length);
      const headerlink = el.querySelector(":scope > a.headerlink");
      if (headerlink) tail.setEndBefore(headerlink);
      if (!mostlyKorean(tail.toString())) return false;
      const span = document.createElement("span");
      span.lang = "ko";
      span.appendChild(tail.extractContents());
      tail.insertNode(span);
      return true;
    }
    return false;
  }

  /* 3. Printing (or saving as PDF) opens every dropdown, so a printed chapter carries the interview
     answers; they close again afterwards. Hidden code cells (details.hide) stay closed: their
     figures print anyway. The exercise solutions are opened by sphinx-togglebutton itself. */
  const openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    for (const details of document.querySelectorAll(".bd-article details:not([open])")) {
      if (details.matches("details.hide")) continue;
      details.open = true;
      openedForPrint.push(details);
    }
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.splice(0).forEach(function (details) { details.open = false; });
  });

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { markKorean(document.body); });
})();
