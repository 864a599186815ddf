// The mock-interview page (book/mock_interview.md, written by scripts/build_pages.py): draws a question
// at random from the interview bank embedded in the page, reveals its answer and follow-up, switches
// between English and Korean, and filters by part and level. Plain JavaScript, no network.
(function () {
  "use strict";
  var root = document.getElementById("mock-app");
  var dataNode = document.getElementById("mock-data");
  if (!root || !dataNode) return;
  var bank = JSON.parse(dataNode.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var state = { lang: "en", current: null, revealed: false, lastId: null };
  var LEVEL_KO = { basic: "기초", intermediate: "중급", senior: "시니어" };

  function pool() {
    var part = $("mock-part").value, level = $("mock-level").value;
    return bank.filter(function (q) {
      return (!part || q.part === part) && (!level || q.level === level);
    });
  }

  function labels() {
    root.setAttribute("lang", state.lang);
    root.querySelectorAll("[data-en]").forEach(function (el) {
      el.textContent = el.getAttribute("data-" + state.lang);
    });
    $("mock-lang").textContent = state.lang === "en" ? "한국어" : "English";
    var n = pool().length;
    $("mock-count").textContent = state.lang === "en"
      ? n + " of " + bank.length + " questions match the filters."
      : "조건에 맞는 질문 " + n + "개 (전체 " + bank.length + "개)";
  }

  function typeset(node) {
    if (window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise([node]);
  }

  function render() {
    labels();
    var q = state.current;
    $("mock-card").hidden = !q;
    if (!q) return;
    var level = q.level ? (state.lang === "en" ? q.level : LEVEL_KO[q.level]) : "";
    $("mock-meta").textContent = q.chapter_title + (level ? " · " + level : "");
    $("mock-question").textContent = q.q[state.lang];
    var answer = $("mock-answer");
    answer.hidden = !state.revealed;
    $("mock-reveal").hidden = state.revealed;
    if (state.revealed) {
      var follow = q.f[state.lang];
      answer.innerHTML = q.a[state.lang] + (follow
        ? '<div class="mock-follow"><strong>' + (state.lang === "en" ? "Follow-up." : "꼬리 질문.") +
          "</strong> " + follow + "</div>"
        : "");
      typeset(answer);
    }
  }

  function draw() {
    var candidates = pool();
    if (!candidates.length) { state.current = null; render(); return; }
    var others = candidates.filter(function (q) { return q.id !== state.lastId; });
    var from = others.length ? others : candidates;
    state.current = from[Math.floor(Math.random() * from.length)];
    state.lastId = state.current.id;
    state.revealed = false;
    render();
  }

  $("mock-draw").addEventListener("click", draw);
  $("mock-reveal").addEventListener("click", function () { state.revealed = true; render(); });
  $("mock-lang").addEventListener("click", function () {
    state.lang = state.lang === "en" ? "ko" : "en"; render();
  });
  $("mock-part").addEventListener("change", function () { state.current = null; render(); });
  $("mock-level").addEventListener("change", function () { state.current = null; render(); });
  render();
})();
