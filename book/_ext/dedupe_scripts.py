"""Drop duplicate inline <script> lines from every page once the HTML is written.

With Jupyter Book 1's extension set, the inline configuration scripts of sphinx-thebe and
sphinx-togglebutton are written twice into each page, and the second `const THEBE_JS_URL` throws
"Identifier 'THEBE_JS_URL' has already been declared" in the browser (caught by
tests/test_website.py). Keeping the first of identical lines removes the error.
"""

from pathlib import Path


def _dedupe(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        lines = page.read_text(encoding="utf-8").split("\n")
        seen, kept = set(), []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("<script>") and stripped.endswith("</script>"):
                if stripped in seen:
                    continue
                seen.add(stripped)
            kept.append(line)
        if len(kept) != len(lines):
            page.write_text("\n".join(kept), encoding="utf-8")


def setup(app):
    app.connect("build-finished", _dedupe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
